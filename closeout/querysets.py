from django.db import models

from accounts.scoping import ScopedQuerySet


class CrossCheckQuerySet(ScopedQuerySet, models.QuerySet):
    pass
