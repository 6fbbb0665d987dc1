# The two commands: `make run` runs the whole system on this machine, `make test` runs every test.
# Both create .venv with a Python 3.11+ (set PYTHON=… to pick one) and install what they need once;
# a stamp file in .venv remembers that, so later calls start at once until requirements*.txt change.

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV ?= .venv
PY := $(VENV)/bin/python
# The first of these that runs and is 3.11+ (a pyenv shim may exist yet not run).
PYTHON ?= $(shell for p in python3 python3.13 python3.12 python3.11; do \
	if $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; then echo $$p; break; fi; done)
PIP_INSTALL := $(PY) -m pip install --disable-pip-version-check --quiet
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev

# Extra arguments for pytest, e.g. `make test PYTEST_ARGS="tests/accounts -x"`; XDIST="" runs in one process.
# With -n, tests/conftest.py sends a few slow modules (the seed-scale data, built once) whole to one worker, first.
PYTEST_ARGS ?=
XDIST ?= -n auto

.PHONY: help run test lint format format-check clean clean-data venv

help:
	@echo "make run        the web server on http://127.0.0.1:8000 (PORT=…), a Celery worker and beat;"
	@echo "                demo data in an empty database. Ctrl-C stops everything."
	@echo "make test       the whole test suite (DATABASE_URL / REDIS_URL select PostgreSQL / Redis)"
	@echo "make lint       ruff (rules and formatting), import-linter contracts, missing migrations"
	@echo "make format     ruff format and import sorting (make format-check only checks)"
	@echo "make clean      remove .venv, caches, compiled translations and test artifacts"
	@echo "make clean-data remove var/ (the embedded database, broker, mail and uploaded photos)"

$(PY):
	@if [ -z "$(PYTHON)" ]; then echo "Python 3.11 or newer is needed: none found on PATH (set PYTHON=…)"; exit 1; fi
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else \
		"Python 3.11 or newer is needed, $(PYTHON) is " + sys.version.split()[0] + " (set PYTHON=…)")'
	$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); \
		echo "Could not create $(VENV): on Debian/Ubuntu install python3-venv"; exit 1; }

$(RUN_STAMP): requirements.txt | $(PY)
	$(PIP_INSTALL) -r requirements.txt
	@touch $@

$(DEV_STAMP): requirements.txt requirements-dev.txt | $(PY)
	$(PIP_INSTALL) -r requirements-dev.txt
	@touch $@ $(RUN_STAMP)

venv: $(DEV_STAMP)

run: $(RUN_STAMP)
	@exec $(PY) scripts/run.py

# (compile_translations signs nothing: a deployment's DATABASE_URL without SECRET_KEY may run it)
test: $(DEV_STAMP)
	@SECRET_KEY="$${SECRET_KEY:-only-to-compile-translations}" $(PY) manage.py compile_translations --verbosity 0
	$(PY) -m pytest $(XDIST) $(PYTEST_ARGS)

lint: $(DEV_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(PY) manage.py makemigrations --check --dry-run

format: $(DEV_STAMP)
	$(VENV)/bin/ruff check --select I --fix .
	$(VENV)/bin/ruff format .

format-check: $(DEV_STAMP)
	$(VENV)/bin/ruff format --check .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis tests/e2e/artifacts
	find . -path ./var -prune -o \( -name __pycache__ -o -name '*.mo' \) -print0 | xargs -0 rm -rf

clean-data:
	rm -rf var
