"""/healthz and /readyz, as a proxy or an orchestrator probes them: no sign-in, no session, no host check."""

import socket

import pytest


def closed_port():
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_healthz_answers_ok_without_touching_the_database(client):
    # No database access is allowed in this test (pytest-django refuses any): a query would fail it.
    response = client.get("/healthz", HTTP_HOST="10.1.2.3:8000")  # a probe asks by address, not by name
    assert response.status_code == 200
    assert response.content == b"ok"
    assert "sessionid" not in response.cookies and "Set-Cookie" not in response.headers


@pytest.mark.django_db
def test_readyz_reports_each_dependency(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    response = client.get("/readyz", HTTP_HOST="10.1.2.3:8000")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"] == {"database": "ok", "cache": "ok", "broker": "ok", "storage": "ok"}
    assert "sessionid" not in response.cookies


@pytest.mark.django_db
def test_readyz_answers_503_naming_the_cache_and_broker_when_redis_is_unreachable(client, settings, tmp_path):
    # Redis at a real local port that nothing listens on: connection refused.
    url = f"redis://127.0.0.1:{closed_port()}/0"
    settings.MEDIA_ROOT = tmp_path
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}}
    settings.CELERY_BROKER_URL = url
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["failed"] == ["cache", "broker"]
    assert body["checks"]["database"] == "ok" and body["checks"]["storage"] == "ok"
    assert "Connection" in body["checks"]["cache"] and "Connection" in body["checks"]["broker"]


@pytest.mark.django_db
def test_readyz_names_the_storage_when_the_media_folder_cannot_be_written(client, settings, tmp_path):
    # A media path under a plain file: nothing can ever be stored there (a mount gone wrong).
    (tmp_path / "file").write_text("not a folder")
    settings.MEDIA_ROOT = tmp_path / "file" / "media"
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["storage"]


def test_health_endpoints_are_answered_over_plain_http_with_https_on(client, settings):
    # Behind the proxy with HTTPS=1 the app redirects plain HTTP; the proxy's own probe must not be.
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/healthz")
    assert response.status_code == 200


@pytest.mark.django_db
def test_readyz_tells_an_outsider_only_which_check_failed(client, settings, tmp_path):
    url = f"redis://127.0.0.1:{closed_port()}/0"
    settings.MEDIA_ROOT = tmp_path
    settings.CELERY_BROKER_URL = url
    response = client.get("/readyz", REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 503
    body = response.json()
    assert body["failed"] == ["broker"] and body["checks"]["broker"] == "failed"
    assert "127.0.0.1" not in response.content.decode()
