from django.db import models
from django.db.models import Count, OuterRef, Q

from accounts.scoping import ScopedQuerySet
from core.queries import SubqueryCount


class ZoneQuerySet(ScopedQuerySet, models.QuerySet):
    pass


class GridQuerySet(ScopedQuerySet, models.QuerySet):
    pass


class ParcelQuerySet(ScopedQuerySet, models.QuerySet):
    def with_tenant_counts(self):
        return self.annotate(tenant_count=Count("tenants", filter=Q(tenants__active=True), distinct=True))

    def multi_tenant(self):
        return self.with_tenant_counts().filter(tenant_count__gt=1)


class EnterpriseQuerySet(ScopedQuerySet, models.QuerySet):
    pass


def active_tenants_of(ref="pk"):
    """The number of active tenants of the parcel in the outer query (``ref``: its id column)."""
    from register.models import Enterprise

    return SubqueryCount(Enterprise.objects.filter(parcel_id=OuterRef(ref), active=True))
