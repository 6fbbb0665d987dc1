"""API: ``patrols/today/``, ``patrols/coverage/`` and ``checkins/`` — scoped, constant query counts."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from cases.models import CheckIn
from cases.services import record_checkin
from register.choices import RiskLevel
from tests import factories as f
from tests.api.conftest import API


@pytest.fixture
def api():
    def client_for(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return client_for


@pytest.fixture
def patrol_world(world):
    type(world.tenant1).objects.filter(pk=world.tenant1.pk).update(risk_level=RiskLevel.RED)
    moment = timezone.now() - timedelta(days=10)
    f.InspectionFactory(enterprise=world.tenant1, inspector=world.inspector, inspected_at=moment)
    return world


def test_today_lists_the_inspector_s_due_units_highest_score_first(api, patrol_world):
    w = patrol_world

    response = api(w.inspector).get(f"{API}patrols/today/")

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [(r["kind"], r["id"]) for r in rows] == [("enterprise", w.tenant1.pk), ("enterprise", w.tenant2.pk)]
    red = rows[0]
    assert red["risk_level"] == "red" and red["cycle_days"] == 7 and red["days_overdue"] == 3
    assert red["grid"] == w.grid_a1.pk and red["zone"] == w.zone_a.pk and red["zone_name"] == "中申达"
    assert red["last_visit"] and "已超期 3 天" in red["reasons"] and red["score"] > rows[1]["score"]
    assert red["plate_url"].startswith("http://testserver/p/") and red["url"].endswith(w.tenant1.get_absolute_url())
    assert rows[1]["days_overdue"] is None and rows[1]["never_visited"] and rows[1]["last_visit"] is None


def test_today_is_scoped_and_a_foreign_grid_answers_404(api, patrol_world):
    w = patrol_world
    assert api(w.inspector).get(f"{API}patrols/today/", {"grid_id": w.grid_b1.pk}).status_code == 404
    assert api(w.manager).get(f"{API}patrols/today/", {"zone_id": w.zone_b.pk}).status_code == 404
    ids = {(r["kind"], r["id"]) for r in api(w.manager).get(f"{API}patrols/today/").json()["results"]}
    assert ("enterprise", w.other_a2.pk) in ids and ("enterprise", w.other_b.pk) not in ids
    assert api(w.enterprise_user).get(f"{API}patrols/today/").status_code == 403
    assert APIClient().get(f"{API}patrols/today/").status_code in (401, 403)


def test_today_costs_the_same_queries_for_1_or_30_units(api, world, django_assert_max_num_queries):
    client = api(world.inspector)
    client.get(f"{API}patrols/today/")
    with django_assert_max_num_queries(30) as one:
        client.get(f"{API}patrols/today/")
    parcel = f.ParcelFactory(grid=world.grid_a1)
    for i in range(29):
        f.EnterpriseFactory(parcel=parcel, name=f"新增企业{i}")
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert client.get(f"{API}patrols/today/").json()["count"] >= 30


def test_coverage_per_zone_and_grid(api, patrol_world):
    w = patrol_world

    data = api(w.manager).get(f"{API}patrols/coverage/").json()

    assert data["plan"]["red_days"] == 7 and data["plan"]["id"] is None
    grids = {g["id"]: g for g in data["grids"]}
    assert set(grids) == {w.grid_a1.pk, w.grid_a2.pk}
    a1 = grids[w.grid_a1.pk]
    # tenant1 red 10 days ago: overdue; tenant2 never; the parcel (blue, visited with tenant1): covered
    assert (a1["units"], a1["covered"], a1["never_visited"], a1["overdue"], a1["rate"]) == (3, 1, 1, 2, "33.33")
    assert data["zones"] == [{"id": w.zone_a.pk, "name": "中申达", **{k: data["total"][k] for k in data["total"]}}]
    assert data["total"]["units"] == 5
    narrowed = api(w.manager).get(f"{API}patrols/coverage/", {"grid_id": w.grid_a2.pk}).json()
    assert [g["id"] for g in narrowed["grids"]] == [w.grid_a2.pk] and narrowed["total"]["units"] == 2
    assert api(w.manager).get(f"{API}patrols/coverage/", {"zone_id": w.zone_b.pk}).status_code == 404


def test_a_check_in_is_recorded_with_its_flag_and_distance(api, world):
    client = api(world.inspector)
    near = {"latitude": world.parcel.latitude, "longitude": world.parcel.longitude, "accuracy": 12}

    response = client.post(f"{API}checkins/", {"enterprise": world.tenant1.pk, **near}, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["flag"] == "" and body["proves_presence"] and body["distance"] == 0
    assert body["enterprise"] == world.tenant1.pk and body["inspector"] == world.inspector.pk
    far = {"latitude": world.parcel.latitude + 0.018, "longitude": world.parcel.longitude}  # ≈ 2 km north
    body = client.post(f"{API}checkins/", {"parcel": world.parcel.pk, **far}, format="json").json()
    assert body["flag"] == "far" and body["distance"] > 1900 and not body["proves_presence"]
    assert CheckIn.objects.count() == 2


def test_a_check_in_at_a_foreign_unit_or_by_a_party_is_refused(api, world):
    response = api(world.inspector).post(f"{API}checkins/", {"enterprise": world.other_b.pk}, format="json")
    assert response.status_code == 400
    assert api(world.inspector).post(f"{API}checkins/", {}, format="json").status_code == 400
    party = api(world.enterprise_user).post(f"{API}checkins/", {"enterprise": world.tenant1.pk}, format="json")
    assert party.status_code == 403
    assert not CheckIn.objects.exists()


def test_check_ins_are_listed_in_scope_and_filtered(api, world):
    mine = record_checkin(actor=world.inspector, enterprise=world.tenant1, latitude=28.9, longitude=120.05)
    flagged = record_checkin(actor=world.inspector, parcel=world.parcel)  # no position
    foreign = record_checkin(actor=world.inspector_b, enterprise=world.other_b)
    client = api(world.inspector)

    ids = [row["id"] for row in client.get(f"{API}checkins/").json()["results"]]

    assert set(ids) == {mine.pk, flagged.pk}
    assert client.get(f"{API}checkins/{foreign.pk}/").status_code == 404
    assert [r["id"] for r in client.get(f"{API}checkins/", {"flag": "no_position"}).json()["results"]] == [flagged.pk]
    assert [r["id"] for r in client.get(f"{API}checkins/", {"flagged": "false"}).json()["results"]] == [mine.pk]
    by_unit = client.get(f"{API}checkins/", {"enterprise_id": world.tenant1.pk}).json()["results"]
    assert [r["id"] for r in by_unit] == [mine.pk]
    today = timezone.localdate().isoformat()
    assert len(client.get(f"{API}checkins/", {"date": today, "inspector": world.inspector.pk}).json()["results"]) == 2
    assert client.get(f"{API}checkins/", {"date": "2001-01-01"}).json()["results"] == []
    managed = {r["id"] for r in api(world.manager_all).get(f"{API}checkins/").json()["results"]}
    assert managed == {mine.pk, flagged.pk, foreign.pk}
    assert api(world.enterprise_user).get(f"{API}checkins/").status_code == 403


def test_check_ins_cost_the_same_queries_for_1_or_30(api, world, django_assert_max_num_queries):
    record_checkin(actor=world.inspector, enterprise=world.tenant1)
    client = api(world.manager_all)
    client.get(f"{API}checkins/")
    with django_assert_max_num_queries(30) as one:
        client.get(f"{API}checkins/")
    for _i in range(29):
        record_checkin(actor=world.inspector, parcel=world.parcel)
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert client.get(f"{API}checkins/").json()["count"] == 30


def test_the_schema_documents_the_patrol_endpoints(api, world):
    schema = api(world.manager).get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    for path in ("patrols/today/", "patrols/coverage/", "checkins/", "checkins/{id}/"):
        assert f"{API}{path}" in schema, path
