from django.db import models

from accounts.scoping import ScopedQuerySet


class EventQuerySet(ScopedQuerySet, models.QuerySet):
    def visible_to_party(self):
        return self.filter(internal=False)
