"""The Content-Security-Policy: sent with every page, satisfied by the pages (scripts moved to files), and a
violation fails a browser test; the login lockout as a browser shows it."""

from django.urls import reverse
from playwright.sync_api import expect

from tests import factories as f
from tests.e2e import conftest
from tests.e2e.flows import PASSWORD, sign_in


def test_pages_send_the_policy_and_a_violation_is_caught(world, live_server, page):
    response = page.goto("/accounts/login/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy and "default-src 'self'" in policy

    # An inline script (what a template must never carry) is refused by the browser, and the watch of
    # tests/e2e/conftest.py sees the report: that is what fails a test.
    page.evaluate(
        """() => { const s = document.createElement("script"); s.textContent = "window.ran = 1";
        document.body.appendChild(s); }"""
    )
    page.wait_for_timeout(200)
    assert page.evaluate("() => window.ran") is None
    assert any("Content Security Policy" in line for line in conftest._csp_violations)
    conftest._csp_violations.clear()  # expected here: not a failure of this test


def test_the_risk_point_score_is_computed_by_its_script_file(world, live_server, page):
    sign_in(page, live_server, world.manager)
    page.goto(reverse("risk:point_create", args=["enterprise", world.tenant1.pk]))
    score = page.locator("[data-lec-score]")
    expect(score).to_have_text("—")
    for name in ("likelihood", "exposure", "consequence"):
        select = page.locator(f'select[data-lec="{name}"]')
        values = [v for v in select.locator("option").evaluate_all("os => os.map(o => o.value)") if v]
        select.select_option(values[-1])
    expect(score).not_to_have_text("—")
    expect(page.locator("[data-lec-level]")).to_be_visible()


def test_the_print_button_prints(world, live_server, page):
    ticket = f.TicketFactory(enterprise=world.tenant1)
    f.HazardFactory(enterprise=world.tenant1, ticket=ticket)
    sign_in(page, live_server, world.manager)
    page.goto(reverse("cases:ticket_notice", args=[ticket.pk]))
    page.evaluate("() => { window.printed = 0; window.print = () => { window.printed += 1; }; }")
    page.locator("[data-print]").click()
    assert page.evaluate("() => window.printed") == 1


def test_twenty_wrong_passwords_lock_the_account_with_a_message(world, live_server, page):
    for _ in range(20):
        page.goto("/accounts/login/")
        page.fill("#id_username", world.inspector.username)
        page.fill("#id_password", "wrong-password")
        with page.expect_navigation():
            page.click("main form button[type=submit]")
    page.goto("/accounts/login/")
    page.fill("#id_username", world.inspector.username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    expect(page.locator("main .errorlist")).to_contain_text("登录失败次数过多")
    assert "/accounts/login/" in page.url
    expect(page.locator("#id_password")).to_be_visible()  # the login page, not a bare error

    sign_in(page, live_server, world.manager)  # someone else, same address


def test_the_admin_pages_satisfy_the_policy(world, live_server, page):
    campaign = f.CampaignFactory()
    page.goto("/admin/login/")
    page.fill("#id_username", world.admin.username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("input[type=submit]")
    for path in (
        "/admin/",
        reverse("admin:accounts_user_changelist"),
        reverse("admin:accounts_user_change", args=[world.manager.pk]),  # filter_horizontal widgets
        reverse("admin:register_parcel_change", args=[world.parcel.pk]),  # the tenants inline, autocompletes
        reverse("admin:catalogue_campaign_change", args=[campaign.pk]),
        reverse("admin:catalogue_campaign_add"),
    ):
        response = page.goto(path)
        assert response.status == 200, path
        page.wait_for_load_state("load")
    expect(page.locator("select#id_risk_tags_from")).to_be_attached()  # SelectFilter2.js ran
