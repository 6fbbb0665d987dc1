"""The field pages as the phone's outbox sends them (core.views.OutboxMixin): JSON answers, one record
per client key, the capture time kept, refusals with the server's message."""

import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.choices import TicketStatus
from cases.models import Hazard, Inspection
from tests import factories as f

pytestmark = pytest.mark.django_db
OUTBOX = {"X-Requested-With": "XMLHttpRequest", "X-Outbox": "1"}


def report(client, world, category, key, description="配电箱无门", captured=None, unit=None):
    unit = unit or f"enterprise={world.tenant1.pk}"
    return client.post(
        f"{reverse('cases:hazard_report')}?{unit}",
        {
            "category": category.pk,
            "description": description,
            "photos": [f.photo_upload()],
            "client_id": key,
            "captured_at": (captured or timezone.now()).isoformat(),
        },
        headers=OUTBOX,
    )


def test_an_outbox_report_sent_twice_is_recorded_once_at_its_capture_time(client, world, category):
    client.force_login(world.inspector)
    key, captured = str(uuid.uuid4()), timezone.now() - timedelta(hours=2)
    first = report(client, world, category, key, captured=captured)
    second = report(client, world, category, key, captured=captured)
    assert first.status_code == second.status_code == 200
    hazard = Hazard.objects.get()
    assert first.json()["redirect"] == second.json()["redirect"] == world.tenant1.get_absolute_url()
    assert hazard.number in first.json()["message"] and second.json()["replayed"] is True
    assert abs(hazard.reported_at - captured) < timedelta(seconds=1)
    assert hazard.created_at - hazard.reported_at > timedelta(hours=1)


def test_a_different_report_under_a_used_key_is_refused(client, world, category):
    client.force_login(world.inspector)
    key = str(uuid.uuid4())
    report(client, world, category, key)
    other = report(client, world, category, key, description="消防通道堵塞")
    assert other.status_code == 422 and "标识" in other.json()["message"]
    assert Hazard.objects.count() == 1


def test_refusals_come_back_as_messages_the_outbox_shows(client, world, category):
    client.force_login(world.inspector)
    foreign = report(client, world, category, str(uuid.uuid4()), unit=f"enterprise={world.other_b.pk}")
    assert foreign.status_code == 404 and "负责范围" in foreign.json()["message"]
    empty = report(client, world, category, str(uuid.uuid4()), description="")
    assert empty.status_code == 400 and empty.json()["errors"]["description"]
    old = report(client, world, category, str(uuid.uuid4()), captured=timezone.now() - timedelta(days=30))
    assert old.status_code == 400 and "天" in old.json()["message"]
    assert not Hazard.objects.exists()
    client.logout()
    expired = report(client, world, category, str(uuid.uuid4()))
    assert expired.status_code == 401 and "登录" in expired.json()["message"]


def test_an_outbox_inspection_and_submission_are_recorded_once(client, world, make_ticket):
    client.force_login(world.inspector)
    url = reverse("cases:inspection_create", args=["enterprise", world.tenant1.pk])
    key, captured = str(uuid.uuid4()), timezone.now() - timedelta(minutes=40)
    data = {"checklist": "0", "notes": "例行检查", "client_id": key, "captured_at": captured.isoformat()}
    answers = [client.post(url, data, headers=OUTBOX) for _copy in range(2)]
    assert [a.status_code for a in answers] == [200, 200], answers[0].content.decode()[:500]
    inspection = Inspection.objects.get()
    assert abs(inspection.inspected_at - captured) < timedelta(seconds=1)

    ticket = make_ticket(status=TicketStatus.ASSIGNED)
    client.force_login(world.enterprise_user)
    key = str(uuid.uuid4())
    for _copy in range(2):
        response = client.post(
            reverse("cases:ticket_submit", args=[ticket.pk]),
            {"comment": "已整改", "photos": [f.photo_upload()], "client_id": key, "captured_at": captured.isoformat()},
            headers=OUTBOX,
        )
        assert response.status_code == 200, response.content.decode()[:500]
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.SUBMITTED and abs(ticket.submitted_at - captured) < timedelta(seconds=1)
    event = ticket.events.get(kind="inspections.ticket.submitted")
    assert event.data["captured_at"] == captured.isoformat()
