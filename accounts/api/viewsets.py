"""Base classes of every API viewset: scoped querysets, role checks per action, one pagination."""

from rest_framework import viewsets
from rest_framework.permissions import IsAuthenticated

from accounts.api.permissions import ActionRolePermission
from core.api.pagination import StandardPagination


class ScopedViewSetMixin:
    """``get_queryset`` is ``base_queryset()`` narrowed by ``visible_to(request.user)``.

    Every object a viewset returns or acts on is looked up through this queryset, so an
    object outside the caller's scope answers 404, the same as one that does not exist.
    """

    permission_classes = [IsAuthenticated, ActionRolePermission]
    pagination_class = StandardPagination
    action_roles = {}

    def base_queryset(self):
        raise NotImplementedError

    def get_queryset(self):
        return self.base_queryset().visible_to(self.request.user)


class PageByIdsMixin:
    """Pages of large tables in two steps: the page's ids (filters, scope and order on the table
    alone, which an index can serve), then those rows with their relations.

    Joining the related tables before sorting made SQLite sort every visible row (65 ms for
    10,000 tickets, against 2 ms for the ids alone).
    """

    def paginate_queryset(self, queryset):
        ids = super().paginate_queryset(
            queryset.select_related(None).prefetch_related(None).values_list("pk", flat=True)
        )
        if ids is None:
            return None
        ids = list(ids)
        rows = {row.pk: row for row in self.base_queryset().filter(pk__in=ids)}
        return [rows[pk] for pk in ids if pk in rows]


class ScopedReadOnlyViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass
