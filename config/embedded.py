"""The embedded run's folder, VAR_DIR: where its parts are, and making it ready.

Importing the settings only reads these paths and creates nothing (tests/test_settings.py checks it).
The commands that run the system make the folder ready first, with ``prepare_var_dir()``:
scripts/run.py (``make run``) and manage.py before the settings load, and the Celery app when it is
configured (worker, beat, ``celery call``), for the embedded broker's folders.

No Django import here: scripts/run.py calls this before Django is set up.
"""

import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
BROKER_FOLDERS = ("queue", "processed", "control")


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def debug_from_env():
    """The embedded run (no DATABASE_URL) is a developer's or a demo: DEBUG defaults on there and off
    for a deployment on PostgreSQL, where SECRET_KEY is then required."""
    return env_bool("DEBUG", not os.environ.get("DATABASE_URL"))


def var_dir():
    return Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def broker_dir():
    """The filesystem broker's folder (used when REDIS_URL is not set)."""
    return Path(os.environ.get("CELERY_BROKER_DIR", var_dir() / "broker"))


def static_root():
    return Path(os.environ.get("STATIC_ROOT", var_dir() / "static"))


def secret_key_file():
    return var_dir() / "secret_key"


def read_secret_key():
    """The key the embedded run keeps in VAR_DIR/secret_key, or "" when there is none yet."""
    try:
        return secret_key_file().read_text().strip()
    except FileNotFoundError:
        return ""


def prepare_var_dir(*, secret_key=True):
    """Create VAR_DIR, the embedded broker's folders (without REDIS_URL) and the static root; with
    ``secret_key``, when no SECRET_KEY is set and DEBUG is on, a random key kept in VAR_DIR/secret_key so
    that the web server, the worker and later runs share it (sessions survive a restart). Idempotent."""
    folder = var_dir()
    folder.mkdir(parents=True, exist_ok=True)
    if not os.environ.get("REDIS_URL"):
        for sub in BROKER_FOLDERS:
            (broker_dir() / sub).mkdir(parents=True, exist_ok=True)
    static_root().mkdir(parents=True, exist_ok=True)  # whitenoise warns about a missing STATIC_ROOT
    if secret_key and not os.environ.get("SECRET_KEY") and debug_from_env() and not read_secret_key():
        key_file = secret_key_file()
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
