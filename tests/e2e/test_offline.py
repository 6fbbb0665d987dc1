"""The field app without signal (cases.views.offline, static/js/offline.js), on a phone:

- after one visit online, the inspector's home, a unit's page, its report form and its checklist open
  with the network off; two hazard reports with photos and one checklist inspection made offline wait
  in the outbox (3, still after a reload), and once the network is back the server holds exactly those
  three, at the times they were captured;
- a double tap on submit records one report;
- a report refused when it is finally sent (the unit is no longer the inspector's) stays in the outbox
  with the server's reason, until the inspector discards it;
- a 4000×3000 photo arrives shrunk to ≤ 1,920 px with its EXIF capture time kept;
- signing out clears the phone: the next user finds no outbox and no kept pages;
- an enterprise submits its rectification without signal, and it is submitted when the network returns.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import ExifTags, Image, ImageDraw
from playwright.sync_api import expect

from cases import services
from cases.choices import TicketStatus
from cases.models import Hazard, Inspection, Photo
from catalogue.choices import CategoryLevel
from catalogue.models import Checklist, ChecklistItem
from tests import factories as f
from tests.e2e.conftest import TIMEOUT_MS
from tests.e2e.flows import PHONE, jpeg, sign_in
from timeline.kinds import EventKind

# The records in the phone's outbox (0 when its database does not exist; never creates it).
OUTBOX_COUNT = """async () => {
  const names = (await indexedDB.databases()).map((d) => d.name);
  if (!names.includes("field-outbox")) return 0;
  return await new Promise((resolve) => {
    const open = indexedDB.open("field-outbox");
    open.onsuccess = () => {
      const db = open.result;
      const count = db.objectStoreNames.contains("entries") ? db.transaction("entries").objectStore("entries").count() : null;
      if (!count) { db.close(); resolve(0); return; }
      count.onsuccess = () => { db.close(); resolve(count.result); };
    };
    open.onerror = () => resolve(-1);
  });
}"""


SLOW_MS = 45_000  # a busy CI machine: the service worker's first start, the pages kept in the background


@pytest.fixture
def field(world):
    """A category and a two-item checklist fitting the inspector's enterprise."""
    category = f.HazardCategoryFactory(code="E2E-OFF", name="配电箱无防护门", level=CategoryLevel.ENTERPRISE)
    checklist = Checklist.objects.create(code="e2e-offline", name="离线测试检查表")
    for order, text in enumerate(("消防通道畅通", "灭火器在有效期内"), start=1):
        ChecklistItem.objects.create(checklist=checklist, text=text, order=order, category=category)
    world.category, world.checklist = category, checklist
    return world


@pytest.fixture
def phone(browser, live_server, request):
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", base_url=live_server.url, **PHONE)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    try:
        from tests.e2e.conftest import ARTIFACTS, _screenshot_name

        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(_screenshot_name(request)), full_page=True)
    finally:
        context.close()


def keep_pages_online(page, live_server, user):
    """Sign in and open the home once online: the service worker takes the page, the pages are kept."""
    sign_in(page, live_server, user)
    page.wait_for_function(
        "() => navigator.serviceWorker && navigator.serviceWorker.controller !== null", timeout=SLOW_MS
    )
    page.reload()  # the service worker now answers, and the home keeps the field pages
    refreshed = page.locator("[data-offline-refreshed]")
    expect(refreshed).to_have_attribute("data-offline-state", "kept", timeout=SLOW_MS)
    expect(refreshed).to_contain_text("离线数据更新于")


def report(page, world, description, photo):
    page.goto(f"{reverse('cases:hazard_report')}?enterprise={world.tenant1.pk}")
    page.select_option("select[name=category]", str(world.category.pk))
    page.fill("textarea[name=description]", description)
    page.locator("input[type=file][name=photos]").set_input_files(str(photo))
    with page.expect_navigation():
        page.click("form[data-offline] .f-submit button[type=submit]")


def test_reports_made_without_signal_wait_in_the_outbox_and_are_sent_once(field, live_server, phone, tmp_path):
    world = field
    keep_pages_online(phone, live_server, world.inspector)
    context = phone.context

    offline_at = timezone.now()
    context.set_offline(True)
    phone.goto("/")  # the home, from the phone
    expect(phone.locator("main h1")).to_contain_text("你好")
    expect(phone.locator("[data-offline-banner]")).to_contain_text("数据更新于")
    phone.goto(world.tenant1.get_absolute_url())  # the unit's page, from the phone
    expect(phone.locator("[data-offline-banner]")).to_be_visible()
    expect(phone.locator("[data-offline-banner]")).to_contain_text("没有网络")
    expect(phone.locator("main")).to_contain_text(world.tenant1.name)

    report(phone, world, "配电箱门缺失", jpeg(tmp_path / "a.jpg"))
    expect(phone.locator("[data-outbox-flash]")).to_contain_text("待发送")
    report(phone, world, "消防通道堆放杂物", jpeg(tmp_path / "b.jpg", color=(20, 90, 160)))

    phone.goto(
        f"{reverse('cases:inspection_create', args=['enterprise', world.tenant1.pk])}?checklist={world.checklist.pk}"
    )
    for answer in phone.locator("input[type=radio][value=pass]").all():
        answer.check()
    with phone.expect_navigation():
        phone.click("form[data-offline] .f-submit button[type=submit]")

    phone.goto(reverse("cases:outbox"))
    phone.reload()  # still offline: the outbox is on the phone
    expect(phone.locator("[data-outbox-entry]")).to_have_count(3)
    expect(phone.locator("[data-outbox-count]")).to_have_text("3")
    assert not Hazard.objects.exists() and not Inspection.objects.exists()

    online_at = timezone.now()
    context.set_offline(False)  # the outbox sends by itself when the network returns
    expect(phone.locator("[data-outbox-empty]")).to_be_visible(timeout=SLOW_MS)
    expect(phone.locator("[data-outbox-badge]")).to_be_hidden()

    hazards = list(Hazard.objects.order_by("reported_at"))
    assert [h.description for h in hazards] == ["配电箱门缺失", "消防通道堆放杂物"]
    assert all(h.photos.count() == 1 for h in hazards)
    inspection = Inspection.objects.get()
    assert inspection.checklist == world.checklist and inspection.items.count() == 2
    for captured, received in [(h.reported_at, h.created_at) for h in hazards] + [
        (inspection.inspected_at, inspection.created_at)
    ]:
        assert offline_at <= captured <= online_at <= received  # the time of capture, kept beside the receipt


def test_a_double_tap_records_one_report(field, live_server, phone, tmp_path):
    world = field
    sign_in(phone, live_server, world.inspector)
    phone.goto(f"{reverse('cases:hazard_report')}?enterprise={world.tenant1.pk}")
    phone.select_option("select[name=category]", str(world.category.pk))
    phone.fill("textarea[name=description]", "插线板串接")
    phone.locator("input[type=file][name=photos]").set_input_files(str(jpeg(tmp_path / "a.jpg")))
    with phone.expect_navigation():
        phone.dblclick("form[data-offline] .f-submit button[type=submit]")
    expect(phone.locator(".messages")).to_contain_text("已上报")
    assert Hazard.objects.count() == 1


def test_a_refused_report_stays_in_the_outbox_with_its_reason(field, live_server, phone, tmp_path):
    world = field
    keep_pages_online(phone, live_server, world.inspector)
    phone.context.set_offline(True)
    report(phone, world, "配电箱门缺失", jpeg(tmp_path / "a.jpg"))
    world.inspector.grids.clear()  # meanwhile the grid was given to someone else

    phone.goto(reverse("cases:outbox"))
    phone.context.set_offline(False)
    entry = phone.locator("[data-outbox-entry]")
    expect(entry).to_have_attribute("data-state", "refused", timeout=SLOW_MS)
    expect(entry.locator("[data-outbox-message]")).to_contain_text("负责范围")
    phone.reload()
    expect(phone.locator("[data-outbox-entry][data-state=refused]")).to_have_count(1)  # kept, not dropped
    assert not Hazard.objects.exists()

    phone.once("dialog", lambda dialog: dialog.accept())
    entry.locator("[data-outbox-action=discard]").click()
    expect(phone.locator("[data-outbox-empty]")).to_be_visible()


def test_a_camera_photo_is_shrunk_on_the_phone_with_its_exif_time_kept(field, live_server, phone, tmp_path):
    world = field
    path = tmp_path / "camera.jpg"
    image = Image.new("RGB", (4000, 3000), (90, 140, 60))
    ImageDraw.Draw(image).rectangle([500, 500, 3500, 2500], fill=(230, 200, 40))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "FieldCam"
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = "2026:12:01 09:30:00"
    image.save(path, "JPEG", quality=95, exif=exif)

    sign_in(phone, live_server, world.inspector)
    report(phone, world, "墙面裂缝", path)
    expect(phone.locator(".messages")).to_contain_text("已上报")
    photo = Photo.objects.get()
    with photo.image.open("rb") as stored, Image.open(stored) as arrived:
        assert max(arrived.size) <= 1920 and arrived.size == (1920, 1440)
        kept = arrived.getexif()
        assert kept.get(ExifTags.Base.Make) == "FieldCam"
        assert kept.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] == "2026:12:01 09:30:00"
    assert timezone.localtime(photo.taken_at) == datetime(2026, 12, 1, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert photo.image.size < path.stat().st_size


def test_signing_out_clears_the_phone_for_the_next_user(field, live_server, phone, tmp_path):
    world = field
    keep_pages_online(phone, live_server, world.inspector)
    phone.context.set_offline(True)
    report(phone, world, "配电箱门缺失", jpeg(tmp_path / "a.jpg"))
    world.inspector.grids.clear()  # before the network returns: the outbox sends as soon as it does
    phone.context.set_offline(False)
    phone.goto(reverse("cases:outbox"))
    expect(phone.locator("[data-outbox-entry][data-state=refused]")).to_have_count(1, timeout=SLOW_MS)

    phone.once("dialog", lambda dialog: dialog.accept())  # "1 条记录没有发送…确定退出吗？"
    phone.locator("header .user-menu summary").click()
    with phone.expect_navigation():
        phone.click("form[data-logout] button[type=submit]")
    assert phone.evaluate(OUTBOX_COUNT) == 0
    assert "pages" not in phone.evaluate("() => caches.keys()")

    sign_in(phone, live_server, world.enterprise_user)
    phone.goto(reverse("cases:outbox"))
    expect(phone.locator("[data-outbox-empty]")).to_be_visible()
    assert phone.evaluate(OUTBOX_COUNT) == 0


def test_an_enterprise_submits_its_fix_without_signal(field, live_server, phone, tmp_path):
    world = field
    hazard = services.report_hazard(
        actor=world.inspector, category=world.category, description="配电箱门缺失", enterprise=world.tenant1
    )
    ticket = services.assign_ticket(services.create_ticket([hazard], actor=world.manager), actor=world.manager)
    keep_pages_online(phone, live_server, world.enterprise_user)

    phone.context.set_offline(True)
    phone.goto(ticket.get_absolute_url())
    form = phone.locator("#submit-form")
    form.locator("textarea[name=comment]").fill("已加装配电箱门并上锁")
    form.locator("input[type=file][name=photos]").set_input_files(str(jpeg(tmp_path / "after.jpg")))
    with phone.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(phone.locator("[data-outbox-flash]")).to_contain_text("待发送")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.ASSIGNED

    phone.goto(reverse("cases:outbox"))
    expect(phone.locator("[data-outbox-entry]")).to_have_count(1)
    phone.context.set_offline(False)
    expect(phone.locator("[data-outbox-empty]")).to_be_visible(timeout=SLOW_MS)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.SUBMITTED and ticket.photos.count() == 1
    assert ticket.submitted_at < ticket.events.get(kind=EventKind.TICKET_SUBMITTED).created_at


def test_a_refused_report_is_fixed_in_its_form_and_sent_again(field, live_server, phone, tmp_path):
    world = field
    other = f.HazardCategoryFactory(code="E2E-OFF2", name="消防通道堵塞", level=CategoryLevel.ENTERPRISE)
    keep_pages_online(phone, live_server, world.inspector)
    phone.context.set_offline(True)
    report(phone, world, "通道内堆放纸箱", jpeg(tmp_path / "a.jpg"))
    world.category.active = False  # meanwhile the office retired the category chosen offline
    world.category.save()

    phone.goto(reverse("cases:outbox"))
    phone.context.set_offline(False)
    entry = phone.locator("[data-outbox-entry]")
    expect(entry).to_have_attribute("data-state", "refused", timeout=SLOW_MS)
    expect(entry.locator("[data-outbox-message]")).to_contain_text("请检查填写的内容")

    entry.locator("[data-outbox-action=edit]").click()  # 修改: the form again, as it was filled in
    phone.wait_for_url("**/cases/field/report/**")
    expect(phone.locator("textarea[name=description]")).to_have_value("通道内堆放纸箱")
    assert phone.locator("input[type=file][name=photos]").evaluate("input => input.files.length") == 1
    phone.select_option("select[name=category]", str(other.pk))
    with phone.expect_navigation():
        phone.click("form[data-offline] .f-submit button[type=submit]")
    expect(phone.locator(".messages")).to_contain_text("已上报")
    hazard = Hazard.objects.get()
    assert (hazard.description, hazard.category, hazard.photos.count()) == ("通道内堆放纸箱", other, 1)
    phone.goto(reverse("cases:outbox"))
    expect(phone.locator("[data-outbox-empty]")).to_be_visible()
