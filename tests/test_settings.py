"""Importing the settings creates nothing; the commands that run the system make VAR_DIR ready.

Each case runs in a fresh process with a fresh VAR_DIR (the settings are read once per process).
"""

import os
import stat
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SETUP = (
    "import django; django.setup(); from django.conf import settings; print(settings.DEBUG, bool(settings.SECRET_KEY))"
)


def run(args, tmp_path, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DJANGO_ALLOW_ASYNC"))}
    for name in ("DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY", "CELERY_BROKER_DIR", "STATIC_ROOT", "MEDIA_ROOT"):
        env.pop(name, None)  # the embedded default: everything under VAR_DIR
    env.update(VAR_DIR=str(tmp_path / "var"), DJANGO_SETTINGS_MODULE="config.settings", **extra)
    return subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_importing_the_settings_and_the_apps_creates_nothing(tmp_path):
    done = run(["-c", SETUP], tmp_path)

    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "True"]  # the embedded run: DEBUG only when asked for, a key of its own
    assert list(tmp_path.iterdir()) == []


def test_debug_off_without_a_secret_key_is_refused_and_writes_nothing(tmp_path):
    done = run(["-c", SETUP], tmp_path, DATABASE_URL="postgres://nobody@127.0.0.1:1/none")

    assert done.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_manage_py_makes_var_dir_ready_and_keeps_one_secret_key(tmp_path):
    var = tmp_path / "var"

    first = run(["manage.py", "check"], tmp_path)
    key = (var / "secret_key").read_text()
    second = run(["manage.py", "check"], tmp_path)

    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert len(key) > 40 and (var / "secret_key").read_text() == key
    assert stat.S_IMODE((var / "secret_key").stat().st_mode) == 0o600
    assert all((var / "broker" / sub).is_dir() for sub in ("queue", "processed", "control"))
    assert (var / "static").is_dir()


def test_a_deployment_with_its_own_secret_key_gets_no_key_file(tmp_path):
    done = run(["manage.py", "check"], tmp_path, SECRET_KEY="deployment-secret-key-0123456789-abcdefghijklmnop")

    assert done.returncode == 0, done.stderr
    assert (tmp_path / "var").is_dir() and not (tmp_path / "var" / "secret_key").exists()
