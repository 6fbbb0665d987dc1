"""The leader's dashboard and the red/green map: figures on known data, links, scope, query counts."""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from briefing import summaries, unit_tally
from briefing.views import dashboard
from briefing.views.dashboard import dashboard_data
from cases import services
from cases.models import Ticket
from closeout import map_cells
from register.choices import CloseoutState
from register.models import Parcel
from tests import factories as f


@pytest.fixture(autouse=True)
def own_cache(settings, request):
    """A cache of this test's own; the query-count tests turn it off to count the full work."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": request.node.nodeid}
    }


@pytest.fixture
def no_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}


@pytest.fixture
def cases(world, category, major_category):
    """Five reports in zone 中申达 and 花川: one invalid, one closed, one overdue and escalated, one major."""
    today = timezone.localdate()
    second = f.HazardCategoryFactory(code="TE02", name="灭火器过期")
    h1 = services.report_hazard(
        actor=world.inspector, category=category, description="电线私拉乱接", enterprise=world.tenant1
    )
    h2 = services.report_hazard(
        actor=world.inspector, category=second, description="灭火器过期", enterprise=world.tenant2
    )
    services.report_hazard(
        actor=world.inspector_a2, category=major_category, description="除尘设施缺失", enterprise=world.other_a2
    )
    h4 = services.report_hazard(
        actor=world.inspector_b, category=category, description="插线板串接", enterprise=world.other_b
    )
    h5 = services.report_hazard(actor=world.inspector, category=second, description="误报", enterprise=world.tenant1)
    services.mark_invalid(h5, actor=world.manager, reason="现场核实不属实")

    closed = services.create_ticket([h1], actor=world.manager)
    services.assign_ticket(closed, actor=world.manager)
    services.submit_rectification(closed, actor=world.enterprise_user, comment="已整改", photos=[f.photo_upload()])
    services.verify_ticket(closed, actor=world.inspector, passed=True)

    late = services.create_ticket([h2], actor=world.manager)
    services.assign_ticket(late, actor=world.manager)
    Ticket.objects.filter(pk=late.pk).update(deadline=today - timedelta(days=3))
    services.escalate_ticket(late, actor=world.leader, comment="请加快整改")

    services.create_ticket([h4], actor=world.manager_all)
    # found last month in 花川 and still open: cumulative, not today
    services.report_hazard(
        actor=world.inspector_b,
        category=second,
        description="消防通道堵塞",
        enterprise=world.other_b,
        reported_at=timezone.now() - timedelta(days=40),
    )
    return {"closed": closed, "late": late}


def test_figures_on_known_data_for_the_whole_area(world, cases):
    data = dashboard_data(world.leader)
    figures = data["figures"]
    assert figures["found"] == 5  # the invalid report does not count
    assert figures["rectified"] == 1
    assert figures["rate"] == "20.00"
    assert figures["open"] == 4
    assert figures["major_open"] == 1
    assert figures["open_tickets"] == 2
    assert figures["overdue"] == 1
    assert figures["escalated"] == 1
    assert figures["found_today"] == 4
    assert figures["rectified_today"] == 1
    assert figures["parcels_red"] == 3
    assert data["scope"] == "全域"


def test_cumulative_figures_count_hazards_found_before_today(world, cases):
    figures = dashboard_data(world.manager_all)["figures"]
    assert (figures["found"], figures["found_today"]) == (5, 4)


def test_figures_are_restricted_to_the_managers_zone(world, cases):
    data = dashboard_data(world.manager)
    assert data["figures"]["found"] == 3
    assert data["figures"]["rectified"] == 1
    assert data["figures"]["rate"] == "33.33"
    assert [zone["name"] for zone in data["zones"]] == ["中申达"]
    assert sum(row["found"] for row in data["categories"]) == 3


def test_trend_counts_found_and_rectified_per_day(world, cases):
    trend = dashboard_data(world.leader, days=30)["trend"]
    assert len(trend["dates"]) == 30
    assert trend["dates"][-1] == timezone.localdate().isoformat()
    assert trend["found"][-1] == 4
    assert trend["rectified"][-1] == 1
    assert sum(trend["found"][:-1]) == 0
    assert len(dashboard_data(world.leader, days=90)["trend"]["dates"]) == 90


def test_category_and_zone_breakdown(world, cases, category):
    data = dashboard_data(world.leader)
    by_code = {row["code"]: row for row in data["categories"]}
    assert by_code[category.code]["found"] == 2
    assert by_code[category.code]["rectified"] == 1
    assert by_code[category.code]["url"] == f"/cases/hazards/?category={category.code}&counted=true"
    zones = {row["name"]: row for row in data["zones"]}
    assert zones["中申达"]["rank"] == 1  # 1 of 3 rectified beats 0 of 2
    assert zones["中申达"]["overdue"] == 1
    assert zones["花川"]["rate"] == "0.00"
    assert zones["中申达"]["links"]["overdue"] == f"/cases/tickets/?zone_id={world.zone_a.pk}&overdue=true"


def test_dashboard_page_shows_each_figure_with_the_list_behind_it(client, world, cases):
    client.force_login(world.leader)
    response = client.get(reverse("briefing:dashboard"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<a class="kpi-value kpi-link" href="/cases/tickets/?overdue=true">1</a>' in html
    assert "/cases/hazards/?severity=major&amp;status=reported&amp;status=aggregated" in html
    assert f"/cases/tickets/?zone_id={world.zone_a.pk}" in html
    assert "20.00" in html
    assert reverse("closeout:map") in html
    assert reverse("briefing:report_list") in html
    assert 'id="dashboard-data"' in html and "vendor/echarts/echarts.min.js" in html


def test_home_of_a_leader_is_the_dashboard(client, world):
    client.force_login(world.leader)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse("briefing:dashboard")


@pytest.mark.parametrize("who", ["enterprise_user", "landlord", "inspector"])
def test_dashboard_is_for_leaders_and_managers(client, world, who):
    client.force_login(getattr(world, who))
    assert client.get(reverse("briefing:dashboard")).status_code == 403
    assert client.get(reverse("briefing:dashboard_data")).status_code == 403


def test_anonymous_users_are_sent_to_login(client, world):
    for name in ("briefing:dashboard", "briefing:dashboard_data", "closeout:map", "closeout:map_data"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


def test_dashboard_json_switches_the_trend_window(client, world, cases):
    client.force_login(world.manager)
    data = client.get(reverse("briefing:dashboard_data"), {"days": 90}).json()
    assert data["trend"]["days"] == 90
    assert data["figures"]["found"] == 3
    assert client.get(reverse("briefing:dashboard_data"), {"days": "7"}).json()["trend"]["days"] == 30


# --- the map ----------------------------------------------------------------------------------------


def test_map_json_contains_only_visible_parcels_with_their_colour(client, world, cases):
    Parcel.objects.filter(pk=world.parcel_a2.pk).update(
        closeout_state=CloseoutState.CROSSCHECK,
        polygon={"type": "Polygon", "coordinates": [[[120.0, 28.9], [120.01, 28.9], [120.01, 28.91], [120.0, 28.9]]]},
    )
    Parcel.objects.filter(pk=world.parcel.pk).update(closeout_state=CloseoutState.GREEN)
    client.force_login(world.manager)
    data = client.get(reverse("closeout:map_data")).json()
    by_code = {feature["properties"]["code"]: feature for feature in data["features"]}
    assert set(by_code) == {"ZSD-001", "ZSD-201"}  # not 花川's HC-001
    # the state is closeout's one definition, not the stored field: stored green with an open hazard is red
    assert by_code["ZSD-001"]["properties"]["state"] == "red"
    assert by_code["ZSD-001"]["properties"]["colour"] == "red"
    # a cross-check requested while a hazard is open: still red (open hazards first), marked as waiting
    assert by_code["ZSD-201"]["properties"]["colour"] == "red"
    assert by_code["ZSD-201"]["properties"]["state"] == "red" and by_code["ZSD-201"]["properties"]["waiting"]
    assert by_code["ZSD-201"]["geometry"]["type"] == "Polygon"
    assert by_code["ZSD-001"]["geometry"] == {"type": "Point", "coordinates": [120.05, 28.9]}
    assert by_code["ZSD-001"]["properties"]["open_hazards"] == 1  # tenant2's overdue hazard
    assert by_code["ZSD-001"]["properties"]["tenants"] == 2
    assert data["summary"] == {"total": 2, "red": 2, "pending": 0, "green": 0, "uninspected": 0, "unlocated": 0}
    assert [zone["name"] for zone in data["zones"]] == ["中申达"]
    assert data["urls"]["parcel"].replace("{id}", str(world.parcel.pk)) == world.parcel.get_absolute_url()
    assert data["urls"]["tickets"] == "/cases/tickets/?parcel_id={id}"
    assert data["grids"][str(world.grid_a1.pk)] == "中申达一网格"


def test_inspector_sees_the_map_of_their_grid(client, world, cases):
    client.force_login(world.inspector_b)
    data = client.get(reverse("closeout:map_data")).json()
    assert [feature["properties"]["code"] for feature in data["features"]] == ["HC-001"]
    assert data["features"][0]["properties"]["colour"] == "red"


def test_map_page_draws_without_tiles_unless_configured(client, world, settings):
    client.force_login(world.leader)
    settings.MAP_TILE_URL = ""
    html = client.get(reverse("closeout:map")).content.decode()
    assert "parcel-map no-tiles" in html
    assert "vendor/leaflet/leaflet.js" in html
    config = json.loads(html.split('id="map-config" type="application/json">', 1)[1].split("</script>", 1)[0])
    assert config["tileUrl"] == "" and config["dataUrl"] == reverse("closeout:map_data")
    settings.MAP_TILE_URL = "/tiles/{z}/{x}/{y}.png"
    html = client.get(reverse("closeout:map")).content.decode()
    assert "no-tiles" not in html and "/tiles/{z}/{x}/{y}.png" in html


def test_parcels_without_a_location_are_counted_but_not_drawn(client, world):
    Parcel.objects.filter(pk=world.parcel_b.pk).update(latitude=None, longitude=None, polygon=None)
    client.force_login(world.leader)
    data = client.get(reverse("closeout:map_data")).json()
    assert data["summary"]["unlocated"] == 1
    assert "HC-001" not in {feature["properties"]["code"] for feature in data["features"]}


@pytest.mark.parametrize("who", ["enterprise_user", "landlord"])
def test_map_is_not_for_enterprises_and_landlords(client, world, who):
    client.force_login(getattr(world, who))
    assert client.get(reverse("closeout:map")).status_code == 403
    assert client.get(reverse("closeout:map_data")).status_code == 403


# --- constant number of queries ------------------------------------------------------------------------


def _add_units(world, category, count):
    """``count`` more parcels in grid A1, each with a tenant, an open hazard and a pending ticket."""
    for i in range(count):
        parcel = f.ParcelFactory(grid=world.grid_a1, latitude=28.9 + i / 1000, longitude=120.05)
        tenant = f.EnterpriseFactory(parcel=parcel)
        hazard = services.report_hazard(
            actor=world.inspector, category=category, description=f"隐患{i}", enterprise=tenant
        )
        services.create_ticket([hazard], actor=world.manager)


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("name", ["closeout:map_data", "briefing:dashboard_data", "briefing:dashboard", "closeout:map"])
def test_queries_do_not_grow_with_parcels_and_tickets(client, world, category, no_cache, name):
    _add_units(world, category, 1)
    client.force_login(world.manager)
    url = reverse(name)
    _queries(client, url)  # warm caches that are not per request (content types, translations)
    one = _queries(client, url)
    _add_units(world, category, 29)
    map_cells.catch_up()  # the map's cells and the units' tallies fold the noted changes in: statements per
    unit_tally.catch_up()  # change, not per request
    thirty = _queries(client, url)
    assert one == thirty, f"{name}: {one} queries for 1 parcel, {thirty} for 30"


def test_a_cached_dashboard_shows_a_workflow_change_in_the_next_period(client, world, cases, category, monkeypatch):
    # a workflow change does not empty every user's cache: it shows when the cache period turns
    # (briefing.views.dashboard.CACHE_MINUTES) or the day summaries catch up
    period = [0]
    monkeypatch.setattr(dashboard, "_period", lambda now=None: period[0])
    summaries.catch_up()  # (before the first summary, any change moves the version)
    client.force_login(world.leader)
    url = reverse("briefing:dashboard_data")
    first = client.get(url).json()
    with CaptureQueriesContext(connection) as cached:
        assert client.get(url).json() == first
    assert len(cached.captured_queries) <= 6  # session, user, zones, the data version: no ledger scans
    services.report_hazard(actor=world.inspector, category=category, description="新发现", enterprise=world.tenant2)
    assert client.get(url).json() == first
    period[0] += 1
    assert client.get(url).json()["figures"]["found"] == first["figures"]["found"] + 1


@pytest.mark.redis
def test_the_dashboard_cache_works_on_redis(client, world, cases, settings, redis_url):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}}
    client.force_login(world.leader)
    url = reverse("briefing:dashboard_data")
    first = client.get(url).json()
    assert client.get(url).json() == first
    services.escalate_ticket(cases["late"], actor=world.leader, comment="挂牌督办")
    summaries.catch_up()  # a new watermark: a new version
    assert client.get(url).json()["figures"]["listed"] == first["figures"]["listed"] + 1
