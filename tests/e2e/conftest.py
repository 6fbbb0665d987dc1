"""Browser tests: Debian's Chromium driven by Playwright's sync API against pytest-django's live server.

Fixtures: `browser` (one Chromium per test process), `page` (a desktop page, Chinese locale),
`phone_page` (360×740, touch, mobile). Each page is saved as tests/e2e/artifacts/<test name>.png
when its test ends, whether it passed or not. `login(page, live_server, username, password)` signs in.
Tests using `page` get `live_server` and a transactional database.
"""

import os
import re
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test's thread; Django would then refuse ORM calls
# from that thread as "async-unsafe". The test and the live server share the database safely here.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
TIMEOUT_MS = 15_000
CSP_MARK = "Content Security Policy"


def pytest_collection_modifyitems(items):
    for item in items:
        if Path(str(item.fspath)).is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"needs Chromium at {CHROMIUM}: apt-get install chromium fonts-noto-cjk")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        _watch_csp(browser)
        yield browser
        browser.close()


def _screenshot_name(request, suffix=""):
    name = re.sub(r"[^\w.-]+", "_", request.node.name).strip("_")
    return ARTIFACTS / f"{name}{suffix}.png"


def _open_page(browser, request, live_server, suffix="", **context_options):
    context = browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", base_url=live_server.url, **context_options
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    try:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        if not page.is_closed():
            page.screenshot(path=str(_screenshot_name(request, suffix)), full_page=True)
    finally:
        context.close()


# Content-Security-Policy violations the browser reported (console messages and uncaught errors naming the
# policy), on any page of any context the test opened (the browser's new_context is wrapped to watch them).
_csp_violations = []


def _watch_csp(browser):
    new_context = browser.new_context

    def on_console(message):
        if CSP_MARK in message.text:
            _csp_violations.append(f"console: {message.text} ({message.location.get('url', '')})")

    def on_page_error(error):
        if CSP_MARK in str(error):
            _csp_violations.append(f"page error: {error}")

    def watch(page):
        page.on("console", on_console)
        page.on("pageerror", on_page_error)

    def new_context_watched(*args, **kwargs):
        context = new_context(*args, **kwargs)
        context.on("page", watch)
        return context

    browser.new_context = new_context_watched


@pytest.fixture(autouse=True)
def _no_csp_violation():
    """Fails a browser test whose pages violated the Content-Security-Policy (checked in this fixture's
    teardown, after the test's pages are closed)."""
    _csp_violations.clear()
    yield
    found = list(_csp_violations)
    _csp_violations.clear()
    if found:
        pytest.fail("Content-Security-Policy violated:\n" + "\n".join(found[:20]), pytrace=False)


@pytest.fixture
def page(browser, live_server, request):
    """A desktop-sized page (1280×800) whose relative URLs go to the live server."""
    yield from _open_page(browser, request, live_server, viewport={"width": 1280, "height": 800})


@pytest.fixture
def phone_page(browser, live_server, request):
    """A phone-sized page (360×740, touch, mobile user agent), as an inspector in the field uses it."""
    yield from _open_page(
        browser,
        request,
        live_server,
        suffix="-phone" if "page" in request.fixturenames else "",
        viewport={"width": 360, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )


def login(page, live_server, username, password):
    """Sign in through the login form; returns the page on the page the login led to."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    return page


# The data the migrations ship (catalogue, risk tags and their floors, letter templates, service categories):
# a browser test's database is emptied between tests, this data with it.
SHIPPED_DATA = [
    ("register.migrations.0002_risk_tags", "add_tags"),
    ("register.migrations.0004_risk_level", "set_floors"),
    ("catalogue.migrations.0002_catalogue", "load"),
    ("ledgers.migrations.0002_templates", "load"),
    ("servicedesk.migrations.0002_categories", "load"),
]


def restore_shipped_data():
    """Run the shipped data migrations again (each is idempotent: get_or_create / update_or_create)."""
    import importlib

    from django.apps import apps
    from django.db import connection

    for module, function in SHIPPED_DATA:
        getattr(importlib.import_module(module), function)(apps, connection.schema_editor)
