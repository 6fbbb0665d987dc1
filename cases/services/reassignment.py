"""Reassignment: a manager of the zone changes an assigned ticket's deadline, assignee or responsible
party, each with a reason, on the timeline with the old and new values.

    ticket  assigned  --reassign_ticket-->           assigned (deadline / assignee / 整改责任人)
    ticket  assigned  --change_responsible_party-->  assigned (another enterprise on the parcel, or its landlord)

Changing the party re-points the ticket's scope: ``visible_to`` reads ``enterprise`` and ``parcel``,
so the old party no longer sees the ticket and the new one does.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.policy import Action, require
from cases import payloads
from cases.choices import ResponsibleKind
from cases.deadlines import validate_deadline
from cases.models import Ticket
from cases.policies import is_party
from cases.services.base import _locked
from core.errors import ValidationFailed
from register.models import Enterprise
from timeline.chain import append_event
from timeline.kinds import EventKind

UNCHANGED = object()


def _reason(reason):
    reason = (reason or "").strip()
    if not reason:
        message = _("请填写调整的原因。")
        raise ValidationFailed(message, {"reason": [message]}, code="reason_required")
    return reason


def _nothing_changed():
    message = _("没有需要调整的内容。")
    return ValidationFailed(message, {"__all__": [message]}, code="nothing_changed")


def _person(user):
    return str(user) if user is not None else ""


@transaction.atomic
def reassign_ticket(ticket, *, actor, reason, deadline=UNCHANGED, assignee=UNCHANGED, responsible_person=UNCHANGED):
    """Change what the assignment set: the deadline (not in the past; the first one is kept in
    ``original_deadline``), the assignee (an account of the party, or none) and 整改责任人. Fields left
    ``UNCHANGED`` stay as they are; at least one must change."""
    require(actor, Action.TICKET_REASSIGN)
    ticket = _locked(Ticket, ticket.pk)
    require(actor, Action.TICKET_REASSIGN, ticket)
    reason = _reason(reason)
    changes, fields, assignee_ids = {}, [], None
    if deadline is not UNCHANGED and deadline != ticket.deadline:
        if deadline is None:
            message = _("请填写整改期限。")
            raise ValidationFailed(message, {"deadline": [message]}, code="deadline_required")
        validate_deadline(deadline)
        if ticket.original_deadline is None:
            ticket.original_deadline = ticket.deadline
            fields.append("original_deadline")
        changes["deadline"] = [ticket.deadline.isoformat() if ticket.deadline else None, deadline.isoformat()]
        ticket.deadline = deadline
        fields.append("deadline")
    if assignee is not UNCHANGED and getattr(assignee, "pk", None) != ticket.assignee_id:
        if assignee is not None and not (assignee.is_active and is_party(assignee, ticket)):
            message = _("整改人必须是责任方的账号。")
            raise ValidationFailed(message, {"assignee": [message]}, code="assignee_not_party")
        changes["assignee"] = [_person(ticket.assignee), _person(assignee)]
        assignee_ids = [ticket.assignee_id, getattr(assignee, "pk", None)]
        ticket.assignee = assignee
        fields.append("assignee")
    if responsible_person is not UNCHANGED:
        responsible_person = (responsible_person or "").strip()
        if responsible_person != ticket.responsible_person:
            if ticket.is_major and not responsible_person:
                message = _("重大隐患须填写此项。")
                raise ValidationFailed(
                    _("含重大隐患的整改单须落实“五落实”，不能清空整改责任人。"),
                    {"responsible_person": [message]},
                    code="plan_incomplete",
                )
            changes["responsible_person"] = [ticket.responsible_person, responsible_person]
            ticket.responsible_person = responsible_person
            fields.append("responsible_person")
    if not changes:
        raise _nothing_changed()
    ticket.save(update_fields=[*fields, "updated_at"])
    append_event(
        kind=EventKind.TICKET_REASSIGNED,
        actor=actor,
        ticket=ticket,
        parcel=ticket.parcel,
        from_status=ticket.status,
        to_status=ticket.status,
        comment=reason,
        data=payloads.ticket_reassigned(changes=changes, assignee_ids=assignee_ids),
    )
    return ticket


def party_choices(ticket):
    """Who else may be made responsible: the parcel's other active enterprises (and its landlord,
    ``None``, when the ticket is an enterprise's)."""
    if ticket.parcel_id is None:
        return Enterprise.objects.none()
    return Enterprise.objects.filter(parcel_id=ticket.parcel_id, active=True).exclude(pk=ticket.enterprise_id)


def _party_of(ticket):
    return {"kind": ticket.responsible_kind, "enterprise": ticket.enterprise_id, "name": ticket.responsible_name}


@transaction.atomic
def change_responsible_party(ticket, *, actor, reason, enterprise=None):
    """Make ``enterprise`` (another active enterprise on the ticket's parcel) or, with ``None``, the
    parcel's landlord responsible. The ticket's grid and zone follow the new party; the landlord is
    copied on a tenant's ticket of a multi-tenant parcel; an assignee of the old party is cleared."""
    require(actor, Action.TICKET_REASSIGN)
    ticket = _locked(Ticket, ticket.pk)
    require(actor, Action.TICKET_REASSIGN, ticket)
    reason = _reason(reason)
    parcel = ticket.parcel
    if parcel is None:
        message = _("该整改单没有宗地，不能变更责任方。")
        raise ValidationFailed(message, {"enterprise": [message]}, code="parcel_required")
    if enterprise is None:
        if ticket.responsible_kind == ResponsibleKind.LANDLORD:
            raise _nothing_changed()
    elif enterprise.pk == ticket.enterprise_id:
        raise _nothing_changed()
    elif enterprise.parcel_id != parcel.pk or not enterprise.active:
        message = _("新的责任单位须是同一宗地上的在营单位。")
        raise ValidationFailed(message, {"enterprise": [message]}, code="party_not_on_parcel")
    before = _party_of(ticket)
    if enterprise is None:
        ticket.responsible_kind, ticket.enterprise = ResponsibleKind.LANDLORD, None
        grid = parcel.grid
    else:
        ticket.responsible_kind, ticket.enterprise = ResponsibleKind.ENTERPRISE, enterprise
        grid = enterprise.grid
    ticket.grid, ticket.zone_id = grid, grid.zone_id
    ticket.landlord_copied = bool(enterprise is not None and parcel.active_tenants().count() > 1)
    if ticket.assignee_id and not is_party(ticket.assignee, ticket):
        ticket.assignee = None
    ticket.save(
        update_fields=["responsible_kind", "enterprise", "grid", "zone", "landlord_copied", "assignee", "updated_at"]
    )
    append_event(
        kind=EventKind.TICKET_PARTY_CHANGED,
        actor=actor,
        ticket=ticket,
        parcel=parcel,
        from_status=ticket.status,
        to_status=ticket.status,
        comment=reason,
        data=payloads.party_changed(before=before, after=_party_of(ticket)),
    )
    return ticket
