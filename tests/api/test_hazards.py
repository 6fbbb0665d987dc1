"""Hazards through the API, by each role: reported (201), forbidden by role (403), outside the caller's
scope (404), bad input (400); their photos; set aside as duplicate or invalid; the filters."""

import pytest

from cases import services
from tests import factories as f
from tests.api.conftest import API
from tests.api.helpers import post
from timeline.kinds import EventKind


def test_inspector_reports_a_hazard_answering_201(world, clients, category):
    response = post(
        clients.inspector,
        "hazards/",
        {"enterprise": world.tenant1.pk, "category": category.code, "description": "灭火器过期"},
    )
    assert response.status_code == 201, response.data
    body = response.data
    assert body["status"] == "reported" and body["number"].startswith("YH")
    assert body["category"] == "TE01" and body["severity"] == "general"
    assert body["enterprise_name"] == "永康甲五金有限公司" and body["zone_name"] == "中申达"
    assert body["reporter"] == world.inspector.pk and body["photos"] == []


def test_parcel_hazard_and_location(world, clients, parcel_category):
    response = post(
        clients.inspector,
        "hazards/",
        {
            "parcel": world.parcel.pk,
            "category": parcel_category.code,
            "severity": "major",
            "description": "消防通道被货物堵塞",
            "location_detail": "北侧通道",
        },
    )
    assert response.status_code == 201, response.data
    assert response.data["parcel_code"] == "ZSD-001" and response.data["enterprise"] is None
    assert response.data["severity"] == "major" and response.data["location_detail"] == "北侧通道"
    assert clients.inspector.get(f"{API}parcels/{world.parcel.pk}/").data["closeout_state"] == "red"


def test_enterprise_reports_a_hazard_on_itself(world, clients, category):
    response = post(
        clients.enterprise_user,
        "hazards/",
        {"enterprise": world.tenant1.pk, "category": category.code, "description": "自查发现插线板老化"},
    )
    assert response.status_code == 201, response.data


@pytest.mark.parametrize("user", ["leader"])
def test_reporting_by_a_role_that_may_not_is_403(world, clients, category, user):
    response = post(
        getattr(clients, user),
        "hazards/",
        {"enterprise": world.tenant1.pk, "category": category.code, "description": "x"},
    )
    assert response.status_code == 403


def test_hazard_on_a_foreign_unit_reads_as_not_existing(world, clients, category):
    foreign = post(
        clients.inspector, "hazards/", {"enterprise": world.other_b.pk, "category": category.code, "description": "x"}
    )
    missing = post(clients.inspector, "hazards/", {"enterprise": 987654, "category": category.code, "description": "x"})
    assert foreign.status_code == missing.status_code == 400
    assert foreign.data["enterprise"][0].replace(str(world.other_b.pk), "N") == missing.data["enterprise"][0].replace(
        "987654", "N"
    )


def test_hazard_bad_input_names_the_fields(world, clients):
    response = post(
        clients.inspector,
        "hazards/",
        {"enterprise": world.tenant1.pk, "category": "NOPE", "severity": "catastrophic", "description": ""},
    )
    assert response.status_code == 400
    assert {"category", "severity", "description"} <= set(response.data)


def test_hazard_without_unit_is_400_from_the_service(world, clients, category):
    response = post(clients.inspector, "hazards/", {"category": category.code, "description": "无单位"})
    assert response.status_code == 400
    assert response.data["code"] == "unit_required" and "enterprise" in response.data["errors"]
    assert response.data["enterprise"] == response.data["errors"]["enterprise"]  # the serializer's shape too


def test_hazard_with_photos_and_more_photos_later(world, clients, category):
    response = post(
        clients.inspector,
        "hazards/",
        {
            "enterprise": world.tenant1.pk,
            "category": category.code,
            "description": "电线裸露",
            "photos": [f.photo_upload("a.jpg"), f.photo_upload("b.jpg")],
        },
        fmt="multipart",
    )
    assert response.status_code == 201, response.data
    hazard_id = response.data["id"]
    assert len(response.data["photos"]) == 2
    photo = response.data["photos"][0]
    assert photo["image"] == f"http://testserver{API}photos/{photo['id']}/image/"

    response = post(
        clients.inspector, f"hazards/{hazard_id}/photos/", {"photos": [f.photo_upload("c.jpg")]}, fmt="multipart"
    )
    assert response.status_code == 201, response.data
    assert clients.manager.get(f"{API}hazards/{hazard_id}/photos/").data["count"] == 3
    kinds = [e["kind"] for e in clients.manager.get(f"{API}hazards/{hazard_id}/events/").data["results"]]
    assert kinds == [EventKind.HAZARD_REPORTED, EventKind.HAZARD_PHOTOS_ADDED]


def test_photo_files_are_served_to_token_clients_in_scope(world, clients, category):
    hazard = services.report_hazard(
        actor=world.inspector, category=category, description="x", enterprise=world.tenant1, photos=[f.photo_upload()]
    )
    photo = hazard.photos.get()
    response = clients.enterprise_user.get(f"{API}photos/{photo.pk}/image/")
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content) == f.jpeg_bytes()
    response = clients.inspector.get(f"{API}photos/{photo.pk}/thumbnail/", HTTP_ACCEPT="image/*")
    assert response.status_code == 200 and b"".join(response.streaming_content)[:2] == b"\xff\xd8"
    assert clients.inspector.get(f"{API}photos/{photo.pk}/").data["width"] == 64
    for user in ("inspector_b", "inspector_a2"):
        assert getattr(clients, user).get(f"{API}photos/{photo.pk}/image/").status_code == 404
        assert getattr(clients, user).get(f"{API}photos/{photo.pk}/").status_code == 404
    assert clients.anonymous.get(f"{API}photos/{photo.pk}/image/").status_code == 401


def test_hazard_photos_refuse_non_images_wrong_roles_and_foreign_hazards(world, clients, category):
    from django.core.files.uploadedfile import SimpleUploadedFile

    hazard = services.report_hazard(actor=world.inspector, category=category, description="x", enterprise=world.tenant1)
    fake = SimpleUploadedFile("x.jpg", b"not a picture at all", content_type="image/jpeg")
    response = post(clients.inspector, f"hazards/{hazard.pk}/photos/", {"photos": [fake]}, fmt="multipart")
    assert response.status_code == 400 and "photos" in response.data
    assert hazard.photos.count() == 0

    response = post(
        clients.enterprise_user, f"hazards/{hazard.pk}/photos/", {"photos": [f.photo_upload()]}, fmt="multipart"
    )
    assert response.status_code == 403
    response = post(
        clients.inspector_b, f"hazards/{hazard.pk}/photos/", {"photos": [f.photo_upload()]}, fmt="multipart"
    )
    assert response.status_code == 404
    assert clients.inspector_b.get(f"{API}hazards/{hazard.pk}/photos/").status_code == 404


@pytest.mark.parametrize("user", ["inspector_a2", "inspector_b"])
def test_foreign_hazard_is_404(world, clients, category, user):
    hazard = services.report_hazard(actor=world.inspector, category=category, description="x", enterprise=world.tenant1)
    assert clients.manager.get(f"{API}hazards/{hazard.pk}/").status_code == 200
    client = getattr(clients, user)
    assert client.get(f"{API}hazards/{hazard.pk}/").status_code == 404
    assert client.get(f"{API}hazards/{hazard.pk}/events/").status_code == 404
    assert post(client, f"hazards/{hazard.pk}/invalid/", {"reason": "x"}).status_code == 404


def test_mark_invalid_and_duplicate(world, clients, category):
    first = services.report_hazard(actor=world.inspector, category=category, description="一", enterprise=world.tenant1)
    second = services.report_hazard(
        actor=world.inspector, category=category, description="二", enterprise=world.tenant1
    )
    third = services.report_hazard(actor=world.inspector, category=category, description="三", enterprise=world.tenant2)
    assert clients.manager.get(f"{API}hazards/{second.pk}/").data["likely_duplicate_of"] == first.pk

    assert (
        post(clients.enterprise_user, f"hazards/{second.pk}/duplicate/", {"duplicate_of": first.pk}).status_code == 403
    )
    response = post(clients.inspector, f"hazards/{second.pk}/duplicate/", {"duplicate_of": first.pk})
    assert response.status_code == 200 and response.data["status"] == "duplicate"
    assert response.data["duplicate_of"] == first.pk

    response = post(clients.manager, f"hazards/{third.pk}/invalid/", {})
    assert response.status_code == 400 and "reason" in response.data
    response = post(clients.manager, f"hazards/{third.pk}/invalid/", {"reason": "现场核实无此问题"})
    assert response.status_code == 200 and response.data["status"] == "invalid"
    response = post(clients.manager, f"hazards/{third.pk}/invalid/", {"reason": "再来一次"})
    assert response.status_code == 409


def test_hazard_filters(world, clients, category, parcel_category):
    services.report_hazard(actor=world.inspector, category=category, description="电线", enterprise=world.tenant1)
    services.report_hazard(
        actor=world.inspector, category=parcel_category, description="通道", parcel=world.parcel, severity="major"
    )
    client = clients.manager
    assert client.get(f"{API}hazards/", {"severity": "major"}).data["count"] == 1
    assert client.get(f"{API}hazards/", {"q": "通道"}).data["count"] == 1
    assert client.get(f"{API}hazards/", {"status": "reported", "zone": "中申达"}).data["count"] == 2
    assert client.get(f"{API}hazards/", {"status": "rectified"}).data["count"] == 0
    numbers = [h["number"] for h in client.get(f"{API}hazards/", {"ordering": "number"}).data["results"]]
    assert numbers == sorted(numbers)


def test_hazard_filter_by_category_code(world, clients, category, parcel_category):
    services.report_hazard(actor=world.inspector, category=category, description="电线", enterprise=world.tenant1)
    services.report_hazard(actor=world.inspector, category=parcel_category, description="通道", parcel=world.parcel)
    assert clients.manager.get(f"{API}hazards/", {"category": "TE01"}).data["count"] == 1


# --- 当场整改, and undoing a wrong duplicate / invalid mark -----------------------------------------------


def test_a_hazard_fixed_on_the_spot_is_reported_rectified(world, clients, category):
    body = {"enterprise": world.tenant1.pk, "category": category.code, "description": "插线板串接，已拆除"}
    response = post(clients.inspector, "hazards/", {**body, "fixed_on_spot": "true"}, fmt="multipart")
    assert response.status_code == 400 and response.data["code"] == "after_photo_required"
    response = post(
        clients.inspector,
        "hazards/",
        {
            **body,
            "fixed_on_spot": "true",
            "photos": [f.photo_upload("b.jpg")],
            "after_photos": [f.photo_upload("a.jpg")],
        },
        fmt="multipart",
    )
    assert response.status_code == 201, response.data
    data = response.data
    assert data["status"] == "rectified" and data["fixed_on_spot"] is True and data["rectified_at"]
    assert sorted(p["kind"] for p in data["photos"]) == ["after", "before"]
    events = clients.inspector.get(f"{API}hazards/{data['id']}/events/").data["results"]
    assert [e["kind"] for e in events] == [EventKind.HAZARD_REPORTED, EventKind.HAZARD_RECTIFIED_ON_SPOT]


@pytest.fixture
def invalid_hazard(world, category):
    hazard = services.report_hazard(
        actor=world.inspector, category=category, description="误报", enterprise=world.tenant1
    )
    return services.mark_invalid(hazard, actor=world.inspector, reason="现场无此问题")


def test_restore_by_a_manager_answers_200_and_writes_the_timeline(world, clients, invalid_hazard):
    response = post(clients.manager, f"hazards/{invalid_hazard.pk}/restore/", {"reason": "复核属实"})
    assert response.status_code == 200, response.data
    assert response.data["status"] == "reported" and response.data["invalid_reason"] == ""
    events = clients.manager.get(f"{API}hazards/{invalid_hazard.pk}/events/").data["results"]
    assert [e["kind"] for e in events][-2:] == [EventKind.HAZARD_MARKED_INVALID, EventKind.HAZARD_RESTORED]
    assert events[-1]["comment"] == "复核属实" and events[-1]["to_status"] == "reported"
    # again: it is reported now, nothing to undo
    response = post(clients.manager, f"hazards/{invalid_hazard.pk}/restore/", {"reason": "再来"})
    assert (response.status_code, response.data["code"]) == (409, "transition_not_allowed")


def test_restore_refusals(world, clients, invalid_hazard):
    path = f"hazards/{invalid_hazard.pk}/restore/"
    response = post(clients.inspector, path, {"reason": "x"})
    assert (response.status_code, response.data["code"]) == (403, "not_permitted")
    assert post(clients.inspector_b, path, {"reason": "x"}).status_code == 404  # outside the caller's scope
    assert post(clients.manager, path, {}).status_code == 400
    assert post(clients.manager, "hazards/999999/restore/", {"reason": "x"}).status_code == 404
    invalid_hazard.refresh_from_db()
    assert invalid_hazard.status == "invalid"
