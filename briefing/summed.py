"""The history figures of ``figures.compute_figures`` read from the day summaries plus the live rows.

``compute_figures`` asks for hazards found and rectified over ``[start, end)``, the activity of a
sub-period (hazards new and rectified, inspections, units covered) and the escalations raised in a window.
Each window is cut at ``C``, the start of the first day not summarised (``summaries.covered_until``):
the part before ``C`` is a sum over the summaries (``TotalSummary`` rows for all of it, ``MonthSummary`` rows for the whole months, ``DaySummary``
rows for the other days: a grouped statement each, for every window), the part
from ``C`` on is read from the rows by a range on their indexed timestamps (``reported_at``,
``rectified_at``, ``inspected_at``, the events' ``created_at``): the cost grows with the days since
``C`` (normally today), not with the history.

The raw path counts the hazards that counted at ``end`` (``figures.counted_as_of``) and, of those, the
ones rectified before ``end``; the summaries hold today's verdicts. Two small statements put them back:
the hazards marked duplicate or invalid since ``end`` (read from the events since ``end``) count again,
the hazards rectified since ``end`` are taken out of the rectified.

A window whose part before ``C`` does not fall on whole local days cannot be read from the summaries;
``plan`` answers None and the caller reads it from the rows (``source="raw"`` semantics).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Min, Q, Sum

from briefing.models import DaySummary, MonthSummary, TotalSummary
from briefing.summaries import month_of, next_month, unit_of, units_q
from cases.choices import HazardStatus
from cases.models import Hazard, Inspection
from cases.querysets import counted_hazard_q, rectified_hazard_q
from catalogue.choices import Severity
from core.dates import day_start, local_day
from timeline.kinds import EventKind
from timeline.models import Event

NOTHING = Q(pk__in=[])
EVERYTHING = Q(pk__isnull=False)
MARKED = [EventKind.HAZARD_MARKED_DUPLICATE, EventKind.HAZARD_MARKED_INVALID]


@dataclass
class Window:
    """A window ``[lo, hi)`` cut at ``C``: days ``[first, after)`` from the summaries (``summed``), the rest
    ``[live_lo, live_hi)`` from the rows (``live``)."""

    lo: object
    hi: object
    first: object = None
    after: object = None
    summed: bool = False
    live_lo: object = None
    live_hi: object = None
    live: bool = False
    until: object = None  # the first day not summarised (C)

    def periods(self):
        """The summarised part as ``(every summarised day, whole months, other days)``: a Q on ``TotalSummary``
        (all of it, when the window runs from the start to ``C``), one on ``MonthSummary.month`` and one on
        ``DaySummary.day``. A month row holds the days summarised so far, so the month of the last summarised
        day counts as whole when the window runs to ``C``."""
        if not self.summed:
            return NOTHING, NOTHING, NOTHING
        first, after = self.first, self.after
        if first is None and after == self.until:
            return EVERYTHING, NOTHING, NOTHING
        lo = None if first is None else first if first.day == 1 else next_month(first)
        hi = next_month(month_of(after - timedelta(days=1))) if after == self.until else month_of(after)
        if lo is not None and lo >= hi:
            return NOTHING, NOTHING, _day_range(first, after)
        months = Q(month__lt=hi) if lo is None else Q(month__gte=lo, month__lt=hi)
        days = NOTHING
        if lo is not None and first < lo:
            days |= _day_range(first, lo)
        if hi < after:
            days |= _day_range(hi, after)
        return NOTHING, months, days

    def rows(self, field):
        """The rows of the live part (a Q on ``field``)."""
        if not self.live:
            return NOTHING
        q = Q(**{f"{field}__gte": self.live_lo})
        if self.live_hi is not None:
            q &= Q(**{f"{field}__lt": self.live_hi})
        return q

    def whole(self, field):
        """All of the window ``[lo, hi)`` on ``field`` (a Q), for the rows changed since."""
        q = Q()
        if self.lo is not None:
            q &= Q(**{f"{field}__gte": self.lo})
        if self.hi is not None:
            q &= Q(**{f"{field}__lt": self.hi})
        return q

    def contains(self, moment):
        return (self.lo is None or moment >= self.lo) and (self.hi is None or moment < self.hi)

    @property
    def one_summed_day(self):
        return self.summed and not self.live and self.first is not None and (self.after - self.first).days == 1

    @property
    def from_the_start(self):
        return self.lo is None


def _day_range(first, after):
    return Q(day__gte=first, day__lt=after)


def _aligned(moment):
    return day_start(local_day(moment)) == moment


def plan(lo, hi, until):
    """The Window of ``[lo, hi)`` for summaries covering the days before ``until``; None when the part
    before ``C`` does not fall on whole days."""
    cut = day_start(until)
    window = Window(lo, hi, until=until)
    if lo is None or lo < cut:
        top = cut if hi is None or hi > cut else hi
        if (lo is not None and not _aligned(lo)) or not _aligned(top):
            return None
        window.first = None if lo is None else local_day(lo)
        window.after = local_day(top)
        window.summed = window.first is None or window.first < window.after
    live_lo = cut if lo is None or lo < cut else lo
    if hi is None or hi > live_lo:
        window.live, window.live_lo, window.live_hi = True, live_lo, hi
    return window


def summary_rows(found, activity, escalations):
    """The summaries of the windows, by zone and grid: one statement on the totals (a window from the start), one
    on the month summaries (the whole months) and one on the day summaries (the other days), each left out when
    no window needs it."""
    for index, model in enumerate((TotalSummary, MonthSummary, DaySummary)):
        found_part, activity_part, escalation_part = (w.periods()[index] for w in (found, activity, escalations))
        if all(part is NOTHING for part in (found_part, activity_part, escalation_part)):
            continue

        def total(field, part):
            return Sum(field, filter=part, default=0)

        sums = {
            "found_general": total("found_general", found_part),
            "found_major": total("found_major", found_part),
            "rectified_general": total("rectified_general", found_part),
            "rectified_major": total("rectified_major", found_part),
            "new_general": total("found_general", activity_part),
            "new_major": total("found_major", activity_part),
            "fixed_general": total("fixed_general", activity_part),
            "fixed_major": total("fixed_major", activity_part),
            "first_reported_at": Min("first_reported_at", filter=found_part | activity_part),
            "inspections_total": total("inspections", found_part),
            "inspections": total("inspections", activity_part),
            "units_first_grid": total("units_first_grid", found_part),
            "units_first_zone": total("units_first_zone", found_part),
            "units_first_all": total("units_first_all", found_part),
            "units_day_grid": total("units_day_grid", activity_part),
            "units_day_zone": total("units_day_zone", activity_part),
            "units_day_all": total("units_day_all", activity_part),
            "escalations": total("escalations", escalation_part),
        }
        rows = (
            model.objects.filter(found_part | activity_part | escalation_part)
            .values("zone_id", "grid_id")
            .annotate(**{f"sum_{name}": aggregate for name, aggregate in sums.items()})
            .order_by()
        )
        for row in rows:  # the summaries' columns carry the figures' names: the sums are aliased, then renamed
            yield {name.removeprefix("sum_"): value for name, value in row.items()}


def live_hazard_rows(found, activity):
    """The hazards of the live parts, counted now, by zone and grid: one statement on the time indexes."""
    general, major = Q(severity=Severity.GENERAL), Q(severity=Severity.MAJOR)
    counted, rectified = counted_hazard_q(), rectified_hazard_q()
    in_found, in_new = found.rows("reported_at"), activity.rows("reported_at")
    fixed = activity.rows("rectified_at")
    if not (found.live or activity.live):
        return []
    return (
        Hazard.objects.filter(in_found | in_new | fixed)
        .values("zone_id", "grid_id")
        .annotate(
            found_general=Count("pk", filter=counted & in_found & general),
            found_major=Count("pk", filter=counted & in_found & major),
            rectified_general=Count("pk", filter=rectified & in_found & general),
            rectified_major=Count("pk", filter=rectified & in_found & major),
            new_general=Count("pk", filter=counted & in_new & general),
            new_major=Count("pk", filter=counted & in_new & major),
            fixed_general=Count("pk", filter=rectified & fixed & general),
            fixed_major=Count("pk", filter=rectified & fixed & major),
            first_reported_at=Min("reported_at", filter=counted & (in_found | in_new)),
        )
        .order_by()
    )


def end_corrections(end, found, activity):
    """``(zone, grid, figure, delta, reported_at)`` turning today's verdicts back to those at ``end``: the
    hazards marked duplicate or invalid since ``end`` count as found (and new); the hazards rectified since
    ``end`` are not rectified yet. Two statements, driven by the events and the rectified_at index."""
    marked = Event.objects.filter(kind__in=MARKED, created_at__gte=end, hazard__isnull=False).values("hazard_id")
    voided = Q(status__in=[HazardStatus.DUPLICATE, HazardStatus.INVALID], withdrawn=False)
    in_found, in_new = found.whole("reported_at"), activity.whole("reported_at")
    rows = Hazard.objects.filter(voided, in_found | in_new, pk__in=marked).values_list(
        "zone_id", "grid_id", "severity", "reported_at"
    )
    for zone_id, grid_id, severity, reported_at in rows:
        if found.contains(reported_at):
            yield zone_id, grid_id, f"found_{severity}", 1, reported_at
        if activity.contains(reported_at):
            yield zone_id, grid_id, f"new_{severity}", 1, reported_at
    for zone_id, grid_id, severity in Hazard.objects.filter(
        rectified_hazard_q(), in_found, rectified_at__gte=end
    ).values_list("zone_id", "grid_id", "severity"):
        yield zone_id, grid_id, f"rectified_{severity}", -1, None


def fixed_before_start(start, activity):
    """``(zone, grid, first reported_at)`` of the hazards rectified in the activity period but found before
    ``start`` (the raw path's earliest hazard counts them). One statement."""
    return (
        Hazard.objects.filter(rectified_hazard_q(), activity.whole("rectified_at"), reported_at__lt=start)
        .values_list("zone_id", "grid_id")
        .annotate(first=Min("reported_at"))
        .order_by()
    )


def live_inspection_rows(found, activity):
    """Inspections of the live parts by zone and grid: one statement on the inspected_at index."""
    if not (found.live or activity.live):
        return []
    in_found, in_activity = found.rows("inspected_at"), activity.rows("inspected_at")
    return (
        Inspection.objects.filter(in_found | in_activity)
        .values("zone_id", "grid_id")
        .annotate(inspections_total=Count("pk", filter=in_found), inspections=Count("pk", filter=in_activity))
        .order_by()
    )


@dataclass
class Units:
    """Distinct units covered, by grid ``(zone, grid)``, by zone, and in the whole area."""

    grids: dict
    zones: dict
    total: int = 0


def _distinct(rows):
    """Units from ``(zone, grid, enterprise, parcel)`` rows."""
    grids, zones, everywhere = defaultdict(set), defaultdict(set), set()
    for zone_id, grid_id, enterprise_id, parcel_id in rows:
        unit = unit_of(enterprise_id, parcel_id)
        if unit is None:
            continue
        grids[(zone_id, grid_id)].add(unit)
        zones[zone_id].add(unit)
        everywhere.add(unit)
    return grids, zones, everywhere


def _unit_rows(inspections):
    return inspections.values_list("zone_id", "grid_id", "enterprise_id", "parcel_id").distinct().order_by()


def units_between(lo, hi):
    """Distinct units inspected in ``[lo, hi)`` (one statement; its cost grows with the period)."""
    grids, zones, everywhere = _distinct(_unit_rows(Inspection.objects.filter(Window(lo, hi).whole("inspected_at"))))
    return Units({k: len(v) for k, v in grids.items()}, {k: len(v) for k, v in zones.items()}, len(everywhere))


def units_first_since(window):
    """Units inspected in the live part of ``window`` and never before it (in the grid, the zone, the
    area): what the ``units_first_*`` counters of the days since ``C`` would add. Two statements."""
    if not window.live:
        return Units({}, {}, 0)
    grids, zones, everywhere = _distinct(_unit_rows(Inspection.objects.filter(window.rows("inspected_at"))))
    if not everywhere:
        return Units({}, {}, 0)
    before = _distinct(_unit_rows(Inspection.objects.filter(units_q(everywhere), inspected_at__lt=window.live_lo)))
    return Units(
        {key: len(units - before[0].get(key, set())) for key, units in grids.items()},
        {key: len(units - before[1].get(key, set())) for key, units in zones.items()},
        len(everywhere - before[2]),
    )


def live_escalation_rows(window):
    if not window.live:
        return []
    return (
        Event.objects.filter(window.rows("created_at"), kind=EventKind.TICKET_ESCALATED, ticket__isnull=False)
        .values("ticket__zone_id", "ticket__grid_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
