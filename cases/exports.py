"""Spreadsheet exports of any filtered list: the ledger (隐患排查治理台账) of hazards and of tickets,
and the register (parcels, enterprises).

Each export takes the same query string as its list page, runs it through the same FilterSet on
``visible_to(request.user)`` (so it holds exactly the rows the list shows, never more), and
writes rows as they are read: the queryset is iterated in chunks and openpyxl's write-only
workbook streams each row to a temporary file, so memory stays flat however long the list.

The ledger columns are the ones offices file (DESIGN.md): number, date found, place, who found
it, description, level, category, measures, funds, responsible person, deadline, verifier, date
and result of verification, close-out. The register exports use the column headers the importer
reads (register.importer.COLUMNS), so an exported register can be edited and imported again.
"""

from django.db.models import OuterRef, Prefetch, Subquery
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from cases.choices import EscalationLevel, TicketStatus
from cases.filtersets import HazardFilterSet, TicketFilterSet
from cases.models import Hazard, Ticket
from catalogue.choices import Severity
from core.xlsx import CHUNK_SIZE, _date, _join, list_export, person
from timeline.kinds import EventKind
from timeline.models import Event

VERIFICATION_KINDS = (EventKind.TICKET_CLOSED, EventKind.TICKET_REJECTED, EventKind.TICKET_AWAITING_CLOSEOUT)


def _verification_result(ticket):
    if ticket is None:
        return ""
    if ticket.status == TicketStatus.CLOSED:
        return _("通过")
    if ticket.status == TicketStatus.SUBMITTED:
        return _("待验收")
    if ticket.status == TicketStatus.CLOSEOUT_PENDING:
        return _("通过，待销号审批")
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


hazard_export = list_export(
    Hazard,
    HazardFilterSet,
    _lazy("隐患排查治理台账"),
    ledger_headers,
    hazard_rows,
    LEDGER_WIDTHS,
    _lazy("隐患台账-%(date)s.xlsx"),
)


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


ticket_export = list_export(
    Ticket,
    TicketFilterSet,
    _lazy("整改单台账"),
    ticket_ledger_headers,
    ticket_rows,
    TICKET_WIDTHS,
    _lazy("整改单台账-%(date)s.xlsx"),
)
