"""The domain's words as queries, each written once and read by every page, tile, export and briefing.

Hazards (DESIGN.md):

* **open**: reported or aggregated into a ticket, and not withdrawn;
* **counted** (found, the rectification rate's denominator): not duplicate, not invalid, not withdrawn;
* **rectified** (the rate's numerator): counted and rectified.

Tickets: **open** (not closed), **overdue** and **due soon** (``cases.deadlines``, where the SQL and
the per-ticket forms of the deadline rules sit side by side), **escalated** (open and under 督办).

Where an aggregate needs the condition as a FILTER clause, use the ``*_q`` function the method
uses (``Count("pk", filter=overdue_q(today))``), never a hand-written copy.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.scoping import ScopedQuerySet, restrict
from cases.choices import COUNTED_HAZARD_STATUSES, OPEN_HAZARD_STATUSES, HazardStatus
from cases.deadlines import due_soon_q, open_ticket_q, overdue_q
from timeline.querysets import sees_internal

__all__ = [
    "awaiting_aggregation_q",
    "counted_hazard_q",
    "due_soon_q",
    "escalated_ticket_q",
    "open_hazard_q",
    "open_ticket_q",
    "overdue_q",
    "rectified_hazard_q",
]


def open_hazard_q():
    return Q(status__in=OPEN_HAZARD_STATUSES, withdrawn=False)


def counted_hazard_q():
    return Q(status__in=COUNTED_HAZARD_STATUSES, withdrawn=False)


def rectified_hazard_q():
    return Q(status=HazardStatus.RECTIFIED, withdrawn=False)


def awaiting_aggregation_q():
    return Q(status=HazardStatus.REPORTED, withdrawn=False)


def escalated_ticket_q():
    return open_ticket_q() & Q(escalation_level__gt=0)


class InspectionQuerySet(ScopedQuerySet, models.QuerySet):
    pass


class CheckInQuerySet(ScopedQuerySet, models.QuerySet):
    pass


class HazardQuerySet(ScopedQuerySet, models.QuerySet):
    def open(self):
        """Reported or aggregated, not withdrawn: what still needs fixing."""
        return self.filter(open_hazard_q())

    def counted(self):
        """Hazards that count as found: not duplicate, not invalid, not withdrawn."""
        return self.filter(counted_hazard_q())

    def rectified(self):
        """Counted hazards that were rectified (the rectification rate's numerator)."""
        return self.filter(rectified_hazard_q())

    def awaiting_aggregation(self):
        """Reported and not yet in a ticket (nor marked duplicate or invalid): the desk's inbox."""
        return self.filter(awaiting_aggregation_q())


class TicketQuerySet(ScopedQuerySet, models.QuerySet):
    def open(self):
        return self.filter(open_ticket_q())

    def overdue(self, today=None):
        """Open and past the deadline on ``today`` (default: the local date)."""
        return self.filter(overdue_q(today or timezone.localdate()))

    def due_soon(self, today=None, days=None):
        """Assigned and due within ``days`` (default REMINDER_DAYS) days of ``today``."""
        days = settings.REMINDER_DAYS if days is None else days
        return self.filter(due_soon_q(today or timezone.localdate(), days))

    def escalated(self):
        """Open and under escalation (督办 or 挂牌督办)."""
        return self.filter(escalated_ticket_q())


class PhotoQuerySet(ScopedQuerySet, models.QuerySet):
    def visible_to(self, user):
        """Photos of what ``user`` sees; a photo attached to an internal note follows the note (sees_internal)."""
        return restrict(self, user).shown_to(user)

    def shown_to(self, user):
        """Only the internal rule, for photos of an object already found in the user's scope."""
        return self if sees_internal(user) else self.exclude(event__internal=True)
