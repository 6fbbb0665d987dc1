"""Exports to .xlsx: the ledger (台账) of hazards and tickets, and the register; filtered and scoped."""

import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from cases import services
from cases.choices import TicketStatus
from cases.exports import ledger_headers, ticket_ledger_headers
from register.importer import RegisterImporter
from tests import factories as f

pytestmark = pytest.mark.django_db


def sheet_of(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response["Content-Disposition"]
    content = b"".join(response.streaming_content)
    workbook = load_workbook(io.BytesIO(content))
    return workbook.worksheets[0], content


def rows_of(sheet):
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def report(world, category, enterprise, description="隐患"):
    actor = world.inspector if enterprise.grid_id == world.grid_a1.pk else world.manager_all
    return services.report_hazard(actor=actor, category=category, description=description, enterprise=enterprise)


def test_ticket_ledger_has_the_office_columns_and_the_case(client, world, make_ticket):
    ticket = make_ticket(TicketStatus.CLOSED)
    services.assign_ticket(
        services.create_ticket([report(world, f.HazardCategoryFactory(code="E2"), world.tenant2)], actor=world.manager),
        actor=world.manager,
    )
    client.force_login(world.manager)
    sheet, _content = sheet_of(client.get(reverse("cases:ticket_export"), {"status": "closed"}))
    rows = rows_of(sheet)
    assert rows[0] == ticket_ledger_headers()
    for word in (
        "整改单编号",
        "发现日期",
        "发现人",
        "隐患描述",
        "隐患等级",
        "隐患类别",
        "整改措施",
        "整改资金（元）",
        "整改责任人",
        "整改期限",
        "验收人",
        "验收日期",
        "验收结果",
        "是否销号",
    ):
        assert word in rows[0]
    assert len(rows) == 2  # the filter holds: only the closed ticket
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["整改单编号"] == ticket.number
    assert row["责任方"] == world.tenant1.name
    assert row["验收人"] == world.inspector.get_full_name()
    assert row["验收结果"] == "通过" and row["是否销号"] == "已销号"
    assert row["隐患描述"] == "隐患0"
    assert row["整改期限"].date() == ticket.deadline
    assert row["验收日期"].date() == timezone.localdate()


def test_hazard_ledger_is_scoped_and_filtered(client, world, category):
    mine = report(world, category, world.tenant1, "电线乱拉")
    other_category = f.HazardCategoryFactory(code="E3", name="灭火器失效")
    report(world, other_category, world.tenant2, "灭火器过期")
    foreign = report(world, category, world.other_b, "花川的隐患")
    client.force_login(world.manager)
    sheet, _ = sheet_of(client.get(reverse("cases:hazard_export"), {"category": category.code}))
    rows = rows_of(sheet)
    assert rows[0] == ledger_headers()
    numbers = [r[1] for r in rows[1:]]
    assert numbers == [mine.number]
    assert foreign.number not in numbers
    client.force_login(world.enterprise_user)
    sheet, _ = sheet_of(client.get(reverse("cases:hazard_export")))
    assert [r[1] for r in rows_of(sheet)[1:]] == [mine.number]


def test_enterprise_user_exports_only_own_tickets(client, world, make_ticket, category):
    mine = make_ticket(TicketStatus.ASSIGNED)
    services.create_ticket([report(world, f.HazardCategoryFactory(code="E4"), world.tenant2)], actor=world.manager)
    client.force_login(world.enterprise_user)
    sheet, _ = sheet_of(client.get(reverse("cases:ticket_export")))
    assert [r[1] for r in rows_of(sheet)[1:]] == [mine.number]


def test_text_that_looks_like_a_formula_stays_text(client, world, category):
    report(world, category, world.tenant1, '=HYPERLINK("http://evil.example","点我")')
    client.force_login(world.manager)
    _sheet, content = sheet_of(client.get(reverse("cases:hazard_export")))
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    cell = sheet.cell(row=2, column=ledger_headers().index("隐患描述") + 1)
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")


def test_invalid_filters_give_400(client, world):
    client.force_login(world.manager)
    response = client.get(reverse("cases:ticket_export"), {"zone_id": world.zone_b.pk})
    assert response.status_code == 400


def test_export_queries_do_not_grow_with_rows(client, world, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def one_more(i):
        hazard = report(world, f.HazardCategoryFactory(code=f"EQ{i:03d}"), (world.tenant1, world.tenant2)[i % 2])
        ticket = services.create_ticket([hazard], actor=world.manager)
        if i % 2:
            services.assign_ticket(ticket, actor=world.manager)

    one_more(0)
    client.force_login(world.manager)
    url = reverse("cases:ticket_export")
    with CaptureQueriesContext(connection) as ctx:
        b"".join(client.get(url).streaming_content)
    for i in range(1, 30):
        one_more(i)
    with django_assert_max_num_queries(len(ctx.captured_queries)):
        sheet, _ = sheet_of(client.get(url))
    assert len(rows_of(sheet)) == 31


def test_register_exports_can_be_imported_again(client, world, tmp_path):
    client.force_login(world.manager)
    sheet, content = sheet_of(client.get(reverse("register:enterprise_export")))
    rows = rows_of(sheet)
    assert rows[0][:8] == ["区块", "网格", "宗地编号", "宗地名称", "宗地地址", "房东", "房东电话", "企业名称"]
    names = {r[7] for r in rows[1:]}
    assert names == {world.tenant1.name, world.tenant2.name, world.other_a2.name}  # zone A only
    path = tmp_path / "企业台账.xlsx"
    path.write_bytes(content)
    assert RegisterImporter(str(path)).validate() == []

    sheet, _ = sheet_of(client.get(reverse("register:parcel_export"), {"q": "ZSD-001"}))
    rows = rows_of(sheet)
    assert rows[0][:3] == ["区块", "网格", "宗地编号"]
    assert [r[2] for r in rows[1:]] == [world.parcel.code]
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["在营租户数"] == 2 and row["一厂多租"] == "是"


def test_exports_need_login(client):
    for name in (
        "cases:ticket_export",
        "cases:hazard_export",
        "register:parcel_export",
        "register:enterprise_export",
    ):
        response = client.get(reverse(name))
        assert response.status_code == 302 and reverse("accounts:login") in response.url


def test_overdue_days_in_the_ledger(client, world, make_ticket):
    from cases.models import Ticket

    ticket = make_ticket(TicketStatus.ASSIGNED)
    Ticket.objects.filter(pk=ticket.pk).update(deadline=timezone.localdate() - timedelta(days=5))
    client.force_login(world.manager)
    sheet, _ = sheet_of(client.get(reverse("cases:ticket_export"), {"overdue": "true"}))
    rows = rows_of(sheet)
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["逾期天数"] == 5 and row["状态"] == "整改中"


@pytest.mark.parametrize(
    ("url_name", "title"), [("cases:ticket_export", "整改单台账"), ("cases:hazard_export", "隐患排查治理台账")]
)
def test_the_ledgers_print_on_a4_landscape_with_every_line_of_a_cell(client, world, url_name, title):
    category = f.HazardCategoryFactory(code="E3")
    first = report(world, category, world.tenant1, "消防通道堆放杂物\n二楼楼梯间\n需立即清理")
    second = report(world, f.HazardCategoryFactory(code="E4"), world.tenant1, "灭火器过期")
    services.create_ticket([first, second], actor=world.manager)
    client.force_login(world.manager)

    sheet, _content = sheet_of(client.get(reverse(url_name)))

    # every line of a multi-line cell shows: the text wraps
    headers = [cell.value for cell in sheet[1]]
    column = headers.index("隐患描述") + 1
    cells = [row[0] for row in sheet.iter_rows(min_row=2, min_col=column, max_col=column)]
    description = next(cell for cell in cells if "二楼" in cell.value)
    assert description.value.count("\n") >= 2 and description.alignment.wrap_text
    assert sheet.column_dimensions[description.column_letter].width == 40
    # printed as offices print it: A4 landscape, all columns on the page width, header row on every page
    assert sheet.page_setup.orientation == "landscape"
    assert int(sheet.page_setup.paperSize) == 9  # A4
    # fitToWidth absent is the schema's default of 1 page wide (the ledger writer, core.sheetwriter, leaves it out)
    assert sheet.page_setup.fitToWidth in (None, 1) and sheet.page_setup.fitToHeight == 0
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_title_rows == "$1:$1"
    # the title and the date in the page header; an autofilter and a frozen header on screen
    assert sheet.oddHeader.center.text == title
    assert timezone.localdate().isoformat() in sheet.oddHeader.right.text
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(row=1, column=len(headers)).column_letter}{sheet.max_row}"
    assert sheet.freeze_panes == "A2"
