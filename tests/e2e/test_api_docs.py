"""Opening the API docs leaves the pages' filter bars as they were (the schema once rewrote the
FilterSets' widgets for every later request), and the docs lead back to the site."""

from playwright.sync_api import expect

from tests.e2e.flows import sign_in

# (list page, a fold-out tick-box filter it has, a single-choice select whose empty choice reads 全部)
BARS = [
    ("/cases/tickets/", "status", "severity"),
    ("/cases/hazards/", "status", "severity"),
    ("/cases/desk/", "category", None),
]


def filter_bar_state(page, path, multi, single):
    page.goto(path)
    bar = page.locator("form.case-filters")
    expect(bar.locator(f"details.multi-select#id_{multi}")).to_be_attached()
    assert bar.locator("select[multiple]").count() == 0
    if single:
        expect(bar.locator(f"select#id_{single} option:checked")).to_have_text("全部")
    return bar.inner_html()


def test_filter_bars_survive_opening_the_api_docs(world, live_server, page):
    sign_in(page, live_server, world.manager)
    before = {path: filter_bar_state(page, path, multi, single) for path, multi, single in BARS}

    page.goto("/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_be_visible()  # the schema was generated and drawn
    expect(page.locator("nav.back-to-site a")).to_have_attribute("href", "/")

    for path, multi, single in BARS:
        assert filter_bar_state(page, path, multi, single) == before[path], path

    page.goto("/api/docs/")
    with page.expect_navigation():
        page.click("nav.back-to-site a")
    assert page.url == f"{live_server.url}/"
