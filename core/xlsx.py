import math
import tempfile
from datetime import datetime

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponseBadRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
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


class _RowCells:
    """The cells of one write-only row: text wraps and is never a formula; a datetime in local time.

    Every line of a multi-line or long cell shows, on screen and printed: the row gets the height of
    its tallest cell (spreadsheet programs do not all grow a row for wrapped text themselves). A
    write-only sheet writes a row out as it is appended, so one styled cell per column is reused for
    every row (styling a new cell per value doubled the time of a long export)."""

    def __init__(self, ws, widths):
        self.ws = ws
        self.widths = list(widths)
        self.text = []

    def _text_cell(self, index):
        while len(self.text) <= index:
            cell = WriteOnlyCell(self.ws, value="")
            cell.alignment = TEXT_ALIGNMENT
            self.text.append(cell)
        return self.text[index]

    def row(self, values):
        """The row's cells and the number of lines of its tallest cell."""
        result, lines = [], 1
        for index, value in enumerate(values):
            if isinstance(value, datetime):
                value = timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
            elif isinstance(value, str):
                cell = write_text(self._text_cell(index), value)  # a description typed as "=..." must not run
                width = self.widths[index] if index < len(self.widths) else DEFAULT_WIDTH
                if "\n" in value or (2 * len(value) > width - 1 and _text_width(value) > width - 1):
                    lines = max(lines, text_lines(value, width))
                value = cell
            result.append(value)
        return result, lines


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
    escape = str(title).replace("&", "&&")  # "&" starts a code in a page header
    sheet.oddHeader.center.text = escape
    sheet.oddHeader.center.size = 14
    sheet.oddHeader.right.text = _("导出日期：%(date)s") % {"date": timezone.localdate().isoformat()}
    sheet.oddFooter.center.text = _("第 &P 页，共 &N 页")


def write_workbook(title, headers, rows, widths=()):
    """Write ``rows`` (an iterable, consumed once) under ``headers``, printable (``print_setup``); text
    wraps in its cell (a multi-line description shows every line); return an open temporary file."""
    workbook = Workbook(write_only=True)
    workbook.properties.title = str(title)
    sheet = workbook.create_sheet(title=title[:31])
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    bold = Font(bold=True)
    print_setup(sheet, title)  # before the first row: a write-only sheet writes its properties with it
    header_cells = []
    for header in headers:
        cell = write_text(WriteOnlyCell(sheet), header)
        cell.font, cell.alignment = bold, HEADER_ALIGNMENT
        header_cells.append(cell)
    sheet.append(header_cells)
    count, cells = 0, _RowCells(sheet, widths)
    for row in rows:
        values, lines = cells.row(row)
        if lines > 1:
            sheet.row_dimensions[count + 2].height = min(lines * LINE_HEIGHT, MAX_ROW_HEIGHT)
        sheet.append(values)
        if lines > 1:
            del sheet.row_dimensions[count + 2]  # written with the row
        count += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{count + 1}"
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it after streaming
    workbook.save(handle)
    handle.seek(0)
    return handle


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
