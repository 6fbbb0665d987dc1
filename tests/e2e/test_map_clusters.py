"""The map sends what is on screen (closeout.parcel_map, static/js/map.js), at the `small` demo scale:
zoomed out it draws clusters whose counts add up to the parcels, zoomed in the same parcels, in the
same colours, as the register holds in the box it asked for."""

from io import StringIO

from django.core.management import call_command
from playwright.sync_api import expect

from closeout.querysets import with_parcel_state
from demo.common import DEFAULT_PASSWORD
from register.models import Parcel
from tests.e2e.conftest import ARTIFACTS, _screenshot_name, login, restore_shipped_data
from tests.e2e.flows import PageWatch

DATA = "/cases/map/parcels/"


def drawn(page):
    """(parcels in the clusters, codes of the parcels drawn themselves) on the map now."""
    counts = page.locator("#parcel-map .map-cluster .map-cluster-count").evaluate_all(
        "els => els.map(e => Number(e.dataset.count))"
    )
    codes = page.locator("#parcel-map path[data-parcel]").evaluate_all("els => els.map(e => e.dataset.parcel)")
    return sum(counts), codes


def states_in(bbox):
    west, south, east, north = (float(v) for v in bbox.split(","))
    parcels = Parcel.objects.filter(latitude__range=(south, north), longitude__range=(west, east))
    return dict(with_parcel_state(parcels).values_list("code", "state"))


def test_the_map_clusters_when_zoomed_out_and_draws_the_same_parcels_zoomed_in(page, live_server, request):
    restore_shipped_data()  # the database of a browser test was emptied by the one before
    call_command("seed_demo", "--scale", "small", stdout=StringIO())
    parcels = Parcel.objects.filter(latitude__isnull=False).count()
    assert parcels == Parcel.objects.count() > 10
    watch = PageWatch(live_server.url).attach(page)
    login(page, live_server, "demo-leader", DEFAULT_PASSWORD)

    # Given the whole area at its first view (zoom ≈ 13): clusters, each parcel counted once
    with page.expect_response(lambda r: DATA in r.url) as first:
        page.goto("/cases/map/")
    assert "zoom=" in first.value.url and "bbox=" in first.value.url
    expect(page.locator("#parcel-map[data-mode=clusters]")).to_be_attached()
    clustered, codes = drawn(page)
    assert page.locator("#parcel-map .map-cluster").count() >= 1
    assert clustered + len(codes) == parcels
    assert page.locator("#parcel-map").get_attribute("data-loaded") == str(parcels)
    legend = sum(
        int(page.locator(f"[data-count={k}]").inner_text()) for k in ("red", "pending", "green", "uninspected")
    )
    assert legend == parcels
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(_screenshot_name(request, "-clusters")))

    # When zoomed out further: still clusters adding up to the parcels
    zoom = int(page.locator("#parcel-map").get_attribute("data-zoom"))
    for _ in range(2):  # half a zoom level a click
        page.locator(".leaflet-control-zoom-out").click()
        page.wait_for_timeout(400)
    expect(page.locator(f"#parcel-map[data-zoom='{zoom - 1}']:not([aria-busy])")).to_be_attached()
    expect(page.locator("#parcel-map[data-mode=clusters]")).to_be_attached()
    clustered, codes = drawn(page)
    assert clustered + len(codes) == parcels

    # When the largest cluster is clicked (or, with none left, the map zoomed in) until the map draws parcels
    for _ in range(6):
        if page.locator("#parcel-map").get_attribute("data-mode") == "parcels":
            break
        zoom = page.locator("#parcel-map").get_attribute("data-zoom")
        counts = page.locator("#parcel-map .map-cluster-count").evaluate_all(
            "els => els.map(e => Number(e.dataset.count))"
        )
        if counts:
            page.locator("#parcel-map .map-cluster").nth(counts.index(max(counts))).click()
        else:
            for _ in range(2):
                page.locator(".leaflet-control-zoom-in").click()
                page.wait_for_timeout(400)
        expect(page.locator(f"#parcel-map:not([data-zoom='{zoom}']):not([aria-busy])")).to_be_attached()
    # Then the parcels of the box it asked for, each once, in its state's colour
    expect(page.locator("#parcel-map[data-mode=parcels]")).to_be_attached()
    assert page.locator("#parcel-map .map-cluster").count() == 0
    bbox = page.locator("#parcel-map").get_attribute("data-bbox")
    expected = states_in(bbox)
    clustered, codes = drawn(page)
    assert clustered == 0 and sorted(codes) == sorted(expected) and len(codes) >= 2
    for code, state in expected.items():
        assert (
            page.locator(f'#parcel-map path[data-parcel="{code}"]')
            .get_attribute("class")
            .startswith(f"parcel parcel-{state}")
        )
    # a red parcel of the list, wherever it is, opens its popup as before
    item = page.locator("#map-list li button").last
    code = item.locator(".code").inner_text()
    item.click()
    expect(page.locator(".leaflet-popup .map-popup")).to_contain_text(code)
    expect(page.locator(f'#parcel-map path[data-parcel="{code}"]')).to_have_class(
        "parcel parcel-red leaflet-interactive"
    )
    watch.assert_clean("the clustered map")
