"""`manage.py check --deploy` is clean with the production settings (HTTPS=1): HSTS, the redirect to
HTTPS, secure cookies; and the settings an operator sets change what they say."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(args, **env):
    # As a deployment's environment: not the browser tests' DJANGO_ALLOW_ASYNC_UNSAFE (tests/e2e/conftest.py),
    # which this process has when an xdist worker ran a browser test first (async.E001 in check --deploy).
    ignored = {"DEBUG", "HTTPS", "SECURE_HSTS_SECONDS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environment = {k: v for k, v in os.environ.items() if k not in ignored}
    environment.update(env)
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=300
    )


def settings_of(names, **env):
    code = "import django; django.setup(); from django.conf import settings; " + "; ".join(
        f"print(repr(getattr(settings, {name!r}, None)))" for name in names
    )
    result = run(["-c", code], DJANGO_SETTINGS_MODULE="config.settings", **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_check_deploy_prints_no_warning_with_https(tmp_path):
    result = run(
        ["manage.py", "check", "--deploy"],
        SECRET_KEY=secrets.token_urlsafe(60),
        DEBUG="0",
        HTTPS="1",
        VAR_DIR=str(tmp_path),
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert not re.search(r"\.W\d{3}|\.E\d{3}", output), output
    assert "no issues" in output


def test_https_settings():
    values = settings_of(
        [
            "SECURE_HSTS_SECONDS",
            "SECURE_SSL_REDIRECT",
            "SESSION_COOKIE_SECURE",
            "CSRF_COOKIE_SECURE",
            "SECURE_PROXY_SSL_HEADER",
        ],
        SECRET_KEY="x" * 60,
        HTTPS="1",
    )
    assert values == ["31536000", "True", "True", "True", "('HTTP_X_FORWARDED_PROTO', 'https')"]

    assert settings_of(["SECURE_HSTS_SECONDS"], SECRET_KEY="x" * 60, HTTPS="1", SECURE_HSTS_SECONDS="600") == ["600"]
    # without HTTPS (the embedded run on a plain intranet address): no HSTS, no redirect
    assert settings_of(["SECURE_HSTS_SECONDS", "SECURE_SSL_REDIRECT"], SECRET_KEY="x" * 60) == ["0", "False"]


def test_idle_hours_and_token_days_from_the_environment():
    values = settings_of(
        ["SESSION_COOKIE_AGE", "API_TOKEN_DAYS", "LOGIN_FAILURE_LIMIT", "AXES_FAILURE_LIMIT"],
        SECRET_KEY="x" * 60,
        SESSION_IDLE_HOURS="2",
        API_TOKEN_DAYS="7",
        LOGIN_FAILURE_LIMIT="5",
    )
    assert values == ["7200", "7", "5", "5"]
