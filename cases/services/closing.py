"""Closing a ticket, and the close-out of a major hazard (治理情况评估, 销号审批).

A ticket with a major hazard is submitted with its assessment report (治理情况评估报告: a PDF or an
image); the passing verification moves it to ``closeout_pending``; a manager of the zone other than
the verifier approves the close-out (→ closed, with every effect of closing) or sends it back
(→ assigned, with the reason):

    ticket  submitted         --verify_ticket(passed), major-->  closeout_pending
    ticket  closeout_pending  --decide_closeout(approve)-->      closed (hazards rectified)
    ticket  closeout_pending  --decide_closeout(return)-->       assigned (rework +1)
"""

import hashlib
import os
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.policy import Action, require
from cases import payloads
from cases.choices import ExtensionStatus, HazardStatus, TicketStatus
from cases.models import ExtensionRequest, Hazard, Ticket
from cases.services.base import _locked
from cases.services.hazards import _pass_fingerprint_on
from core import dates
from core.errors import ValidationFailed
from timeline.chain import append_event
from timeline.kinds import EventKind

# The kinds of assessment report accepted: extension → (content type, the file's first bytes).
ASSESSMENT_TYPES = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
}
ASSESSMENT_MAX_BYTES = 20 * 1024 * 1024


def assessment_max_bytes():
    return int(getattr(settings, "ASSESSMENT_MAX_BYTES", ASSESSMENT_MAX_BYTES))


def _assessment_refused(message):
    return ValidationFailed(
        _("治理情况评估报告：%(error)s") % {"error": message}, {"assessment": [message]}, code="assessment_invalid"
    )


def validate_assessment(uploaded):
    """A PDF or a JPEG/PNG image, named and shaped like one, and not too large. Answers the content
    (bytes) and the extension."""
    name = getattr(uploaded, "name", "") or ""
    extension = os.path.splitext(name)[1].lower()
    if extension not in ASSESSMENT_TYPES:
        raise _assessment_refused(_("只接受 PDF 或 JPG、PNG 图片。"))
    size = getattr(uploaded, "size", None)
    limit = assessment_max_bytes()
    if size is not None and size > limit:
        raise _assessment_refused(_("文件不能超过 %(mb)d MB。") % {"mb": limit // (1024 * 1024)})
    if hasattr(uploaded, "seek"):
        uploaded.seek(0)
    content = uploaded.read(limit + 1)
    if hasattr(uploaded, "seek"):
        uploaded.seek(0)
    if len(content) > limit:
        raise _assessment_refused(_("文件不能超过 %(mb)d MB。") % {"mb": limit // (1024 * 1024)})
    if not content:
        raise _assessment_refused(_("文件为空。"))
    if not content.startswith(ASSESSMENT_TYPES[extension][1]):
        raise _assessment_refused(_("文件内容与类型不符。"))
    return content, extension


def save_assessment(ticket, uploaded):
    """Store the validated report under a name made of the ticket's number and the content's hash."""
    content, extension = validate_assessment(uploaded)
    digest = hashlib.sha256(content).hexdigest()
    ticket.assessment_report.save(f"{ticket.number}-{digest[:16]}{extension}", ContentFile(content), save=False)
    ticket.assessment_name = os.path.basename(getattr(uploaded, "name", ""))[:255]
    return ticket


def assessment_content_type(ticket):
    extension = os.path.splitext(ticket.assessment_report.name or "")[1].lower()
    return ASSESSMENT_TYPES.get(extension, ("application/octet-stream",))[0]


def close_ticket(ticket, *, now=None):
    """Every effect of closing, on the locked row (saved by the caller): closed now, the follow-up date
    set, its hazards rectified and their fingerprints passed on, a pending extension request lapsed. Answers the event's payload."""
    now = now or dates.now()
    ticket.status = TicketStatus.CLOSED
    ticket.closed_at = now
    ticket.followup_date = dates.today() + timedelta(days=settings.FOLLOWUP_DAYS)
    rows = list(ticket.hazards.values_list("pk", "fingerprint"))
    hazard_ids = [pk for pk, _fp in rows]
    Hazard.objects.filter(pk__in=hazard_ids).update(
        status=HazardStatus.RECTIFIED, rectified_at=now, fingerprint=None, updated_at=now
    )
    for _pk, fingerprint in rows:
        if fingerprint:
            _pass_fingerprint_on(fingerprint)
    # an extension request nobody decided before the fix was accepted has nothing left to decide
    ExtensionRequest.objects.filter(ticket=ticket, status=ExtensionStatus.PENDING).update(
        status=ExtensionStatus.LAPSED, decided_at=now
    )
    return payloads.ticket_closed(hazards=hazard_ids, followup_date=ticket.followup_date)


@transaction.atomic
def decide_closeout(ticket, *, actor, approve, comment=""):
    """销号审批: a manager of the zone, not the verifier, approves the close-out of a major hazard's
    ticket (→ closed) or sends it back to rectification with the reason (→ assigned)."""
    require(actor, Action.TICKET_APPROVE_CLOSEOUT)
    ticket = _locked(Ticket, ticket.pk)
    require(actor, Action.TICKET_APPROVE_CLOSEOUT, ticket)
    comment = (comment or "").strip()
    if approve:
        data = close_ticket(ticket)
        ticket.closeout_approved_by = actor
        kind, to_status = EventKind.TICKET_CLOSEOUT_APPROVED, TicketStatus.CLOSED
    else:
        if not comment:
            message = _("退回整改时请填写原因。")
            raise ValidationFailed(message, {"comment": [message]}, code="reason_required")
        ticket.status = TicketStatus.ASSIGNED
        ticket.rework_count += 1
        kind, to_status = EventKind.TICKET_CLOSEOUT_RETURNED, TicketStatus.ASSIGNED
        data = payloads.ticket_rejected(rework_count=ticket.rework_count)
    ticket.save()
    append_event(
        kind=kind,
        actor=actor,
        ticket=ticket,
        parcel=ticket.parcel,
        from_status=TicketStatus.CLOSEOUT_PENDING,
        to_status=to_status,
        comment=comment,
        data=data,
    )
    return ticket
