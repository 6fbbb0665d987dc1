"""The map sends what is on screen (closeout.parcel_map): the parcels inside the box when zoomed in,
clusters counted in SQL when zoomed out, scoped like every query, in a constant number of statements."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import services
from closeout import parcel_map
from closeout.parcel_map import CLUSTER_BELOW_ZOOM, cell_size, fitting_zoom
from closeout.querysets import ParcelState, with_parcel_state
from register.choices import RiskLevel
from register.models import Parcel
from tests import factories as f

pytestmark = pytest.mark.django_db

WHOLE = "119.9,28.8,120.3,29.1"  # west, south, east, north: every parcel below
NEAR = "120.04,28.89,120.11,28.96"  # the same parcels, in a box small enough for any zoom


@pytest.fixture
def spread(world):
    """Zone A (the manager's): a block of 12 parcels 100 m apart near (28.90, 120.05), 5 more near
    (28.95, 120.10), one red; zone B: 6 parcels inside the same block, which zone A's users never see."""
    for i in range(12):
        f.ParcelFactory(
            grid=world.grid_a1,
            code=f"ZSD-B{i:02d}",
            latitude=28.9 + (i // 4) * 0.001,
            longitude=120.05 + (i % 4) * 0.001,
            risk_level=RiskLevel.ORANGE if i % 3 == 0 else RiskLevel.BLUE,
        )
    for i in range(5):
        f.ParcelFactory(grid=world.grid_a2, code=f"ZSD-F{i}", latitude=28.95 + i * 0.0005, longitude=120.1)
    for i in range(6):
        f.ParcelFactory(grid=world.grid_b1, code=f"HC-B{i}", latitude=28.9005, longitude=120.0505 + i * 0.0003)
    services.report_hazard(
        actor=world.inspector,
        category=f.HazardCategoryFactory(),
        description="消防通道堆放杂物",
        enterprise=world.tenant1,
    )


def located(user, box=None):
    parcels = Parcel.objects.visible_to(user).filter(latitude__isnull=False, longitude__isnull=False)
    if box:
        west, south, east, north = (float(v) for v in box.split(","))
        parcels = parcels.filter(latitude__range=(south, north), longitude__range=(west, east))
    return parcels


def ask(client, user, **params):
    client.force_login(user)
    response = client.get(reverse("closeout:map_data"), params)
    assert response.status_code == 200, response.content
    return response.json()


def drawn(data):
    """How many parcels an answer puts on the map: its features and the parcels of its clusters."""
    return len(data["features"]) + sum(c["n"] for c in data["clusters"])


def test_zoomed_in_the_map_gets_the_parcels_inside_the_box(client, world, spread):
    box = "120.0495,28.8995,120.0515,28.9015"  # the block's first three columns and rows
    data = ask(client, world.manager, bbox=box, zoom=CLUSTER_BELOW_ZOOM + 1)
    assert data["mode"] == "parcels" and data["clusters"] == []
    codes = {feature["properties"]["code"] for feature in data["features"]}
    assert codes == set(located(world.manager, box).values_list("code", flat=True))
    assert {"ZSD-001", "ZSD-B00", "ZSD-B05"} <= codes and not {"ZSD-B03", "ZSD-B09"} & codes  # 4th column, 3rd row
    assert not any(code.startswith("HC-") for code in codes)  # zone B's parcels in the box are not the manager's
    red = next(feature for feature in data["features"] if feature["properties"]["code"] == "ZSD-001")
    assert red["properties"]["state"] == "red" and red["properties"]["open_hazards"] == 1


def test_zoomed_out_the_map_gets_clusters_whose_counts_add_up_to_the_parcels_in_the_box(client, world, spread):
    data = ask(client, world.manager, bbox=WHOLE, zoom=12)
    assert data["mode"] == "clusters"
    assert drawn(data) == located(world.manager, WHOLE).count() == 19
    assert len(data["clusters"]) == 2  # the block and the five to the north-east; no parcel alone
    states = with_parcel_state(located(world.manager, WHOLE)).values_list("state", flat=True)
    for state in ParcelState.values:
        assert sum(c["states"][state] for c in data["clusters"]) == list(states).count(state)
    for cluster in data["clusters"]:
        assert sum(cluster["states"].values()) == sum(cluster["risks"].values()) == cluster["n"]
        west, south, east, north = cluster["bounds"]
        assert west <= cluster["lng"] <= east and south <= cluster["lat"] <= north
        assert east - west == pytest.approx(cell_size(12), abs=1e-5)
    block = max(data["clusters"], key=lambda c: c["n"])
    assert block["n"] == 14 and block["states"]["red"] == 1  # 12 + ZSD-001 and ZSD-201 at the factory default
    assert block["risks"]["orange"] == 4


def test_clusters_are_scoped_like_the_parcels(client, world, spread):
    leader = ask(client, world.leader, bbox=WHOLE, zoom=12)
    assert drawn(leader) == located(world.leader, WHOLE).count() == 26  # zone B's 7 parcels too
    inspector = ask(client, world.inspector_b, bbox=WHOLE, zoom=12)
    assert drawn(inspector) == 7
    assert all(f["properties"]["code"].startswith("HC-") for f in inspector["features"])
    assert inspector["summary"]["total"] == 7 and inspector["lists"]["risk"]["items"] == []


def test_the_map_clusters_below_the_threshold_zoom_and_draws_parcels_from_it(client, world, spread):
    below = ask(client, world.manager, bbox=NEAR, zoom=CLUSTER_BELOW_ZOOM - 1)
    assert below["mode"] == "clusters" and below["zoom"] == CLUSTER_BELOW_ZOOM - 1
    box = "120.049,28.899,120.054,28.903"
    at = ask(client, world.manager, bbox=box, zoom=CLUSTER_BELOW_ZOOM)
    assert at["mode"] == "parcels" and at["clusters"] == [] and len(at["features"]) == 14


def test_a_parcel_alone_in_its_cell_comes_as_itself(client, world, spread):
    f.ParcelFactory(grid=world.grid_a1, code="ZSD-LONE", latitude=28.93, longitude=120.08)
    data = ask(client, world.manager, bbox=NEAR, zoom=12)
    assert [feature["properties"]["code"] for feature in data["features"]] == ["ZSD-LONE"]
    assert data["mode"] == "clusters" and all(c["n"] > 1 for c in data["clusters"])
    assert drawn(data) == 20


def test_a_box_too_large_for_its_zoom_is_answered_at_the_zoom_that_fits_it(client, world, spread):
    data = ask(client, world.manager, bbox="100,20,140,40", zoom=18)
    assert data["mode"] == "clusters" and data["zoom"] == fitting_zoom((100, 20, 140, 40), (4096, 4096)) < 10
    assert drawn(data) == 19


def test_the_legend_and_the_lists_cover_the_scope_whatever_the_box(client, world, spread):
    far = ask(client, world.manager, bbox="121,30,121.01,30.01", zoom=16)
    assert far["features"] == [] and far["clusters"] == []
    assert far["summary"]["total"] == 19 and far["summary"]["red"] == 1
    assert far["risk_summary"]["orange"] == 4
    assert far["lists"]["red"]["total"] == 1
    assert [(p["code"], p["n"]) for p in far["lists"]["red"]["items"]] == [("ZSD-001", 1)]
    assert far["lists"]["risk"]["total"] == 4
    assert [p["code"] for p in far["lists"]["risk"]["items"]] == ["ZSD-B00", "ZSD-B03", "ZSD-B06", "ZSD-B09"]
    zones = {z["name"]: z for z in far["zones"]}
    assert list(zones) == ["中申达"] and zones["中申达"]["bounds"] == [120.05, 28.9, 120.1, 28.952]


def test_the_zone_and_the_search_narrow_the_map_and_give_its_extent(client, world, spread):
    data = ask(client, world.manager, bbox=NEAR, zoom=16, q="ZSD-F")
    assert {feature["properties"]["code"] for feature in data["features"]} == {f"ZSD-F{i}" for i in range(5)}
    assert data["extent"] == [120.1, 28.95, 120.1, 28.952]
    assert data["lists"]["red"]["total"] == 0 and data["summary"]["total"] == 19  # the legend stays the scope's
    data = ask(client, world.leader, bbox=WHOLE, zoom=12, zone=world.zone_b.pk)
    assert drawn(data) == 7 and data["lists"]["risk"]["total"] == 0


def test_without_zoom_a_small_scope_gets_every_parcel_and_a_large_one_clusters(client, world, spread, monkeypatch):
    data = ask(client, world.manager)
    assert data["mode"] == "parcels" and len(data["features"]) == 19
    monkeypatch.setattr(parcel_map, "MAX_FEATURES", 10)
    data = ask(client, world.manager)
    assert data["mode"] == "clusters" and drawn(data) == 19


@pytest.mark.parametrize("bbox", ["1,2,3", "a,b,c,d", "120,29,119,28", "nan,1,2,3"])
def test_a_malformed_box_is_refused(client, world, bbox):
    client.force_login(world.manager)
    response = client.get(reverse("closeout:map_data"), {"bbox": bbox, "zoom": 12})
    assert response.status_code == 400 and "bbox" in response.json()["errors"]


def test_the_page_fits_the_users_parcels_first(client, world, spread):
    client.force_login(world.inspector_b)
    response = client.get(reverse("closeout:map"))
    config = response.context["map_config"]
    assert config["bounds"] == [120.05, 28.9, 120.052, 28.9005]  # HC-001 at the default, and the six
    assert config["clusterBelowZoom"] == CLUSTER_BELOW_ZOOM


def _add_block(world, start, count):
    for i in range(start, start + count):
        parcel = f.ParcelFactory(grid=world.grid_a1, latitude=28.9 + (i % 6) * 0.0002, longitude=120.06 + i * 0.0004)
        f.EnterpriseFactory(parcel=parcel)


@pytest.mark.parametrize("zoom", [12, CLUSTER_BELOW_ZOOM + 2])
def test_the_same_statements_for_one_parcel_in_the_box_and_thirty(client, world, zoom, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    box = "120.059,28.899,120.075,28.902"
    client.force_login(world.manager)
    url = reverse("closeout:map_data")
    _add_block(world, 0, 2)  # two parcels: at zoom 12 one cluster, at 17 two features
    client.get(url, {"bbox": box, "zoom": zoom})
    with CaptureQueriesContext(connection) as few:
        data = client.get(url, {"bbox": box, "zoom": zoom}).json()
    assert drawn(data) == 2
    _add_block(world, 2, 28)
    client.get(url, {"bbox": box, "zoom": zoom})  # the manager's map folds the 28 new parcels into its cells
    with CaptureQueriesContext(connection) as many:
        data = client.get(url, {"bbox": box, "zoom": zoom}).json()
    assert drawn(data) == 30
    assert len(few.captured_queries) == len(many.captured_queries) <= 16  # session, user, 4 + 4 by state, lists…


def test_later_requests_leave_out_the_scope_the_map_holds(client, world, spread):
    client.force_login(world.manager)
    url = reverse("closeout:map_data")
    with CaptureQueriesContext(connection) as full:
        first = client.get(url, {"bbox": NEAR, "zoom": 12}).json()
    with CaptureQueriesContext(connection) as view:
        later = client.get(url, {"bbox": NEAR, "zoom": 12, "scope": "0"}).json()
    assert {"summary", "zones", "lists", "unlocated", "urls"} <= set(first)
    assert not {"summary", "zones", "lists", "unlocated", "urls"} & set(later)
    assert later["clusters"] == first["clusters"] and later["features"] == first["features"]
    assert len(view.captured_queries) < len(full.captured_queries)
    # a search brings its own lists; without a box or a zoom the answer is whole
    searched = client.get(url, {"bbox": NEAR, "zoom": 12, "scope": "0", "q": "ZSD-B0"}).json()
    assert searched["lists"]["risk"]["total"] == 4 and "summary" not in searched
    assert "summary" in client.get(url, {"scope": "0"}).json()


@pytest.mark.parametrize("zoom", [10, 13, 14])
@pytest.mark.parametrize("role", ["leader", "inspector"])
def test_the_first_view_of_the_whole_scope_folds_its_clusters_from_the_legends_rows(client, world, spread, zoom, role):
    # The map's first request (its box holds every parcel of the scope, with the scope's figures) answers
    # the same clusters and single parcels as a later request for the same box, which groups the parcels in
    # the box. A leader's (whole zones) comes from the kept cells; an inspector's groups its grids' parcels.
    user = getattr(world, role)
    with CaptureQueriesContext(connection) as first_statements:
        first = ask(client, user, bbox=WHOLE, zoom=zoom)
    by_cell = [q["sql"] for q in first_statements.captured_queries if "FLOOR(" in q["sql"].upper()]
    cells_read = any("closeout_mapcell" in q["sql"] for q in first_statements.captured_queries)
    later = ask(client, user, bbox=WHOLE, zoom=zoom, scope=0)  # (a request empties the log of statements)
    assert first["mode"] == later["mode"] == "clusters"
    assert first["clusters"] == later["clusters"] and first["clusters"]
    assert first["features"] == later["features"]
    assert sum(c["n"] for c in first["clusters"]) + len(first["features"]) == located(user).count()
    assert first["summary"]["total"] == Parcel.objects.visible_to(user).count()
    if role == "leader":  # the cells are read, not counted
        assert by_cell == [] and cells_read
    else:  # counted once, in the legend's statement (grouped by zone and state too), not grouped again
        assert len(by_cell) == 1 and "register_zone" in by_cell[0]
