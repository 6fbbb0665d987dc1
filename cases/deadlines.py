"""A case's deadline as people read it: overdue, due soon, days left.

Every kind of case with a deadline — a ticket, an enterprise service request (servicedesk) — has the
same fields for it: ``status`` (``"closed"`` when done), ``deadline``, ``created_at``, ``closed_at``
and ``escalation_level``; these rules read those fields and serve every kind (``cases.escalation``
runs the daily escalation over all of them).

Each rule is written here once, in SQL (a Q for ``filter()`` and for an aggregate's FILTER) and in
Python (for one ticket already in hand), side by side so they cannot drift apart:

* **overdue** (DESIGN.md): the deadline has passed and the ticket is not closed: whatever its
  other status, a pending ticket with a deadline included. ``overdue`` is not a status.
* **due soon**: the responsible party is fixing it (``assigned``) and the deadline falls within the
  next ``days`` days, today included; this is what the reminders are sent for.

``TicketQuerySet.overdue(today)`` / ``.due_soon(today, days)`` read these; every count, list,
tile and briefing goes through them, and ``Ticket.is_overdue`` through ``is_overdue``.
"""

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext as _

from cases.choices import TicketStatus
from core import dates
from core.errors import ValidationFailed
from core.links import safe_reverse

# The closed status of every kind of case (TicketStatus.CLOSED, ServiceRequestStatus.CLOSED).
CLOSED = TicketStatus.CLOSED.value


def open_ticket_q(as_of=None):
    """A ticket that is not closed; for a past moment ``as_of``, one made before it and not yet closed then
    (read from the timestamps: the state at ``as_of``, which the briefing reconstructs)."""
    if as_of is None:
        return ~Q(status=CLOSED)
    return Q(created_at__lt=as_of) & (~Q(status=CLOSED) | Q(closed_at__gte=as_of))


def overdue_q(today, *, as_of=None):
    """Overdue on ``today``: open (at ``as_of``, default now) and the deadline before ``today``."""
    return open_ticket_q(as_of) & Q(deadline__lt=today)


def due_soon_q(today, days):
    """Assigned and due between ``today`` and ``days`` days later (both included)."""
    return Q(status=TicketStatus.ASSIGNED, deadline__gte=today, deadline__lte=today + timedelta(days=days))


def is_overdue(ticket, today):
    """``overdue_q`` for one ticket."""
    return bool(ticket.deadline and ticket.status != CLOSED and ticket.deadline < today)


def days_overdue(ticket, today):
    """Whole days since the deadline passed; 0 when the ticket is not overdue."""
    return (today - ticket.deadline).days if is_overdue(ticket, today) else 0


def is_due_soon(ticket, today, days):
    """``due_soon_q`` for one ticket."""
    return bool(
        ticket.deadline
        and ticket.status == TicketStatus.ASSIGNED
        and today <= ticket.deadline <= today + timedelta(days=days)
    )


def deadline_state(ticket, today, days):
    """ "overdue", "soon" or "" (no deadline, closed, or not close yet)."""
    if is_overdue(ticket, today):
        return "overdue"
    if is_due_soon(ticket, today, days):
        return "soon"
    return ""


def ticket_rows(tickets, today, soon, *, with_hazards=False):
    """Tickets with their URL and deadline state, for the home lists (``soon``: the last day counted as
    due soon, today + REMINDER_DAYS)."""
    days = (soon - today).days
    rows = []
    for ticket in tickets:
        rows.append(
            {
                "ticket": ticket,
                "url": safe_reverse("cases:ticket_detail", args=[ticket.pk]),
                "deadline_state": deadline_state(ticket, today, days),
                "days_left": (ticket.deadline - today).days if ticket.deadline else None,
                "days_overdue": days_overdue(ticket, today),
                "hazards": list(ticket.hazards.all()) if with_hazards else [],
            }
        )
    return rows


def validate_deadline(deadline, *, today=None):
    """The one rule for a deadline someone sets: not before today (None: not set here, the caller's
    default applies). The services call it and are the authority; the forms and the API serializers
    call it too, so a wrong date is answered early with the same message and code."""
    today = today or dates.today()
    if deadline is not None and deadline < today:
        message = _("整改期限不能早于今天。")
        raise ValidationFailed(message, {"deadline": [message]}, code="deadline_in_past")
    max_days = int(settings.DEADLINE_MAX_DAYS)
    if deadline is not None and deadline > today + timedelta(days=max_days):
        message = _("整改期限不能晚于 %(last)s（最长 %(days)s 天）。") % {
            "last": (today + timedelta(days=max_days)).isoformat(),
            "days": max_days,
        }
        raise ValidationFailed(message, {"deadline": [message]}, code="deadline_too_far")
    return deadline
