"""The first minute of a new user: the login page in Chinese, signing in, switching to English."""

import re

from playwright.sync_api import expect

from accounts.choices import Role
from tests import factories as f
from tests.e2e.conftest import login

LANGUAGE_FORM = "form[action$='/i18n/setlang/']"
HAN = re.compile(r"[\u4e00-\u9fff]")


def test_login_page_renders_in_chinese(page, live_server):
    page.goto("/accounts/login/")

    assert page.locator("html").get_attribute("lang") == "zh-hans"
    expect(page.locator("label[for=id_username]")).to_have_text("用户名或手机号")
    expect(page.locator("label[for=id_password]")).to_have_text("密码")
    expect(page.locator("main form button[type=submit]")).to_have_text("登录")
    expect(page.locator(f"{LANGUAGE_FORM} button[value=en]")).to_be_visible()


def test_signing_in_lands_on_home_and_language_switches_to_english(page, live_server):
    f.UserFactory(username="smoke-inspector", first_name="王网格", last_name="", role=Role.INSPECTOR)

    login(page, live_server, "smoke-inspector", "pass-2023-word")

    assert page.url == f"{live_server.url}/"
    expect(page.locator("header")).to_contain_text("王网格")

    with page.expect_navigation():
        page.click(f"{LANGUAGE_FORM} button[value=en]")

    assert page.url == f"{live_server.url}/"
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.title() and not HAN.search(page.title()), page.title()  # the catalogue's English, not msgids
    expect(page.locator(f"{LANGUAGE_FORM} button[value=zh-hans]")).to_be_visible()


def test_wrong_password_keeps_the_login_page(phone_page, live_server):
    f.UserFactory(username="smoke-manager", role=Role.MANAGER)

    login(phone_page, live_server, "smoke-manager", "not-the-password")

    assert "/accounts/login/" in phone_page.url
    expect(phone_page.locator("main form button[type=submit]")).to_have_text("登录")
    expect(phone_page.locator("main")).to_contain_text("用户名和密码")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scrolling
