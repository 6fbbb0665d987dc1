"""The risk point API (``risk-points/``) and the risk fields of the register's units."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from register.choices import RiskLevel
from risk.levels import recompute
from risk.models import RiskPoint
from risk.services import declare_risk_point, review_risk_point
from tests import factories as f
from tests.api.conftest import API, client_for

pytestmark = pytest.mark.django_db
URL = f"{API}risk-points/"
LEC = {"blue": ("1", "10", "7"), "yellow": ("3", "6", "7"), "orange": ("6", "6", "7"), "red": ("3", "10", "15")}


def point(actor, enterprise, colour="yellow", name="喷涂车间"):
    l, e, c = LEC[colour]  # noqa: E741
    return declare_risk_point(
        actor=actor,
        enterprise=enterprise,
        name=name,
        likelihood=l,
        exposure=e,
        consequence=c,
        responsible_person="张三",
    )


def test_an_enterprise_declares_a_point_and_reads_its_grade_as_a_colour(world):
    api = client_for(world.enterprise_user)

    response = api.post(
        URL,
        {
            "enterprise": world.tenant1.pk,
            "name": "除尘系统",
            "accident_types": ["other_explosion"],
            "likelihood": "6",
            "exposure": "6",
            "consequence": "7",
            "responsible_person": "李四",
        },
        format="json",
    )

    assert response.status_code == 201, response.data
    body = response.json()
    assert (body["level"], body["level_label"], body["assessed_level"]) == ("orange", "较大风险", "orange")
    assert (body["score"], body["status"], body["parcel"]) == ("252.00", "declared", world.parcel.pk)
    assert body["accident_type_labels"] == ["其它爆炸"]


def test_a_declaration_with_bad_values_is_refused_and_nothing_is_saved(world):
    api = client_for(world.enterprise_user)

    response = api.post(URL, {"enterprise": world.tenant1.pk, "name": "x", "likelihood": "7"}, format="json")

    assert response.status_code == 400
    assert {"likelihood", "exposure", "consequence", "responsible_person"} <= set(response.json())
    assert not RiskPoint.objects.exists()


def test_a_changed_grade_without_a_reason_is_refused_with_its_code(world):
    declared = point(world.enterprise_user, world.tenant1, "yellow")
    api = client_for(world.inspector)

    refused = api.post(f"{URL}{declared.pk}/review/", {"level": "red"}, format="json")
    done = api.post(f"{URL}{declared.pk}/review/", {"level": 4, "reason": "涉爆粉尘"}, format="json")

    assert refused.status_code == 400
    assert refused.json()["code"] == "reason_required"
    assert done.status_code == 200
    assert (done.json()["level"], done.json()["status"], done.json()["level_reason"]) == ("red", "reviewed", "涉爆粉尘")


def test_a_level_that_is_no_grade_is_refused(world):
    declared = point(world.enterprise_user, world.tenant1)

    response = client_for(world.manager).post(f"{URL}{declared.pk}/review/", {"level": "purple"}, format="json")

    assert response.status_code == 400
    assert "level" in response.json()


def test_another_scopes_point_answers_404_and_an_enterprise_may_not_review(world):
    declared = point(world.enterprise_user, world.tenant1)
    foreign = client_for(world.inspector_b)

    assert foreign.get(f"{URL}{declared.pk}/").status_code == 404
    assert (
        foreign.post(f"{URL}{declared.pk}/review/", {"level": "red", "reason": "x"}, format="json").status_code == 404
    )
    assert foreign.patch(f"{URL}{declared.pk}/", {"name": "x"}, format="json").status_code == 404
    assert foreign.post(f"{URL}{declared.pk}/retire/", {"reason": "x"}, format="json").status_code == 404
    refused = client_for(world.enterprise_user).post(f"{URL}{declared.pk}/review/", {}, format="json")
    assert refused.status_code == 403
    declared.refresh_from_db()
    assert (declared.name, declared.status, declared.active) == ("喷涂车间", "declared", True)


def test_a_partys_patch_sends_the_point_back_to_review(world):
    declared = point(world.enterprise_user, world.tenant1, "yellow")
    review_risk_point(declared, actor=world.inspector, level=RiskLevel.RED, reason="粉尘")

    response = client_for(world.enterprise_user).patch(f"{URL}{declared.pk}/", {"place": "三号车间"}, format="json")

    assert response.status_code == 200
    assert (response.json()["place"], response.json()["status"], response.json()["level"]) == (
        "三号车间",
        "declared",
        "yellow",
    )


def test_retire_takes_the_point_off_the_list(world):
    declared = point(world.enterprise_user, world.tenant1)
    api = client_for(world.enterprise_user)

    assert api.post(f"{URL}{declared.pk}/retire/", {}, format="json").status_code == 400
    assert api.post(f"{URL}{declared.pk}/retire/", {"reason": "已拆除"}, format="json").status_code == 200

    assert api.get(URL).json()["count"] == 0
    assert [p["id"] for p in api.get(URL, {"retired": "true"}).json()["results"]] == [declared.pk]
    assert api.get(f"{URL}{declared.pk}/").json()["active"] is False


def test_the_list_filters_by_colour_and_is_scoped(world):
    red = point(world.manager, world.tenant1, "red")
    point(world.manager, world.tenant2, "blue")
    point(world.admin, world.other_b, "red")

    response = client_for(world.manager).get(URL, {"level": "red"})

    assert [p["id"] for p in response.json()["results"]] == [red.pk]
    assert client_for(world.manager).get(URL, {"level": "purple"}).status_code == 400


def test_the_list_runs_the_same_queries_for_1_point_and_for_30(world):
    api = client_for(world.manager)
    point(world.manager, world.tenant1)

    def count():
        with CaptureQueriesContext(connection) as captured:
            response = api.get(URL, {"page_size": 100})
        assert response.status_code == 200
        return len(captured), response.json()["count"]

    one = count()
    for i in range(29):
        unit = f.EnterpriseFactory(grid=world.grid_a2, parcel=f.ParcelFactory(grid=world.grid_a2))
        point(world.inspector if i % 2 else world.manager, unit if not i % 2 else world.tenant2, name=f"点{i}")
    many = count()

    assert (one[1], many[1]) == (1, 30)
    assert many[0] == one[0]


def test_parcels_and_enterprises_carry_their_risk_colour_and_plate(world):
    review_risk_point(point(world.manager, world.tenant1, "red"), actor=world.manager)
    recompute()
    api = client_for(world.manager)

    enterprise = api.get(f"{API}enterprises/{world.tenant1.pk}/").json()
    parcel = api.get(f"{API}parcels/{world.parcel.pk}/").json()
    reds = api.get(f"{API}parcels/", {"risk_level": "red"}).json()["results"]
    yellows = api.get(f"{API}enterprises/", {"risk_level": ["yellow", "blue"]}).json()["results"]

    assert (enterprise["risk_level"], parcel["risk_level"]) == ("red", "red")
    assert enterprise["plate_url"].startswith("/p/e") and parcel["plate_url"].startswith("/p/p")
    assert [p["id"] for p in reds] == [world.parcel.pk]
    assert world.tenant1.pk not in [e["id"] for e in yellows] and world.tenant2.pk in [e["id"] for e in yellows]
