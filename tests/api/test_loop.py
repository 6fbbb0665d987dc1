"""The whole case loop through the API alone, and two inspectors verifying at once."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from cases.models import Hazard, Ticket
from tests import factories as f
from tests.api.conftest import API, client_for
from timeline.kinds import EventKind

SOON = (timezone.localdate() + timedelta(days=90)).isoformat()  # within DEADLINE_MAX_DAYS


def test_the_whole_loop_through_the_api(world, clients, category):
    # Given: an inspector finds a hazard at tenant1 and reports it with a photo
    response = clients.inspector.post(
        f"{API}hazards/",
        {
            "enterprise": world.tenant1.pk,
            "category": category.code,
            "severity": "general",
            "description": "配电箱前堆放杂物",
            "location_detail": "一楼车间东侧",
            "photos": [f.photo_upload("before.jpg")],
        },
        format="multipart",
    )
    assert response.status_code == 201, response.data
    hazard_id = response.data["id"]
    assert response.data["status"] == "reported"
    assert len(response.data["photos"]) == 1

    # When: the manager aggregates it into a ticket and assigns it with a deadline
    response = clients.manager.post(f"{API}tickets/", {"hazards": [hazard_id]}, format="json")
    assert response.status_code == 201, response.data
    ticket_id, number = response.data["id"], response.data["number"]
    assert response.data["status"] == "pending" and number.startswith("ZG")
    response = clients.manager.post(f"{API}tickets/{ticket_id}/assign/", {"deadline": SOON}, format="json")
    assert response.status_code == 200, response.data
    assert response.data["status"] == "assigned" and response.data["deadline"] == SOON

    # And: the enterprise submits evidence, the inspector rejects it, the enterprise submits again
    response = clients.enterprise_user.post(
        f"{API}tickets/{ticket_id}/submit/",
        {
            "comment": "已清理杂物",
            "photos": [f.photo_upload("after-1.jpg"), f.photo_upload("after-2.jpg")],
        },
        format="multipart",
    )
    assert response.status_code == 200, response.data
    assert response.data["status"] == "submitted"
    response = clients.inspector.post(
        f"{API}tickets/{ticket_id}/verify/", {"passed": False, "comment": "仍有纸箱堆放"}, format="json"
    )
    assert response.status_code == 200, response.data
    assert response.data["status"] == "assigned" and response.data["rework_count"] == 1
    response = clients.enterprise_user.post(
        f"{API}tickets/{ticket_id}/submit/",
        {
            "comment": "纸箱已全部清走",
            "photos": [f.photo_upload("after-3.jpg")],
        },
        format="multipart",
    )
    assert response.status_code == 200, response.data

    # Then: the inspector passes it; the ticket is closed and the hazard rectified
    response = clients.inspector.post(
        f"{API}tickets/{ticket_id}/verify/", {"passed": True, "comment": "验收合格"}, format="json"
    )
    assert response.status_code == 200, response.data
    assert response.data["status"] == "closed" and response.data["is_overdue"] is False
    assert len(response.data["photos"]) == 3
    response = clients.enterprise_user.get(f"{API}hazards/{hazard_id}/")
    assert response.data["status"] == "rectified"

    # And: the timeline tells the whole story in order, to the manager and to the enterprise
    expected = [
        (EventKind.HAZARD_REPORTED, "", "reported"),
        (EventKind.TICKET_CREATED, "", "pending"),
        (EventKind.TICKET_ASSIGNED, "pending", "assigned"),
        (EventKind.TICKET_SUBMITTED, "assigned", "submitted"),
        (EventKind.TICKET_REJECTED, "submitted", "assigned"),
        (EventKind.TICKET_SUBMITTED, "assigned", "submitted"),
        (EventKind.TICKET_CLOSED, "submitted", "closed"),
    ]
    for client in (clients.manager, clients.enterprise_user):
        response = client.get(f"{API}tickets/{ticket_id}/events/")
        assert response.status_code == 200
        story = [(e["kind"], e["from_status"], e["to_status"]) for e in response.data["results"]]
        assert story == expected
    events = response.data["results"]
    assert events[4]["comment"] == "仍有纸箱堆放"
    assert [len(e["photos"]) for e in events] == [0, 0, 0, 2, 0, 1, 0]
    assert events[0]["actor_name"] == world.inspector.get_full_name()


def test_internal_notes_are_hidden_from_the_responsible_party(world, clients, make_ticket):
    ticket = make_ticket("assigned")
    response = clients.manager.post(
        f"{API}tickets/{ticket.pk}/comment/",
        {"comment": "企业负责人态度消极，需重点跟踪", "internal": True},
        format="json",
    )
    assert response.status_code == 201, response.data
    clients.manager.post(f"{API}tickets/{ticket.pk}/comment/", {"comment": "请于周五前完成"}, format="json")

    def comments(client):
        results = client.get(f"{API}tickets/{ticket.pk}/events/").data["results"]
        return [e["comment"] for e in results if e["kind"] == EventKind.TICKET_COMMENTED]

    assert comments(clients.manager) == ["企业负责人态度消极，需重点跟踪", "请于周五前完成"]
    assert comments(clients.enterprise_user) == ["请于周五前完成"]
    assert comments(clients.landlord) == ["请于周五前完成"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_verifications_at_once_one_wins_one_gets_409(require_postgres, world, make_ticket):
    # Given: a submitted ticket, and the grid's inspector and the zone's manager on two connections
    ticket = make_ticket("submitted")
    actors = [world.inspector, world.manager]
    barrier = threading.Barrier(len(actors))
    results = [None] * len(actors)

    def verify(index, user):
        client = client_for(user)
        try:
            barrier.wait(timeout=10)
            response = client.post(
                f"{API}tickets/{ticket.pk}/verify/", {"passed": True, "comment": "合格"}, format="json"
            )
            results[index] = (response.status_code, response.data)
        finally:
            connection.close()

    # When: both verify at the same moment
    threads = [threading.Thread(target=verify, args=(i, user)) for i, user in enumerate(actors)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    # Then: one closes it, the other is told the status changed; one close event is written
    assert sorted(code for code, _data in results) == [200, 409], results
    refused = next(data for code, data in results if code == 409)
    assert refused["code"] == "transition_not_allowed" and "已销号" in refused["detail"]
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert ticket.status == "closed"
    assert ticket.events.filter(kind=EventKind.TICKET_CLOSED).count() == 1
    assert set(Hazard.objects.filter(ticket=ticket).values_list("status", flat=True)) == {"rectified"}


def test_follow_up_reopen_through_the_api(world, make_ticket):
    from rest_framework.test import APIClient

    closed = make_ticket("closed")
    client = APIClient()
    client.force_authenticate(world.enterprise_user)
    assert client.post(f"/api/v1/tickets/{closed.pk}/reopen/", {"comment": "x"}, format="json").status_code == 403
    client.force_authenticate(world.manager)
    assert client.post(f"/api/v1/tickets/{closed.pk}/reopen/", {}, format="json").status_code == 400
    response = client.post(f"/api/v1/tickets/{closed.pk}/reopen/", {"comment": "复查又见杂物"}, format="json")
    assert response.status_code == 201 and response.json()["status"] == "pending"
    assert client.post(f"/api/v1/tickets/{closed.pk}/reopen/", {"comment": "again"}, format="json").status_code == 409
