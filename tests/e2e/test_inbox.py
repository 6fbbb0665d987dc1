"""The message centre as an enterprise sees it: the envelope's unread count, the message, the ticket."""

from playwright.sync_api import expect

from cases import services
from config.celery import app
from tests import factories as f
from tests.e2e.conftest import login


def test_an_assigned_ticket_shows_in_the_partys_message_centre(page, live_server, world, settings):
    settings.SMS_BACKEND = ""
    category = f.HazardCategoryFactory(code="TI01", name="电气线路私拉乱接", deadline_days=7)
    hazard = services.report_hazard(actor=world.inspector, category=category, description="电线私拉乱接",
                                    enterprise=world.tenant1)  # fmt: skip
    app.conf.task_always_eager = True  # the message is delivered at once, as a worker would
    try:
        ticket = services.assign_ticket(services.create_ticket([hazard], actor=world.manager), actor=world.manager)
    finally:
        app.conf.task_always_eager = False

    login(page, live_server, "tenant1-owner", "pass-2023-word")
    badge = page.locator("header a.inbox-link")
    expect(badge.locator("[data-inbox-unread]")).to_have_text("1")
    with page.expect_navigation():
        badge.click()

    expect(page.locator("h1")).to_have_text("消息中心")
    item = page.locator("li.inbox-item").first
    expect(item).to_contain_text("整改单已交办")
    expect(item).to_contain_text(f"整改单 {ticket.number} 已交办给永康甲五金有限公司")
    with page.expect_navigation():
        item.get_by_role("button", name=f"查看整改单 {ticket.number}").click()

    assert page.url == f"{live_server.url}{ticket.get_absolute_url()}"
    expect(page.locator("header a.inbox-link [data-inbox-unread]")).to_have_count(0)
