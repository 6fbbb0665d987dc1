"""Helpers of the browser tests: a page per user, real JPEG photos, and a watch on what a page asks for.

The fixtures in tests/e2e/conftest.py give a test one desktop page and one phone page; a test of
several people at once opens one more browser context per person with ``UserPages`` (each is
saved as tests/e2e/artifacts/<test>-<label>.png when the test ends, then closed).
"""

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS, TIMEOUT_MS, _screenshot_name, login

PASSWORD = "pass-2023-word"  # tests.factories.UserFactory's
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


class UserPages:
    """Pages in browser contexts of their own (own cookies, own login), one per person of a test.

    ``open(label, phone=False)`` opens one; ``close_all()`` saves each as
    tests/e2e/artifacts/<test>-<label>.png, then closes it. The test modules wrap this in a fixture.
    """

    def __init__(self, browser, live_server, request):
        self.browser, self.live_server, self.request = browser, live_server, request
        self.opened = []

    def open(self, label, *, phone=False):
        context = self.browser.new_context(
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            base_url=self.live_server.url,
            **(PHONE if phone else DESKTOP),
        )
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        self.opened.append((label, context, page))
        return page

    def close_all(self):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for label, context, page in self.opened:
            try:
                if not page.is_closed():
                    page.screenshot(path=str(_screenshot_name(self.request, f"-{label}")), full_page=True)
            finally:
                context.close()
        self.opened = []


def sign_in(page, live_server, user):
    """Log ``user`` in through the login form and wait for the page it leads to."""
    login(page, live_server, user.username, PASSWORD)
    assert "/accounts/login/" not in page.url, f"{user.username} could not sign in"
    expect(page.locator("header .user-menu")).to_be_attached()
    return page


def jpeg(path, size=(640, 480), color=(180, 60, 40), label=""):
    """Write a real JPEG photo (a coloured picture with a few shapes) to ``path``."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", size, color)
    draw = ImageDraw.Draw(image)
    width, height = size
    draw.rectangle([width // 8, height // 6, width // 2, height // 2], fill=(240, 220, 60))
    draw.ellipse([width // 2, height // 2, width - 20, height - 20], fill=(30, 90, 160))
    if label:
        draw.text((12, 12), label, fill=(255, 255, 255))
    image.save(path, "JPEG", quality=85)
    return path


def expect_message(page, text):
    """The flash message the last action left (success, warning or error) contains ``text``."""
    expect(page.locator("ul.messages .message-text").filter(has_text=text).first).to_be_visible()


@dataclass
class PageWatch:
    """What a page did wrong while the test drove it: console errors, uncaught exceptions, requests
    that left this machine (offices run the system on an intranet), failed responses."""

    origin: str
    console_errors: list = field(default_factory=list)
    page_errors: list = field(default_factory=list)
    outside_requests: list = field(default_factory=list)
    failed_responses: list = field(default_factory=list)

    def attach(self, page):
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.page_errors.append(f"{page.url}: {error}"))
        page.on("request", self._request)
        page.on("response", self._response)
        return self

    def _console(self, message):
        if message.type == "error":
            self.console_errors.append(f"{message.location.get('url', '')}: {message.text}")

    def _request(self, request):
        url = request.url
        if url.startswith(self.origin) or url.startswith(("data:", "blob:", "about:")):
            return
        host = urlsplit(url).hostname or ""
        self.outside_requests.append(url if host not in ("127.0.0.1", "localhost") else f"(other port) {url}")

    def _response(self, response):
        if response.status >= 400 and response.request.resource_type != "document":
            self.failed_responses.append(f"{response.status} {response.url}")

    def problems(self):
        return {
            name: items
            for name, items in (
                ("console errors", self.console_errors),
                ("page errors", self.page_errors),
                ("requests off this machine", self.outside_requests),
                ("failed sub-resources", self.failed_responses),
            )
            if items
        }

    def assert_clean(self, what=""):
        assert not self.problems(), f"{what}: {self.problems()}"
