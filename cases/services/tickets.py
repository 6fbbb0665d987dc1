"""Tickets: aggregate, assign, submit, verify, escalate, comment, reopen."""

from collections import OrderedDict
from datetime import timedelta

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.policy import Action, allows, require
from cases import escalation, payloads
from cases.choices import (
    EscalationLevel,
    HazardStatus,
    PhotoKind,
    ResponsibleKind,
    TicketStatus,
)
from cases.deadlines import validate_deadline
from cases.models import Hazard, Ticket
from cases.policies import is_party
from cases.services.base import (
    _edited_fields,
    _locked,
    _require_visible,
    _save_edits,
    _save_photos,
    _validate_photos,
    next_number,
    responsible_party,
)
from cases.services.closing import close_ticket, save_assessment
from cases.services.hazards import _report_hazard
from catalogue.choices import Severity
from core import dates
from core.errors import ValidationFailed
from core.text import join_list
from timeline.chain import append_event
from timeline.kinds import EventKind

# --- tickets -------------------------------------------------------------------------


def _lock_reported_hazards(hazards):
    ids = sorted({h.pk if isinstance(h, Hazard) else int(h) for h in hazards})
    if not ids:
        raise ValidationFailed(
            _("请至少选择一条隐患。"), {"hazards": [_("请至少选择一条隐患。")]}, code="hazards_required"
        )
    # Lock the rows in id order (no joins: PostgreSQL cannot lock the nullable side of an outer join),
    # then read them with what the caller needs.
    locked = list(Hazard.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))
    if len(locked) != len(ids):
        raise ValidationFailed(_("所选隐患不存在。"), {"hazards": [_("所选隐患不存在。")]}, code="hazard_not_found")
    return list(
        Hazard.objects.filter(pk__in=ids)
        .select_related("category", "enterprise__parcel", "parcel__grid")
        .order_by("pk")
    )


def default_measures(hazards):
    seen = OrderedDict()
    for hazard in hazards:
        if hazard.category.standard_measures:
            seen.setdefault(hazard.category_id, f"【{hazard.category.name}】{hazard.category.standard_measures}")
    return "\n".join(seen.values())


def default_deadline(hazards, today=None):
    """The earliest deadline the hazards' categories allow."""
    today = today or dates.today()
    days = min((h.category.deadline_days for h in hazards), default=15)
    return today + timedelta(days=days)


@transaction.atomic
def create_ticket(hazards, *, actor, measures=None, deadline=None):
    """Aggregate reported hazards of one responsible party into one pending ticket."""
    require(actor, Action.TICKET_CREATE)
    hazards = _lock_reported_hazards(hazards)
    for hazard in hazards:
        require(actor, Action.TICKET_CREATE, hazard)  # in scope and still reported, on the locked row
    parties = {responsible_party(h)[:2] for h in hazards}
    if len(parties) != 1:
        raise ValidationFailed(
            _("一张整改单只能对应一个责任方，请按责任方分别汇总。"),
            {"hazards": [_("责任方不一致。")]},
            code="mixed_parties",
        )
    kind, enterprise = parties.pop()
    parcel = enterprise.parcel if enterprise is not None else hazards[0].parcel
    validate_deadline(deadline)
    grid = enterprise.grid if enterprise is not None else parcel.grid
    # The landlord of a multi-tenant parcel is copied on a tenant's ticket (a landlord's own ticket is theirs).
    landlord_copied = bool(kind == ResponsibleKind.ENTERPRISE and parcel and parcel.active_tenants().count() > 1)
    ticket = Ticket.objects.create(
        created_at=dates.now(),
        number=next_number("ZG"),
        responsible_kind=kind,
        enterprise=enterprise,
        parcel=parcel,
        grid=grid,
        zone_id=grid.zone_id,
        landlord_copied=landlord_copied,
        is_major=any(h.severity == Severity.MAJOR for h in hazards),
        deadline=deadline,
        measures=measures if measures is not None else default_measures(hazards),
        created_by=actor,
    )
    Hazard.objects.filter(pk__in=[h.pk for h in hazards]).update(
        status=HazardStatus.AGGREGATED, ticket=ticket, updated_at=dates.now()
    )
    append_event(
        kind=EventKind.TICKET_CREATED,
        actor=actor,
        ticket=ticket,
        parcel=parcel,
        to_status=TicketStatus.PENDING,
        data=payloads.ticket_created(hazards=[h.pk for h in hazards], landlord_copied=landlord_copied),
    )
    return ticket


@transaction.atomic
def aggregate_hazards(hazards, *, actor, measures=None, deadline=None):
    """汇总: group reported hazards by responsible party, one pending ticket per party."""
    require(actor, Action.TICKET_CREATE)
    locked = _lock_reported_hazards(hazards)
    groups = OrderedDict()
    for hazard in locked:
        groups.setdefault(responsible_party(hazard)[:2], []).append(hazard)
    return [create_ticket(group, actor=actor, measures=measures, deadline=deadline) for group in groups.values()]


PLAN_FIELDS = {
    "measures": gettext_lazy("整改措施"),
    "funds": gettext_lazy("整改资金"),
    "deadline": gettext_lazy("整改期限"),
    "responsible_person": gettext_lazy("整改责任人"),
    "contingency": gettext_lazy("应急预案/防范措施"),
}


@transaction.atomic
def assign_ticket(
    ticket,
    *,
    actor,
    deadline=None,
    assignee=None,
    measures=None,
    funds=None,
    responsible_person=None,
    contingency=None,
    comment="",
):
    """交办: pending → assigned, with a deadline (default from the categories). A ticket with a major
    hazard needs the 五落实 plan: measures, funds, deadline, responsible person, contingency."""
    require(actor, Action.TICKET_ASSIGN)
    ticket = _locked(Ticket, ticket.pk)
    require(actor, Action.TICKET_ASSIGN, ticket)
    today = dates.today()
    hazards = list(ticket.hazards.select_related("category"))
    deadline = validate_deadline(deadline or ticket.deadline or default_deadline(hazards, today), today=today)
    if measures is not None:
        ticket.measures = measures.strip()
    if funds is not None:
        if funds < 0:
            raise ValidationFailed(
                _("整改资金不能为负数。"), {"funds": [_("整改资金不能为负数。")]}, code="funds_negative"
            )
        ticket.funds = funds
    if responsible_person is not None:
        ticket.responsible_person = responsible_person.strip()
    if contingency is not None:
        ticket.contingency = contingency.strip()
    ticket.deadline = deadline
    if ticket.is_major:
        missing = [str(label) for name, label in PLAN_FIELDS.items() if getattr(ticket, name) in (None, "")]
        if missing:
            raise ValidationFailed(
                _("含重大隐患的整改单须落实“五落实”，缺少：%(fields)s。") % {"fields": join_list(missing)},
                {name: [_("重大隐患须填写此项。")] for name in PLAN_FIELDS if getattr(ticket, name) in (None, "")},
                code="plan_incomplete",
            )
    if assignee is not None:
        if not (assignee.is_active and is_party(assignee, ticket)):
            raise ValidationFailed(
                _("整改人必须是责任方的账号。"),
                {"assignee": [_("整改人必须是责任方的账号。")]},
                code="assignee_not_party",
            )
        ticket.assignee = assignee
    ticket.status = TicketStatus.ASSIGNED
    ticket.assigned_at = dates.now()
    ticket.save()
    append_event(
        kind=EventKind.TICKET_ASSIGNED,
        actor=actor,
        ticket=ticket,
        parcel=ticket.parcel,
        from_status=TicketStatus.PENDING,
        to_status=TicketStatus.ASSIGNED,
        comment=comment,
        data=payloads.ticket_assigned(deadline=deadline, assignee=getattr(ticket.assignee, "pk", None)),
    )
    return ticket


@transaction.atomic
def submit_rectification(ticket, *, actor, comment, photos, on_behalf=False, assessment=None, captured_at=None):
    """The responsible party submits evidence: a comment and at least one photo; for a ticket with a
    major hazard also the assessment report (治理情况评估报告, ``assessment``: a PDF or an image).

    ``on_behalf`` (代为提交整改): the grid's inspector or the zone's manager records the party's fix
    (a party without an account, or one that brought the evidence to the office); the event says
    who recorded it for which party.

    ``captured_at``: when the evidence was recorded on a phone that sent it later (the outbox); it is
    the submission time, and the event (stamped when received) keeps it in its payload."""
    action = Action.TICKET_SUBMIT_ON_BEHALF if on_behalf else Action.TICKET_SUBMIT
    require(actor, action)
    ticket = _locked(Ticket, ticket.pk)
    require(actor, action, ticket)
    comment = (comment or "").strip()
    errors = {}
    if not comment:
        errors["comment"] = [_("请说明整改情况。")]
    if not photos:
        errors["photos"] = [_("请至少上传一张整改后照片。")]
    if errors:
        raise ValidationFailed(_("提交整改须填写整改说明并上传至少一张整改后照片。"), errors, code="evidence_required")
    if ticket.is_major and not assessment:
        message = _("含重大隐患的整改单须上传治理情况评估报告。")
        raise ValidationFailed(message, {"assessment": [message]}, code="assessment_required")
    _validate_photos(photos)
    fields = ["status", "submitted_at", "updated_at"]
    if assessment:
        save_assessment(ticket, assessment)
        fields += ["assessment_report", "assessment_name"]
    ticket.status = TicketStatus.SUBMITTED
    ticket.submitted_at = min(captured_at, dates.now()) if captured_at else dates.now()
    ticket.save(update_fields=fields)
    event = append_event(
        kind=EventKind.TICKET_SUBMITTED,
        actor=actor,
        ticket=ticket,
        parcel=ticket.parcel,
        from_status=TicketStatus.ASSIGNED,
        to_status=TicketStatus.SUBMITTED,
        comment=comment,
        data=payloads.ticket_submitted(
            photos=len(photos),
            on_behalf_of=ticket.responsible_name if on_behalf else None,
            party_kind=ticket.responsible_kind,
            captured_at=captured_at,
        ),
    )
    _save_photos(photos, actor=actor, kind=PhotoKind.AFTER, ticket=ticket, event=event)
    return ticket


@transaction.atomic
def verify_ticket(ticket, *, actor, passed, comment="", photos=()):
    """验收: pass → closed (hazards rectified, follow-up date set), or, for a ticket with a major hazard,
    → awaiting the close-out approval of a manager (cases.services.closing); fail → back to assigned
    with the reason. ``photos`` (optional): what the verifier saw on site, kept on the event."""
    require(actor, Action.TICKET_VERIFY)
    ticket = _locked(Ticket, ticket.pk)
    require(actor, Action.TICKET_VERIFY, ticket)
    comment = (comment or "").strip()
    _validate_photos(photos)
    if passed and ticket.is_major:
        ticket.status = TicketStatus.CLOSEOUT_PENDING
        kind, to_status = EventKind.TICKET_AWAITING_CLOSEOUT, TicketStatus.CLOSEOUT_PENDING
        data = {"passed": True}
    elif passed:
        data = close_ticket(ticket)
        kind, to_status = EventKind.TICKET_CLOSED, TicketStatus.CLOSED
    else:
        if not comment:
            raise ValidationFailed(
                _("验收不通过时请填写原因。"), {"comment": [_("请填写不通过的原因。")]}, code="reason_required"
            )
        ticket.status = TicketStatus.ASSIGNED
        ticket.rework_count += 1
        kind, to_status = EventKind.TICKET_REJECTED, TicketStatus.ASSIGNED
        data = payloads.ticket_rejected(rework_count=ticket.rework_count)
    ticket.verified_by = actor
    ticket.verification_comment = comment
    ticket.save()
    if photos:
        data = {**data, "photos": len(photos)}
    event = append_event(
        kind=kind,
        actor=actor,
        ticket=ticket,
        parcel=ticket.parcel,
        from_status=TicketStatus.SUBMITTED,
        to_status=to_status,
        comment=comment,
        data=data,
    )
    _save_photos(photos, actor=actor, kind=PhotoKind.VERIFICATION, ticket=ticket, event=event)
    return ticket


@transaction.atomic
def escalate_ticket(ticket, *, actor, comment="", level=None):
    """督办: raise the escalation level (1 督办, 2 挂牌督办) of an open ticket."""
    require(actor, Action.TICKET_ESCALATE)
    ticket = _locked(Ticket, ticket.pk)
    require(actor, Action.TICKET_ESCALATE, ticket)  # open, and not yet at the highest level
    current = ticket.escalation_level
    target = current + 1 if level is None else int(level)
    if target not in EscalationLevel.values or target <= current:
        raise ValidationFailed(_("督办级别只能提高。"), {"level": [_("督办级别只能提高。")]}, code="level_not_higher")
    return _raise_level(ticket, target, actor=actor, comment=comment)


def _raise_level(ticket, target, *, actor, comment="", data=None):
    previous = ticket.escalation_level
    ticket.escalation_level = target
    ticket.escalated_at = dates.now()
    ticket.save(update_fields=["escalation_level", "escalated_at", "updated_at"])
    append_event(
        kind=EventKind.TICKET_ESCALATED,
        actor=actor,
        ticket=ticket,
        parcel=ticket.parcel,
        from_status=ticket.status,
        to_status=ticket.status,
        comment=comment,
        data=payloads.ticket_escalated(from_level=previous, to_level=target, **(data or {})),
    )
    return ticket


def escalate_overdue(*, today=None):
    """The daily job for tickets (cases.escalation runs it for every kind of case): raise overdue open
    tickets to the level their days overdue call for; returns how many were raised."""
    return escalation.escalate_overdue(today=today, only={"ticket"})["ticket"]


escalation.register(escalation.CaseKind("ticket", Ticket, _raise_level))


@transaction.atomic
def comment_ticket(ticket, *, actor, comment, internal=False, photos=()):
    """A note on the timeline; internal notes are hidden from the responsible party."""
    require(actor, Action.TICKET_COMMENT)
    ticket = _locked(Ticket, ticket.pk)
    require(actor, Action.TICKET_COMMENT, ticket)
    comment = (comment or "").strip()
    if not comment:
        raise ValidationFailed(_("请填写内容。"), {"comment": [_("请填写内容。")]}, code="comment_required")
    # Only office staff write internal notes; the party's note is always visible to the party.
    internal = bool(internal) and allows(actor, Action.TICKET_COMMENT_INTERNAL, ticket, in_scope=True)
    _validate_photos(photos)
    event = append_event(
        kind=EventKind.TICKET_COMMENTED,
        actor=actor,
        ticket=ticket,
        parcel=ticket.parcel,
        from_status=ticket.status,
        to_status=ticket.status,
        comment=comment,
        internal=internal,
    )
    _save_photos(photos, actor=actor, kind=PhotoKind.OTHER, ticket=ticket, event=event)
    return event


@transaction.atomic
def reopen_ticket(ticket, *, actor, comment):
    """事后跟踪: a follow-up re-check finds a closed ticket's hazards back. The closed ticket stays closed
    (its record is kept as it was); the hazards are reported again and aggregated into a new pending
    ticket linked to it (``reopened_from``)."""
    require(actor, Action.TICKET_REOPEN)
    ticket = _locked(Ticket, ticket.pk)
    require(actor, Action.TICKET_REOPEN, ticket)  # closed, and not reopened before
    comment = (comment or "").strip()
    if not comment:
        raise ValidationFailed(
            _("请填写复查发现的情况。"), {"comment": [_("请填写复查发现的情况。")]}, code="comment_required"
        )
    found = [
        _report_hazard(
            actor=actor,
            category=old.category,
            description=f"{comment}\n{old.description}",
            enterprise=old.enterprise,
            parcel=old.parcel,
            severity=old.severity,
            location_detail=old.location_detail,
        )
        for old in ticket.hazards.select_related("category", "enterprise", "parcel").order_by("pk")
    ]
    new_ticket = create_ticket(found, actor=actor, measures=ticket.measures)
    new_ticket.reopened_from = ticket
    new_ticket.save(update_fields=["reopened_from", "updated_at"])
    append_event(
        kind=EventKind.TICKET_REOPENED,
        actor=actor,
        ticket=ticket,
        parcel=ticket.parcel,
        from_status=ticket.status,
        to_status=ticket.status,
        comment=comment,
        data=payloads.ticket_reopened(new_ticket=new_ticket.pk, hazards=[h.pk for h in found]),
    )
    return new_ticket


# Corrected in the admin: the wording of the plan. Status, deadline, assignee and escalation change
# only through the workflow above.
PLAN_EDITABLE = ("measures", "funds", "responsible_person", "contingency")


def ticket_plan_changes(ticket, fields):
    """``{name: (old, new)}``: what ``fields`` change in the plan of ``ticket``, or the refusal
    (ValidationFailed). A ticket with a major hazard keeps its 五落实 plan: none of it may be blanked.
    The admin's form asks this first, so the refusal shows on the form; edit_ticket_plan asks again
    on the locked row."""
    changes = _edited_fields(ticket, fields, PLAN_EDITABLE)
    funds = changes.get("funds", (None, None))[1]
    if funds is not None and funds < 0:
        raise ValidationFailed(_("整改资金不能为负数。"), {"funds": [_("整改资金不能为负数。")]}, code="funds_negative")
    blanked = [name for name, (_old, new) in changes.items() if new in (None, "")]
    if ticket.is_major and blanked:
        raise ValidationFailed(
            _("含重大隐患的整改单须落实“五落实”，不能清空：%(fields)s。")
            % {"fields": join_list(str(PLAN_FIELDS[name]) for name in blanked)},
            {name: [_("重大隐患须填写此项。")] for name in blanked},
            code="plan_incomplete",
        )
    return changes


@transaction.atomic
def edit_ticket_plan(ticket, *, actor, **fields):
    """Correct a ticket's rectification plan (``PLAN_EDITABLE``) on the locked row: only the changed
    columns are saved (a concurrent transition is kept), with one internal event naming them."""
    ticket = _locked(Ticket, ticket.pk)
    _require_visible(actor, ticket)
    changes = ticket_plan_changes(ticket, fields)
    if changes:
        _save_edits(ticket, changes, actor=actor, kind=EventKind.TICKET_EDITED_IN_ADMIN, ticket=ticket)
    return ticket
