"""Query helpers every app uses: a counting sub-select, paging by keys."""

from django.db.models import F, Func, IntegerField, Subquery


class SubqueryCount(Subquery):
    """``(SELECT COUNT(pk) FROM … WHERE …)`` as a column: no GROUP BY in the outer query, 0 when none."""

    output_field = IntegerField()
    empty_result_set_value = 0

    def __init__(self, queryset):
        super().__init__(queryset.order_by().annotate(_n=Func(F("pk"), function="COUNT")).values("_n"))


def page_by_keys(queryset, paginate, *, rows=None):
    """One page of ``queryset`` in two queries: the page's primary keys, then those rows.

    The keys come from ``queryset`` alone (its filters, scope and order, without the joined
    columns or prefetches: a narrow query an index can serve); ``paginate`` pages that key
    queryset and answers the page's keys (None: not paginated, then None is answered). The rows
    are loaded from ``rows`` (default: ``queryset``) with their joins and prefetches, in the keys'
    order. Sorting every joined row to keep 50 cost the ticket list 54 ms of 60 on PostgreSQL and
    130 ms on SQLite at page 100 (seed data); the two queries cost 9 ms + 1 ms.
    """
    keys = paginate(queryset.select_related(None).prefetch_related(None).values_list("pk", flat=True))
    if keys is None:
        return None
    keys = list(keys)
    if not keys:
        return []
    source = queryset if rows is None else rows
    found = {row.pk: row for row in source.order_by().filter(pk__in=keys)}
    return [found[pk] for pk in keys if pk in found]
