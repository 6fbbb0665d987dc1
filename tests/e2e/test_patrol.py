"""Proof of presence in the browser (巡更打卡), on a phone:

- the inspector opens a unit's plate URL (as scanning its QR code would) with the phone's position at
  the unit: the check-in is recorded, the unit's page opens, an inspection is run, and the unit leaves
  today's patrol list; the inspection is 现场核验;
- a check-in 2 km away is flagged;
- an anonymous visitor to the same URL sees the unit's name and colours, and no hazard or person.
"""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from cases import services
from cases.choices import CheckInFlag
from cases.models import CheckIn, Inspection
from catalogue.choices import CategoryLevel
from catalogue.models import Checklist, ChecklistItem, HazardCategory
from register.choices import RiskLevel
from risk.levels import recompute
from risk.services import declare_risk_point
from tests import factories as f
from tests.e2e.conftest import TIMEOUT_MS
from tests.e2e.flows import PHONE, sign_in

# The test parcels' point (tests.factories.ParcelFactory) and a point about 2 km north of it.
AT_UNIT = {"latitude": 28.9003, "longitude": 120.0501}
TWO_KM_AWAY = {"latitude": 28.918, "longitude": 120.05}


@pytest.fixture
def phone_at(browser, live_server, request):
    """A phone page whose browser reports ``position`` to the page (geolocation granted)."""
    contexts = []

    def open_phone(position):
        context = browser.new_context(
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            base_url=live_server.url,
            geolocation=position,
            permissions=["geolocation"],
            **PHONE,
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_phone
    for context in contexts:
        context.close()


@pytest.fixture
def unit(world):
    """A red enterprise of the inspector's grid, never visited: first on today's patrol."""
    declare_risk_point(
        actor=world.manager,
        enterprise=world.tenant1,
        name="喷涂车间",
        likelihood="3",
        exposure="10",
        consequence="15",
        responsible_person="王五",
    )
    checklist = Checklist.objects.create(code="e2e-patrol", name="巡查测试检查表")
    ChecklistItem.objects.create(checklist=checklist, text="消防通道畅通", order=1, category=_category())
    world.checklist = checklist
    recompute()
    world.tenant1.refresh_from_db()
    assert world.tenant1.risk_level == RiskLevel.RED
    return world.tenant1


def _category():
    category = HazardCategory.objects.filter(code="E2E-PATROL").first()
    return category or f.HazardCategoryFactory(code="E2E-PATROL", name="排风设施损坏", level=CategoryLevel.ENTERPRISE)


def test_check_in_at_the_plate_then_inspect_and_the_unit_leaves_todays_patrol(world, unit, live_server, phone_at):
    phone = sign_in(phone_at(AT_UNIT), live_server, world.inspector)
    phone.goto(reverse("risk:patrol"))
    expect(phone.locator("main")).to_contain_text(unit.name)

    phone.goto(unit.plate_url)  # what the QR code opens
    phone.wait_for_url(f"**{unit.get_absolute_url()}")
    expect(phone.locator("main")).to_contain_text("已打卡")
    checkin = CheckIn.objects.get()
    assert (checkin.inspector, checkin.enterprise, checkin.flag) == (world.inspector, unit, CheckInFlag.NONE)
    assert checkin.distance < 100
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360

    phone.goto(reverse("cases:inspection_create", args=["enterprise", unit.pk]))
    phone.locator(f"input[name=checklist][value='{world.checklist.pk}']").check()
    with phone.expect_navigation():  # to the checklist's items; .all() below does not wait for them
        phone.click("form .f-submit button[type=submit]")
    answers = phone.locator("input[type=radio][value=pass]")
    expect(answers).to_have_count(1)  # the checklist's one item
    for answer in answers.all():
        answer.check()
    with phone.expect_navigation():
        phone.click("form[data-upload] .f-submit button[type=submit]")
    inspection = Inspection.objects.get()
    assert inspection.checkin == checkin  # 现场核验
    expect(phone.locator("main")).to_contain_text("现场核验")

    phone.goto(reverse("risk:patrol"))
    expect(phone.locator("main")).not_to_contain_text(unit.name)


def test_a_check_in_two_km_away_is_flagged(world, unit, live_server, phone_at):
    phone = sign_in(phone_at(TWO_KM_AWAY), live_server, world.inspector)
    phone.goto(unit.plate_url)
    phone.wait_for_url(f"**{unit.get_absolute_url()}")
    checkin = CheckIn.objects.get()
    assert checkin.flag == CheckInFlag.FAR
    assert 1800 < checkin.distance < 2300
    expect(phone.locator("main")).to_contain_text("已标记")


def test_an_anonymous_visitor_sees_the_unit_and_its_colours_only(world, unit, live_server, phone_at):
    services.report_hazard(actor=world.inspector, enterprise=unit, category=_category(), description="喷漆房排风机损坏")
    phone = phone_at(AT_UNIT)
    response = phone.goto(unit.plate_url)
    assert response.status == 200
    main = phone.locator("main")
    expect(main).to_contain_text(unit.name)
    expect(main).to_contain_text("重大风险")
    text = main.inner_text()
    for secret in ("喷漆房排风机损坏", world.inspector.username, unit.phone, unit.safety_contact, "王五"):
        assert secret not in text
    assert CheckIn.objects.count() == 0
    assert phone.goto(unit.plate_url[:-3] + "xx/").status == 404  # a forged token
