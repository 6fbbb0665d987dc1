"""Spreadsheet exports of any filtered list: the ledger (隐患排查治理台账) of hazards and of tickets,
and the register (parcels, enterprises).

Each export takes the same query string as its list page, runs it through the same FilterSet on
``visible_to(request.user)`` (so it holds exactly the rows the list shows, never more), and
writes rows as they are read: the queryset is read as tuples in chunks and the streaming
workbook (core.xlsx.write_workbook, core.sheetwriter) writes each row to a temporary file, so memory
stays flat however long the list.

The ledger columns are the ones offices file (DESIGN.md): number, date found, place, who found
it, description, level, category, measures, funds, responsible person, deadline, verifier, date
and result of verification, close-out. The register exports use the column headers the importer
reads (register.importer.COLUMNS), so an exported register can be edited and imported again.
"""

from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from cases.choices import EscalationLevel, ResponsibleKind, TicketStatus
from cases.filtersets import HazardFilterSet, TicketFilterSet
from cases.models import Hazard, Ticket
from catalogue.choices import Severity
from core.queries import in_batches
from core.text import list_separator, parens
from core.xlsx import CHUNK_SIZE, list_export
from timeline.kinds import EventKind
from timeline.models import Event

VERIFICATION_KINDS = (EventKind.TICKET_CLOSED, EventKind.TICKET_REJECTED, EventKind.TICKET_AWAITING_CLOSEOUT)


def _verification_result(ticket):
    if ticket is None:
        return ""
    return _Labels().verification(ticket.status, ticket.rework_count)


class _Labels:
    """The translated words of a ledger, looked up once per export in the active language (a gettext per
    cell cost a 10,000-row export a second)."""

    def __init__(self):
        self.passed, self.submitted = _("通过"), _("待验收")
        self.closeout_pending = _("通过，待销号审批")
        self.closed, self.open = _("已销号"), _("未销号")
        self.ticket_status = {value: str(label) for value, label in TicketStatus.choices}
        self.hazard_status = {value: str(label) for value, label in Hazard._meta.get_field("status").flatchoices}
        self.severity = {value: str(label) for value, label in Severity.choices}
        self.major, self.general = self.severity[Severity.MAJOR], self.severity[Severity.GENERAL]
        self.levels = {value: str(label) for value, label in EscalationLevel.choices}
        self.separator = list_separator()
        self.reworked = {}

    def verification(self, status, rework_count):
        if status == TicketStatus.CLOSED:
            return self.passed
        if status == TicketStatus.SUBMITTED:
            return self.submitted
        if status == TicketStatus.CLOSEOUT_PENDING:
            return self.closeout_pending
        if rework_count:
            if rework_count not in self.reworked:
                self.reworked[rework_count] = _("不通过，退回整改（%(n)d 次）") % {"n": rework_count}
            return self.reworked[rework_count]
        return ""

    def closeout(self, status):
        return self.closed if status == TicketStatus.CLOSED else self.open


def last_verifications(ticket_ids):
    """{ticket id: when it was last verified (passed or rejected)} for ``ticket_ids``: one grouped read per
    batch of rows (a sub-query per row cost the export of 5,743 tickets most of its 3.8 s at 200k hazards)."""
    if not ticket_ids:
        return {}
    return dict(
        Event.objects.filter(ticket_id__in=ticket_ids, kind__in=VERIFICATION_KINDS)
        .order_by()
        .values("ticket_id")
        .annotate(at=Max("created_at"))
        .values_list("ticket_id", "at")
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


def _names(user):
    """The columns ``person`` reads of the user ``user`` (a relation's name)."""
    return (f"{user}__username", f"{user}__first_name", f"{user}__last_name")


# --- hazards ------------------------------------------------------------------------------------------


# Rows are read as tuples (``values_list``) with the joined names: building a model instance for each of
# five related rows cost the export of 9,689 tickets more time than writing them.
HAZARD_VALUES = (
    "number",
    "reported_at",
    "zone__name",
    "grid__name",
    "parcel__code",
    "parcel__name",
    "enterprise__name",
    "location_detail",
    *_names("reporter"),
    "description",
    "severity",
    "category__name",
    "ticket_id",
    "ticket__number",
    "ticket__measures",
    "ticket__funds",
    "ticket__responsible_person",
    "ticket__deadline",
    *_names("ticket__verified_by"),
    "ticket__status",
    "ticket__rework_count",
    "ticket__closed_at",
    "status",
)


def hazard_rows(queryset):
    labels, local_date = _Labels(), _local_dates()
    index = 0
    for batch in in_batches(queryset.values_list(*HAZARD_VALUES), CHUNK_SIZE):
        verified = last_verifications({row[14] for row in batch if row[14]})
        for (
            number,
            reported_at,
            zone,
            grid,
            parcel_code,
            parcel_name,
            enterprise,
            location,
            reporter_username,
            reporter_first,
            reporter_last,
            description,
            severity,
            category,
            ticket_id,
            ticket_number,
            measures,
            funds,
            responsible_person,
            deadline,
            verifier_username,
            verifier_first,
            verifier_last,
            ticket_status,
            rework_count,
            closed_at,
            status,
        ) in batch:
            index += 1
            ticket = ticket_id is not None
            yield [
                index,
                number,
                local_date(reported_at),
                zone,
                grid,
                parcel_code or "",
                parcel_name or "",
                enterprise or "",
                location,
                _person(reporter_username, reporter_first, reporter_last),
                description,
                labels.severity.get(severity, severity),
                category,
                ticket_number or "",
                measures or "",
                funds,
                responsible_person or "",
                deadline,
                _person(verifier_username, verifier_first, verifier_last),
                local_date(verified.get(ticket_id)),
                labels.verification(ticket_status, rework_count) if ticket else "",
                labels.closeout(ticket_status),
                local_date(closed_at),
                labels.hazard_status.get(status, status),
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


# --- tickets ------------------------------------------------------------------------------------------


TICKET_VALUES = (
    "pk",
    "number",
    "zone__name",
    "grid__name",
    "parcel_id",
    "parcel__code",
    "parcel__name",
    "parcel__landlord_name",
    "responsible_kind",
    "enterprise_id",
    "enterprise__name",
    "is_major",
    "measures",
    "funds",
    "responsible_person",
    "deadline",
    *_names("verified_by"),
    "status",
    "rework_count",
    "closed_at",
    "escalation_level",
)
FOUND_VALUES = ("ticket_id", "reported_at", "location_detail", *_names("reporter"), "description", "category__name")


def ticket_rows(queryset):
    labels, local_date, today = _Labels(), _local_dates(), timezone.localdate()
    landlord = _("房东")
    index = 0
    for batch in in_batches(queryset.values_list(*TICKET_VALUES), CHUNK_SIZE):
        ids = [row[0] for row in batch]
        verified, found = last_verifications(ids), _hazards_of(ids)
        for (
            pk,
            number,
            zone,
            grid,
            parcel_id,
            parcel_code,
            parcel_name,
            landlord_name,
            responsible_kind,
            enterprise_id,
            enterprise,
            is_major,
            measures,
            funds,
            responsible_person,
            deadline,
            verifier_username,
            verifier_first,
            verifier_last,
            status,
            rework_count,
            closed_at,
            escalation_level,
        ) in batch:
            index += 1
            hazards = found.get(pk, ())
            if responsible_kind == ResponsibleKind.ENTERPRISE and enterprise_id:
                responsible = enterprise
            else:  # as Ticket.responsible_name
                responsible = str(landlord_name or landlord) + parens(parcel_name) if parcel_id else ""
            overdue = deadline is not None and status != TicketStatus.CLOSED and deadline < today
            yield [
                index,
                number,
                local_date(hazards[0][1]) if hazards else None,
                zone,
                grid,
                parcel_code or "",
                parcel_name or "",
                responsible,
                _distinct(labels.separator, (h[2] for h in hazards)),
                _distinct(labels.separator, (_person(h[3], h[4], h[5]) for h in hazards)),
                _descriptions(hazards),
                labels.major if is_major else labels.general,
                _distinct(labels.separator, (h[7] for h in hazards)),
                measures,
                funds,
                responsible_person,
                deadline,
                _person(verifier_username, verifier_first, verifier_last),
                local_date(verified.get(pk)),
                labels.verification(status, rework_count),
                labels.closeout(status),
                local_date(closed_at),
                labels.ticket_status.get(status, status),
                labels.levels.get(escalation_level, ""),
                (today - deadline).days if overdue else None,
                rework_count,
            ]


def _hazards_of(ticket_ids):
    """{ticket id: its hazards' ``FOUND_VALUES`` tuples, first found first} in one read for a batch."""
    found = {}
    rows = Hazard.objects.filter(ticket_id__in=ticket_ids).order_by("reported_at", "pk").values_list(*FOUND_VALUES)
    for row in rows:
        found.setdefault(row[0], []).append(row)
    return found


def _descriptions(hazards):
    if len(hazards) == 1:
        return hazards[0][6]
    return "\n".join(f"{i}. {h[6]}" for i, h in enumerate(hazards, start=1))


def _distinct(separator, values):
    """The values once each, in order, joined as ``core.xlsx._join`` joins them."""
    return separator.join(dict.fromkeys(value for value in values if value))


def _person(username, first_name, last_name):
    """``core.xlsx.person`` of a user read as its three columns (None: no user)."""
    if username is None:
        return ""
    return f"{first_name} {last_name}".strip() or username


def _local_dates():
    """A function giving the local date of an aware datetime (None stays None): the zone is looked up once."""
    zone = timezone.get_current_timezone()

    def local_date(value):
        return value.astimezone(zone).date() if value is not None else None

    return local_date


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
