"""Today's patrol (今日巡查), coverage (巡查覆盖) and the patrol plan (巡查频次): pages and figures."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from register.choices import RiskLevel
from register.models import Enterprise, Parcel
from risk import patrols
from risk.models import PatrolPlan
from tests import factories as f


def _level(unit, level):
    type(unit).objects.filter(pk=unit.pk).update(risk_level=level)


def _visit(unit, days_ago, inspector):
    """An inspection ``days_ago`` days ago (at noon) of an enterprise (its parcel is visited with it)."""
    moment = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0) - timedelta(days=days_ago)
    return f.InspectionFactory(enterprise=unit, inspector=inspector, inspected_at=moment)


@pytest.fixture
def patrol_world(world):
    """Grid A1: tenant1 red, last visited 10 days ago (3 days overdue on a 7-day cycle); tenant2 blue,
    never visited; the parcel yellow, visited with tenant1 (within its 30 days). Grid A2 and B1: never visited."""
    _level(world.tenant1, RiskLevel.RED)
    _level(world.tenant2, RiskLevel.BLUE)
    _level(world.parcel, RiskLevel.YELLOW)
    _visit(world.tenant1, 10, world.inspector)
    return world


def _order(html):
    return re.findall(r'data-unit="([a-z]+-\d+)"', html)


def test_today_s_patrol_puts_a_red_overdue_unit_before_a_blue_one_never_visited(client, patrol_world):
    w = patrol_world
    client.force_login(w.inspector)

    response = client.get(reverse("risk:patrol"))

    assert response.status_code == 200
    html = response.content.decode()
    assert _order(html) == [f"enterprise-{w.tenant1.pk}", f"enterprise-{w.tenant2.pk}"]  # the parcel is covered
    red, blue = response.context["object_list"]
    assert red.days_overdue == 3 and red.colour == "red" and red.score > blue.score
    assert "已超期 3 天" in red.reasons and "重大风险，每 7 天巡查一次" in red.reasons
    assert blue.never_visited and "从未巡查" in blue.reasons
    assert 'data-overdue="never"' in html and 'data-overdue="3"' in html
    assert reverse("cases:inspection_create", args=["enterprise", w.tenant1.pk]) in html
    assert w.tenant1.get_absolute_url() in html
    assert response.context["due"] == 2 and response.context["overdue"] == 2 and response.context["never"] == 1


def test_a_unit_visited_today_leaves_the_list_and_reasons_name_open_hazards(client, patrol_world):
    w = patrol_world
    f.HazardFactory(enterprise=w.tenant2, reported_at=timezone.now() - timedelta(days=100))  # blue: 90 days
    client.force_login(w.inspector)
    rows = client.get(reverse("risk:patrol")).context["object_list"]
    blue = next(row for row in rows if row.unit.pk == w.tenant2.pk)
    assert blue.last_visit is not None and "未整改隐患 1 条" in blue.reasons and "已超期 10 天" in blue.reasons

    _visit(w.tenant2, 0, w.inspector)

    assert [row.unit.pk for row in client.get(reverse("risk:patrol")).context["object_list"]] == [w.tenant1.pk]


def test_an_inspector_sees_only_own_grids_and_a_foreign_grid_answers_404(client, patrol_world):
    w = patrol_world
    client.force_login(w.inspector)
    html = client.get(reverse("risk:patrol")).content.decode()
    assert f"enterprise-{w.other_a2.pk}" not in html and f"enterprise-{w.other_b.pk}" not in html

    assert client.get(reverse("risk:patrol"), {"grid_id": w.grid_b1.pk}).status_code == 404
    assert client.get(reverse("risk:patrol"), {"zone_id": w.zone_b.pk}).status_code == 404


def test_a_manager_sees_the_zone_and_filters_by_grid(client, patrol_world):
    w = patrol_world
    client.force_login(w.manager)
    units = set(_order(client.get(reverse("risk:patrol")).content.decode()))
    assert f"enterprise-{w.other_a2.pk}" in units and f"parcel-{w.parcel_a2.pk}" in units
    assert f"enterprise-{w.other_b.pk}" not in units

    narrowed = set(_order(client.get(reverse("risk:patrol"), {"grid_id": w.grid_a2.pk}).content.decode()))
    assert narrowed == {f"enterprise-{w.other_a2.pk}", f"parcel-{w.parcel_a2.pk}"}
    assert client.get(reverse("risk:patrol"), {"grid_id": w.grid_b1.pk}).status_code == 404


def test_parties_cannot_open_the_patrol_pages(client, world):
    client.force_login(world.enterprise_user)
    for name in ("risk:patrol", "risk:coverage", "risk:plan"):
        assert client.get(reverse(name)).status_code == 403, name


def test_the_patrol_page_costs_the_same_queries_for_1_or_30_units(client, world, django_assert_max_num_queries):
    parcel = f.ParcelFactory(grid=world.grid_a1)
    client.force_login(world.inspector)
    client.get(reverse("risk:patrol"))  # warm caches
    with django_assert_max_num_queries(50) as one:
        client.get(reverse("risk:patrol"))
    for i in range(29):
        f.EnterpriseFactory(parcel=parcel, name=f"新增企业{i}")
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(reverse("risk:patrol"))
    assert response.context["due"] >= 30


def test_the_inspector_home_is_today_s_patrol(client, patrol_world):
    w = patrol_world
    client.force_login(w.inspector)

    response = client.get(reverse("home"))

    html = response.content.decode()
    assert response.status_code == 200 and "今日巡查" in html
    assert response.context["patrol"]["due"] == 2 and response.context["patrol"]["overdue"] == 2
    assert _order(html)[:2] == [f"enterprise-{w.tenant1.pk}", f"enterprise-{w.tenant2.pk}"]
    assert reverse("risk:patrol") in html
    assert f'data-grid="{w.grid_a1.pk}"' in html  # what the home showed before is still there


def test_the_home_lists_ten_due_units_and_links_to_the_rest(client, world):
    parcel = f.ParcelFactory(grid=world.grid_a1)
    for i in range(12):
        f.EnterpriseFactory(parcel=parcel, name=f"新增企业{i}")
    client.force_login(world.inspector)
    patrol = client.get(reverse("home")).context["patrol"]
    assert len(patrol["rows"]) == 10 and patrol["more"] == patrol["due"] - 10 > 0


# --- coverage ----------------------------------------------------------------------------------


def test_coverage_per_grid_and_zone_matches_a_count_by_hand(client, patrol_world):
    w = patrol_world
    _visit(w.other_a2, 100, w.inspector_a2)  # blue: 90-day cycle, so overdue (but visited once)
    client.force_login(w.manager_all)

    response = client.get(reverse("risk:coverage"))

    assert response.status_code == 200
    zones = {item["zone"].pk: item for item in response.context["zones"]}
    grids = {g["grid"].pk: g["figures"] for item in zones.values() for g in item["grids"]}
    # A1: tenant1 (red, 10 days > 7: not covered), tenant2 (never), parcel (yellow, 10 days ≤ 30: covered)
    a1 = grids[w.grid_a1.pk]
    assert (a1.units, a1.covered, a1.never, a1.overdue) == (3, 1, 1, 2)
    # A2: other_a2 and parcel_a2 visited 100 days ago (blue: 90) — not covered, not never
    a2 = grids[w.grid_a2.pk]
    assert (a2.units, a2.covered, a2.never, a2.overdue) == (2, 0, 0, 2)
    b1 = grids[w.grid_b1.pk]
    assert (b1.units, b1.covered, b1.never) == (2, 0, 2)
    zone_a = zones[w.zone_a.pk]["figures"]
    assert (zone_a.units, zone_a.covered, zone_a.never, zone_a.overdue) == (5, 1, 1, 4)
    total = response.context["total"]
    assert (total.units, total.covered, total.never, str(total.rate)) == (7, 1, 3, "14.29")
    html = response.content.decode()
    assert "14.29%" in html and "33.33%" in html


def test_coverage_is_for_managers_and_leaders_in_their_scope(client, patrol_world):
    w = patrol_world
    client.force_login(w.inspector)
    assert client.get(reverse("risk:coverage")).status_code == 403

    client.force_login(w.manager)
    zones = client.get(reverse("risk:coverage")).context["zones"]
    assert [item["zone"].pk for item in zones] == [w.zone_a.pk]
    assert client.get(reverse("risk:coverage"), {"zone_id": w.zone_b.pk}).status_code == 404


def test_the_coverage_page_costs_the_same_queries_for_1_or_30_units(client, world, django_assert_max_num_queries):
    client.force_login(world.leader)
    client.get(reverse("risk:coverage"))
    with django_assert_max_num_queries(50) as one:
        client.get(reverse("risk:coverage"))
    parcel = f.ParcelFactory(grid=world.grid_b1)
    for i in range(29):
        f.EnterpriseFactory(parcel=parcel, name=f"新增企业{i}")
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert client.get(reverse("risk:coverage")).context["total"].units == 7 + 30


# --- the plan ----------------------------------------------------------------------------------


def _plan_form(**values):
    data = {"red_days": "7", "orange_days": "14", "yellow_days": "30", "blue_days": "90", "reason": "季度调整"}
    data.update(values)
    return data


def test_a_leader_changes_the_plan_and_it_takes_effect(client, patrol_world):
    w = patrol_world
    client.force_login(w.leader)

    response = client.post(reverse("risk:plan"), _plan_form(red_days="14", reason="人手不足"))

    assert response.status_code == 302
    plan = PatrolPlan.objects.get()
    assert (plan.red_days, plan.reason, plan.created_by) == (14, "人手不足", w.leader)
    assert patrols.plan_on().days_for(RiskLevel.RED) == 14
    # tenant1 (red, visited 10 days ago) is no longer due on a 14-day cycle
    client.force_login(w.inspector)
    assert [row.unit.pk for row in client.get(reverse("risk:patrol")).context["object_list"]] == [w.tenant2.pk]
    page = client.get(reverse("risk:plan"))
    assert page.status_code == 200 and "人手不足" in page.content.decode() and not page.context["can_change"]


def test_only_a_leader_changes_the_plan(client, world):
    for user in (world.inspector, world.manager):
        client.force_login(user)
        assert client.get(reverse("risk:plan")).status_code == 200
        assert client.post(reverse("risk:plan"), _plan_form()).status_code == 403
    assert not PatrolPlan.objects.exists()


@pytest.mark.parametrize(
    "values",
    [{"red_days": "0"}, {"red_days": "abc"}, {"red_days": "100"}, {"blue_days": "400"}, {"reason": ""}],
)
def test_bad_input_changes_nothing_and_says_why(client, world, values):
    client.force_login(world.leader)

    response = client.post(reverse("risk:plan"), _plan_form(**values))

    assert response.status_code == 400
    assert not PatrolPlan.objects.exists()
    assert 'class="f-error"' in response.content.decode()


def test_history_keeps_the_old_plan_and_a_past_day_uses_it(client, patrol_world):
    w = patrol_world
    old = PatrolPlan.objects.create(
        valid_from=timezone.now() - timedelta(days=30), red_days=7, orange_days=14, yellow_days=30, blue_days=90
    )
    client.force_login(w.leader)
    client.post(reverse("risk:plan"), _plan_form(red_days="30", orange_days="30", reason="放宽"))
    new = PatrolPlan.objects.exclude(pk=old.pk).get()

    history = client.get(reverse("risk:plan")).context["history"]
    assert [item["plan"].pk for item in history] == [new.pk, old.pk]
    assert [item["in_force"] for item in history] == [True, False]

    units = {"enterprise": Enterprise.objects.filter(pk=w.tenant1.pk), "parcel": Parcel.objects.none()}
    today = timezone.localdate()
    yesterday = today - timedelta(days=1)
    now_table = patrols.coverage_table(units, {w.grid_a1.pk: w.zone_a.pk}, day=today)
    assert now_table.plan.plan == new and now_table.total.covered == 1  # red: 30 days now
    end_of_yesterday = patrols.dates.day_start(today)
    past = patrols.coverage_table(units, {w.grid_a1.pk: w.zone_a.pk}, day=yesterday, until=end_of_yesterday)
    assert past.plan.plan == old and past.total.covered == 0  # red: 7 days then
