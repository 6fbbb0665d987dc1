"""Cancelling a cross-check request (撤销交叉检查申请): the service with its event, the desk's button and
the API action crosschecks/{id}/cancel/ (200, 403 for the wrong role, 404 outside the scope, 409 when done)."""

import pytest
from django.urls import reverse

from accounts.choices import Role
from closeout import services as closeout_services
from closeout.choices import CrossCheckStatus
from closeout.models import CrossCheck
from register.choices import CloseoutState
from tests import factories as f
from tests.api.conftest import API, client_for
from timeline.kinds import EventKind
from timeline.models import Event

pytestmark = pytest.mark.django_db


@pytest.fixture
def crosscheck(world, make_ticket, clients):
    make_ticket("closed")
    response = clients.manager.post(
        f"{API}parcels/{world.parcel.pk}/crosscheck/", {"inspector": world.inspector_b.pk}, format="json"
    )
    assert response.status_code == 201, response.data
    return CrossCheck.objects.get(pk=response.data["id"])


def cancel_url(crosscheck):
    return f"{API}crosschecks/{crosscheck.pk}/cancel/"


def test_the_api_cancels_a_request_and_the_parcel_waits_for_a_new_one(world, crosscheck, clients):
    response = clients.manager.post(cancel_url(crosscheck), {"comment": "检查人请假"}, format="json")
    assert response.status_code == 200, response.data
    assert response.data["status"] == CrossCheckStatus.CANCELLED
    world.parcel.refresh_from_db()
    assert world.parcel.closeout_state == CloseoutState.RED  # ready to be asked again
    event = Event.objects.get(kind=EventKind.PARCEL_CROSSCHECK_CANCELLED)
    assert (event.parcel_id, event.actor_id, event.from_status, event.to_status) == (
        world.parcel.pk, world.manager.pk, CloseoutState.CROSSCHECK, CloseoutState.RED,
    )  # fmt: skip
    assert event.comment == "检查人请假"
    # a new request may be made at once
    again = clients.manager.post(f"{API}parcels/{world.parcel.pk}/crosscheck/", {"inspector": world.inspector_b.pk})
    assert again.status_code == 201, again.data


def test_only_a_manager_may_cancel(world, crosscheck, clients):
    for name in ("inspector_b", "leader"):  # the cross-checker sees it; the leader sees everything
        response = getattr(clients, name).post(cancel_url(crosscheck), {}, format="json")
        assert response.status_code == 403, name
        assert response.data["code"] == "not_permitted"
    crosscheck.refresh_from_db()
    assert crosscheck.status == CrossCheckStatus.REQUESTED


def test_a_crosscheck_outside_the_scope_is_not_found(world, crosscheck, clients):
    other = f.UserFactory(role=Role.MANAGER)
    other.zones.add(world.zone_b)  # a manager of another zone
    assert client_for(other).post(cancel_url(crosscheck), {}, format="json").status_code == 404
    assert clients.manager.post(f"{API}crosschecks/999999/cancel/", {}, format="json").status_code == 404


def test_a_finished_or_cancelled_crosscheck_cannot_be_cancelled(world, crosscheck, clients):
    closeout_services.record_crosscheck(crosscheck, actor=world.inspector_b, passed=True)
    response = clients.manager.post(cancel_url(crosscheck), {}, format="json")
    assert response.status_code == 409
    assert response.data["code"] == "crosscheck_not_open"
    assert not Event.objects.filter(kind=EventKind.PARCEL_CROSSCHECK_CANCELLED).exists()


def test_the_desk_offers_the_cancel_button_and_cancels(client, world, crosscheck):
    client.force_login(world.manager)
    desk = client.get(reverse("closeout:closeout_desk")).content.decode()
    assert f'data-cancel="{world.parcel.code}"' in desk and "撤销申请" in desk
    response = client.post(reverse("closeout:crosscheck_cancel", args=[crosscheck.pk]), {"comment": "换人"})
    assert response.status_code == 302
    crosscheck.refresh_from_db()
    assert crosscheck.status == CrossCheckStatus.CANCELLED
    desk = client.get(reverse("closeout:closeout_desk"))
    assert [row["parcel"].code for row in desk.context["rows"]] == [world.parcel.code]  # ready again
    assert "已撤销宗地" in " ".join(str(m) for m in desk.context["messages"])
    # done already: refused with the reason, nothing changes
    again = client.post(reverse("closeout:crosscheck_cancel", args=[crosscheck.pk]))
    assert again.status_code == 409 and "不能撤销" in again.content.decode()


def test_the_desk_shows_zone_and_grid_apart(client, world, make_ticket):
    make_ticket("closed")
    client.force_login(world.manager)
    html = client.get(reverse("closeout:closeout_desk")).content.decode()
    assert "花川 · 花川一网格" in html  # inspector_b's option (was 花川花川一网格)
    assert "花川花川一网格" not in html
