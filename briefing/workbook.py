"""The daily briefing's tables as an .xlsx workbook, and its file name: the same for the e-mail's
attachment and the web download, in the reader's language.

Four sheets (概况 summary with patrol coverage and the other ledgers' figures, 各区块/各网格 table with each
row's coverage and ledgers, 逾期整改单 overdue tickets, 专项行动 campaign), each
printable as offices print them (core.xlsx.print_setup: A4 landscape, fit to width, header row
repeated, autofilter, frozen header, title and date in the page header), with column widths set and
the rectification rate a percentage (the fraction with a percent format: 0.75 shows as 75.00%).
"""

from __future__ import annotations

import io
from decimal import Decimal

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from briefing import reports
from core.xlsx import (
    DEFAULT_WIDTH,
    HEADER_ALIGNMENT,
    LINE_HEIGHT,
    MAX_ROW_HEIGHT,
    TEXT_ALIGNMENT,
    print_setup,
    text_lines,
    write_text,
)

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PERCENT = "0.00%"
DATE = "yyyy-mm-dd"


def report_filename(data, language=None):
    """每日问题整改简报-2024-03-01-all.xlsx (Daily briefing-… in English)."""
    with translation.override(language or settings.LANGUAGE_CODE):
        return f"{_('每日问题整改简报')}-{data['date']}-{data['scope'].replace(':', '-')}.xlsx"


def rate_fraction(rate):
    """The stored rate ("75.00", a percentage as text) as the fraction a percent format shows, or None."""
    return None if rate is None else float(Decimal(str(rate)) / 100)


def _coverage_cells(coverage):
    """A row's patrol coverage: units, visited within cycle, rate, never visited, overdue (blank for a
    report made before the briefing had coverage)."""
    if not coverage:
        return [None] * 5
    rate = rate_fraction(coverage["rate"])
    return [coverage["units"], coverage["covered"], rate, coverage["never_visited"], coverage["overdue"]]


def _ledger_cells(ledgers):
    """A row's campaign-ledger figures: drills, person-times, units not drilled this year, service requests
    solved, open and overdue, welding devices, landlord letters signed of multi-tenant parcels (blank for a
    report made before the briefing had them)."""
    if not ledgers:
        return [None] * 9
    drills, requests, letters = ledgers["drills"], ledgers["service_requests"], ledgers["letters"]
    return [
        drills["sessions"], drills["person_times"], drills["units_not_drilled"], requests["solved"],
        requests["open"], requests["overdue"], ledgers["welding"]["devices"], letters["landlords_signed"],
        letters["landlords"],
    ]  # fmt: skip


def ledger_rows(data):
    """The summary sheet's rows of the cumulative figures and of the state at the end (with the escalations
    raised): the same in the daily briefing's workbook and a period report's (briefing.period_workbook)."""
    opened, escalated, parcels = data["open_tickets"], data["escalated"], data["parcels"]
    rate = rate_fraction(data["rectification_rate"])
    return [
        (_("累计排查（家次）"), data["inspections_total"]),
        (_("累计发现隐患"), data["found"]),
        (_("累计整改一般隐患"), data["rectified_general"]),
        (_("累计整改重大隐患"), data["rectified_major"]),
        (_("整改率"), rate if rate is not None else "—"),
        (),
        (_("汇总待交办"), opened["pending"]),
        (_("整改中"), opened["assigned"]),
        (_("待验收"), opened["submitted"]),
        (_("逾期"), data["overdue"]),
        (_("督办"), escalated["supervised"]),
        (_("挂牌督办"), escalated["listed"]),
        (_("新增督办"), data["escalations_raised"]),
        (_("宗地销号"), parcels["closed_out"]),
        (_("宗地总数"), parcels["total"]),
    ]


def _table(book, title, headers, rows, widths, *, formats=None, heading):
    sheet = book.create_sheet(title)
    sheet.append([str(h) for h in headers])
    for row in rows:
        sheet.append(row)
    _style(sheet, widths, formats or {})
    print_setup(sheet, heading, columns=len(headers), last_row=sheet.max_row)
    return sheet


def _style(sheet, widths, formats, *, header=True):
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    bold = Font(bold=True)
    for row in sheet.iter_rows():
        lines = 1
        for cell in row:
            if header and cell.row == 1:
                cell.font, cell.alignment = bold, HEADER_ALIGNMENT
            elif isinstance(cell.value, str):
                cell.alignment = TEXT_ALIGNMENT
            if isinstance(cell.value, str):
                write_text(cell, cell.value)  # names are user data: text, never a formula
                width = widths[cell.column - 1] if cell.column <= len(widths) else DEFAULT_WIDTH
                lines = max(lines, text_lines(cell.value, width))
            number_format = formats.get(cell.column)
            if number_format and cell.row > 1:
                cell.number_format = number_format
        if lines > 1:  # every line shows, whatever program opens or prints it
            sheet.row_dimensions[row[0].row].height = min(lines * LINE_HEIGHT, MAX_ROW_HEIGHT)


def report_workbook(data, language=None):
    """The briefing's tables as an .xlsx file (bytes): summary, zones or grids, overdue tickets, campaign."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    with translation.override(language or settings.LANGUAGE_CODE):
        context = reports.presentation(data)
        heading = f"{_('每日问题整改简报')} {data['date']} {context['scope_title']}"
        book = Workbook()
        book.properties.title = heading
        sheet = book.active
        sheet.title = _("概况")
        day = data["day"]
        rows = [
            (_("每日问题整改简报"), context["scope_title"]),
            (_("日期"), data["date"]),
            (_("统计截至"), data["as_of"][:16].replace("T", " ")),
            (_("累计起始日期"), data.get("start_date") or ""),
            (),
            (_("昨日排查（家次）"), day["inspections"]),
            (_("昨日覆盖单位（家）"), day["units_covered"]),
            (_("昨日新发现一般隐患"), day["new_general"]),
            (_("昨日新发现重大隐患"), day["new_major"]),
            (_("昨日整改一般隐患"), day["rectified_general"]),
            (_("昨日整改重大隐患"), day["rectified_major"]),
            (),
            *ledger_rows(data),
        ]
        coverage = data.get("coverage")
        if coverage:
            rows += [
                (),
                (_("巡查覆盖：单位"), coverage["units"]),
                (_("周期内已巡查"), coverage["covered"]),
                (_("巡查覆盖率"), rate_fraction(coverage["rate"]) if coverage["rate"] is not None else "—"),
                (_("从未巡查"), coverage["never_visited"]),
                (_("超期未巡"), coverage["overdue"]),
            ]
        ledgers = data.get("ledgers")
        if ledgers:
            drills, requests, letters = ledgers["drills"], ledgers["service_requests"], ledgers["letters"]
            rows += [
                (),
                (_("累计培训演练（场）"), drills["sessions"]),
                (_("累计参加人次"), drills["person_times"]),
                (_("昨日培训演练（场）"), drills["sessions_day"]),
                (_("昨日参加人次"), drills["person_times_day"]),
                (_("本年未参加培训演练单位"), drills["units_not_drilled"]),
                (_("企业服务问题已办结"), requests["solved"]),
                (_("企业服务问题在办"), requests["open"]),
                (_("企业服务问题逾期"), requests["overdue"]),
                (_("平均评分"), requests["rating"] or "—"),
                (_("焊有序设备（台）"), ledgers["welding"]["devices"]),
                (_("一厂多租房东责任书已签"), f"{letters['landlords_signed']} / {letters['landlords']}"),
                (_("企业承诺书已签"), f"{letters['enterprises_signed']} / {letters['enterprises']}"),
                (_("租赁安全管理协议已签"), f"{letters['agreements_signed']} / {letters['tenants']}"),
            ]
        for row in rows:
            sheet.append([str(cell) if not isinstance(cell, int | float) else cell for cell in row])
        _style(sheet, (28, 36), {}, header=False)
        for cell in sheet["A"]:
            cell.font = Font(bold=True)
        rate_row = next(i for i, row in enumerate(rows, start=1) if row and row[0] == _("整改率"))
        sheet.cell(row=rate_row, column=2).number_format = PERCENT
        if coverage:
            coverage_row = next(i for i, row in enumerate(rows, start=1) if row and row[0] == _("巡查覆盖率"))
            sheet.cell(row=coverage_row, column=2).number_format = PERCENT
        print_setup(sheet, heading, header_row=1)
        sheet.print_options.horizontalCentered = False

        _table(
            book,
            _("各区块") if context["rows_are_zones"] else _("各网格"),
            [
                _("名称"), _("昨日排查（家次）"), _("昨日覆盖单位"), _("昨日新发现一般"), _("昨日新发现重大"),
                _("昨日整改一般"), _("昨日整改重大"), _("累计发现"), _("累计整改一般"), _("累计整改重大"),
                _("整改率"), _("未销号整改单"), _("逾期"),
                _("单位"), _("周期内已巡查"), _("巡查覆盖率"), _("从未巡查"), _("超期未巡"),
                _("培训演练（场）"), _("参加人次"), _("本年未演练单位"), _("服务问题已办结"), _("服务问题在办"),
                _("服务问题逾期"), _("焊有序设备"), _("房东责任书已签"), _("一厂多租宗地"),
            ],
            [
                [
                    row["name"], row["day"]["inspections"], row["day"]["units_covered"], row["day"]["new_general"],
                    row["day"]["new_major"], row["day"]["rectified_general"], row["day"]["rectified_major"],
                    row["found"], row["rectified_general"], row["rectified_major"],
                    rate_fraction(row["rectification_rate"]), row["open_tickets"]["total"], row["overdue"],
                    *_coverage_cells(row.get("coverage")),
                    *_ledger_cells(row.get("ledgers")),
                ]
                for row in context["rows"]
            ],
            (22, 12, 12, 12, 12, 12, 12, 10, 12, 12, 10, 12, 8, 8, 12, 12, 10, 10, 12, 10, 12, 12, 12, 12, 10, 12, 12),
            formats={11: PERCENT, 16: PERCENT},
            heading=heading,
        )  # fmt: skip
        _table(
            book,
            _("逾期整改单"),
            [_("编号"), _("责任方"), _("区块"), _("网格"), _("整改期限"), _("逾期天数"), _("状态"), _("督办级别")],
            [
                [t["number"], t["responsible_label"], t["zone"], t["grid"], t["deadline"], t["days_overdue"],
                 t["status_label"], t["escalation_label"]]
                for t in context["overdue_tickets"]
            ],
            (20, 36, 14, 18, 12, 10, 10, 12),
            heading=heading,
        )  # fmt: skip
        _table(
            book,
            _("专项行动"),
            [_("专项行动"), _("风险类型"), _("企业（家）"), _("已排查"), _("发现隐患"), _("已整改")],
            [
                [campaign["name"], tag["label"], tag["enterprises"], tag["inspected"], tag["with_hazards"],
                 tag["rectified"]]
                for campaign in context["campaigns"]
                for tag in campaign["tags"]
            ],
            (30, 22, 12, 10, 10, 10),
            heading=heading,
        )  # fmt: skip
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
