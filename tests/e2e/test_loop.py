"""The whole case loop in the browser, each person in their own browser with their own login:

the inspector reports a hazard with a photo on a phone → the manager aggregates it on the desk and
assigns it with a deadline → the enterprise submits evidence → the inspector rejects it with a
reason (on the phone) → the enterprise submits again → the inspector passes it → the leader's
dashboard shows the rate move from 0.00% to 100.00%; the ticket page lists every step in order.
"""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

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


def kpi_value(page, key):
    return page.locator(f"[data-kpi={key}] .kpi-value").inner_text().strip()


def test_hazard_to_closed_ticket_across_roles(world, live_server, phone_page, page, user_pages, tmp_path):
    category = f.HazardCategoryFactory(code="E2E01", name="电气线路私拉乱接", deadline_days=7)
    enterprise = world.tenant1
    deadline = timezone.localdate() + timedelta(days=10)
    before_photo = jpeg(tmp_path / "现场照片.jpg", label="before")
    after_photo = jpeg(tmp_path / "整改后.jpg", color=(40, 140, 60), label="after")
    after_photo_2 = jpeg(tmp_path / "整改后-补充.jpg", color=(40, 100, 160), label="after 2")

    # --- the inspector, on a phone, reports a hazard with a photo ------------------------------
    inspector = sign_in(phone_page, live_server, world.inspector)
    progress_seen = []
    inspector.expose_function("reportUploadState", lambda state: progress_seen.append(state))
    # Record the upload progress box's state just after the form is sent (field.js shows it).
    inspector.add_init_script(
        """document.addEventListener("submit", function () {
             setTimeout(function () {
               var box = document.querySelector(".f-progress");
               if (box) window.reportUploadState(box.className);
             }, 0);
           }, true);"""
    )
    inspector.goto(reverse("cases:hazard_report"))
    inspector.click(f"[data-pick=enterprise-{enterprise.pk}]")
    inspector.wait_for_url(re.compile(rf"\?enterprise={enterprise.pk}$"))
    photos = inspector.locator("input[name=photos]")
    assert photos.get_attribute("accept") == "image/*"
    assert photos.get_attribute("multiple") is not None
    inspector.select_option("select[name=category]", value=str(category.pk))
    inspector.fill("textarea[name=description]", "二楼车间电线私拉乱接，插线板串接使用")
    inspector.fill("input[name=location_detail]", "二楼喷涂车间东侧")
    photos.set_input_files(str(before_photo))
    expect(inspector.locator(".f-previews img")).to_have_count(1)
    inspector.click("form[data-upload] .f-submit button[type=submit]")
    inspector.wait_for_url(f"**{enterprise.get_absolute_url()}")
    expect_message(inspector, "已上报（1 张照片）")
    assert progress_seen and "is-active" in progress_seen[0], progress_seen
    assert inspector.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scrolling

    # --- the leader reads the dashboard: one hazard found, none rectified ----------------------
    leader = sign_in(user_pages("leader"), live_server, world.leader)
    leader.wait_for_url("**" + reverse("briefing:dashboard"))  # a leader's home is the dashboard
    expect(leader.locator("[data-kpi=found] .kpi-value")).to_have_text("1")
    rate_before = kpi_value(leader, "rate")
    assert rate_before in ("0.00%", "—"), rate_before
    expect(leader.locator("[data-kpi=rectified] .kpi-value")).to_have_text("0")

    # --- the manager aggregates it on the desk and assigns it with a deadline -------------------
    manager = sign_in(page, live_server, world.manager)
    expect(manager.locator("header [data-todo-total]")).to_have_attribute("data-todo-total", "1")
    manager.goto(reverse("cases:desk"))
    group = manager.locator("section.desk-group").filter(has_text=enterprise.name)
    expect(group.locator(".desk-item")).to_have_count(1)
    expect(group.locator(".desk-thumbs img")).to_have_count(1)  # the inspector's photo
    group.locator("input[name=hazards]").check()
    expect(manager.locator("[data-selected-count=hazards]")).to_have_text("1")
    manager.click("#aggregate-button")
    manager.wait_for_url("**" + reverse("cases:desk_aggregate") + "?*")
    confirm = manager.locator("#aggregate-confirm-form")
    expect(confirm.locator("section.desk-group")).to_have_count(1)
    expect(confirm.locator("input[name$=-assign]")).to_be_checked()  # assign at once unless unticked
    confirm.locator("input[name$=-deadline]").fill(deadline.isoformat())
    manager.click("#aggregate-confirm")
    manager.wait_for_url(re.compile(r"/cases/tickets/\d+/$"))
    ticket_url = manager.url
    number = re.search(r"整改单 (\S+)", manager.locator("h1").inner_text()).group(1)
    expect_message(manager, number)
    expect(manager.locator("#ticket-status")).to_have_attribute("data-status", "assigned")
    expect(manager.locator(".case-deadline")).to_have_text(deadline.isoformat())

    # --- the enterprise submits evidence: a photo and a note -------------------------------------
    owner = sign_in(user_pages("enterprise"), live_server, world.enterprise_user)
    expect(owner.locator("header [data-todo-total]")).to_have_attribute("data-todo-total", "1")
    card = owner.locator(f"article[data-ticket='{number}']")
    expect(card).to_contain_text(deadline.isoformat())
    card.get_by_role("link", name="查看并提交整改").click()
    owner.wait_for_url(ticket_url)
    submit = owner.locator("#submit-form")
    submit.locator("textarea[name=comment]").fill("已拆除串接插线板，重新布线")
    submit.locator("input[name=photos]").set_input_files(str(after_photo))
    with owner.expect_navigation():
        submit.locator("button[type=submit]").click()
    expect_message(owner, "整改材料已提交")
    expect(owner.locator("#ticket-status")).to_have_attribute("data-status", "submitted")
    expect(owner.locator("#submit-form")).to_have_count(0)

    # --- the inspector rejects it from the verification queue, with a reason -------------------
    inspector.goto("/")
    expect(inspector.locator("header [data-todo-total]")).to_have_attribute("data-todo-total", "1")
    inspector.goto(reverse("cases:verify_queue"))
    queued = inspector.locator(f"article[data-ticket='{number}']")
    expect(queued).to_contain_text("已拆除串接插线板")
    expect(queued.locator(".f-thumbs img")).to_have_count(1)
    queued.locator("textarea[name=comment]").fill("插线板仍在使用，请更换为固定插座")
    with inspector.expect_navigation():
        queued.get_by_role("button", name="退回整改").click()
    expect_message(inspector, "已退回整改")
    expect(inspector.locator(f"article[data-ticket='{number}']")).to_have_count(0)

    # --- the enterprise sees the reason and submits again ----------------------------------------
    owner.goto(ticket_url)
    expect(owner.locator("#ticket-status")).to_have_attribute("data-status", "assigned")
    expect(owner.locator(".timeline")).to_contain_text("插线板仍在使用")
    submit = owner.locator("#submit-form")
    submit.locator("textarea[name=comment]").fill("已更换为固定插座并加装漏电保护")
    submit.locator("input[name=photos]").set_input_files(str(after_photo_2))
    with owner.expect_navigation():
        submit.locator("button[type=submit]").click()
    expect(owner.locator("#ticket-status")).to_have_attribute("data-status", "submitted")

    # --- the inspector passes it on the ticket page ---------------------------------------------
    inspector.goto(ticket_url)
    verify = inspector.locator("#verify-form")
    verify.locator("textarea[name=comment]").fill("现场复核合格")
    with inspector.expect_navigation():
        verify.locator("button[name=decision][value=pass]").click()
    expect_message(inspector, f"整改单 {number} 已销号")
    expect(inspector.locator("#ticket-status")).to_have_text("已销号")

    # --- the leader's dashboard: the rate is now 100.00% ----------------------------------------
    leader.reload()
    expect(leader.locator("[data-kpi=rate] .kpi-value")).to_have_text("100.00%")
    expect(leader.locator("[data-kpi=rectified] .kpi-value")).to_have_text("1")
    assert kpi_value(leader, "rate") != rate_before

    # --- the manager's view of the ticket: its timeline in order, and the final status ----------
    manager.goto(ticket_url)
    expect(manager.locator("#ticket-status")).to_have_text("已销号")
    expect(manager.locator(".case-photos .thumbs img")).to_have_count(3)  # one before, two after
    labels = [text.strip() for text in manager.locator(".timeline-item .timeline-head strong").all_inner_texts()]
    wanted = ["上报隐患", "汇总生成整改单", "交办", "提交整改", "验收不通过，退回整改", "提交整改", "验收通过，销号"]
    steps = [label for label in labels if label in wanted]
    assert steps == wanted, labels
    expect(manager.locator(".timeline")).to_contain_text("现场复核合格")
