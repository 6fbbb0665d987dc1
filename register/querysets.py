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
        """一厂多租: the parcels with more than one active tenant (``shared_parcel_ids``)."""
        return self.filter(pk__in=shared_parcel_ids())


class EnterpriseQuerySet(ScopedQuerySet, models.QuerySet):
    pass


def shared_parcel_ids():
    """The ids of the parcels with more than one active tenant (一厂多租), as one uncorrelated subquery: a
    filter ``parcel_id__in=shared_parcel_ids()`` is one grouped scan of the enterprises, hashed once, where
    ``active_tenants_of() > 1`` would count each row's parcel again."""
    from register.models import Enterprise

    return (
        Enterprise.objects.filter(active=True, parcel_id__isnull=False)
        .values("parcel_id")
        .annotate(tenants=Count("pk"))
        .filter(tenants__gt=1)
        .values("parcel_id")
    )


def active_tenants_of(ref="pk"):
    """The number of active tenants of the parcel in the outer query (``ref``: its id column)."""
    from register.models import Enterprise

    return SubqueryCount(Enterprise.objects.filter(parcel_id=OuterRef(ref), active=True))
