"""In the browser, for every role: each tile on the home page shows the number of rows of the list it
opens. The test reads the tile's number, clicks it, and checks the list's stated total and the rows it
shows (home.tiles: a tile's count and its link come from the same filtered list)."""

import re

import pytest
from playwright.sync_api import expect

from tests import factories as f
from tests.e2e.flows import PageWatch, sign_in
from tests.home.test_tiles import ledger  # noqa: F401  (the fixture: tickets, hazards and parcels of every kind)

ROLES = ["inspector", "manager", "leader", "enterprise_user", "landlord", "admin"]


def tiles_on(page):
    """[(key, number, selector of the link to click)] of the page's linked tiles."""
    found = []
    for tile in page.locator("main [data-kpi]").all():
        key = tile.get_attribute("data-kpi")
        tag = tile.evaluate("el => el.tagName")
        if tag == "A" and tile.get_attribute("href"):
            value = (
                tile.locator(".kpi-value, strong, .pill").first
                if tile.locator(".kpi-value, strong, .pill").count()
                else tile
            )
            selector = f'main a[data-kpi="{key}"]'
        elif tile.locator("a.kpi-value[href]").count():
            value = tile.locator("a.kpi-value[href]")
            selector = f'main [data-kpi="{key}"] a.kpi-value'
        else:
            continue
        text = value.inner_text().strip().replace(",", "").lstrip("+")
        if re.fullmatch(r"\d+", text):
            found.append((key, int(text), selector))
    return found


def listed(page):
    """(the total the list states, the rows it shows on this page)."""
    desk_bar = page.locator("#aggregate-form")
    if desk_bar.count():  # the desk's inbox: reported hazards grouped by party
        total = int(re.search(r"(\d+)", desk_bar.inner_text()).group(1))
        return total, page.locator('input[name="hazards"]').count()
    total = int(re.search(r"共\s*(\d+)", page.locator(".page-head .subtitle").first.inner_text()).group(1))
    rows = page.locator("main table.list tbody tr:not(:has(td[colspan]))").count()
    return total, rows


@pytest.mark.parametrize("role", ROLES)
def test_each_home_tile_opens_a_list_of_that_many_rows(page, live_server, world, ledger, role):  # noqa: F811
    user = getattr(world, role)
    watch = PageWatch(live_server.url)
    watch.attach(page)
    sign_in(page, live_server, user)
    page.goto("/")
    home = page.url
    tiles = tiles_on(page)
    assert tiles, f"{role}: no linked tile on {home}"
    for key, number, selector in tiles:
        page.goto(home)
        with page.expect_navigation():
            page.locator(selector).first.click()
        expect(page.locator("main")).to_be_visible()
        total, rows = listed(page)
        assert total == number, f"{role} {key}: tile {number}, list {total} ({page.url})"
        assert rows == min(number, 50), f"{role} {key}: tile {number}, {rows} rows shown ({page.url})"
    watch.assert_clean(role)


def test_the_map_lists_its_red_parcels_and_those_without_coordinates(page, live_server, world, ledger):  # noqa: F811
    """The map's red list is as long as its red count and the manager's 红 tile; a parcel without
    coordinates is listed under 无坐标的宗地 (N) with a link to it."""
    f.ParcelFactory(grid=world.grid_a1, code="ZSD-NOXY", name="无坐标厂房", latitude=None, longitude=None)
    sign_in(page, live_server, world.manager)
    page.goto("/")
    red_tile = int(page.locator('main a[data-kpi="parcels_red"] .pill').inner_text())
    page.goto("/cases/map/")
    expect(page.locator("#parcel-map[data-loaded]")).to_be_attached()
    expect(page.locator("[data-count=red]")).to_have_text(str(red_tile))
    expect(page.locator("#map-list-count")).to_have_text(f"({red_tile})")
    assert page.locator("#map-list li").count() == red_tile
    unlocated = page.locator("#map-unlocated")
    expect(unlocated).to_be_visible()
    expect(unlocated).to_contain_text("无坐标的宗地")
    item = page.locator('[data-unlocated="ZSD-NOXY"] a')
    expect(item).to_contain_text("未排查")
    with page.expect_navigation():
        item.click()
    expect(page.locator("main h1")).to_contain_text("ZSD-NOXY")
