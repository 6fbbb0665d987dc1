"""Pages a person checks in the browser: the register import refuses a bad file and lists its problems;
the map draws red and green parcels; the language switch; another grid's ticket answers 404; every
role's pages load without script errors and without asking anything of the internet."""

import csv
import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from accounts.choices import Role
from cases import services
from register.models import Enterprise, Grid, Parcel, Zone
from tests import factories as f
from tests.e2e.flows import PageWatch, UserPages, expect_message, sign_in


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def user_pages(browser, live_server, request):
    pages = UserPages(browser, live_server, request)
    yield pages.open
    pages.close_all()


@pytest.fixture
def category(transactional_db):
    return f.HazardCategoryFactory(code="E2E01", name="电气线路私拉乱接", deadline_days=7)


def open_ticket(world, category, enterprise, *, description="插线板串接使用"):
    """An assigned ticket of ``enterprise`` made through the services, as the desk would."""
    hazard = services.report_hazard(
        actor=world.inspector,
        category=category,
        description=description,
        enterprise=enterprise,
        photos=[f.photo_upload()],
    )
    ticket = services.create_ticket([hazard], actor=world.manager_all)
    return services.assign_ticket(ticket, actor=world.manager_all)


# --- (a) the import page ---------------------------------------------------------------------

HEADER = ["区块", "网格", "宗地编号", "宗地名称", "房东", "企业名称", "统一社会信用代码", "企业类型", "风险类型"]


def write_register(path, rows):
    with open(path, "w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def test_import_page_refuses_a_bad_file_and_lists_its_problems(world, live_server, page, tmp_path):
    bad = write_register(
        tmp_path / "台账.csv",
        [
            [
                "梅陇",
                "梅陇一网格",
                "ML-001",
                "梅陇1号厂房",
                "王房东",
                "永康梅陇五金有限公司",
                "91330100799655058X",
                "工业企业",
                "",
            ],
            ["", "梅陇一网格", "ML-002", "梅陇2号厂房", "李房东", "永康梅陇电器有限公司", "", "两房一店", "焊接"],
        ],
    )
    before = (Zone.objects.count(), Grid.objects.count(), Parcel.objects.count(), Enterprise.objects.count())

    sign_in(page, live_server, world.manager_all)
    page.goto(reverse("register:import"))
    page.set_input_files("#id_file", str(bad))
    with page.expect_navigation():
        page.get_by_role("button", name="导入", exact=True).click()

    problems = page.locator("#import-problems")
    expect(problems).to_be_visible()
    expect(problems.locator("h2")).to_contain_text("未写入任何数据")
    credit = problems.locator("tr[data-problem-row='2']")
    expect(credit).to_be_visible()
    expect(credit).to_contain_text("统一社会信用代码")
    expect(credit).to_contain_text("91330100799655058X")
    missing = problems.locator("tr[data-problem-row='3']")
    expect(missing).to_be_visible()
    expect(missing).to_contain_text("区块")
    expect(page.locator("#import-preview")).to_have_count(0)  # nothing to confirm
    expect(page.locator("#id_file")).to_be_visible()  # upload the corrected file here
    assert (Zone.objects.count(), Grid.objects.count(), Parcel.objects.count(), Enterprise.objects.count()) == before
    assert not Parcel.objects.filter(code__in=["ML-001", "ML-002"]).exists()

    # The corrected file: a preview first (still nothing written), then 确认导入 writes it.
    good = write_register(
        tmp_path / "台账-改正.csv",
        [
            ["梅陇", "梅陇一网格", "ML-001", "梅陇1号厂房", "王房东", "永康梅陇五金有限公司", "", "工业企业", ""],
            ["梅陇", "梅陇一网格", "ML-002", "梅陇2号厂房", "李房东", "永康梅陇电器有限公司", "", "两房一店", "焊接"],
        ],
    )
    page.set_input_files("#id_file", str(good))
    with page.expect_navigation():
        page.get_by_role("button", name="导入", exact=True).click()
    expect(page.locator("#import-preview")).to_be_visible()
    expect(page.locator("#import-preview")).to_contain_text("未发现问题")
    assert not Parcel.objects.filter(code__in=["ML-001", "ML-002"]).exists()
    # 梅陇 and its grid are new: the preview names them and the import waits for the tick.
    expect(page.locator("#import-new-units")).to_contain_text("将新建网格：梅陇 / 梅陇一网格")
    page.locator("input[name=confirm_new_units]").check()
    with page.expect_navigation():
        page.get_by_role("button", name="确认导入").click()
    expect_message(page, "导入完成")
    assert set(Parcel.objects.filter(code__in=["ML-001", "ML-002"]).values_list("code", flat=True)) == {
        "ML-001",
        "ML-002",
    }
    assert Enterprise.objects.filter(name__startswith="永康梅陇").count() == 2


# --- (b) the red/green map -------------------------------------------------------------------


def place(parcel, lat, lng, polygon=None):
    parcel.latitude, parcel.longitude, parcel.polygon = lat, lng, polygon
    parcel.save()


def test_map_draws_red_and_green_parcels(world, category, live_server, page):
    square = [[120.049, 28.899], [120.051, 28.899], [120.051, 28.901], [120.049, 28.901], [120.049, 28.899]]
    place(world.parcel, 28.900, 120.050, {"type": "Polygon", "coordinates": [square]})
    place(world.parcel_a2, 28.906, 120.062)
    place(world.parcel_b, 28.884, 120.081)
    services.report_hazard(
        actor=world.inspector, category=category, description="消防通道堆放杂物", enterprise=world.tenant1
    )
    assert Parcel.objects.get(pk=world.parcel.pk).closeout_state == "red"
    watch = PageWatch(live_server.url).attach(page)

    sign_in(page, live_server, world.leader)
    page.goto(reverse("closeout:map"))
    expect(page.locator("#parcel-map[data-loaded]")).to_be_attached()
    assert page.locator("#parcel-map").get_attribute("data-loaded") == "3"
    assert page.locator("#parcel-map path.parcel-red").count() >= 1
    # the two others were never inspected: grey 未排查, not green (closeout.querysets.ParcelState)
    assert page.locator("#parcel-map path.parcel-uninspected").count() >= 1
    expect(page.locator("[data-count=red]")).to_have_text("1")
    expect(page.locator("[data-count=uninspected]")).to_have_text("2")
    expect(page.locator("[data-count=green]")).to_have_text("0")
    red_item = page.locator("#map-list li").filter(has_text=world.parcel.code)  # the list of red parcels
    red_item.locator("button").click()
    expect(page.locator(".leaflet-popup .map-popup")).to_contain_text(world.parcel.name)
    watch.assert_clean("the map page")


# --- (c) the language switch -----------------------------------------------------------------

LANGUAGE_FORM = "form.lang-switch"
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def test_language_switch_turns_the_pages_english_and_back(world, live_server, page):
    sign_in(page, live_server, world.manager)
    expect(page.locator("header nav [data-nav=dashboard]")).to_have_text("驾驶舱")

    with page.expect_navigation():
        page.click(f"{LANGUAGE_FORM} button[value=en]")
    assert page.locator("html").get_attribute("lang") == "en"
    expect(page.locator(f"{LANGUAGE_FORM} button[value=zh-hans]")).to_have_text("中文")
    expect(page.locator(f"{LANGUAGE_FORM} button[value=en]")).to_have_attribute("aria-pressed", "true")
    nav = page.locator("header nav")
    expect(nav.locator("[data-nav=dashboard]")).to_have_text("Dashboard")
    expect(nav.locator("[data-nav=tickets]")).to_have_text(re.compile(r"tickets", re.IGNORECASE))
    menu = nav.locator("a[data-nav]").all_inner_texts()
    assert len(menu) >= 4 and not [text for text in menu if CHINESE.search(text)], menu

    # The choice sticks: the next page is English too, and so is the page of a missing record.
    page.goto(reverse("cases:ticket_list"))
    assert page.locator("html").get_attribute("lang") == "en"
    expect(page.locator("header nav [data-nav=tickets]")).to_have_class(re.compile(r"\bactive\b"))
    response = page.goto(reverse("cases:ticket_detail", args=[999999]))
    assert response.status == 404
    expect(page.locator("main h1")).to_have_text("Page not found")

    with page.expect_navigation():
        page.click(f"{LANGUAGE_FORM} button[value=zh-hans]")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    expect(page.locator("header nav [data-nav=dashboard]")).to_have_text("驾驶舱")


# --- (d) another grid's ticket by URL ----------------------------------------------------------


def test_another_grids_ticket_answers_404(world, category, live_server, page, user_pages):
    ticket = open_ticket(world, category, world.tenant1)  # grid A1
    hazard = ticket.hazards.get()
    ticket_url = reverse("cases:ticket_detail", args=[ticket.pk])

    sign_in(page, live_server, world.inspector_a2)  # grid A2, same zone
    for url in (
        ticket_url,
        reverse("cases:ticket_notice", args=[ticket.pk]),
        reverse("cases:hazard_detail", args=[hazard.pk]),
    ):
        response = page.goto(url)
        assert response.status == 404, url
        expect(page.locator("main h1")).to_have_text("页面不存在")
        expect(page.locator("main")).not_to_contain_text(ticket.number)
    page.goto(reverse("cases:ticket_list"))
    expect(page.locator("main")).not_to_contain_text(ticket.number)

    # The inspector of grid A1 opens the same URL.
    own = sign_in(user_pages("own-grid"), live_server, world.inspector)
    response = own.goto(ticket_url)
    assert response.status == 200
    expect(own.locator("h1")).to_contain_text(ticket.number)


# --- (e) every role's pages load cleanly, offline ----------------------------------------------


ROLES = ["inspector", "manager", "leader", "enterprise_user", "landlord", "admin"]


def test_every_roles_pages_load_without_errors_or_internet(world, category, live_server, page, phone_page, user_pages):
    open_ticket(world, category, world.tenant1)
    closed = open_ticket(world, category, world.tenant2, description="灭火器过期")
    owner2 = f.UserFactory(username="tenant2-owner", role=Role.ENTERPRISE)
    owner2.enterprises.add(world.tenant2)
    closed = services.submit_rectification(closed, actor=owner2, comment="已更换", photos=[f.photo_upload()])
    services.verify_ticket(closed, actor=world.inspector, passed=True)
    services.report_hazard(
        actor=world.inspector, category=category, description="配电箱未上锁", enterprise=world.tenant2
    )

    pages, seen = {"inspector": phone_page, "manager": page}, {}
    for role in ROLES:
        user = getattr(world, role)
        tab = pages.get(role) or user_pages(role)  # the inspector's on a phone
        watch = PageWatch(live_server.url).attach(tab)
        sign_in(tab, live_server, user)
        tab.wait_for_load_state("networkidle")
        expect(tab.locator("main h1").first).to_be_visible()
        seen[role] = [tab.url.removeprefix(live_server.url)]
        # Every page of the role's menu opens for them (Django's own admin pages left aside).
        menu = tab.locator("header nav a[data-nav]:not([data-nav=admin])")
        for href in menu.evaluate_all("links => links.map(a => a.href)"):
            response = tab.goto(href)
            assert response.status == 200, (role, href, response.status)
            expect(tab.locator("main h1").first).to_be_visible()
            if tab.locator("#parcel-map").count():
                expect(tab.locator("#parcel-map[data-loaded]")).to_be_attached()
            seen[role].append(href.removeprefix(live_server.url))
        watch.assert_clean(f"{role}'s pages {seen[role]}")
    assert len(seen["manager"]) > 3 and len(seen["inspector"]) > 3, seen
