from django.db import models

from accounts.scoping import ScopedQuerySet


class DailyReportQuerySet(ScopedQuerySet, models.QuerySet):
    pass
