"""Bad input is a 400 (or a 404, a normal page), never a 500: NUL characters, Unicode digits, numbers past a
bigint, JSON nested too deep, dates outside a sane window, heavy photo uploads, repeated exports."""

import io
import json

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from rest_framework.test import APIClient

from cases.models import Hazard, Inspection
from core.parsing import BIGINT_MAX, parse_id, parse_int
from tests import factories as f

pytestmark = pytest.mark.django_db

HOSTILE_NUMBERS = ["²", "٣", "¹²", "99999999999999999999999", str(BIGINT_MAX + 1), "-1", " 7", "7\u200b"]


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


# --- 1. NUL ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/media/photos/a%00b.jpg", "/cases/tickets/%00/", "/api/v1/hazards/%00/", "/accounts/login/%00"]
)
def test_a_nul_in_the_path_is_a_400_with_a_message(client, world, path):
    client.force_login(world.manager)
    response = client.get(path)
    assert response.status_code == 400
    assert "NUL" in response.content.decode()


def test_a_nul_in_the_query_string_a_form_field_or_a_json_body_is_a_400(client, world):
    client.force_login(world.manager)
    assert client.get("/media/photos/a.jpg?x=%00").status_code == 400
    assert client.post("/accounts/login/", {"username": "a\x00", "password": "b"}).status_code == 400
    response = api(world.enterprise_user).post(
        "/api/v1/hazards/",
        json.dumps({"category": "E01", "description": "x\u0000y", "enterprise": world.tenant1.pk}),
        content_type="application/json",
    )
    assert response.status_code == 400 and "NUL" in response.json()["detail"]


# --- 2. Unicode digits and huge numbers ----------------------------------------------------------------


def test_parse_id_takes_ascii_digits_within_a_bigint_only():
    assert parse_id("42") == 42 and parse_id(42) == 42
    assert parse_id(str(BIGINT_MAX)) == BIGINT_MAX
    for value in [*HOSTILE_NUMBERS, "", None, "0", "4.2", "0x10", True, [], "+5"]:
        assert parse_id(value) is None, value
    assert parse_int("-3", minimum=-10) == -3 and parse_int("0") == 0 and parse_int("11", maximum=10) is None


PAGES = [
    "/cases/desk/aggregate/?hazards={}",
    "/cases/field/report/?enterprise={}",
    "/cases/field/report/?parcel={}",
    "/cases/field/units/?grid_id={}",
    "/ledgers/welding/new/?enterprise={}",
    "/ledgers/drills/?enterprise={}&year={}",
    "/service-requests/new/?enterprise={}",
    "/risk/points/?enterprise_id={}&parcel_id={}",
    "/cases/dashboard/?days={}",
    "/cases/tickets/?enterprise={}&grid={}&zone={}",
    "/cases/hazards/?enterprise={}&parcel={}",
    "/cases/tickets/export.xlsx?enterprise={}",
    "/api/v1/hazards/?enterprise={}",
    "/api/v1/tickets/?grid={}",
]


@pytest.mark.parametrize("value", ["%C2%B2", "%D9%A3", "99999999999999999999999", "9223372036854775808"])
def test_unicode_digits_and_huge_numbers_never_answer_500(client, world, value):
    client.raise_request_exception = False
    failures = []
    for user in (world.manager_all, world.inspector, world.enterprise_user, world.admin):
        client.force_login(user)
        for page in PAGES:
            path = page.replace("{}", value)
            status = client.get(path).status_code
            if status >= 500:
                failures.append((user.username, path, status))
    assert failures == []


def test_a_hostile_id_in_a_post_is_refused_not_a_500(client, world):
    client.raise_request_exception = False
    client.force_login(world.manager_all)
    response = client.post("/cases/desk/aggregate/", {"hazards": ["²", "99999999999999999999999"]})
    assert response.status_code < 500


# --- 3. deep nesting -----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/hazards/", "/api/v1/auth/token/", "/api/v1/tickets/"])
def test_a_body_of_100000_nested_brackets_is_a_400_with_a_json_message(world, path):
    response = api(world.manager_all).post(path, "[" * 100_000, content_type="application/json")
    assert response.status_code == 400
    assert "嵌套" in response.json()["detail"]


def test_json_deeper_than_the_limit_is_refused_and_a_normal_body_still_works(world):
    deep = {"category": "E01", "description": "x", "enterprise": world.tenant1.pk}
    for _ in range(40):
        deep = {"a": deep}
    response = api(world.enterprise_user).post("/api/v1/hazards/", deep, format="json")
    assert response.status_code == 400 and "嵌套层数过多" in response.json()["detail"]
    ok = api(world.enterprise_user).post(
        "/api/v1/hazards/", {"category": "E01", "description": "漏电", "enterprise": world.tenant1.pk}, format="json"
    )
    assert ok.status_code in (201, 400) and ok.status_code != 500


# --- 4. dates ------------------------------------------------------------------------------------------


def test_an_inspection_dated_0001_01_01_is_refused_with_a_clear_message(world):
    response = api(world.inspector).post(
        "/api/v1/inspections/",
        {"enterprise": world.tenant1.pk, "inspected_at": "0001-01-01T10:00:00+08:00"},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert "超出允许范围" in json.dumps(response.json(), ensure_ascii=False)
    assert Inspection.objects.count() == 0


def test_a_deadline_in_the_far_future_is_refused(client, world):
    hazard = f.HazardFactory(enterprise=world.tenant1)
    response = api(world.manager).post(
        "/api/v1/tickets/", {"hazards": [hazard.pk], "deadline": "9999-12-31"}, format="json"
    )
    assert response.status_code == 400
    assert "整改期限不能晚于" in json.dumps(response.json(), ensure_ascii=False)


def test_a_drill_dated_1900_is_refused(world):
    response = api(world.manager_all).post(
        "/api/v1/drills/",
        {
            "enterprise": world.tenant1.pk,
            "kind": "drill",
            "held_on": "1900-05-01",
            "title": "消防演练",
            "organiser": "安监",
            "participants": 5,
        },
        format="json",
    )
    assert response.status_code == 400, response.content
    assert "超出允许范围" in json.dumps(response.json(), ensure_ascii=False)


def test_date_filters_and_briefing_days_out_of_range_are_refused_not_500(client, world):
    client.raise_request_exception = False
    client.force_login(world.manager_all)
    for path in (
        "/cases/hazards/?reported_after=0001-01-01",
        "/cases/tickets/?deadline_before=9999-12-31",
        "/cases/hazards/export.xlsx?reported_after=0001-01-01",
        "/cases/reports/0001-01-01/",
        "/cases/reports/0001-01-01/export.xlsx",
        "/api/v1/hazards/?reported_after=0001-01-01",
    ):
        response = client.get(path)
        assert response.status_code < 500, path
    assert client.get("/cases/hazards/export.xlsx?reported_after=0001-01-01").status_code == 400
    assert api(world.manager_all).get("/api/v1/hazards/?reported_after=0001-01-01").status_code == 400


# --- 7. photos -----------------------------------------------------------------------------------------


def png_49_megapixels():
    """A real 7000 × 7000 PNG of one colour: a few kilobytes on disk, 49 megapixels decoded."""
    buffer = io.BytesIO()
    Image.new("1", (7000, 7000), 1).save(buffer, "PNG")
    return buffer.getvalue()


def tiny_png():
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def test_a_49_megapixel_png_is_refused_before_decoding(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    data = png_49_megapixels()
    assert len(data) < 200_000
    response = api(world.enterprise_user).post(
        "/api/v1/hazards/",
        {
            "category": "E01",
            "description": "配电箱",
            "enterprise": world.tenant1.pk,
            "photos": [SimpleUploadedFile("big.png", data, "image/png")],
        },
        format="multipart",
    )
    assert response.status_code == 400
    assert "照片像素过大（4900 万像素），不能超过 4000 万像素" in json.dumps(response.json(), ensure_ascii=False)
    assert Hazard.objects.count() == 0


def test_too_many_photos_in_one_request_are_refused_with_a_message(client, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.PHOTO_REQUEST_MAX_FILES = 3
    photos = [SimpleUploadedFile(f"p{i}.png", tiny_png(), "image/png") for i in range(4)]
    body = {"category": "E01", "description": "x", "enterprise": world.tenant1.pk, "photos": photos}
    response = api(world.enterprise_user).post("/api/v1/hazards/", body, format="multipart")
    assert response.status_code == 413
    assert response.json()["detail"].startswith("一次最多上传 3 个文件")

    client.force_login(world.inspector)
    for photo in photos:
        photo.seek(0)
    page = client.post("/cases/field/report/", body)
    assert page.status_code == 413 and "一次最多上传 3 个文件" in page.content.decode()
    assert Hazard.objects.count() == 0


def test_photos_over_the_total_size_of_a_request_are_refused(world, settings):
    settings.PHOTO_REQUEST_MAX_BYTES = 1000
    photos = [SimpleUploadedFile(f"p{i}.png", b"x" * 600, "image/png") for i in range(2)]
    response = api(world.enterprise_user).post(
        "/api/v1/hazards/", {"category": "E01", "description": "x", "photos": photos}, format="multipart"
    )
    assert response.status_code == 413
    assert response.json()["detail"] == "一次上传的文件（照片）合计 2 KB，超过 1 KB 的上限，请分次提交。"


# --- 8. exports ----------------------------------------------------------------------------------------


def test_exports_are_limited_per_user_with_a_chinese_429(client, world, settings):
    settings.EXPORT_RATE_LIMIT = "3/min"
    for user in (world.manager, world.manager_all):
        cache.delete(f"throttle_export_{user.pk}")
    client.force_login(world.manager)
    statuses = [
        client.get(path).status_code for path in ["/cases/hazards/export.xlsx", "/cases/tickets/export.xlsx"] * 2
    ]
    assert statuses == [200, 200, 200, 429]
    refused = client.get("/cases/hazards/export.xlsx")
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    assert "导出过于频繁" in refused.content.decode()
    # another user has a count of their own; pages are not counted
    assert client.get("/cases/hazards/").status_code == 200
    client.force_login(world.manager_all)
    assert client.get("/cases/hazards/export.xlsx").status_code == 200
