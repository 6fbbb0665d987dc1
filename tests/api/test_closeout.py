"""Parcel close-out through the API: request a cross-check, list cross-checks, record the result.

The same services as the close-out desk and the cross-check pages: 404 for a parcel or cross-check
outside the caller's scope, 403 for the wrong role, 400 for bad input, 409 for the wrong state.
"""

import pytest

from cases import services
from closeout.choices import CrossCheckStatus
from closeout.models import CrossCheck
from register.choices import CloseoutState
from tests import factories as f
from tests.api.conftest import API
from timeline.models import Event

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready_parcel(world, make_ticket):
    """world.parcel red, its only hazard rectified: ready for a cross-check."""
    make_ticket("closed")
    world.parcel.refresh_from_db()
    assert world.parcel.closeout_state == CloseoutState.RED
    return world.parcel


def request_url(parcel):
    return f"{API}parcels/{parcel.pk}/crosscheck/"


@pytest.fixture
def crosscheck(world, ready_parcel, clients):
    response = clients.manager.post(
        request_url(ready_parcel), {"inspector": world.inspector_b.pk, "comment": "请复查"}, format="json"
    )
    assert response.status_code == 201, response.data
    return CrossCheck.objects.get(pk=response.data["id"])


def test_a_manager_requests_a_cross_check(world, clients, ready_parcel):
    response = clients.manager.post(
        request_url(ready_parcel), {"inspector": world.inspector_b.pk, "comment": "请复查"}, format="json"
    )

    assert response.status_code == 201, response.data
    body = response.data
    assert body["status"] == CrossCheckStatus.REQUESTED and body["parcel"] == ready_parcel.pk
    assert body["inspector"]["username"] == "inspector-b1" and body["requested_by"]["username"] == "manager-a"
    assert body["closeout_state"] == CloseoutState.CROSSCHECK and body["comment"] == "请复查"
    ready_parcel.refresh_from_db()
    assert ready_parcel.closeout_state == CloseoutState.CROSSCHECK
    assert Event.objects.filter(parcel=ready_parcel, kind="enterprises.parcel.crosscheck_requested").count() == 1


def test_a_cross_check_request_is_refused_by_scope_role_input_and_state(world, clients, ready_parcel):
    body = {"inspector": world.inspector_b.pk}
    # 404: a parcel outside the caller's scope, like one that does not exist
    assert clients.manager.post(request_url(world.parcel_b), body, format="json").status_code == 404
    assert clients.manager.post(f"{API}parcels/999999/crosscheck/", body, format="json").status_code == 404
    assert clients.inspector_b.post(request_url(ready_parcel), body, format="json").status_code == 404
    # 403: a role that may not request one (it sees the parcel)
    for client in (clients.inspector, clients.landlord, clients.enterprise_user, clients.leader):
        response = client.post(request_url(ready_parcel), body, format="json")
        assert response.status_code == 403, response.data
    # 400: no inspector, or one of the parcel's own grid
    response = clients.manager.post(request_url(ready_parcel), {}, format="json")
    assert response.status_code == 400 and "inspector" in response.data
    response = clients.manager.post(request_url(ready_parcel), {"inspector": world.inspector.pk}, format="json")
    assert response.status_code == 400 and response.data["code"] == "inspector_same_grid"
    # 409: a parcel that is not red (green, or already waiting for a cross-check)
    response = clients.manager.post(request_url(world.parcel_a2), body, format="json")
    assert response.status_code == 409 and response.data["code"] == "parcel_not_red"
    assert clients.manager.post(request_url(ready_parcel), body, format="json").status_code == 201
    response = clients.manager.post(request_url(ready_parcel), body, format="json")
    assert response.status_code == 409 and response.data["code"] == "parcel_not_red"
    assert CrossCheck.objects.count() == 1


def test_a_red_parcel_with_open_hazards_is_not_cross_checked(world, clients, make_ticket):
    make_ticket("assigned")
    response = clients.manager.post(request_url(world.parcel), {"inspector": world.inspector_b.pk}, format="json")
    assert response.status_code == 409 and response.data["code"] == "open_hazards_remain"


def test_cross_checks_are_listed_in_scope(world, clients, crosscheck):
    ids = lambda client, **params: [row["id"] for row in client.get(f"{API}crosschecks/", params).data["results"]]  # noqa: E731

    assert ids(clients.manager) == [crosscheck.pk]
    assert ids(clients.manager_all) == [crosscheck.pk]
    assert ids(clients.inspector_b) == [crosscheck.pk]  # sent to them
    assert ids(clients.inspector_b, mine="true") == [crosscheck.pk]
    assert ids(clients.inspector, mine="true") == []
    assert ids(clients.inspector_a2) == []
    manager_b = f.UserFactory(username="manager-b", role="manager")
    manager_b.zones.add(world.zone_b)
    from tests.api.conftest import client_for

    assert ids(client_for(manager_b)) == []
    assert client_for(manager_b).get(f"{API}crosschecks/{crosscheck.pk}/").status_code == 404
    assert ids(clients.manager, status="requested") == [crosscheck.pk]
    assert ids(clients.manager, status="passed") == []
    # a filter on a parcel outside the scope answers like one that does not exist
    assert clients.manager.get(f"{API}crosschecks/", {"parcel_id": world.parcel_b.pk}).status_code == 400
    assert clients.manager.get(f"{API}crosschecks/", {"parcel_id": 999999}).status_code == 400
    assert clients.anonymous.get(f"{API}crosschecks/").status_code == 401


def test_the_cross_check_list_query_count_does_not_grow_with_rows(
    world, clients, crosscheck, django_assert_max_num_queries
):
    url = f"{API}crosschecks/"
    clients.manager.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        assert clients.manager.get(url).data["count"] == 1
    for i in range(30):
        parcel = f.ParcelFactory(grid=world.grid_a1, code=f"ZSD-9{i:02d}")
        CrossCheck.objects.create(
            parcel=parcel, requested_by=world.manager, inspector=world.inspector_b, status=CrossCheckStatus.PASSED
        )

    with django_assert_max_num_queries(len(one.captured_queries)):
        response = clients.manager.get(url)
    assert response.data["count"] == 31


def test_the_inspector_sent_records_a_pass_and_the_parcel_is_closed_out(world, clients, crosscheck):
    url = f"{API}crosschecks/{crosscheck.pk}/record/"

    response = clients.inspector_b.post(url, {"passed": True, "comment": "复查合格"}, format="json")

    assert response.status_code == 200, response.data
    assert response.data["status"] == CrossCheckStatus.PASSED and response.data["closeout_state"] == "green"
    world.parcel.refresh_from_db()
    assert world.parcel.closeout_state == CloseoutState.GREEN and world.parcel.closed_out_at is not None
    # the manager of the zone sees the close-out on the parcel's timeline
    assert Event.objects.visible_to(world.manager).filter(kind="enterprises.parcel.closed_out").count() == 1
    # recorded once only
    response = clients.inspector_b.post(url, {"passed": True}, format="json")
    assert response.status_code == 409 and response.data["code"] == "crosscheck_done"


def test_a_failed_cross_check_reports_the_hazards_found(world, clients, crosscheck, category):
    url = f"{API}crosschecks/{crosscheck.pk}/record/"
    hazard = {"category": category.code, "description": "消防通道堆放杂物", "enterprise": world.tenant2.pk}

    response = clients.inspector_b.post(
        url, {"passed": False, "comment": "未整改到位", "hazards": [hazard]}, format="json"
    )

    assert response.status_code == 200, response.data
    assert response.data["status"] == CrossCheckStatus.FAILED and response.data["hazards_found"] == 1
    world.parcel.refresh_from_db()
    assert world.parcel.closeout_state == CloseoutState.RED
    found = world.tenant2.hazards.get()
    assert found.description == "消防通道堆放杂物" and found.reporter == world.inspector_b


def test_a_cross_check_result_is_refused_by_scope_role_input_and_state(world, clients, crosscheck, category):
    url = f"{API}crosschecks/{crosscheck.pk}/record/"
    # 404: not in the caller's scope
    assert clients.inspector_a2.post(url, {"passed": True}, format="json").status_code == 404
    assert clients.enterprise_user.post(f"{API}crosschecks/999999/record/", {"passed": True}).status_code == 404
    # 403: a role that may not record, or an inspector who was not sent (they see the parcel)
    for client in (clients.manager, clients.landlord, clients.inspector):
        response = client.post(url, {"passed": True}, format="json")
        assert response.status_code == 403, response.data
    # 400: no result; hazards with a pass; a tenant of another parcel; a fail without hazards or reason
    assert clients.inspector_b.post(url, {}, format="json").status_code == 400
    hazard = {"category": category.code, "description": "x"}
    response = clients.inspector_b.post(url, {"passed": True, "hazards": [hazard]}, format="json")
    assert response.status_code == 400 and response.data["code"] == "hazards_on_pass"
    foreign = {**hazard, "enterprise": world.other_b.pk}
    assert clients.inspector_b.post(url, {"passed": False, "hazards": [foreign]}, format="json").status_code == 400
    response = clients.inspector_b.post(url, {"passed": False}, format="json")
    assert response.status_code == 400 and response.data["code"] == "reason_required"
    crosscheck.refresh_from_db()
    assert crosscheck.status == CrossCheckStatus.REQUESTED
    # 409: a new hazard reported on the parcel meanwhile: it cannot be closed out
    services.report_hazard(actor=world.inspector, category=category, description="新发现", enterprise=world.tenant1)
    response = clients.inspector_b.post(url, {"passed": True}, format="json")
    assert response.status_code == 409 and response.data["code"] == "open_hazards_remain"
