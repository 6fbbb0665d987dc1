"""A period report (briefing.periods) as an .xlsx workbook, printable as the daily briefing's
(briefing.workbook): 概况 summary, 各区块/各网格 figures, 网格考核 and 网格员考核 performance tables, the
rates as percentages (the fraction with a percent format)."""

from __future__ import annotations

import io

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from briefing.reports import scope_title
from briefing.workbook import PERCENT, XLSX_TYPE, _style, _table, ledger_rows, rate_fraction
from core.text import join_list
from core.xlsx import print_setup

__all__ = ["XLSX_TYPE", "period_filename", "period_workbook"]


def period_filename(data, language=None):
    """问题整改报告-2024-03-04至2024-03-10-zone-3.xlsx (Period report-… in English)."""
    with translation.override(language or settings.LANGUAGE_CODE):
        period = data["period"]
        return f"{_('问题整改报告')}-{period['start']}~{period['end']}-{data['scope'].replace(':', '-')}.xlsx"


def _summary_rows(data):
    activity, total = data["activity"], data["performance"]["total"]
    return [
        (_("问题整改报告"), scope_title(data)),
        (_("时段"), f"{data['period']['start']} ~ {data['period']['end']}"),
        (_("天数"), data["period"]["days"]),
        (_("统计截至"), data["as_of"][:16].replace("T", " ")),
        (_("累计起始日期"), data.get("start_date") or ""),
        (),
        (_("本期排查（家次）"), activity["inspections"]),
        (_("本期覆盖单位（家）"), activity["units_covered"]),
        (_("本期新发现一般隐患"), activity["new_general"]),
        (_("本期新发现重大隐患"), activity["new_major"]),
        (_("本期整改一般隐患"), activity["rectified_general"]),
        (_("本期整改重大隐患"), activity["rectified_major"]),
        (_("本期到期应验收"), total["submissions_due"]),
        (_("按时验收"), total["verified_on_time"]),
        (_("退回整改（次）"), total["rework"]),
        (),
        *ledger_rows(data),  # the cumulative figures and the state at the period's end; 新增督办: in the period
    ]


def _figure_cells(row):
    activity = row["activity"]
    return [
        row["name"], activity["inspections"], activity["units_covered"], activity["new_general"], activity["new_major"],
        activity["rectified_general"], activity["rectified_major"], row["escalations_raised"], row["found"],
        row["rectified_general"], row["rectified_major"], rate_fraction(row["rectification_rate"]),
        row["open_tickets"]["total"], row["overdue"],
    ]  # fmt: skip


def _performance_headers(first):
    return [
        first, _("单位（家）"), _("本期覆盖单位"), _("覆盖率"), _("排查（家次）"), _("发现隐患"), _("其中重大"),
        _("到期应验收"), _("按时验收"), _("按时验收率"), _("逾期整改单"), _("退回整改（次）"),
    ]  # fmt: skip


def _performance_cells(name, row):
    return [
        name, row["units"], row["units_covered"], rate_fraction(row["coverage_rate"]), row["inspections"],
        row["found"], row["found_major"], row["submissions_due"], row["verified_on_time"],
        rate_fraction(row["on_time_rate"]), row["overdue"], row["rework"],
    ]  # fmt: skip


PERFORMANCE_WIDTHS = (24, 10, 12, 10, 12, 10, 10, 12, 10, 12, 12, 12)


def period_workbook(data, language=None):
    """The period report's tables as an .xlsx file (bytes)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    with translation.override(language or settings.LANGUAGE_CODE):
        period = data["period"]
        heading = f"{_('问题整改报告')} {period['start']} ~ {period['end']} {scope_title(data)}"
        book = Workbook()
        book.properties.title = heading
        sheet = book.active
        sheet.title = _("概况")
        rows = _summary_rows(data)
        for row in rows:
            sheet.append([str(cell) if not isinstance(cell, int | float) else cell for cell in row])
        _style(sheet, (28, 36), {}, header=False)
        for cell in sheet["A"]:
            cell.font = Font(bold=True)
        rate_row = next(i for i, row in enumerate(rows, start=1) if row and row[0] == _("整改率"))
        sheet.cell(row=rate_row, column=2).number_format = PERCENT
        print_setup(sheet, heading, header_row=1)
        sheet.print_options.horizontalCentered = False

        is_all = data["scope_kind"] == "all"
        _table(
            book,
            _("各区块") if is_all else _("各网格"),
            [
                _("名称"), _("本期排查（家次）"), _("本期覆盖单位"), _("本期新发现一般"), _("本期新发现重大"),
                _("本期整改一般"), _("本期整改重大"), _("本期新增督办"), _("累计发现"), _("累计整改一般"),
                _("累计整改重大"), _("整改率"), _("未销号整改单"), _("逾期"),
            ],
            [_figure_cells(row) for row in (data["zones"] if is_all else data["grids"])],
            (22, 12, 12, 12, 12, 12, 12, 12, 10, 12, 12, 10, 12, 8),
            formats={12: PERCENT},
            heading=heading,
        )  # fmt: skip
        performance = data["performance"]
        _table(
            book,
            _("网格考核"),
            [*_performance_headers(_("网格")), _("区块")],
            [[*_performance_cells(row["name"], row), row["zone"]] for row in performance["grids"]]
            + [[*_performance_cells(_("合计"), performance["total"]), ""]],
            (*PERFORMANCE_WIDTHS, 14),
            formats={4: PERCENT, 10: PERCENT},
            heading=heading,
        )
        _table(
            book,
            _("网格员考核"),
            [*_performance_headers(_("网格员")), _("负责网格")],
            [[*_performance_cells(row["name"], row), join_list(row["grids"])] for row in performance["inspectors"]],
            (*PERFORMANCE_WIDTHS, 30),
            formats={4: PERCENT, 10: PERCENT},
            heading=heading,
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
