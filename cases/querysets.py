from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.scoping import ScopedQuerySet
from cases.choices import COUNTED_HAZARD_STATUSES, OPEN_HAZARD_STATUSES, TicketStatus


class InspectionQuerySet(ScopedQuerySet, models.QuerySet):
    pass


class HazardQuerySet(ScopedQuerySet, models.QuerySet):
    def open(self):
        return self.filter(status__in=OPEN_HAZARD_STATUSES)

    def counted(self):
        """Hazards that count as found: not duplicate, not invalid, not withdrawn."""
        return self.filter(status__in=COUNTED_HAZARD_STATUSES, withdrawn=False)


class TicketQuerySet(ScopedQuerySet, models.QuerySet):
    def open(self):
        return self.exclude(status=TicketStatus.CLOSED)

    def overdue(self, today=None):
        today = today or timezone.localdate()
        return self.filter(Q(deadline__lt=today) & ~Q(status=TicketStatus.CLOSED))


class PhotoQuerySet(ScopedQuerySet, models.QuerySet):
    pass
