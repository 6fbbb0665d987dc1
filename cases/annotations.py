"""Per-row figures of units as scalar sub-selects (no GROUP BY on the list's query)."""

from django.db.models import Exists, OuterRef, Subquery

from cases.models import Hazard, Inspection
from core.queries import SubqueryCount


def open_hazards_of(field):
    """Open hazards of the unit in the outer query (``field`` is 'enterprise' or 'parcel')."""
    return SubqueryCount(Hazard.objects.open().filter(**{field: OuterRef("pk")}))


def visited_since(field, since):
    return Exists(Inspection.objects.filter(**{field: OuterRef("pk")}, inspected_at__gte=since))


def last_inspected(field):
    return Subquery(
        Inspection.objects.filter(**{field: OuterRef("pk")}).order_by("-inspected_at").values("inspected_at")[:1]
    )
