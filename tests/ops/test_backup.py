"""Backups that restore: seed a database, ``manage.py backup``, ``manage.py restore`` into a new, empty
database, and find the same row counts and a passing ``verify_events`` — as an operator would, each
command in its own process, on PostgreSQL (databases made and dropped by the test) and on SQLite."""

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.db import connection

BASE_DIR = Path(__file__).resolve().parents[2]
SECRET = "backup-test-secret-key"  # the same secrets before and after: keep them with the backups


def manage(env, *args, check=True):
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=300
    )
    if check and result.returncode != 0:
        pytest.fail(
            f"manage.py {' '.join(args)} exited {result.returncode}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
    return result


def base_env(tmp_path, database_url, name):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DJANGO_ALLOW_ASYNC"))}
    for key in ("REDIS_URL", "EMAIL_URL", "STORAGE_URL", "CELERY_BROKER_DIR", "CELERY_TASK_ALWAYS_EAGER"):
        env.pop(key, None)
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="config.settings",
        SECRET_KEY=SECRET,
        VAR_DIR=str(tmp_path / f"var-{name}"),
        MEDIA_ROOT=str(tmp_path / f"media-{name}"),
        EMAIL_FILE_PATH=str(tmp_path / "mail"),
        LOG_LEVEL="WARNING",
    )
    return env


def seed_and_back_up(env, output):
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "seed_demo", "--scale", "small")
    assert manage(env, "verify_events").returncode == 0
    manage(env, "backup", "--output", str(output), "--media")
    manifest = json.loads((output / "manifest.json").read_text())
    listing = (output / "media.tsv").read_text().splitlines()
    assert listing[0] == "path\tsize\tsha256" and len(listing) - 1 == manifest["media"]["files"] > 0
    assert manifest["counts"]["cases.Hazard"] > 0 and manifest["counts"]["timeline.Event"] > 0
    assert manifest["version"]["migrations"]["core"]
    return manifest


def assert_restored(env, output, manifest):
    restored = manage(env, "restore", str(output))
    assert "各表行数与备份清单一致" in restored.stdout
    check = manage(env, "verify_events")
    assert "时间线完整" in check.stdout
    counts = manage(
        env, "shell", "-c",
        "import json; from core.backup import table_counts; print(json.dumps(table_counts()))",
    )  # fmt: skip
    assert json.loads(counts.stdout.strip().splitlines()[-1]) == manifest["counts"]


def pg_url(name):
    settings = connection.settings_dict
    user = quote(settings.get("USER") or "", safe="")
    password = quote(settings.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    return f"postgres://{auth}{settings.get('HOST') or '127.0.0.1'}:{settings.get('PORT') or 5432}/{name}"


def test_a_postgresql_backup_restores_into_an_empty_database(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL=postgres://… (CI does)")
    prefix = f"test_backup_{os.getpid()}"
    source, target = f"{prefix}_src", f"{prefix}_dst"
    with psycopg.connect(pg_url("postgres"), autocommit=True) as admin:
        for name in (source, target):
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
            admin.execute(f'CREATE DATABASE "{name}"')
        try:
            output = tmp_path / "backup"
            manifest = seed_and_back_up(base_env(tmp_path, pg_url(source), "src"), output)
            assert (output / "database.dump").read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format

            env = base_env(tmp_path, pg_url(target), "dst")
            assert_restored(env, output, manifest)
            # The photos came back from the backup's copy into the new MEDIA_ROOT, byte for byte.
            assert len(list(Path(env["MEDIA_ROOT"]).rglob("*.*"))) == manifest["media"]["files"]
            # Restoring again into the now full database is refused.
            again = manage(env, "restore", str(output), check=False)
            assert again.returncode != 0 and "not empty" in again.stderr
        finally:
            for name in (source, target):
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_sqlite_backup_restores_into_an_empty_database(tmp_path):
    output = tmp_path / "backup"
    source = base_env(tmp_path, f"sqlite:///{tmp_path / 'source.sqlite3'}", "src")
    manifest = seed_and_back_up(source, output)
    assert manifest["database"]["vendor"] == "sqlite"
    target = base_env(tmp_path, f"sqlite:///{tmp_path / 'restored.sqlite3'}", "dst")
    assert_restored(target, output, manifest)


def test_restore_refuses_a_damaged_dump(tmp_path):
    output = tmp_path / "backup"
    source = base_env(tmp_path, f"sqlite:///{tmp_path / 'source.sqlite3'}", "src")
    manage(source, "migrate", "--noinput", "-v", "0")
    manage(source, "backup", "--output", str(output))
    with open(output / "database.sqlite3", "ab") as dump:
        dump.write(b"tampered")
    target = base_env(tmp_path, f"sqlite:///{tmp_path / 'restored.sqlite3'}", "dst")
    result = manage(target, "restore", str(output), check=False)
    assert result.returncode != 0 and "SHA-256" in result.stderr
