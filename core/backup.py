"""Backups that restore: ``manage.py backup`` and ``manage.py restore`` (README "Backups and restore").

A backup is a folder:

- ``database.dump``: PostgreSQL, ``pg_dump --format=custom`` (restored with ``pg_restore``), or
  ``database.sqlite3``: SQLite, a copy made with SQLite's online backup API (consistent while the
  system runs);
- ``media.tsv``: every uploaded file in the storage (local MEDIA_ROOT or the object store):
  path, size in bytes, SHA-256, tab-separated, one a line;
- ``media/``: with ``backup --media``, a copy of those files (for a single machine on local disk;
  an object store is kept by its own versioning or replication);
- ``manifest.json``: when, the version (pyproject, git commit when known, latest migration of each
  app), the database vendor, the row count of every table of the project's apps, the files' count
  and size, and the SHA-256 of the dump.

``restore DIR`` loads the dump into the configured database, which must be empty (a new database),
then compares every table's row count with the manifest and the storage's files with the listing.
"""

import contextlib
import csv
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tomllib
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.files.storage import storages
from django.db import connection, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

MANIFEST = "manifest.json"
MEDIA_LIST = "media.tsv"
MEDIA_DIR = "media"
DUMPS = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
FORMAT = 1


class BackupError(Exception):
    pass


# --- what is in the database and the storage -----------------------------------------------------------


def project_models():
    """The concrete models of the project's own apps, and the users (``app_label.Model`` → model)."""
    base = Path(settings.BASE_DIR).resolve()
    models = {}
    for config in apps.get_app_configs():
        path = Path(config.path).resolve()
        if base not in path.parents or ".venv" in path.parts:
            continue
        for model in config.get_models():
            if model._meta.managed and not model._meta.proxy:
                models[model._meta.label] = model
    return dict(sorted(models.items()))


def table_counts():
    return {label: model._base_manager.count() for label, model in project_models().items()}


def _walk(storage, folder=""):
    directories, files = storage.listdir(folder)
    for name in sorted(files):
        yield f"{folder}/{name}" if folder else name
    for name in sorted(directories):
        yield from _walk(storage, f"{folder}/{name}" if folder else name)


def sha256_of(storage, name):
    digest = hashlib.sha256()
    with storage.open(name, "rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def media_files(storage=None):
    """Every stored file: ``(path, size, sha256)``. An absent local MEDIA_ROOT has none."""
    storage = storage or storages["default"]
    location = getattr(storage, "location", None)
    if location is not None and hasattr(storage, "path") and not os.path.isdir(location):
        return []
    return [(name, storage.size(name), sha256_of(storage, name)) for name in _walk(storage)]


def version():
    info = {"django": __import__("django").get_version()}
    with contextlib.suppress(OSError, KeyError, tomllib.TOMLDecodeError):
        info["app"] = tomllib.loads((Path(settings.BASE_DIR) / "pyproject.toml").read_text())["project"]["version"]
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        info["commit"] = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()
    latest = {}
    for app, name in MigrationRecorder(connection).applied_migrations():
        latest[app] = max(latest.get(app, ""), name)
    info["migrations"] = dict(sorted(latest.items()))
    return info


# --- PostgreSQL client programs --------------------------------------------------------------------------


def _pg_args_env(settings_dict):
    args = []
    if settings_dict.get("HOST"):
        args += ["--host", str(settings_dict["HOST"])]
    if settings_dict.get("PORT"):
        args += ["--port", str(settings_dict["PORT"])]
    if settings_dict.get("USER"):
        args += ["--username", str(settings_dict["USER"])]
    env = dict(os.environ)
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    sslmode = (settings_dict.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = str(sslmode)
    return args, env


def _run(command, env):
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} not found: install PostgreSQL's client programs (postgresql-client)")
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed ({result.returncode}): {result.stderr.strip()[-2000:]}")


def dump_database(path):
    """Write the dump; return every table's row count as the dump holds it (the same snapshot)."""
    vendor = connection.vendor
    if vendor == "postgresql":
        return _dump_postgresql(path)
    if vendor == "sqlite":
        connection.ensure_connection()
        target = sqlite3.connect(path)
        try:
            connection.connection.backup(target)
            return _sqlite_counts(target)
        finally:
            target.close()
    raise BackupError(f"no backup for the {vendor} database")


def _dump_postgresql(path):
    """pg_dump from a snapshot this connection exported and counts in: the counts are the dump's, even
    while the system writes."""
    args, env = _pg_args_env(connection.settings_dict)
    command = ["pg_dump", "--format=custom", "--no-owner", "--file", str(path), *args,
               "--dbname", connection.settings_dict["NAME"]]  # fmt: skip
    if connection.in_atomic_block:  # inside a caller's transaction: no snapshot of our own
        counts = table_counts()
        _run(command, env)
        return counts
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
        counts = table_counts()
        _run([*command, "--snapshot", snapshot], env)
    return counts


def _sqlite_counts(database):
    counts = {}
    for label, model in project_models().items():
        table = model._meta.db_table.replace('"', '""')
        counts[label] = database.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]
    return counts


def database_is_empty():
    with connection.cursor() as cursor:
        return not connection.introspection.table_names(cursor)


def load_database(path, privileges=False):
    """Load a dump. PostgreSQL: the tables belong to the user restoring; the dump's GRANTs and REVOKEs (the
    app role's rights) are applied only with ``privileges`` (their roles must exist on the server)."""
    vendor = connection.vendor
    if vendor == "postgresql":
        args, env = _pg_args_env(connection.settings_dict)
        if not privileges:
            args.append("--no-privileges")
        connection.close()
        _run(["pg_restore", "--no-owner", "--exit-on-error", "--single-transaction", *args,
              "--dbname", connection.settings_dict["NAME"], str(path)], env)  # fmt: skip
    elif vendor == "sqlite":
        connection.ensure_connection()
        source = sqlite3.connect(path)
        try:
            source.backup(connection.connection)
        finally:
            source.close()
        connection.close()
    else:
        raise BackupError(f"no restore for the {vendor} database")


# --- backup and restore ------------------------------------------------------------------------------------


def file_sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def backup(output, copy_media=False):
    """Write a backup into the folder ``output`` (made; must be empty). Returns the manifest."""
    output = Path(output)
    if output.exists() and any(output.iterdir()):
        raise BackupError(f"{output} is not empty")
    output.mkdir(parents=True, exist_ok=True)
    vendor = connection.vendor
    if vendor not in DUMPS:
        raise BackupError(f"no backup for the {vendor} database")
    started = timezone.now()
    dump = output / DUMPS[vendor]
    counts = dump_database(dump)
    storage = storages["default"]
    files = media_files(storage)
    with open(output / MEDIA_LIST, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(["path", "size", "sha256"])
        writer.writerows(files)
    if copy_media:
        for name, _size, _digest in files:
            target = output / MEDIA_DIR / name
            target.parent.mkdir(parents=True, exist_ok=True)
            with storage.open(name, "rb") as source, open(target, "wb") as handle:
                shutil.copyfileobj(source, handle)
    manifest = {
        "format": FORMAT,
        "created_at": started.isoformat(),
        "finished_at": timezone.now().isoformat(),
        "version": version(),
        "database": {"vendor": vendor, "file": dump.name, "sha256": file_sha256(dump), "bytes": dump.stat().st_size},
        "counts": counts,
        "media": {"files": len(files), "bytes": sum(size for _name, size, _digest in files), "copied": copy_media},
    }
    (output / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return manifest


def read_manifest(folder):
    path = Path(folder) / MANIFEST
    if not path.is_file():
        raise BackupError(f"{path} not found: not a backup folder")
    return json.loads(path.read_text(encoding="utf-8"))


def read_media_list(folder):
    path = Path(folder) / MEDIA_LIST
    if not path.is_file():
        return []
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle, delimiter="\t"))
    return [(name, int(size), digest) for name, size, digest in rows[1:]]


def restore(folder, check_hashes=False, privileges=False):
    """Load the backup in ``folder`` into the configured (empty) database, put back copied media files
    that the storage lacks, and compare. Returns ``(count_mismatches, media_problems)``: lists of text."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    vendor = manifest["database"]["vendor"]
    if vendor != connection.vendor:
        raise BackupError(f"the backup is of a {vendor} database; this one is {connection.vendor}")
    dump = folder / manifest["database"]["file"]
    if file_sha256(dump) != manifest["database"]["sha256"]:
        raise BackupError(f"{dump}: its SHA-256 differs from the manifest's (damaged or changed)")
    if not database_is_empty():
        raise BackupError("the database is not empty: restore into a new, empty database")
    load_database(dump, privileges=privileges)
    counts = table_counts()
    mismatches = [
        f"{label}: {expected} in the backup, {counts.get(label)} restored"
        for label, expected in manifest["counts"].items()
        if counts.get(label) != expected
    ]
    return mismatches, restore_media(folder, check_hashes)


def restore_media(folder, check_hashes=False):
    storage = storages["default"]
    problems = []
    for name, size, digest in read_media_list(folder):
        copy = Path(folder) / MEDIA_DIR / name
        if not storage.exists(name) and copy.is_file():
            with open(copy, "rb") as handle:
                storage.save(name, handle)
        if not storage.exists(name):
            problems.append(f"{name}: missing")
        elif storage.size(name) != size:
            problems.append(f"{name}: {storage.size(name)} bytes, {size} in the backup")
        elif check_hashes and sha256_of(storage, name) != digest:
            problems.append(f"{name}: content differs (SHA-256)")
    return problems
