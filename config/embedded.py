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
    """DEBUG only when asked for (``DEBUG=1``): otherwise, in the embedded run too, a missing page is the
    product's own 404 page, not Django's debug page listing every URL."""
    return env_bool("DEBUG", False)


def is_embedded():
    """The embedded run (no DATABASE_URL): a developer's or a demo, which keeps its own secret key in
    VAR_DIR; a deployment on PostgreSQL must set SECRET_KEY."""
    return not os.environ.get("DATABASE_URL")


WILDCARD_HOSTS = ("0.0.0.0", "::", "")


def outward_address():
    """This machine's address on its network (for links from other devices when the server listens on
    every interface); 127.0.0.1 when there is none. Sends nothing: a UDP socket only picks its route."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.connect(("10.255.255.255", 1))
            return sock.getsockname()[0]
        except OSError:
            return "127.0.0.1"


def site_url_from_env():
    """SITE_URL (the address in mails, webhooks and the notice's QR code): as set, or derived from the
    embedded run's HOST and PORT (default http://127.0.0.1:8000)."""
    explicit = os.environ.get("SITE_URL", "").strip()
    if explicit:
        return explicit.rstrip("/")
    host = os.environ.get("HOST", "127.0.0.1").strip()
    port = os.environ.get("PORT", "8000").strip() or "8000"
    if host in WILDCARD_HOSTS:
        host = outward_address()
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def allowed_hosts_from_env():
    """ALLOWED_HOSTS as set, or the local names plus the embedded run's HOST (any name when it listens on
    every interface, where it is reached by whatever address the machine has)."""
    explicit = [item.strip() for item in os.environ.get("ALLOWED_HOSTS", "").split(",") if item.strip()]
    if explicit:
        return explicit
    hosts = ["127.0.0.1", "localhost", "[::1]", "testserver"]
    host = os.environ.get("HOST", "").strip()
    if host in ("0.0.0.0", "::"):
        return ["*"]
    if host and host not in hosts:
        hosts.append(f"[{host}]" if ":" in host else host)
    return hosts


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
    ``secret_key``, when no SECRET_KEY is set in the embedded run (or with DEBUG on), a random key kept in VAR_DIR/secret_key so
    that the web server, the worker and later runs share it (sessions survive a restart). Idempotent."""
    folder = var_dir()
    folder.mkdir(parents=True, exist_ok=True)
    if not os.environ.get("REDIS_URL"):
        for sub in BROKER_FOLDERS:
            (broker_dir() / sub).mkdir(parents=True, exist_ok=True)
    static_root().mkdir(parents=True, exist_ok=True)  # whitenoise warns about a missing STATIC_ROOT
    needs_key = debug_from_env() or is_embedded()
    if secret_key and not os.environ.get("SECRET_KEY") and needs_key and not read_secret_key():
        key_file = secret_key_file()
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
