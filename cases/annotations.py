"""Per-row figures of units as scalar sub-selects (no GROUP BY on the list's query).

A **visit** to a unit (DESIGN.md's 一家次 coverage) is one definition, used by the "visited this
round" flag and the "last visit" date alike: an inspection recorded at the unit, or a hazard
reported at it (a report is made on the spot, with or without a checklist).
"""

from django.db.models import DateTimeField, Exists, OuterRef, Subquery
from django.db.models.functions import Coalesce, Greatest

from cases.models import Hazard, Inspection
from core.queries import SubqueryCount


def open_hazards_of(field):
    """Open hazards of the unit in the outer query (``field`` is 'enterprise' or 'parcel')."""
    return SubqueryCount(Hazard.objects.open().filter(**{field: OuterRef("pk")}))


def _visits(field):
    """(inspections, hazard reports) of the unit in the outer query, with the time each was made."""
    inspections = Inspection.objects.filter(**{field: OuterRef("pk")})
    reports = Hazard.objects.filter(**{field: OuterRef("pk")})
    return inspections, reports


def visited_since(field, since):
    """The unit had a visit (an inspection or a hazard report) at or after ``since``."""
    inspections, reports = _visits(field)
    return Exists(inspections.filter(inspected_at__gte=since)) | Exists(reports.filter(reported_at__gte=since))


def last_inspected(field):
    """The time of the unit's last visit (an inspection or a hazard report), or None."""
    inspections, reports = _visits(field)
    last_inspection = Subquery(inspections.order_by("-inspected_at").values("inspected_at")[:1])
    last_report = Subquery(reports.order_by("-reported_at").values("reported_at")[:1])
    # Greatest is NULL on SQLite when either is: each side falls back on the other.
    return Greatest(
        Coalesce(last_inspection, last_report, output_field=DateTimeField()),
        Coalesce(last_report, last_inspection, output_field=DateTimeField()),
        output_field=DateTimeField(),
    )
