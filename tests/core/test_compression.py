"""Compressed answers (core.compression): pages, JSON lists and static files go out gzipped when the
browser asks; pictures and partial answers do not; each answer's gzip carries random padding (BREACH)."""

import gzip
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}


def body(response):
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return gzip.decompress(content) if response.get("Content-Encoding") == "gzip" else content


def test_the_middleware_sits_above_whitenoise():
    middleware = settings.MIDDLEWARE
    assert middleware.index("core.compression.CompressionMiddleware") < middleware.index(
        "whitenoise.middleware.WhiteNoiseMiddleware"
    )


def test_a_json_list_is_compressed_when_asked(client, world):
    client.force_login(world.leader)
    response = client.get("/api/v1/parcels/", **GZIP)
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip" and "Accept-Encoding" in response["Vary"]
    assert json.loads(body(response))["count"] == 3
    plain = client.get("/api/v1/parcels/")
    assert not plain.has_header("Content-Encoding") and json.loads(plain.content)["count"] == 3


def test_a_page_and_the_map_data_are_compressed_when_asked(client, world):
    client.force_login(world.leader)
    page = client.get(reverse("closeout:map"), **GZIP)
    assert page["Content-Encoding"] == "gzip" and "宗地红绿图" in body(page).decode()
    data = client.get(reverse("closeout:map_data"), **GZIP)
    assert data["Content-Encoding"] == "gzip" and json.loads(body(data))["summary"]["total"] == 3


def test_two_answers_of_the_same_page_differ_in_their_compressed_bytes(client, world):
    """Django's gzip pads each answer with random bytes (the "Heal the BREACH" mitigation)."""
    client.force_login(world.leader)
    sizes = {len(client.get(reverse("closeout:map_data"), **GZIP).content) for _ in range(6)}
    assert len(sizes) > 1


def test_static_scripts_are_compressed_and_pictures_are_not(client):
    script = client.get("/static/js/map.js", **GZIP)
    assert script.status_code == 200 and script["Content-Encoding"] == "gzip"
    assert body(script) == (Path(settings.BASE_DIR) / "static/js/map.js").read_bytes()
    picture = client.get("/static/img/icon-192.png", **GZIP)
    assert picture.status_code == 200 and not picture.has_header("Content-Encoding")


def test_a_range_request_is_answered_uncompressed(client):
    part = client.get("/static/js/map.js", HTTP_RANGE="bytes=0-99", **GZIP)
    assert part.status_code == 206 and not part.has_header("Content-Encoding")
    assert len(body(part)) == 100
