"""The Idempotency-Key header (core.idempotency): a field app that sends the same report twice records
one, and the second answer is the first; a different request under a used key is refused; a refused
request keeps no key, so it may be fixed and sent again."""

import threading
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from cases.choices import TicketStatus
from cases.models import Hazard, Inspection
from core.models import IdempotencyKey
from tests import factories as f
from tests.api.helpers import post


def test_the_same_key_twice_records_one_hazard_and_answers_the_same(world, clients, category):
    key = str(uuid.uuid4())
    body = {"enterprise": world.tenant1.pk, "category": category.code, "description": "灭火器过期"}
    first = post(clients.inspector, "hazards/", body, HTTP_IDEMPOTENCY_KEY=key)
    second = post(clients.inspector, "hazards/", body, HTTP_IDEMPOTENCY_KEY=key)
    assert first.status_code == second.status_code == 201, first.data
    assert Hazard.objects.count() == 1
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true" and not first.has_header("Idempotent-Replayed")


def test_a_different_body_under_a_used_key_is_refused_and_changes_nothing(world, clients, category):
    key = str(uuid.uuid4())
    post(
        clients.inspector,
        "hazards/",
        {"enterprise": world.tenant1.pk, "category": category.code, "description": "灭火器过期"},
        HTTP_IDEMPOTENCY_KEY=key,
    )
    other = post(
        clients.inspector,
        "hazards/",
        {"enterprise": world.tenant1.pk, "category": category.code, "description": "配电箱无门"},
        HTTP_IDEMPOTENCY_KEY=key,
    )
    assert other.status_code == 422
    assert other.data["code"] == "idempotency_key_reused" and "标识" in other.data["detail"]
    assert list(Hazard.objects.values_list("description", flat=True)) == ["灭火器过期"]


def test_keys_are_per_user(world, clients, category):
    key = str(uuid.uuid4())
    body = {"enterprise": world.tenant1.pk, "category": category.code, "description": "灭火器过期"}
    assert post(clients.inspector, "hazards/", body, HTTP_IDEMPOTENCY_KEY=key).status_code == 201
    assert post(clients.enterprise_user, "hazards/", body, HTTP_IDEMPOTENCY_KEY=key).status_code == 201
    assert Hazard.objects.count() == 2


def test_a_refused_request_keeps_no_key_and_may_be_sent_again_fixed(world, clients, category):
    key = str(uuid.uuid4())
    refused = post(
        clients.inspector,
        "hazards/",
        {"enterprise": world.tenant1.pk, "category": category.code, "description": ""},
        HTTP_IDEMPOTENCY_KEY=key,
    )
    assert refused.status_code == 400 and not IdempotencyKey.objects.exists()
    fixed = post(
        clients.inspector,
        "hazards/",
        {"enterprise": world.tenant1.pk, "category": category.code, "description": "灭火器过期"},
        HTTP_IDEMPOTENCY_KEY=key,
    )
    assert fixed.status_code == 201 and Hazard.objects.count() == 1


def test_a_malformed_key_is_refused(world, clients, category):
    body = {"enterprise": world.tenant1.pk, "category": category.code, "description": "灭火器过期"}
    response = post(clients.inspector, "hazards/", body, HTTP_IDEMPOTENCY_KEY="a b")
    assert response.status_code == 400 and response.data["code"] == "idempotency_key_invalid"
    assert not Hazard.objects.exists()


def test_capture_time_is_kept_beside_the_time_received(world, clients, category):
    captured = timezone.now() - timedelta(hours=3)
    response = post(
        clients.inspector,
        "hazards/",
        {
            "enterprise": world.tenant1.pk,
            "category": category.code,
            "description": "灭火器过期",
            "reported_at": captured.isoformat(),
        },
    )
    assert response.status_code == 201, response.data
    hazard = Hazard.objects.get()
    assert abs(hazard.reported_at - captured) < timedelta(seconds=1)
    assert hazard.created_at - captured > timedelta(hours=2)
    too_old = post(
        clients.inspector,
        "hazards/",
        {
            "enterprise": world.tenant1.pk,
            "category": category.code,
            "description": "配电箱无门",
            "reported_at": (timezone.now() - timedelta(days=30)).isoformat(),
        },
    )
    assert too_old.status_code == 400, too_old.data
    assert "reported_at" in str(too_old.data), too_old.data


def test_multipart_inspection_and_submission_with_photos_are_recorded_once(world, clients, make_ticket):
    key = str(uuid.uuid4())
    body = {"enterprise": world.tenant1.pk, "notes": "例行检查", "photos": [f.photo_upload()]}
    first = post(clients.inspector, "inspections/", body, fmt="multipart", HTTP_IDEMPOTENCY_KEY=key)
    body = {"enterprise": world.tenant1.pk, "notes": "例行检查", "photos": [f.photo_upload()]}
    second = post(clients.inspector, "inspections/", body, fmt="multipart", HTTP_IDEMPOTENCY_KEY=key)
    assert first.status_code == second.status_code == 201, first.data
    assert Inspection.objects.count() == 1 and second.json() == first.json()
    other_photo = {
        "enterprise": world.tenant1.pk,
        "notes": "例行检查",
        "photos": [_other_photo()],
    }
    assert (
        post(clients.inspector, "inspections/", other_photo, fmt="multipart", HTTP_IDEMPOTENCY_KEY=key).status_code
        == 422
    )

    ticket = make_ticket(status=TicketStatus.ASSIGNED)
    key = str(uuid.uuid4())
    for _copy in range(2):
        response = post(
            clients.enterprise_user,
            f"tickets/{ticket.pk}/submit/",
            {"comment": "已更换灭火器", "photos": [f.photo_upload()]},
            fmt="multipart",
            HTTP_IDEMPOTENCY_KEY=key,
        )
        assert response.status_code == 200, response.data
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.SUBMITTED
    assert ticket.events.filter(kind="inspections.ticket.submitted").count() == 1


def _other_photo():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("other.jpg", f.jpeg_bytes(color=(10, 200, 10)), content_type="image/jpeg")


def test_the_schema_documents_the_header(client):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    hazard_post = schema["paths"]["/api/v1/hazards/"]["post"]
    names = {(p["in"], p["name"]) for p in hazard_post["parameters"]}
    assert ("header", "Idempotency-Key") in names
    submit = next(path for name, path in schema["paths"].items() if name.endswith("/submit/"))
    assert ("header", "Idempotency-Key") in {(p["in"], p["name"]) for p in submit["post"]["parameters"]}


@pytest.mark.django_db(transaction=True)
def test_two_copies_arriving_at_once_record_one_hazard(require_postgres, world, category):
    """A phone's retry racing its first attempt: the second waits on the key, then gets the first answer."""
    from tests.api.conftest import client_for

    key = str(uuid.uuid4())
    body = {"enterprise": world.tenant1.pk, "category": category.code, "description": "灭火器过期"}
    barrier = threading.Barrier(2)
    answers = []

    def send(client):
        try:
            barrier.wait()
            response = post(client, "hazards/", body, HTTP_IDEMPOTENCY_KEY=key)
            answers.append((response.status_code, response.json()))
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(client_for(world.inspector),)) for _copy in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert [status for status, _body in answers] == [201, 201]
    assert answers[0][1] == answers[1][1]
    assert Hazard.objects.count() == 1
