"""The hazard category picker: groups a finder can scan, and a search box that narrows them."""

from playwright.sync_api import expect

from catalogue.choices import AccidentType, CategoryLevel
from catalogue.models import HazardCategory
from register.models import RiskTagOption
from tests import factories as f
from tests.e2e.flows import sign_in


def test_categories_are_grouped_and_searchable_on_the_report_form(world, live_server, phone_page):
    HazardCategory.objects.update(active=False)  # the shipped catalogue aside: only these five
    dust, _created = RiskTagOption.objects.get_or_create(code="metal_dust")
    f.HazardCategoryFactory(
        code="T10", name="作业现场积尘严重", accident_type=AccidentType.OTHER_EXPLOSION, risk_tag=dust
    )
    f.HazardCategoryFactory(code="T2", name="应急照明缺失", accident_type=AccidentType.FIRE, default_severity="major")
    f.HazardCategoryFactory(code="T1", name="灭火器失效", accident_type=AccidentType.FIRE)
    f.HazardCategoryFactory(code="T5", name="漏电保护装置缺失", accident_type=AccidentType.ELECTROCUTION)
    f.HazardCategoryFactory(code="Q1", name="消防通道堵塞", level=CategoryLevel.PARCEL, accident_type=AccidentType.FIRE)

    page = sign_in(phone_page, live_server, world.inspector)
    page.goto("/cases/field/report/")
    page.get_by_role("link", name=world.tenant1.name).click()

    select = page.locator("select[data-category-select]")
    groups = select.locator("optgroup").evaluate_all("gs => gs.map(g => g.label)")
    assert groups == ["宗地级（房东负责）", "触电", "火灾", "涉爆金属粉尘"], groups
    fire = select.locator("optgroup[label=火灾] option").all_inner_texts()
    assert fire == ["T1 灭火器失效", "T2 应急照明缺失"]  # natural order of codes

    search = page.locator("input.category-search")
    search.fill("漏电")  # one left: chosen, as if picked
    expect(select).to_have_value(str(HazardCategory.objects.get(code="T5").pk))

    search.fill("火灾")  # a group's name leaves the group
    visible = select.locator("option:not([hidden]):not([value=''])").all_inner_texts()
    assert visible == ["T1 灭火器失效", "T2 应急照明缺失"], visible

    search.fill("应急照明")
    expect(select).to_have_value(str(HazardCategory.objects.get(code="T2").pk))
    expect(page.locator("[data-severity-select]")).to_have_value("major")  # the default severity followed
