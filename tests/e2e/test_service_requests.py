"""Enterprise service requests in the browser, each person in their own browser with their own login:

an enterprise raises a request on a phone → a manager dispatches it to the category's department → the
department's user answers → the enterprise confirms and rates it (已办结, the rating shown); and a request
past its time limit shows 督办 the morning after (the daily escalation job, shared with the tickets).
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from accounts.choices import Role
from accounts.models import Department
from cases.escalation import escalate_overdue
from servicedesk import services as sr
from servicedesk.models import ServiceCategory, ServiceRequest
from tests import factories as f
from tests.e2e.flows import UserPages, expect_message, sign_in


@pytest.fixture
def user_pages(browser, live_server, request):
    pages = UserPages(browser, live_server, request)
    yield pages.open
    pages.close_all()


@pytest.fixture
def power(world):
    """The power department and its category: made here, since a transactional test may run after the
    migrations' data was flushed."""
    department, _created = Department.objects.get_or_create(code="power", defaults={"name": "供电所", "order": 1})
    category, _created = ServiceCategory.objects.get_or_create(
        code="power", defaults={"name": "供电用电", "department": department, "time_limit_days": 7, "order": 1}
    )
    clerk = f.UserFactory(username="power-clerk", role=Role.DEPARTMENT, department=department)
    return department, category, clerk


def test_a_request_from_phone_to_rated_answer(world, live_server, phone_page, user_pages, power):
    department, category, clerk = power

    # --- the enterprise, on a phone, raises a request from its home page -------------------------
    owner = sign_in(phone_page, live_server, world.enterprise_user)
    owner.goto(reverse("home"))
    owner.locator("#service-block").get_by_role("link", name="提出服务问题").click()
    owner.select_option("#id_category", category.pk)
    owner.fill("#id_title", "厂区变压器容量不足，经常跳闸")
    owner.fill("#id_description", "新增两台注塑机后，每天下午跳闸一到两次。")
    assert owner.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), (
        "the form is wider than a phone"
    )
    owner.get_by_role("button", name="提交").click()
    expect_message(owner, "已提交，等待派发")
    expect(owner.locator("#request-status")).to_have_text("待派发")
    request = ServiceRequest.objects.get()
    assert request.enterprise == world.tenant1 and request.category == category

    # --- the manager, at a desk, dispatches it (the category's department and time limit) ---------
    manager = user_pages("manager")
    sign_in(manager, live_server, world.manager)
    manager.goto(reverse("servicedesk:request_list"))
    manager.get_by_role("link", name=request.number).click()
    expect(manager.locator("#dispatch_department")).to_have_value(str(department.pk))
    limit = timezone.localdate() + timedelta(days=category.time_limit_days)
    expect(manager.locator("#dispatch_deadline")).to_have_value(limit.isoformat())
    manager.locator("#dispatch-form").get_by_role("button", name="派发").click()
    expect_message(manager, "已派发至 供电所")
    expect(manager.locator("#request-status")).to_have_text("办理中")
    expect(manager.locator("#request-department")).to_contain_text("供电所")

    # --- the department's user answers from their home page ---------------------------------------
    desk = user_pages("department")
    sign_in(desk, live_server, clerk)
    desk.goto(reverse("home"))
    desk.locator("#department-requests").get_by_role("link", name=request.number).click()
    desk.fill("#answer_answer", "已安排扩容至 800kVA，本周六施工。")
    desk.get_by_role("button", name="提交答复").click()
    expect_message(desk, "已答复")
    expect(desk.locator("#request-status")).to_have_text("待确认")

    # --- the enterprise confirms and rates it, on the phone ---------------------------------------
    owner.reload()
    expect(owner.locator("#request-answer")).to_contain_text("800kVA")
    owner.check("#confirm_decision_0")
    owner.select_option("#confirm_rating", "5")
    owner.fill("#confirm_feedback", "处理及时，很满意。")
    owner.locator("#confirm-form").get_by_role("button", name="提交").click()
    expect_message(owner, "已确认办结")
    expect(owner.locator("#request-status")).to_have_text("已办结")
    expect(owner.locator("#request-rating")).to_contain_text("5 分")
    timeline = owner.locator("#request-timeline")
    for step in ("提出服务问题", "分类派发", "部门答复", "企业确认办结"):
        expect(timeline).to_contain_text(step)


def test_a_late_request_is_escalated_the_next_morning(world, live_server, page, power):
    department, category, clerk = power
    request = sr.raise_request(
        actor=world.enterprise_user, enterprise=world.tenant1, category=category, title="道路积水"
    )
    request = sr.dispatch_request(request, actor=world.manager, department=department)
    sign_in(page, live_server, world.manager)
    page.goto(reverse("servicedesk:request_detail", args=[request.pk]))
    expect(page.locator("#request-escalation")).to_have_count(0)

    # The time limit ran out yesterday; this morning's job (the one that escalates tickets) runs.
    ServiceRequest.objects.filter(pk=request.pk).update(deadline=timezone.localdate() - timedelta(days=1))
    assert escalate_overdue(only=["service_request"]) == {"service_request": 1}

    page.reload()
    expect(page.locator("#request-escalation")).to_have_text("督办")
    expect(page.locator("#request-overdue")).to_contain_text("逾期 1 天")
    expect(page.locator("#request-timeline")).to_contain_text("督办")
    page.goto(reverse("servicedesk:request_list") + "?escalated=true")
    expect(page.locator("#request-table")).to_contain_text(request.number)
