import tempfile
from datetime import datetime

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


def _cell(ws, value):
    if isinstance(value, datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if value.startswith("="):
            # Text, never a formula: a description typed as "=..." must not run in Excel.
            cell = WriteOnlyCell(ws, value=value)
            cell.data_type = "s"
            return cell
    return value


def write_workbook(title, headers, rows, widths=()):
    """Write ``rows`` (an iterable, consumed once) under ``headers``; return an open temporary file."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.freeze_panes = "A2"
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="center")
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=str(header))
        cell.font, cell.alignment = bold, wrap
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append([_cell(sheet, value) for value in row])
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
