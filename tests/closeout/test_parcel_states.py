"""One definition of a parcel's close-out state (closeout.querysets / cases.parcel_states), read alike by
the map, its legend, the parcel list, the close-out desk, the manager's home, the dashboard and the figures.

未排查 (never inspected), 红 (open hazards), 待复核 (no open hazard, waiting for or under a cross-check),
绿 (closed out, or inspected and no hazard found).
"""

import json
import re

import pytest
from django.urls import reverse

from briefing.figures import compute_figures
from briefing.views.dashboard import dashboard_data
from cases import services
from closeout.querysets import ParcelState, state_counts, with_parcel_state
from register.choices import CloseoutState
from register.models import Parcel
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def states(world, make_ticket):
    """In zone A: ZSD-001 pending (its hazard rectified, no cross-check asked yet), ZSD-201 red (an open
    hazard), a new parcel never inspected (no coordinates), a parcel inspected with nothing found; in
    zone B: HC-001 closed out (green)."""
    make_ticket("closed")  # world.parcel: stored red, every hazard rectified
    services.report_hazard(actor=world.inspector_a2, category=f.HazardCategoryFactory(), description="新隐患",
                           enterprise=world.other_a2)  # fmt: skip
    new = f.ParcelFactory(grid=world.grid_a1, code="ZSD-NEW", name="新导入厂房", latitude=None, longitude=None)
    clean = f.ParcelFactory(grid=world.grid_a1, code="ZSD-OK", name="检查无隐患厂房")
    f.InspectionFactory(enterprise=None, parcel=clean, grid=world.grid_a1)
    Parcel.objects.filter(pk=world.parcel_b.pk).update(
        closeout_state=CloseoutState.GREEN, closed_out_at="2026-01-05T10:00Z"
    )
    return {"pending": world.parcel, "red": world.parcel_a2, "uninspected": new, "green_clean": clean}


def expected_zone_a():
    return {"red": 1, "pending": 1, "green": 1, "uninspected": 1}


def test_each_parcel_has_the_state_its_hazards_and_closeout_say(world, states):
    by_code = dict(with_parcel_state(Parcel.objects.all()).values_list("code", "state"))
    assert by_code == {
        "ZSD-001": ParcelState.PENDING,  # stored red: the old map called it 红（有未整改隐患）
        "ZSD-201": ParcelState.RED,
        "ZSD-NEW": ParcelState.UNINSPECTED,  # stored green: the old map called it 绿（无未整改隐患）
        "ZSD-OK": ParcelState.GREEN,
        "HC-001": ParcelState.GREEN,
    }
    counts = state_counts(Parcel.objects.all())
    assert counts == {"total": 5, "red": 1, "pending": 1, "green": 2, "uninspected": 1}


def test_the_parcel_list_shows_and_filters_the_same_states(client, world, states):
    client.force_login(world.manager)
    html = client.get(reverse("cases:parcel_list")).content.decode()
    row = r'data-parcel="([^"]+)">.*?data-state="\w+"><span class="dot \w+"></span>([^<]+)<'
    cells = dict(re.findall(row, html, re.S))
    assert cells["ZSD-001"] == "待复核（隐患已整改，待交叉检查销号）"
    assert cells["ZSD-201"] == "红（有未整改隐患）"
    assert cells["ZSD-NEW"] == "未排查"
    assert cells["ZSD-OK"] == "绿（已销号或检查无隐患）"
    for state, n in expected_zone_a().items():
        response = client.get(reverse("cases:parcel_list"), {"state": state})
        assert response.context["paginator"].count == n, state


def test_the_map_legend_and_its_red_list_use_the_same_states(client, world, states):
    client.force_login(world.manager)
    data = client.get(reverse("closeout:map_data")).json()
    summary = data["summary"]
    assert {key: summary[key] for key in expected_zone_a()} == expected_zone_a()
    properties = {feature["properties"]["code"]: feature["properties"] for feature in data["features"]}
    assert properties["ZSD-001"]["state"] == "pending" and properties["ZSD-001"]["colour"] == "amber"
    assert properties["ZSD-201"]["state"] == "red" and properties["ZSD-201"]["colour"] == "red"
    assert properties["ZSD-OK"]["colour"] == "green"
    # the legend's labels are the states' own words: no "红（有未整改隐患）" for a parcel without open hazards
    page = client.get(reverse("closeout:map")).content.decode()
    config = json.loads(re.search(r'id="map-config" type="application/json">(.*?)</script>', page).group(1))
    assert config["labels"]["pending"] == "待复核（隐患已整改，待交叉检查销号）"
    assert config["labels"]["uninspected"] == "未排查"
    assert 'data-state="uninspected"' in page and 'data-state="pending"' in page
    assert "待交叉检查" not in re.search(r'id="map-stats">(.*?)</div>', page, re.S).group(1)


def test_parcels_without_coordinates_are_listed_not_silently_counted(client, world, states):
    client.force_login(world.manager)
    data = client.get(reverse("closeout:map_data")).json()
    assert data["summary"]["unlocated"] == 1
    assert data["unlocated"] == [
        {"id": states["uninspected"].pk, "code": "ZSD-NEW", "name": "新导入厂房", "state": "uninspected"}
    ]
    assert "ZSD-NEW" not in {feature["properties"]["code"] for feature in data["features"]}
    assert (
        data["urls"]["parcel"].replace("{id}", str(states["uninspected"].pk))
        == states["uninspected"].get_absolute_url()
    )
    assert "无坐标的宗地" in client.get(reverse("closeout:map")).content.decode()


def test_the_desk_the_home_the_dashboard_and_the_figures_count_alike(client, world, states):
    client.force_login(world.manager)
    desk = client.get(reverse("closeout:closeout_desk"))
    assert {key: desk.context["figures"][key] for key in expected_zone_a()} == expected_zone_a()
    assert [row["parcel"].code for row in desk.context["rows"]] == ["ZSD-001"]  # pending, not yet asked

    home = client.get("/").context["tiles"]
    assert {key: home[f"parcels_{key}"]["count"] for key in expected_zone_a()} == expected_zone_a()

    key = dashboard_data(world.manager, cached=False)["figures"]
    assert {k: key[f"parcels_{k}"] for k in expected_zone_a()} == expected_zone_a()
    assert key["links"]["parcels_pending"] == reverse("cases:parcel_list") + "?state=pending"

    figures = compute_figures()
    zone_a = figures.zones[world.zone_a.pk]
    assert (zone_a.parcels_red, zone_a.parcels_pending, zone_a.parcels_green, zone_a.parcels_uninspected) == (
        1,
        1,
        1,
        1,
    )
    assert figures.zones[world.zone_b.pk].parcels_green == 1


def test_a_fully_rectified_zone_has_no_red_parcel_in_the_ranking(world, make_ticket):
    make_ticket("closed")  # zone A: every hazard rectified; world.parcel waits for a cross-check
    zones = {row["id"]: row for row in dashboard_data(world.leader, cached=False)["zones"]}
    zone_a = zones[world.zone_a.pk]
    assert zone_a["rate"] == "100.00"
    assert zone_a["parcels_red"] == 0
    assert zone_a["links"]["parcels_red"].endswith(f"?zone_id={world.zone_a.pk}&state=red")


def test_the_parcel_page_and_the_field_pages_name_the_same_state(client, world, states):
    client.force_login(world.manager)
    html = client.get(states["pending"].get_absolute_url()).content.decode()
    assert 'data-state="pending"' in html and "待复核（隐患已整改，待交叉检查销号）" in html
    assert "红（有未整改隐患）" not in html
    client.force_login(world.inspector)
    units = client.get(reverse("cases:inspector_units"), {"kind": "parcel"}).content.decode()
    assert "未排查" in units  # ZSD-NEW, in the inspector's grid
