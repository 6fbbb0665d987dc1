"""Spreadsheet exports of any filtered list: the ledger (隐患排查治理台账) of hazards and of tickets,
and the register (parcels, enterprises).

Each export takes the same query string as its list page, runs it through the same FilterSet on
``visible_to(request.user)`` (so it holds exactly the rows the list shows, never more), and
writes rows as they are read: the queryset is iterated in chunks and openpyxl's write-only
workbook streams each row to a temporary file, so memory stays flat however long the list.

The ledger columns are the ones offices file (DESIGN.md): number, date found, place, who found
it, description, level, category, measures, funds, responsible person, deadline, verifier, date
and result of verification, close-out. The register exports use the column headers the importer
reads (enterprises.importer.COLUMNS), so an exported register can be edited and imported again.
"""

import tempfile
from datetime import datetime

from django.contrib.auth.decorators import login_required
from django.db.models import OuterRef, Prefetch, Subquery
from django.http import FileResponse, HttpResponseBadRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from accounts.text import join_list
from enterprises.filtersets import EnterpriseFilterSet, ParcelFilterSet
from enterprises.importer import COLUMNS_BY_KEY
from enterprises.models import Enterprise, Parcel

from .choices import EscalationLevel, Severity, TicketStatus
from .filtersets import HazardFilterSet, TicketFilterSet
from .models import Event, Hazard, Ticket

CHUNK_SIZE = 1000
VERIFICATION_KINDS = ("inspections.ticket.closed", "inspections.ticket.rejected")


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
    """The list's rows for this query string, or None when the filters are not valid for this user."""
    from .views.tickets import scope_filter_choices

    filterset = filterset_class(data=request.GET or None, queryset=queryset, request=request)
    scope_filter_choices(filterset, request.user)
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


def _verification_result(ticket):
    if ticket is None:
        return ""
    if ticket.status == TicketStatus.CLOSED:
        return _("通过")
    if ticket.status == TicketStatus.SUBMITTED:
        return _("待验收")
    if ticket.rework_count:
        return _("不通过，退回整改（%(n)d 次）") % {"n": ticket.rework_count}
    return ""


def _closeout(ticket):
    return _("已销号") if ticket is not None and ticket.status == TicketStatus.CLOSED else _("未销号")


def _last_verification(ref):
    return Subquery(
        Event.objects.filter(ticket=OuterRef(ref), kind__in=VERIFICATION_KINDS)
        .order_by("-created_at", "-pk")
        .values("created_at")[:1]
    )


def ledger_headers():
    return [
        _("序号"),
        _("隐患编号"),
        _("发现日期"),
        _("区块"),
        _("网格"),
        _("宗地编号"),
        _("宗地名称"),
        _("单位名称"),
        _("具体位置"),
        _("发现人"),
        _("隐患描述"),
        _("隐患等级"),
        _("隐患类别"),
        _("整改单编号"),
        _("整改措施"),
        _("整改资金（元）"),
        _("整改责任人"),
        _("整改期限"),
        _("验收人"),
        _("验收日期"),
        _("验收结果"),
        _("是否销号"),
        _("销号日期"),
        _("状态"),
    ]


def ticket_ledger_headers():
    return [
        _("序号"),
        _("整改单编号"),
        _("发现日期"),
        _("区块"),
        _("网格"),
        _("宗地编号"),
        _("宗地名称"),
        _("责任方"),
        _("具体位置"),
        _("发现人"),
        _("隐患描述"),
        _("隐患等级"),
        _("隐患类别"),
        _("整改措施"),
        _("整改资金（元）"),
        _("整改责任人"),
        _("整改期限"),
        _("验收人"),
        _("验收日期"),
        _("验收结果"),
        _("是否销号"),
        _("销号日期"),
        _("状态"),
        _("督办级别"),
        _("逾期天数"),
        _("退回次数"),
    ]


# --- hazards ------------------------------------------------------------------------------------------


def hazard_rows(queryset):
    queryset = queryset.select_related(
        "zone", "grid", "parcel", "enterprise", "reporter", "category", "ticket__verified_by"
    ).annotate(verified_at=_last_verification("ticket_id"))
    for index, hazard in enumerate(queryset.iterator(chunk_size=CHUNK_SIZE), start=1):
        ticket = hazard.ticket
        yield [
            index,
            hazard.number,
            _date(hazard.reported_at),
            hazard.zone.name,
            hazard.grid.name,
            hazard.parcel.code if hazard.parcel_id else "",
            hazard.parcel.name if hazard.parcel_id else "",
            hazard.enterprise.name if hazard.enterprise_id else "",
            hazard.location_detail,
            person(hazard.reporter),
            hazard.description,
            hazard.get_severity_display(),
            hazard.category.name,
            ticket.number if ticket else "",
            ticket.measures if ticket else "",
            ticket.funds if ticket else None,
            ticket.responsible_person if ticket else "",
            ticket.deadline if ticket else None,
            person(ticket.verified_by) if ticket else "",
            _date(hazard.verified_at),
            _verification_result(ticket),
            _closeout(ticket),
            _date(ticket.closed_at) if ticket else None,
            hazard.get_status_display(),
        ]


LEDGER_WIDTHS = (6, 18, 12, 10, 14, 14, 20, 24, 16, 10, 40, 10, 18, 18, 40, 12, 10, 12, 10, 12, 16, 8, 12, 10)


@login_required
def hazard_export(request):
    queryset = filtered(request, HazardFilterSet, Hazard.objects.visible_to(request.user))
    if queryset is None:
        return _bad_filters()
    handle = write_workbook(_("隐患排查治理台账"), ledger_headers(), hazard_rows(queryset), LEDGER_WIDTHS)
    return xlsx_response(handle, _("隐患台账-%(date)s.xlsx") % {"date": _stamp()})


# --- tickets ------------------------------------------------------------------------------------------


def _join(values):
    seen = []
    for value in values:
        if value and value not in seen:
            seen.append(value)
    return join_list(seen)


def ticket_rows(queryset):
    hazards = Prefetch(
        "hazards", queryset=Hazard.objects.select_related("category", "reporter").order_by("reported_at", "pk")
    )
    queryset = (
        queryset.select_related("zone", "grid", "parcel", "enterprise", "verified_by")
        .prefetch_related(hazards)
        .annotate(verified_at=_last_verification("pk"))
    )
    levels = dict(EscalationLevel.choices)
    for index, ticket in enumerate(queryset.iterator(chunk_size=CHUNK_SIZE), start=1):
        found = list(ticket.hazards.all())
        many = len(found) > 1
        yield [
            index,
            ticket.number,
            _date(found[0].reported_at) if found else None,
            ticket.zone.name,
            ticket.grid.name,
            ticket.parcel.code if ticket.parcel_id else "",
            ticket.parcel.name if ticket.parcel_id else "",
            ticket.responsible_name,
            _join(h.location_detail for h in found),
            _join(person(h.reporter) for h in found),
            "\n".join(f"{i}. {h.description}" if many else h.description for i, h in enumerate(found, start=1)),
            str(Severity.MAJOR.label if ticket.is_major else Severity.GENERAL.label),
            _join(h.category.name for h in found),
            ticket.measures,
            ticket.funds,
            ticket.responsible_person,
            ticket.deadline,
            person(ticket.verified_by),
            _date(ticket.verified_at),
            _verification_result(ticket),
            _closeout(ticket),
            _date(ticket.closed_at),
            ticket.get_status_display(),
            str(levels.get(ticket.escalation_level, "")),
            ticket.days_overdue or None,
            ticket.rework_count,
        ]


TICKET_WIDTHS = (6, 18, 12, 10, 14, 14, 20, 24, 16, 10, 40, 10, 18, 40, 12, 10, 12, 10, 12, 16, 8, 12, 10, 10, 8, 8)


@login_required
def ticket_export(request):
    queryset = filtered(request, TicketFilterSet, Ticket.objects.visible_to(request.user))
    if queryset is None:
        return _bad_filters()
    handle = write_workbook(_("整改单台账"), ticket_ledger_headers(), ticket_rows(queryset), TICKET_WIDTHS)
    return xlsx_response(handle, _("整改单台账-%(date)s.xlsx") % {"date": _stamp()})


# --- the register -----------------------------------------------------------------------------------

PARCEL_IMPORT_KEYS = ("zone", "grid", "parcel_code", "parcel_name", "parcel_address", "landlord_name", "landlord_phone")
ENTERPRISE_IMPORT_KEYS = PARCEL_IMPORT_KEYS + (
    "name",
    "credit_code",
    "kind",
    "legal_representative",
    "safety_contact",
    "phone",
    "employee_count",
    "above_scale",
    "risk_tags",
)


def _import_headers(keys):
    return [COLUMNS_BY_KEY[key].header for key in keys]


def _yes_no(value):
    return "是" if value else "否"


def parcel_rows(queryset):
    queryset = queryset.select_related("grid__zone").with_tenant_counts().order_by("code")
    for parcel in queryset.iterator(chunk_size=CHUNK_SIZE):
        yield [
            parcel.grid.zone.name,
            parcel.grid.name,
            parcel.code,
            parcel.name,
            parcel.address,
            parcel.landlord_name,
            parcel.landlord_phone,
            parcel.area,
            parcel.tenant_count,
            _yes_no(parcel.tenant_count > 1),
            parcel.get_closeout_state_display(),
            _date(parcel.closed_out_at),
            parcel.latitude,
            parcel.longitude,
        ]


@login_required
def parcel_export(request):
    queryset = filtered(request, ParcelFilterSet, Parcel.objects.visible_to(request.user))
    if queryset is None:
        return _bad_filters()
    # The importer's columns are in Chinese whatever the page language, so the file can be imported again.
    with override("zh-hans"):
        headers = _import_headers(PARCEL_IMPORT_KEYS) + [
            _("面积（平方米）"),
            _("在营租户数"),
            _("一厂多租"),
            _("销号状态"),
            _("销号时间"),
            _("纬度"),
            _("经度"),
        ]
        handle = write_workbook(
            _("宗地"), headers, parcel_rows(queryset), (10, 14, 14, 20, 28, 10, 14, 10, 8, 8, 18, 12, 10, 10)
        )
    return xlsx_response(handle, _("宗地台账-%(date)s.xlsx") % {"date": _stamp()})


def enterprise_rows(queryset):
    queryset = (
        queryset.select_related("grid__zone", "parcel")
        .prefetch_related("risk_tags")
        .order_by("grid__zone__name", "grid__name", "parcel__code", "name", "pk")
    )
    for enterprise in queryset.iterator(chunk_size=CHUNK_SIZE):
        parcel = enterprise.parcel
        yield [
            enterprise.grid.zone.name,
            enterprise.grid.name,
            parcel.code if parcel else "",
            parcel.name if parcel else "",
            parcel.address if parcel else "",
            parcel.landlord_name if parcel else "",
            parcel.landlord_phone if parcel else "",
            enterprise.name,
            enterprise.credit_code or "",
            enterprise.get_kind_display(),
            enterprise.legal_representative,
            enterprise.safety_contact,
            enterprise.phone,
            enterprise.employee_count,
            _yes_no(enterprise.above_scale),
            "、".join(str(tag) for tag in enterprise.risk_tags.all()),  # Chinese, like the importer's headers
            _yes_no(enterprise.active),
        ]


@login_required
def enterprise_export(request):
    queryset = filtered(request, EnterpriseFilterSet, Enterprise.objects.visible_to(request.user))
    if queryset is None:
        return _bad_filters()
    with override("zh-hans"):
        headers = _import_headers(ENTERPRISE_IMPORT_KEYS) + [_("在营")]
        widths = (10, 14, 14, 20, 28, 10, 14, 28, 22, 10, 10, 10, 14, 8, 8, 24, 6)
        handle = write_workbook(_("生产经营单位"), headers, enterprise_rows(queryset), widths)
    return xlsx_response(handle, _("企业台账-%(date)s.xlsx") % {"date": _stamp()})
