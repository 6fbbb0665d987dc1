import math
import re
import tempfile
from datetime import date, datetime, time
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponseBadRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter

from core.filtersets import require_scoped
from core.sheetwriter import (
    HEADER,
    HEADER_QUOTED,
    TEXT,
    TEXT_QUOTED,
    SheetWriter,
    boolean_cell,
    column_letter,
    date_cell,
    datetime_cell,
    number_cell,
    text_cell,
    time_cell,
)
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

    A streaming one-sheet workbook (core.sheetwriter): each row goes to disk as it is written, so memory
    stays flat however long the list, in a quarter of the time XlsxWriter took (the writer it replaced). Every
    string is written as text (never a formula) through ``_clean``, the guard ``write_text`` gives an
    openpyxl cell."""
    title = str(title)
    widths = list(widths)
    sheet = SheetWriter(
        title, widths, header=f"&C&14{_page_title(title)}&R{_export_date()}", footer="&C" + _("第 &P 页，共 &N 页")
    )
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it after streaming
    try:
        cells = []
        for column, header in enumerate(headers):
            text, quoted = _clean(header)
            ref = f"{column_letter(column)}1"
            cells.append(text_cell(ref, text, HEADER_QUOTED if quoted else HEADER) if text else "")
        sheet.add_row(cells, columns=len(cells))
        _write_rows(sheet, rows, widths)
        sheet.save(handle, filter_columns=max(len(headers), 1))
    except BaseException:
        sheet.close()
        handle.close()
        raise
    handle.seek(0)
    return handle


def _clean(value):
    """(the text of ``value`` a workbook can hold, whether Excel would read it as a formula): the rule of
    ``write_text`` for the streaming sheet, which types a cell as text by writing it as a string and marks
    a quoted cell by its format (``quotePrefix``). A carriage return becomes a line break (Excel would keep
    it as ``_x000D_``, which openpyxl, and so the register importer, reads as those seven characters); the
    noncharacters U+FFFE/U+FFFF and lone surrogates, which XML cannot hold either, are dropped."""
    text = str(value)
    if text.isprintable():  # most text: no regex
        return text, text.startswith(FORMULA_STARTS)
    text = _NOT_XML.sub("", ILLEGAL_CHARACTERS_RE.sub("", text))
    quoted = text.startswith(FORMULA_STARTS)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, quoted


_NOT_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")


def _write_rows(sheet, rows, widths):
    """Write ``rows`` from the sheet's second row on, each row as tall as its tallest wrapped text. One
    loop with the type tests inline: it runs for every cell of a long export."""
    letters, usable = [], []  # by column: its letter, its width less the cell's margin
    for row, values in enumerate(rows, start=2):
        while len(letters) < len(values):
            letters.append(column_letter(len(letters)))
            usable.append((widths[len(usable)] if len(usable) < len(widths) else DEFAULT_WIDTH) - 1)
        number = str(row)
        lines = 1
        cells = []
        for column, value in enumerate(values):
            if value.__class__ is str or isinstance(value, str):  # most cells are text
                if value.isprintable():  # most text: no regex, no call
                    if not value:
                        continue
                    text, quoted = value, value.startswith(FORMULA_STARTS)
                else:
                    text, quoted = _clean(value)
                    if not text:
                        continue
                cells.append(text_cell(letters[column] + number, text, TEXT_QUOTED if quoted else TEXT))
                if "\n" in text:
                    lines = max(lines, text_lines(text, usable[column] + 1))
                elif 2 * len(text) > usable[column]:  # may not fit one line: ``text_lines`` of one line, inline
                    width = len(text) + (len(text.encode("utf-8")) - len(text)) // 2
                    if width > usable[column]:
                        lines = max(lines, math.ceil(width / max(1.0, usable[column])))
            elif value is not None:
                cells.append(_value_cell(letters[column] + number, value))
        sheet.add_row(cells, min(lines * LINE_HEIGHT, MAX_ROW_HEIGHT) if lines > 1 else None, columns=len(values))


def _value_cell(ref, value):
    """The cell of a value that is not a ``str``: a number, a date or time, or text (a lazy translation, a
    choice label), which gives its row no height."""
    if isinstance(value, bool):
        return boolean_cell(ref, value)
    if isinstance(value, (int, float, Decimal)):
        return number_cell(ref, value)
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value).replace(tzinfo=None)
        return datetime_cell(ref, value)
    if isinstance(value, date):
        return date_cell(ref, value)
    if isinstance(value, time):
        return time_cell(ref, value)
    text, quoted = _clean(value)
    return text_cell(ref, text, TEXT_QUOTED if quoted else TEXT) if text else ""


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
