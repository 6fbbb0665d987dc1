from django.db import models
from django.utils import timezone

from accounts.scoping import ScopedQuerySet
from cases.deadlines import open_ticket_q, overdue_q


class ServiceRequestQuerySet(ScopedQuerySet, models.QuerySet):
    """The same deadline rules as tickets (cases.deadlines): one definition of open and overdue."""

    def open(self):
        return self.filter(open_ticket_q())

    def overdue(self, today=None):
        return self.filter(overdue_q(today or timezone.localdate()))
