from django.db.models import F, Func, IntegerField, Subquery

# --- shared helpers ------------------------------------------------------------------------------


class SubqueryCount(Subquery):
    """``(SELECT COUNT(pk) FROM … WHERE …)`` as a column: no GROUP BY in the outer query, 0 when none."""

    output_field = IntegerField()
    empty_result_set_value = 0

    def __init__(self, queryset):
        super().__init__(queryset.order_by().annotate(_n=Func(F("pk"), function="COUNT")).values("_n"))
