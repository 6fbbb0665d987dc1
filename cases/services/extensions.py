"""延期申请: the responsible party asks for a later deadline; a manager of the zone decides.

    ticket  assigned  --request_extension-->  same status; one pending ExtensionRequest
    ticket  open      --decide_extension(approve)-->  deadline = the date asked for (original kept)
    ticket  open      --decide_extension(refuse)-->   deadline unchanged, with the reason

Overdue, due soon, reminders and escalation read ``Ticket.deadline``: approving moves it, so they
follow the deadline in force. ``Ticket.original_deadline`` keeps the first one, each request its own.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.policy import Action, require
from cases import payloads
from cases.choices import ExtensionStatus
from cases.deadlines import validate_deadline
from cases.models import ExtensionRequest, Ticket
from cases.policies import is_party
from cases.services.base import _locked
from core import dates
from core.errors import ValidationFailed
from timeline.chain import append_event
from timeline.kinds import EventKind


def _required(value, field, message, code):
    value = (value or "").strip()
    if not value:
        raise ValidationFailed(message, {field: [message]}, code=code)
    return value


@transaction.atomic
def request_extension(ticket, *, actor, reason, deadline):
    """The party (or the grid's inspector / the zone's manager on its behalf) asks for ``deadline``,
    later than the deadline in force and not in the past, giving a reason. Answers the request."""
    require(actor, Action.TICKET_REQUEST_EXTENSION)
    ticket = _locked(Ticket, ticket.pk)
    require(actor, Action.TICKET_REQUEST_EXTENSION, ticket)  # assigned, and no request pending
    reason = _required(reason, "reason", _("请填写延期理由。"), "reason_required")
    if deadline is None:
        message = _("请填写申请延期至的日期。")
        raise ValidationFailed(message, {"deadline": [message]}, code="deadline_required")
    validate_deadline(deadline)
    if ticket.deadline is not None and deadline <= ticket.deadline:
        message = _("申请的期限须晚于当前整改期限（%(date)s）。") % {"date": ticket.deadline.isoformat()}
        raise ValidationFailed(message, {"deadline": [message]}, code="deadline_not_later")
    on_behalf = not is_party(actor, ticket)
    request = ExtensionRequest.objects.create(
        ticket=ticket,
        reason=reason,
        current_deadline=ticket.deadline,
        requested_deadline=deadline,
        requested_by=actor,
        on_behalf=on_behalf,
    )
    ticket.save(update_fields=["updated_at"])
    append_event(
        kind=EventKind.TICKET_EXTENSION_REQUESTED,
        actor=actor,
        ticket=ticket,
        parcel=ticket.parcel,
        from_status=ticket.status,
        to_status=ticket.status,
        comment=reason,
        data=payloads.extension_requested(
            request=request.pk,
            deadline=ticket.deadline,
            requested=deadline,
            on_behalf_of=ticket.responsible_name if on_behalf else None,
        ),
    )
    return request


@transaction.atomic
def decide_extension(ticket, *, actor, approve, comment=""):
    """A manager of the zone approves the pending request (the deadline in force becomes the date asked
    for; the first deadline stays in ``original_deadline``) or refuses it with a reason."""
    require(actor, Action.TICKET_DECIDE_EXTENSION)
    ticket = _locked(Ticket, ticket.pk)
    require(actor, Action.TICKET_DECIDE_EXTENSION, ticket)  # open, with a pending request
    request = ExtensionRequest.objects.select_for_update().get(ticket=ticket, status=ExtensionStatus.PENDING)
    comment = (comment or "").strip()
    if not approve:
        _required(comment, "comment", _("不同意延期时请填写原因。"), "reason_required")
    before = ticket.deadline
    if approve:
        validate_deadline(request.requested_deadline)  # the date asked for may have passed meanwhile
        if ticket.original_deadline is None:
            ticket.original_deadline = before
        ticket.deadline = request.requested_deadline
    ticket.save(update_fields=["deadline", "original_deadline", "updated_at"])
    request.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REFUSED
    request.decided_by = actor
    request.decided_at = dates.now()
    request.decision_comment = comment
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_comment"])
    append_event(
        kind=EventKind.TICKET_EXTENSION_APPROVED if approve else EventKind.TICKET_EXTENSION_REFUSED,
        actor=actor,
        ticket=ticket,
        parcel=ticket.parcel,
        from_status=ticket.status,
        to_status=ticket.status,
        comment=comment,
        data=payloads.extension_decided(
            request=request.pk, approved=bool(approve), deadline=before, requested=request.requested_deadline
        ),
    )
    return ticket
