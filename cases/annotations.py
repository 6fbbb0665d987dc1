"""Per-row figures of units as scalar sub-selects or joins (no GROUP BY on the list's query).

A **visit** to a unit (DESIGN.md's 一家次 coverage) is one definition, used by the "visited this
round" flag, the "last visit" date and patrol coverage alike: an inspection recorded at the unit, or a
hazard reported at it (a report is made on the spot, with or without a checklist). The database keeps
each unit's last one (cases migration 0009), which these read.
"""

from django.db.models import BooleanField, Case, F, OuterRef, Value, When

from cases.models import Hazard
from core.queries import SubqueryCount


def open_hazards_of(field):
    """Open hazards of the unit in the outer query (``field`` is 'enterprise' or 'parcel')."""
    return SubqueryCount(Hazard.objects.open().filter(**{field: OuterRef("pk")}))


def visited_since(since):
    """The unit in the outer query had a visit (an inspection or a hazard report) at or after ``since``:
    its last visit (``latest_visit``, kept by the database's triggers: cases.models.EnterpriseVisit,
    ParcelVisit) is that late. One join, whatever the history."""
    return Case(When(latest_visit__at__gte=since, then=Value(True)), default=Value(False), output_field=BooleanField())


def last_inspected():
    """The time of the unit's last visit (an inspection or a hazard report), or None."""
    return F("latest_visit__at")
