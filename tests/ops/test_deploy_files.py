"""The files in deploy/ are what an operator installs: the nginx site passes Debian's ``nginx -t`` (with test
certificates made here and its paths moved to a temporary folder), the systemd units pass
``systemd-analyze verify``, and the web unit's gunicorn command line is one gunicorn accepts."""

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import IN_CI

BASE_DIR = Path(__file__).resolve().parents[2]
DEPLOY = BASE_DIR / "deploy"
UNITS = ("tracker-web.service", "tracker-worker.service", "tracker-beat.service")
SITE = DEPLOY / "nginx-tracker.conf"


def need(program):
    path = shutil.which(program) or next(
        (str(p) for p in (Path("/usr/sbin") / program, Path("/sbin") / program) if p.exists()), None
    )
    if path is None:
        pytest.skip(f"{program} is not installed (.ci/run installs it)")
    return path


def test_the_nginx_site_passes_nginx_t(tmp_path):
    nginx = need("nginx")
    openssl = need("openssl")
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=tracker.test",
         "-keyout", str(tmp_path / "privkey.pem"), "-out", str(tmp_path / "fullchain.pem")],
        check=True, capture_output=True,
    )  # fmt: skip
    site = SITE.read_text()
    for original, moved in (
        ("/etc/ssl/tracker/", f"{tmp_path}/"),
        ("/srv/tracker/var", str(tmp_path / "var")),
        ("/var/www/letsencrypt", str(tmp_path / "acme")),
    ):
        assert original in site
        site = site.replace(original, moved)
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n  include /etc/nginx/mime.types;\n  access_log {tmp_path}/access.log;\n"
        f"  include {tmp_path}/site.conf;\n}}\n"
    )
    result = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-e", str(tmp_path / "error.log")],
        capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


def test_the_nginx_site_takes_the_largest_upload_and_forwards_the_client_and_scheme():
    site = SITE.read_text()
    size = re.search(r"client_max_body_size (\d+)m;", site)
    limit = getattr(settings, "PHOTO_REQUEST_MAX_BYTES", settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    assert size and int(size.group(1)) * 1024 * 1024 >= limit
    for header in ("X-Forwarded-For $proxy_add_x_forwarded_for", "X-Forwarded-Proto $scheme", "Host $host"):
        assert f"proxy_set_header {header};" in site
    assert "gzip on;" in site and "ssl_certificate " in site and "location /static/" in site


def installed_units(tmp_path):
    folder = tmp_path / "units"
    folder.mkdir()
    env_file = tmp_path / "env"
    env_file.write_text((DEPLOY / "env.example").read_text())
    venv = Path(sys.executable).parent.parent
    for name in UNITS:
        text = (DEPLOY / name).read_text()
        assert "EnvironmentFile=/etc/tracker/env" in text and "User=tracker" in text and "Restart=on-failure" in text
        text = text.replace("/srv/tracker/.venv", str(venv)).replace("/srv/tracker", str(BASE_DIR))
        (folder / name).write_text(text.replace("/etc/tracker/env", str(env_file)))
    return folder


def test_the_systemd_units_pass_systemd_analyze_verify(tmp_path):
    if shutil.which("systemd-analyze") is None:
        if IN_CI:
            pytest.fail("systemd-analyze is missing in CI")
        pytest.skip("systemd-analyze is not installed on this machine (no systemd)")
    folder = installed_units(tmp_path)
    result = subprocess.run(
        ["systemd-analyze", "verify", *(str(folder / name) for name in UNITS)], capture_output=True, text=True
    )
    # Unknown keys and bad values are only warnings (exit 0): none may be printed about our units.
    ours = [line for line in result.stderr.splitlines() if any(name in line for name in UNITS)]
    assert result.returncode == 0 and not ours, result.stderr


def test_the_web_units_gunicorn_command_is_valid():
    text = (DEPLOY / "tracker-web.service").read_text().replace("\\\n", " ")
    command = re.search(r"^ExecStart=(.*)$", text, re.MULTILINE).group(1)
    defaults = dict(re.findall(r"^Environment=(\w+)=(\S+)$", text, re.MULTILINE))
    args = shlex.split(re.sub(r"\$\{(\w+)\}", lambda m: defaults[m.group(1)], command))
    assert args[0].endswith("/gunicorn")
    gunicorn = Path(sys.executable).parent / "gunicorn"
    result = subprocess.run(
        [str(gunicorn), "--check-config", *args[1:]], cwd=BASE_DIR, capture_output=True, text=True,
        env={"PATH": "/usr/bin:/bin", "SECRET_KEY": "x", "DJANGO_SETTINGS_MODULE": "config.settings"},
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
