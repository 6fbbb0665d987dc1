"""The register pages: parcel and enterprise lists and pages, the spreadsheet import, the close-out desk."""

import csv
import io

import openpyxl
import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import services
from closeout import services as closeout_services
from closeout.models import CrossCheck
from register.choices import CloseoutState
from register.models import Enterprise, Parcel, Zone
from register.views import IMPORTS_FOLDER, SESSION_KEY, stored_imports
from tests import factories as f

pytestmark = pytest.mark.django_db

HEADER = ["区块", "网格", "宗地编号", "宗地名称", "房东", "企业名称", "统一社会信用代码", "企业类型", "风险类型"]


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def category(db):
    return f.HazardCategoryFactory(code="TV01", name="灭火器失效", deadline_days=7)


def login(client, user):
    client.force_login(user)
    return client


def messages_of(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


def count_queries(client, url, data=None):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, data or {})
    assert response.status_code == 200
    return len(captured)


def assert_at_most(assert_max_queries, client, url, limit, data=None):
    """The page with many rows runs no more queries than it did with one."""
    with assert_max_queries(limit):
        assert client.get(url, data or {}).status_code == 200


def report(world, category, enterprise=None, parcel=None):
    return services.report_hazard(
        actor=world.manager_all, category=category, description="隐患", enterprise=enterprise, parcel=parcel
    )


def rectify(world, hazards):
    """Bring the hazards through a ticket to closed (rectified)."""
    ticket = services.create_ticket(hazards, actor=world.manager_all)
    services.assign_ticket(ticket, actor=world.manager_all)
    services.submit_rectification(ticket, actor=world.enterprise_user, comment="已整改", photos=[f.photo_upload()])
    return services.verify_ticket(ticket, actor=world.manager_all, passed=True)


def ready_parcel(world, category):
    """world.parcel: red, with its only hazard rectified."""
    rectify(world, [report(world, category, enterprise=world.tenant1)])
    world.parcel.refresh_from_db()
    assert world.parcel.closeout_state == CloseoutState.RED
    return world.parcel


# --- the lists ------------------------------------------------------------------------------------


def test_parcel_list_shows_tenants_open_hazards_and_closeout_colour(client, world, category):
    report(world, category, enterprise=world.tenant1)
    report(world, category, enterprise=world.tenant2)
    login(client, world.manager)
    response = client.get(reverse("cases:parcel_list"))
    rows = {p.code: p for p in response.context["object_list"]}
    assert set(rows) == {"ZSD-001", "ZSD-201"}  # zone A only
    assert rows["ZSD-001"].tenant_count == 2 and rows["ZSD-001"].open_hazards == 2
    assert rows["ZSD-001"].closeout_state == CloseoutState.RED and rows["ZSD-201"].open_hazards == 0
    html = response.content.decode()
    assert "一厂多租" in html and 'class="dot red"' in html and "导出 Excel" in html
    multi = client.get(reverse("cases:parcel_list"), {"multi_tenant": "true"}).context["object_list"]
    assert [p.code for p in multi] == ["ZSD-001"]
    red = client.get(reverse("cases:parcel_list"), {"closeout_state": "red"}).context["object_list"]
    assert [p.code for p in red] == ["ZSD-001"]


def test_enterprise_list_filters_and_counts_open_hazards(client, world, category):
    report(world, category, enterprise=world.tenant1)
    world.tenant2.risk_tags.add("welding")
    login(client, world.inspector)
    response = client.get(reverse("cases:enterprise_list"))
    rows = {e.pk: e for e in response.context["object_list"]}
    assert set(rows) == {world.tenant1.pk, world.tenant2.pk}
    assert rows[world.tenant1.pk].open_hazards == 1 and rows[world.tenant1.pk].parcel_tenants == 2
    welding = client.get(reverse("cases:enterprise_list"), {"risk_tag": "welding"}).context["object_list"]
    assert [e.pk for e in welding] == [world.tenant2.pk]


@pytest.mark.parametrize("name", ["cases:parcel_list", "cases:enterprise_list"])
def test_register_lists_run_the_same_queries_for_one_row_and_thirty(
    client, world, category, name, django_assert_max_num_queries
):
    zone = Zone.objects.create(name="九里山")
    grid = f.GridFactory(zone=zone)
    manager = f.UserFactory(username="manager-jls", role="manager")
    manager.zones.add(zone)
    f.EnterpriseFactory(parcel=f.ParcelFactory(grid=grid)).risk_tags.add("lithium")
    login(client, manager)
    one = count_queries(client, reverse(name))
    for i in range(29):
        parcel = f.ParcelFactory(grid=grid)
        enterprise = f.EnterpriseFactory(parcel=parcel)
        enterprise.risk_tags.add("welding", "lithium")
        if i % 4 == 0:
            report(world, category, enterprise=enterprise)
    assert_at_most(django_assert_max_num_queries, client, reverse(name), one)
    filtered = {"multi_tenant": "false"} if "parcel" in name else {"kind": "industrial"}
    assert_at_most(django_assert_max_num_queries, client, reverse(name), one, filtered)


# --- a unit's page --------------------------------------------------------------------------------


def test_parcel_page_shows_open_hazards_tenants_and_history(client, world, category):
    hazard = report(world, category, enterprise=world.tenant2)
    services.record_inspection(actor=world.inspector, parcel=world.parcel, notes="走访")
    login(client, world.inspector)
    response = client.get(world.parcel.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert [h.pk for h in response.context["open_hazard_list"]] == [hazard.pk]
    assert {e.pk: e.open_hazards for e in response.context["tenants"]} == {world.tenant1.pk: 0, world.tenant2.pk: 1}
    assert len(response.context["inspections"]) == 1 and response.context["object"].visited
    assert "开始检查" in html and "上报隐患" in html and hazard.number in html
    assert reverse("cases:inspection_create", args=["parcel", world.parcel.pk]) in html


def test_enterprise_page_shows_tickets_with_links_to_the_ticket_page(client, world, category):
    ticket = rectify(world, [report(world, category, enterprise=world.tenant1)])
    login(client, world.enterprise_user)
    response = client.get(world.tenant1.get_absolute_url())
    html = response.content.decode()
    assert [t.pk for t in response.context["tickets"]] == [ticket.pk]
    assert reverse("cases:ticket_detail", args=[ticket.pk]) in html
    assert "开始检查" not in html and "自查自纠" in html


def test_unit_pages_of_another_scope_answer_404(client, world):
    login(client, world.inspector)
    assert client.get(world.other_b.get_absolute_url()).status_code == 404
    assert client.get(world.parcel_b.get_absolute_url()).status_code == 404
    login(client, world.enterprise_user)
    assert client.get(world.tenant2.get_absolute_url()).status_code == 404
    login(client, world.landlord)
    assert client.get(world.parcel_a2.get_absolute_url()).status_code == 404
    assert client.get(world.tenant2.get_absolute_url()).status_code == 200  # a tenant on the landlord's parcel


# --- the import page ------------------------------------------------------------------------------


def xlsx_upload(rows, name="台账.xlsx"):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(
        name, buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )


def csv_upload(rows, name="台账.csv"):
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return SimpleUploadedFile(name, text.getvalue().encode("utf-8-sig"), content_type="text/csv")


GOOD_ROWS = [
    ["梅陇", "梅陇一网格", "ML-001", "梅陇1号厂房", "王房东", "永康梅陇五金有限公司", "", "工业企业", "焊接"],
    ["梅陇", "梅陇一网格", "ML-001", "梅陇1号厂房", "王房东", "永康梅陇电器有限公司", "", "两房一店", ""],
]


@pytest.mark.parametrize("role", ["inspector", "leader", "enterprise_user", "manager"])
def test_import_page_refuses_other_roles(client, world, role):
    login(client, getattr(world, role))
    response = client.get(reverse("register:import"))
    assert response.status_code == 403 and messages_of(response)
    response = client.post(reverse("register:import"), {"file": csv_upload(GOOD_ROWS)})
    assert response.status_code == 403 and not Parcel.objects.filter(code="ML-001").exists()


def test_import_page_shows_every_problem_of_a_bad_file_and_writes_nothing(client, world):
    login(client, world.manager_all)
    bad = [
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
        ["梅陇", "梅陇一网格", "ML-002", "梅陇2号厂房", "李房东", "永康梅陇电器有限公司", "", "火箭工厂", "会飞"],
    ]
    before = (Zone.objects.count(), Parcel.objects.count(), Enterprise.objects.count())
    response = client.post(reverse("register:import"), {"file": xlsx_upload(bad)})
    assert response.status_code == 400
    problems = response.context["problems"]
    assert [p.row for p in problems] == [2, 3, 3]
    assert {p.column for p in problems} == {"统一社会信用代码", "企业类型", "风险类型"}
    html = response.content.decode()
    assert "91330100799655058X" in html and "火箭工厂" in html and "未写入任何数据" in html
    assert (Zone.objects.count(), Parcel.objects.count(), Enterprise.objects.count()) == before
    assert not client.session.get(SESSION_KEY) and not stored_imports()


def test_import_page_refuses_a_file_it_cannot_read(client, world):
    login(client, world.manager_all)
    response = client.post(reverse("register:import"), {"file": SimpleUploadedFile("台账.xls", b"\xd0\xcf\x11\xe0")})
    assert response.status_code == 400
    assert "另存为 .xlsx" in response.content.decode()
    response = client.post(reverse("register:import"), {})
    assert response.status_code == 400


def test_import_page_writes_a_good_file_only_after_confirm(client, world):
    login(client, world.manager_all)
    response = client.post(reverse("register:import"), {"file": csv_upload(GOOD_ROWS)})
    assert response.status_code == 302
    preview = client.get(response["Location"])
    html = preview.content.decode()
    assert preview.status_code == 200 and "确认导入" in html and "将新增 2" in html
    assert not Parcel.objects.filter(code="ML-001").exists()  # nothing written yet
    (token,) = client.session[SESSION_KEY]
    assert default_storage.exists(f"{IMPORTS_FOLDER}/{client.session[SESSION_KEY][token]['file']}")

    assert "将新建网格：梅陇 / 梅陇一网格" in html  # new zones and grids are named, and confirmed
    response = client.post(reverse("register:import_confirm", args=[token]), {"confirm_new_units": "1"})
    assert response.status_code == 302 and response["Location"] == reverse("cases:parcel_list")
    parcel = Parcel.objects.get(code="ML-001")
    assert parcel.tenants.count() == 2 and parcel.grid.zone.name == "梅陇"
    assert Enterprise.objects.get(name="永康梅陇五金有限公司").risk_tags.filter(code="welding").exists()
    assert "导入完成" in " ".join(messages_of(client.get(response["Location"])))
    assert not client.session.get(SESSION_KEY) and not stored_imports()
    # The token is spent.
    assert client.post(reverse("register:import_confirm", args=[token])).status_code == 404


def test_an_upload_is_confirmed_only_by_the_session_that_made_it(client, world):
    login(client, world.manager_all)
    client.post(reverse("register:import"), {"file": csv_upload(GOOD_ROWS)})
    (token,) = client.session[SESSION_KEY]
    other = login(Client(), world.manager_all)
    assert other.get(reverse("register:import_preview", args=[token])).status_code == 404
    assert other.post(reverse("register:import_confirm", args=[token])).status_code == 404
    assert not Parcel.objects.filter(code="ML-001").exists()
    response = client.post(reverse("register:import_cancel", args=[token]))
    assert response.status_code == 302 and not client.session.get(SESSION_KEY)
    assert not Parcel.objects.filter(code="ML-001").exists() and not stored_imports()


# --- the close-out desk ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["inspector", "leader", "landlord"])
def test_closeout_desk_is_for_managers_only(client, world, role):
    login(client, getattr(world, role))
    assert client.get(reverse("closeout:closeout_desk")).status_code == 403
    response = client.post(
        reverse("closeout:closeout_request", args=[world.parcel.pk]), {"inspector": world.inspector_b.pk}
    )
    assert response.status_code == 403 and not CrossCheck.objects.exists()


def test_closeout_request_refuses_an_inspector_of_the_same_grid(client, world, category):
    parcel = ready_parcel(world, category)
    login(client, world.manager)
    response = client.get(reverse("closeout:closeout_desk"))
    (row,) = response.context["rows"]
    assert row["parcel"].pk == parcel.pk
    offered = [pk for pk, _label in row["inspectors"]]
    assert world.inspector.pk not in offered and world.inspector_b.pk in offered
    assert "申请交叉检查" in response.content.decode()

    response = client.post(reverse("closeout:closeout_request", args=[parcel.pk]), {"inspector": world.inspector.pk})
    assert response.status_code == 400
    assert "交叉检查须由其他网格的网格员进行。" in messages_of(response)
    assert "须为其他网格的网格员。" in response.content.decode()
    assert not CrossCheck.objects.exists()
    parcel.refresh_from_db()
    assert parcel.closeout_state == CloseoutState.RED


def test_closeout_request_sends_the_parcel_to_another_grids_inspector(client, world, category):
    parcel = ready_parcel(world, category)
    login(client, world.manager)
    response = client.post(
        reverse("closeout:closeout_request", args=[parcel.pk]),
        {"inspector": world.inspector_b.pk, "comment": "请复核"},
    )
    assert response.status_code == 302
    crosscheck = CrossCheck.objects.get()
    assert crosscheck.inspector_id == world.inspector_b.pk and crosscheck.comment == "请复核"
    parcel.refresh_from_db()
    assert parcel.closeout_state == CloseoutState.CROSSCHECK
    desk = client.get(response["Location"])
    assert not desk.context["rows"] and [c.pk for c in desk.context["waiting"]] == [crosscheck.pk]
    assert "已申请交叉检查" in " ".join(messages_of(desk))

    closeout_services.record_crosscheck(crosscheck, actor=world.inspector_b, passed=True, comment="无隐患")
    desk = client.get(reverse("closeout:closeout_desk"))
    assert [c.pk for c in desk.context["history"]] == [crosscheck.pk] and not desk.context["waiting"]
    assert desk.context["figures"]["green"] == 1
    assert desk.context["figures"]["uninspected"] == 1  # ZSD-201 was never inspected


def test_closeout_request_of_a_parcel_with_open_hazards_is_refused(client, world, category):
    report(world, category, enterprise=world.tenant1)
    login(client, world.manager)
    assert not client.get(reverse("closeout:closeout_desk")).context["rows"]
    response = client.post(
        reverse("closeout:closeout_request", args=[world.parcel.pk]), {"inspector": world.inspector_b.pk}
    )
    assert response.status_code == 409 and "全部整改后才能申请交叉检查" in " ".join(messages_of(response))
    assert (
        client.post(
            reverse("closeout:closeout_request", args=[world.parcel_b.pk]), {"inspector": world.inspector.pk}
        ).status_code
        == 404
    )  # another zone's parcel


def test_closeout_desk_runs_the_same_queries_for_one_parcel_and_thirty(
    client, world, category, django_assert_max_num_queries
):
    ready_parcel(world, category)
    login(client, world.manager_all)
    one = count_queries(client, reverse("closeout:closeout_desk"))
    for _ in range(29):
        enterprise = f.EnterpriseFactory(parcel=f.ParcelFactory(grid=world.grid_a2))
        Parcel.objects.filter(pk=enterprise.parcel_id).update(closeout_state=CloseoutState.RED)
    assert_at_most(django_assert_max_num_queries, client, reverse("closeout:closeout_desk"), one)
