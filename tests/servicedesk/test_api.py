"""The service request API: the transitions with their codes (400/403/404/409 like tickets), the department's
scope, the timeline, constant queries on the list."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from servicedesk.choices import ServiceRequestStatus as S
from servicedesk.models import ServiceRequest
from tests.servicedesk.conftest import api_client
from timeline.kinds import EventKind

pytestmark = pytest.mark.django_db

BASE = "/api/v1/service-requests/"


def url(sr, name=""):
    return f"{BASE}{sr.pk}/{name + '/' if name else ''}"


def test_anonymous_gets_401(world, desk, make_request):
    sr = make_request()
    assert api_client(None).get(BASE).status_code in (401, 403)
    assert api_client(None).post(url(sr, "dispatch"), {}, format="json").status_code in (401, 403)


def test_create_by_the_enterprise_and_on_behalf(world, desk):
    response = api_client(world.enterprise_user).post(
        BASE, {"enterprise": world.tenant1.pk, "category": "power", "title": "停电频繁"}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["enterprise_name"], body["category_name"]) == ("open", world.tenant1.name, "供电用电")
    # an enterprise outside the caller's scope reads as one that does not exist
    response = api_client(world.inspector).post(
        BASE, {"enterprise": world.other_b.pk, "category": "road", "title": "道路破损"}, format="json"
    )
    assert response.status_code == 400 and "enterprise" in response.json()
    response = api_client(world.inspector).post(
        BASE, {"enterprise": world.tenant2.pk, "category": "road", "title": "道路破损"}, format="json"
    )
    assert response.status_code == 201


def test_create_refusals(world, desk):
    response = api_client(world.leader).post(
        BASE, {"enterprise": world.tenant1.pk, "category": "power", "title": "x"}, format="json"
    )
    assert response.status_code == 403 and response.json()["code"] == "not_permitted"
    response = api_client(world.enterprise_user).post(
        BASE, {"enterprise": world.tenant1.pk, "category": "nope", "title": ""}, format="json"
    )
    assert response.status_code == 400 and {"category", "title"} <= set(response.json())
    assert not ServiceRequest.objects.exists()


def test_the_whole_round(world, desk, make_request):
    sr = make_request()
    manager, clerk, owner = api_client(world.manager), api_client(desk.clerk), api_client(world.enterprise_user)
    response = manager.post(url(sr, "dispatch"), {}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "dispatched" and body["department"] == desk.power.pk
    assert body["deadline"] == (timezone.localdate() + timedelta(days=7)).isoformat()
    response = clerk.post(url(sr, "answer"), {"answer": "已扩容"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "answered"
    response = owner.post(url(sr, "confirm"), {"satisfied": True, "rating": 5, "feedback": "好"}, format="json")
    assert response.status_code == 200 and (response.json()["status"], response.json()["rating"]) == ("closed", 5)
    response = owner.post(url(sr, "reopen"), {"comment": "又坏了"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "open"
    events = owner.get(url(sr, "events")).json()["results"]
    assert [e["kind"] for e in events] == [
        EventKind.SERVICE_REQUEST_RAISED,
        EventKind.SERVICE_REQUEST_DISPATCHED,
        EventKind.SERVICE_REQUEST_ANSWERED,
        EventKind.SERVICE_REQUEST_CONFIRMED,
        EventKind.SERVICE_REQUEST_REOPENED,
    ]
    assert events[1]["label"] == "分类派发" and events[1]["actor_name"]


@pytest.mark.parametrize(
    ("status", "who", "name", "payload", "code", "error"),
    [
        # 403: the role
        (S.OPEN, "enterprise_user", "dispatch", {}, 403, "not_permitted"),
        (S.DISPATCHED, "manager", "answer", {"answer": "x"}, 403, "not_permitted"),
        (S.ANSWERED, "manager", "confirm", {"satisfied": True, "rating": 5}, 403, "not_permitted"),
        (S.CLOSED, "clerk", "reopen", {"comment": "x"}, 403, "not_permitted"),
        (S.DISPATCHED, "enterprise_user", "escalate", {}, 403, "not_permitted"),
        # 400: bad input
        (S.OPEN, "manager", "dispatch", {"deadline": "2000-01-01"}, 400, "deadline_in_past"),
        (S.OPEN, "manager", "dispatch", {"department": 999999}, 400, None),
        (S.DISPATCHED, "clerk", "answer", {"answer": ""}, 400, None),
        (S.ANSWERED, "enterprise_user", "confirm", {"satisfied": True}, 400, "rating_required"),
        (S.ANSWERED, "enterprise_user", "confirm", {"satisfied": True, "rating": 6}, 400, None),
        (S.ANSWERED, "enterprise_user", "confirm", {"satisfied": False}, 400, "reason_required"),
        (S.CLOSED, "enterprise_user", "reopen", {}, 400, None),
        # 409: the status
        (S.ANSWERED, "manager", "dispatch", {}, 409, "transition_not_allowed"),
        (S.ANSWERED, "clerk", "answer", {"answer": "x"}, 409, "transition_not_allowed"),
        (S.DISPATCHED, "enterprise_user", "confirm", {"satisfied": True, "rating": 5}, 409, "transition_not_allowed"),
        (S.ANSWERED, "enterprise_user", "reopen", {"comment": "x"}, 409, "transition_not_allowed"),
        (S.CLOSED, "manager", "escalate", {}, 409, "transition_not_allowed"),
    ],
)
def test_refusals(world, desk, make_request, status, who, name, payload, code, error):
    sr = make_request(status)
    before = ServiceRequest.objects.filter(pk=sr.pk).values().get()
    user = desk.clerk if who == "clerk" else getattr(world, who)
    response = api_client(user).post(url(sr, name), payload, format="json")
    assert response.status_code == code, response.content
    if error:
        assert response.json()["code"] == error
    assert ServiceRequest.objects.filter(pk=sr.pk).values().get() == before


def test_escalation_stops_at_the_highest_level(world, desk, make_request):
    sr = make_request(S.DISPATCHED)
    manager = api_client(world.manager)
    assert manager.post(url(sr, "escalate"), {"comment": "尽快"}, format="json").json()["escalation_level"] == 1
    assert manager.post(url(sr, "escalate"), {}, format="json").json()["escalation_level"] == 2
    response = manager.post(url(sr, "escalate"), {}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "escalation_at_maximum"


def test_foreign_requests_answer_404(world, desk, make_request):
    sr = make_request(S.DISPATCHED)
    road = api_client(desk.road_clerk)
    assert road.get(url(sr)).status_code == 404
    assert road.get(url(sr, "events")).status_code == 404
    response = road.post(url(sr, "answer"), {"answer": "x"}, format="json")
    assert response.status_code == 404
    assert api_client(world.manager).get(url(make_request(enterprise=world.other_b))).status_code == 404
    assert road.get(BASE).json()["count"] == 0
    assert api_client(desk.clerk).get(BASE).json()["count"] == 1


def test_the_list_uses_the_pages_filters(world, desk, make_request):
    mine = make_request(S.DISPATCHED)
    make_request(enterprise=world.other_b, title="花川的问题")
    manager = api_client(world.manager_all)
    assert manager.get(BASE).json()["count"] == 2
    assert [r["id"] for r in manager.get(BASE, {"status": "dispatched"}).json()["results"]] == [mine.pk]
    assert [r["id"] for r in manager.get(BASE, {"department": desk.power.pk}).json()["results"]] == [mine.pk]
    assert [r["title"] for r in manager.get(BASE, {"q": "花川"}).json()["results"]] == ["花川的问题"]
    assert manager.get(BASE, {"status": "nonsense"}).status_code == 400


def _count(client, path):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return len(queries), response


def test_list_queries_do_not_grow_with_rows(world, desk, make_request, django_assert_max_num_queries):
    make_request(S.DISPATCHED)
    client = api_client(world.manager_all)
    one, response = _count(client, BASE)
    assert response.json()["count"] == 1
    for i in range(29):
        make_request((S.OPEN, S.DISPATCHED, S.ANSWERED, S.CLOSED)[i % 4])
    with django_assert_max_num_queries(one):
        response = client.get(BASE)
    assert len(response.json()["results"]) == 30
