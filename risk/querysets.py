from django.db import models

from accounts.scoping import ScopedQuerySet


class RiskPointQuerySet(ScopedQuerySet, models.QuerySet):
    def active(self):
        return self.filter(active=True)
