"""Base classes of every API viewset: scoped querysets, the policy per action, one pagination."""

from rest_framework import viewsets
from rest_framework.permissions import IsAuthenticated

from accounts.api.permissions import PolicyPermission
from core.api.pagination import StandardPagination
from core.queries import page_by_keys


class ScopedViewSetMixin:
    """``get_queryset`` is ``base_queryset()`` narrowed by ``visible_to(request.user)``.

    Every object a viewset returns or acts on is looked up through this queryset, so an
    object outside the caller's scope answers 404, the same as one that does not exist.
    ``policy_actions`` names the accounts.policy action of each DRF action that changes something.
    """

    permission_classes = [IsAuthenticated, PolicyPermission]
    pagination_class = StandardPagination
    policy_actions = {}

    def base_queryset(self):
        raise NotImplementedError

    def get_queryset(self):
        return self.base_queryset().visible_to(self.request.user)


class PageByIdsMixin:
    """Pages of large tables in two steps (core.queries.page_by_keys): the page's ids (filters,
    scope and order on the table alone, which an index can serve), then those rows with their
    relations from ``base_queryset()``.

    Joining the related tables before sorting made SQLite sort every visible row (65 ms for
    10,000 tickets, against 2 ms for the ids alone).
    """

    def paginate_queryset(self, queryset):
        return page_by_keys(queryset, super().paginate_queryset, rows=self.base_queryset())


class ScopedReadOnlyViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass
