"""Fixes recorded in the field, in the browser:

- an inspector, on a phone, reports a hazard that was fixed during the visit (当场整改) with photos
  before and after: it shows as rectified, with both photos, and no ticket is needed;
- a manager records the fix of a ticket whose party has no account (代为提交整改): the ticket is
  submitted and its timeline names who recorded it for whom.
"""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from cases import services
from cases.models import Hazard
from tests import factories as f
from tests.e2e.flows import UserPages, expect_message, jpeg, sign_in


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def user_pages(browser, live_server, request):
    pages = UserPages(browser, live_server, request)
    yield pages.open
    pages.close_all()


def test_inspector_records_a_hazard_fixed_on_the_spot(world, live_server, phone_page, tmp_path):
    category = f.HazardCategoryFactory(code="E2E11", name="灭火器失效", deadline_days=7)
    enterprise = world.tenant1
    before = jpeg(tmp_path / "整改前.jpg", label="before")
    after = jpeg(tmp_path / "整改后.jpg", color=(40, 140, 60), label="after")

    inspector = sign_in(phone_page, live_server, world.inspector)
    inspector.goto(f"{reverse('cases:hazard_report')}?enterprise={enterprise.pk}")
    inspector.select_option("select[name=category]", value=str(category.pk))
    inspector.fill("textarea[name=description]", "灭火器压力不足，已当场更换")
    inspector.locator("input[name=photos]").set_input_files(str(before))
    on_spot = inspector.locator("#on-spot")
    on_spot.locator("input[name=fixed_on_spot]").check()
    on_spot.locator("input[name=after_photos]").set_input_files(str(after))
    expect(on_spot.locator(".f-previews img")).to_have_count(1)
    inspector.click("form[data-upload] .f-submit button[type=submit]")
    inspector.wait_for_url(f"**{enterprise.get_absolute_url()}")
    expect_message(inspector, "已记录为当场整改")
    assert inspector.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scrolling

    hazard = Hazard.objects.get()
    inspector.goto(hazard.get_absolute_url())
    expect(inspector.locator("#hazard-status")).to_have_attribute("data-status", "rectified")
    expect(inspector.locator("#fixed-on-spot")).to_be_visible()
    expect(inspector.locator("#before-photos img")).to_have_count(1)
    expect(inspector.locator("#after-photos img")).to_have_count(1)
    expect(inspector.locator(".timeline")).to_contain_text("当场整改")
    assert hazard.ticket_id is None


def test_manager_records_the_fix_of_a_party_without_an_account(world, live_server, user_pages, tmp_path):
    tenant = world.tenant2  # no user account
    assert not tenant.users.exists()
    category = f.HazardCategoryFactory(code="E2E12", name="电气线路私拉乱接", deadline_days=7)
    hazard = services.report_hazard(
        actor=world.inspector, category=category, description="插线板串接", enterprise=tenant
    )
    ticket = services.assign_ticket(services.create_ticket([hazard], actor=world.manager), actor=world.manager)
    after = jpeg(tmp_path / "整改后.jpg", color=(40, 140, 60), label="after")

    manager = sign_in(user_pages("manager"), live_server, world.manager)
    manager.goto(ticket.get_absolute_url())
    expect(manager.locator("#submit-form")).to_have_count(0)  # not the party's own form
    form = manager.locator("#submit-behalf-form")
    expect(form).to_contain_text(tenant.name)
    form.locator("textarea[name=comment]").fill("企业无系统账号，现场复核已更换为固定插座")
    form.locator("input[name=photos]").set_input_files(str(after))
    with manager.expect_navigation():
        form.locator("button[type=submit]").click()
    manager.wait_for_url(re.compile(rf"/cases/tickets/{ticket.pk}/$"))
    expect_message(manager, f"已代 {tenant.name} 提交整改材料")
    expect(manager.locator("#ticket-status")).to_have_attribute("data-status", "submitted")
    expect(manager.locator(".timeline")).to_contain_text(
        f"交办/安监人员 {world.manager} 代 企业 {tenant.name} 提交整改"
    )
    expect(manager.locator(".photo-compare img")).to_have_count(1)

    # the grid's inspector sees who recorded it when verifying
    inspector = sign_in(user_pages("inspector", phone=True), live_server, world.inspector)
    inspector.goto(ticket.get_absolute_url())
    expect(inspector.locator(".timeline")).to_contain_text(f"代 企业 {tenant.name} 提交整改")
