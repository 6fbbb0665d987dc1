"""Health endpoints for the proxy and the monitoring: ``/healthz`` and ``/readyz``.

``HealthCheckMiddleware`` sits first in ``MIDDLEWARE`` and answers these two paths before anything
else runs: no session, no user, no host check (a probe asks by the server's address), no HTTPS
redirect (the proxy probes the app over plain HTTP), and so no database access for ``/healthz``.

- ``GET /healthz``: the process is up and serves requests: 200 ``ok`` (text).
- ``GET /readyz``: the database, the cache, the Celery broker and the file storage answer:
  200 ``{"status": "ok", "checks": {"database": "ok", …}}``, or 503 with ``"status": "unavailable"``,
  ``"failed": [names]`` and each failed check's error in ``checks`` (the error text only for the
  addresses that may read the metrics, METRICS_ALLOWED_IPS or METRICS_TOKEN: it names internal hosts).

Each check is short: a ``SELECT 1``, a cache write and read, one broker connection with a 2-second
timeout, the storage's root (local folder writable, or one object lookup on object storage).
"""

import logging
import os
import time
import uuid

from django.conf import settings
from django.http import HttpResponse, JsonResponse

logger = logging.getLogger(__name__)

PATHS = ("/healthz", "/readyz")
TIMEOUT = 2  # seconds for each network check


def check_database():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_cache():
    from django.core.cache import cache

    key = f"readyz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    if cache.get(key) != "1":
        raise RuntimeError("the cache did not keep a value")
    cache.delete(key)


def check_broker():
    url = settings.CELERY_BROKER_URL
    if url.startswith("filesystem"):
        folder = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("data_folder_in", "")
        if not (folder and os.path.isdir(folder) and os.access(folder, os.W_OK)):
            raise RuntimeError(f"broker folder not writable: {folder}")
        return
    if url.startswith(("redis://", "rediss://", "unix://")):
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=TIMEOUT, socket_timeout=TIMEOUT)
        try:
            client.ping()
        finally:
            client.close()
        return
    from kombu import Connection

    with Connection(url, connect_timeout=TIMEOUT) as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=TIMEOUT)


def check_storage():
    from django.core.files.storage import FileSystemStorage, storages

    storage = storages["default"]
    if isinstance(storage, FileSystemStorage):
        # The folder, or (before the first upload made it) the nearest folder above it, must be writable.
        folder = os.path.abspath(storage.location)
        while not os.path.exists(folder) and os.path.dirname(folder) != folder:
            folder = os.path.dirname(folder)
        if not (os.path.isdir(folder) and os.access(folder, os.W_OK)):
            raise RuntimeError(f"media folder not writable: {storage.location}")
        return
    storage.exists("readyz-probe")  # object storage: one lookup (answers False; errors if unreachable)


CHECKS = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
    "storage": check_storage,
}


def readiness():
    """Run every check: ``(all_ok, {name: "ok" | error text})``."""
    results = {}
    for name, check in CHECKS.items():
        started = time.monotonic()
        try:
            check()
        except Exception as exc:  # any failure of a dependency is a "not ready", named
            results[name] = f"{type(exc).__name__}: {exc}"[:300]
            logger.warning("readyz: %s failed after %.1f s: %s", name, time.monotonic() - started, exc)
        else:
            results[name] = "ok"
    return all(value == "ok" for value in results.values()), results


def healthz(request):
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


def readyz(request):
    from core.metrics import metrics_allowed

    ok, results = readiness()
    failed = [name for name, value in results.items() if value != "ok"]
    if failed and not metrics_allowed(request):  # the errors name internal hosts: only for the monitoring
        results = {name: "ok" if value == "ok" else "failed" for name, value in results.items()}
    body = {"status": "ok" if ok else "unavailable", "checks": results}
    if not ok:
        body["failed"] = failed
    response = JsonResponse(body, status=200 if ok else 503)
    response["Cache-Control"] = "no-store"
    return response


class HealthCheckMiddleware:
    """Answer ``/healthz`` and ``/readyz`` (GET or HEAD) before the rest of the middleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info.rstrip("/")
        if path in PATHS and request.method in ("GET", "HEAD"):
            return healthz(request) if path == "/healthz" else readyz(request)
        return self.get_response(request)
