import math
import tempfile
from collections import deque
from datetime import date, datetime, time
from decimal import Decimal

import xlsxwriter
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponseBadRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter

from core.filtersets import require_scoped
from core.text import join_list

CHUNK_SIZE = 1000


# --- the workbook ----------------------------------------------------------------------------------


HEADER_ALIGNMENT = Alignment(wrap_text=True, vertical="center", horizontal="center")
TEXT_ALIGNMENT = Alignment(wrap_text=True, vertical="top")
PAPER_A4 = 9  # openpyxl's Worksheet.PAPERSIZE_A4
DEFAULT_WIDTH = 9  # a column's width (in characters) when none is set
LINE_HEIGHT = 15  # points per line of 11-point text
MAX_ROW_HEIGHT = 409  # the most Excel allows


# A cell starting with one of these is a formula to Excel, LibreOffice or WPS (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def write_text(cell, value):
    """Put ``value`` (text, often typed by a user) in ``cell`` as text, never a formula: the one guard of every
    workbook the product writes. The cell is typed as a string (openpyxl would store "=…" as a formula),
    characters a workbook cannot hold are dropped, and a value starting with =, +, -, @, tab or CR gets
    Excel's quote prefix (the leading apostrophe of OWASP's advice, kept out of the text): it shows as typed
    and stays text even when someone edits the cell."""
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    cell.value = text
    cell.data_type = "s"
    quoted = text.startswith(FORMULA_STARTS)
    if quoted or cell.quotePrefix:
        cell.quotePrefix = quoted
    return cell


def _text_width(line):
    """The width of a line in characters of the column width: a Chinese character takes two."""
    return len(line) + (len(line.encode("utf-8")) - len(line)) // 2


def text_lines(text, width):
    """How many lines ``text`` takes wrapped in a column ``width`` characters wide."""
    usable = max(1.0, width - 1)
    return sum(max(1, math.ceil(_text_width(line) / usable)) for line in text.split("\n"))


def print_setup(sheet, title, *, header_row=1, columns=0, last_row=0):
    """Make ``sheet`` printable as offices print a ledger: A4 landscape, every column on the page width
    (as many pages down as needed), the header row repeated on each page and frozen on screen, an
    autofilter on the table, and the title, the date and the page number in the page header and footer.
    ``columns``/``last_row``: the table's size (no autofilter when 0). On a write-only sheet, call it before
    the first row and set the autofilter after the last."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = PAPER_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # as many pages down as the rows need
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.6
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.freeze_panes = f"A{header_row + 1}"
    if columns and last_row >= header_row:
        sheet.auto_filter.ref = f"A{header_row}:{get_column_letter(columns)}{last_row}"
    sheet.oddHeader.center.text = _page_title(title)
    sheet.oddHeader.center.size = 14
    sheet.oddHeader.right.text = _export_date()
    sheet.oddFooter.center.text = _("第 &P 页，共 &N 页")


def write_workbook(title, headers, rows, widths=()):
    """Write ``rows`` (an iterable, consumed once) under ``headers``, printable as ``print_setup`` makes a
    sheet; text wraps in its cell (a multi-line description shows every line); return an open temporary file.

    XlsxWriter in ``constant_memory`` mode: each row goes to disk as the next one starts, so memory stays
    flat however long the list, in less than half the time of openpyxl's write-only workbook. Every
    string is written with ``write_string`` (never a formula) through ``_clean``, the guard ``write_text``
    gives an openpyxl cell."""
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it after streaming
    try:
        workbook = xlsxwriter.Workbook(handle, {"constant_memory": True})
        workbook.set_properties({"title": str(title)})
        sheet = workbook.add_worksheet(str(title)[:31])
        _print_setup(sheet, str(title))
        widths = list(widths)
        for index, width in enumerate(widths):
            sheet.set_column_pixels(index, index, round(width * DIGIT_PIXELS))  # stored as ``width`` characters
        formats = _Formats(workbook)
        for column, header in enumerate(headers):
            text, quoted = _clean(header)
            sheet.write_string(0, column, text, formats.header_quoted if quoted else formats.header)
        count = _write_rows(sheet, rows, widths, formats)
        sheet.autofilter(0, 0, count, max(len(headers) - 1, 0))
        workbook.close()
    except BaseException:
        handle.close()
        raise
    handle.seek(0)
    return handle


DIGIT_PIXELS = 7  # the width in pixels of one character of the column width (Calibri 11)
DATE_FORMAT = "yyyy-mm-dd"  # openpyxl's formats for a date and a datetime, kept for the same look
DATETIME_FORMAT = "yyyy-mm-dd h:mm:ss"
TIME_FORMAT = "h:mm:ss"


class _Formats:
    """The few cell formats of a ledger: XlsxWriter keeps one object per format, shared by every cell."""

    def __init__(self, workbook):
        header = {"bold": True, "text_wrap": True, "valign": "vcenter", "align": "center"}
        text = {"text_wrap": True, "valign": "top"}
        self.header = workbook.add_format(header)
        self.header_quoted = workbook.add_format({**header, "quote_prefix": True})
        self.text = workbook.add_format(text)
        self.quoted = workbook.add_format({**text, "quote_prefix": True})
        self.date = workbook.add_format({"num_format": DATE_FORMAT})
        self.datetime = workbook.add_format({"num_format": DATETIME_FORMAT})
        self.time = workbook.add_format({"num_format": TIME_FORMAT})


def _clean(value):
    """(the text of ``value`` a workbook can hold, whether Excel would read it as a formula): the rule of
    ``write_text`` for XlsxWriter, which types the cell by its method (``write_string``) and marks a quoted
    cell by its format (``quote_prefix``). A carriage return becomes a line break (XlsxWriter would write it
    as Excel's ``_x000D_``, which openpyxl, and so the register importer, reads as those seven characters)."""
    text = str(value)
    if text.isprintable():  # most text: no regex
        return text, text.startswith(FORMULA_STARTS)
    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    quoted = text.startswith(FORMULA_STARTS)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, quoted


def _write_rows(sheet, rows, widths, formats):
    """Write ``rows`` from the sheet's second row on, each row as tall as its tallest wrapped text; return
    how many were written. One loop with the type tests inline: it runs for every cell of a long export."""
    count = 0
    write_string, write_number, write_datetime = sheet.write_string, sheet.write_number, sheet.write_datetime
    text_format, quoted_format = formats.text, formats.quoted
    number_types = (int, float, Decimal)
    tall = deque()  # the rows given a height, not yet written out
    for count, values in enumerate(rows, start=1):  # noqa: B007 - the count is the result
        lines = 1
        for column, value in enumerate(values):
            if value is None or value == "":
                continue
            if isinstance(value, str):
                if value.isprintable():  # most text: no regex, no call
                    text, quoted = value, value.startswith(FORMULA_STARTS)
                else:
                    text, quoted = _clean(value)
                write_string(count, column, text, quoted_format if quoted else text_format)
                width = widths[column] if column < len(widths) else DEFAULT_WIDTH
                if "\n" in text or (2 * len(text) > width - 1 and _text_width(text) > width - 1):
                    lines = max(lines, text_lines(text, width))
            elif isinstance(value, bool):
                sheet.write_boolean(count, column, value)
            elif isinstance(value, number_types):
                write_number(count, column, value)
            elif isinstance(value, datetime):
                if timezone.is_aware(value):
                    value = timezone.localtime(value).replace(tzinfo=None)
                write_datetime(count, column, value, formats.datetime)
            elif isinstance(value, date):
                write_datetime(count, column, value, formats.date)
            elif isinstance(value, time):
                write_datetime(count, column, value, formats.time)
            else:  # a lazy translation, a choice label: text
                text, quoted = _clean(value)
                write_string(count, column, text, quoted_format if quoted else text_format)
        if lines > 1:
            sheet.set_row(count, min(lines * LINE_HEIGHT, MAX_ROW_HEIGHT))  # before the next row flushes this one
            tall.append(count)
        while tall and tall[0] < sheet.previous_row:  # written out: forget its height, so memory stays flat
            _forget_row(sheet, tall.popleft())
    return count


def _forget_row(sheet, row):
    """Drop what XlsxWriter keeps of a row's height once the row is written (``constant_memory`` writes a row
    out when the next one starts), as the openpyxl writer deleted its row dimensions: 10,000 tall rows
    would otherwise keep about 1.5 MB to the end."""
    sheet.row_info.pop(row, None)
    sheet.row_sizes.pop(row, None)


def _print_setup(sheet, title):
    """``print_setup`` for an XlsxWriter sheet: A4 landscape, the columns on the page width, the header row
    repeated on each page and frozen on screen, the title, the date and the page number in the page header
    and footer (the autofilter is set after the last row)."""
    sheet.set_landscape()
    sheet.set_paper(PAPER_A4)
    sheet.fit_to_pages(1, 0)
    sheet.center_horizontally()
    sheet.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    sheet.repeat_rows(0)
    sheet.freeze_panes(1, 0)
    sheet.set_header(f"&C&14{_page_title(title)}&R{_export_date()}")
    sheet.set_footer("&C" + _("第 &P 页，共 &N 页"))


def _page_title(title):
    return str(title).replace("&", "&&")  # "&" starts a code in a page header


def _export_date():
    return _("导出日期：%(date)s") % {"date": timezone.localdate().isoformat()}


def xlsx_response(handle, filename):
    return FileResponse(
        handle,
        as_attachment=True,
        filename=filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def filtered(request, filterset_class, queryset):
    """The list's rows for this query string, or None when the filters are not valid for this user.

    The FilterSet scopes its own choices to ``request.user`` (core.filtersets.ScopedFilterSetMixin)."""
    filterset = require_scoped(filterset_class)(data=request.GET or None, queryset=queryset, request=request)
    if filterset.is_bound and not filterset.is_valid():
        return None
    return filterset.qs


def list_export(model, filterset_class, title, headers, rows, widths, filename):
    """The view of a list's .xlsx: the rows the list shows for the same query string (``filtered``), the
    user's scope first; invalid filters answer 400. ``headers()`` gives the header row, ``rows(queryset)``
    the rows; ``filename`` has a ``%(date)s``."""

    @login_required
    def export(request):
        queryset = filtered(request, filterset_class, model.objects.visible_to(request.user))
        if queryset is None:
            return _bad_filters()
        handle = write_workbook(str(title), headers(), rows(queryset), widths)
        return xlsx_response(handle, str(filename) % {"date": _stamp()})

    return export


def _bad_filters():
    return HttpResponseBadRequest(
        _("筛选条件无效，无法导出。").encode("utf-8"), content_type="text/plain; charset=utf-8"
    )


def _stamp():
    return timezone.localdate().strftime("%Y%m%d")


# --- shared ledger values --------------------------------------------------------------------------


def person(user):
    if user is None:
        return ""
    return user.get_full_name() or user.username


def _date(value):
    if value is None:
        return None
    return timezone.localtime(value).date() if isinstance(value, datetime) else value


# --- tickets ------------------------------------------------------------------------------------------


def _join(values):
    seen = []
    for value in values:
        if value and value not in seen:
            seen.append(value)
    return join_list(seen)


def _yes_no(value):
    return "是" if value else "否"
