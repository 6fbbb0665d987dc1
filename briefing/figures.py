"""The ledger figures (台账数字) for any scope and period, in a constant number of statements.

Three kinds of figure, each with its own time reference:

* **cumulative** over ``[start, end)``: hazards found (not duplicate, invalid or withdrawn),
  how many of those were rectified by ``end``, by severity, and the rate;
* **activity** over a sub-period (default: the same): hazards newly found and hazards
  rectified in it, by severity; inspections (家次) and units covered; escalations raised;
* **state** at the moment ``as_of`` (default: ``end``, or now): open tickets by status,
  overdue tickets, tickets under escalation, parcels closed out of all parcels. These are
  read from the tickets' timestamps, so they are exact for ``as_of`` = now and a close
  reconstruction for a past moment: a ticket's escalation level and a parcel's close-out state
  are taken from the first change after ``as_of`` (its events), so a later 督办 or 销号 does not
  show; a ticket's deadline changed since is not known.

Every table is read by one grouped statement per question (``GROUP BY zone_id, grid_id``);
the figures of each grid, each zone and the whole area are then added up in Python from
those grouped rows (a loop over groups, never over hazards or tickets). Distinct counts
(units covered) cannot be added up, so they get one statement per level. All date bounds
are aware datetimes computed in Python for Asia/Shanghai days and passed as literals (see
PERFORMANCE.md); nothing here puts a subquery inside a grouped ``annotate``.

The cumulative and activity figures are read from the day summaries (``briefing.summaries``: one row
per closed local day and grid) plus the rows since the last summarised day, by range on their time
indexes (``briefing.summed``), so their cost grows with the day, not with the history; a period that does
not fall on whole days, or a database without summaries, reads the rows (``source="raw"``, the same
figures). The tickets open at a past moment are read in two index-served parts (``open_at_parts``).

    figures = compute_figures(start=date(2023, 1, 1), end=date(2023, 12, 31))
    figures.total.found, figures.total.rate_str            # 19997, "99.21"
    figures.zones[zone.pk].overdue
    figures.scope("grid:7").open_tickets
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, fields
from datetime import datetime
from decimal import Decimal

from django.db.models import (
    Count,
    Exists,
    Min,
    OuterRef,
    Q,
)
from django.utils import timezone

from briefing import summaries, summed
from briefing.state_figures import (
    parcel_rows,
    ticket_rows,
    turn_back_changes_since,
)
from cases.choices import COUNTED_HAZARD_STATUSES, HazardStatus
from cases.models import Hazard, Inspection
from cases.querysets import rectified_hazard_q
from catalogue.choices import Severity
from core.dates import as_bound, day_bounds, day_start, format_rate, local_tz, rate_of  # noqa: F401 (figures' vocabulary)
from register.models import Grid, Zone
from timeline.kinds import EventKind
from timeline.models import Event

TWO_PLACES = Decimal("0.01")


# --- the figures of one scope ------------------------------------------------------------------------


@dataclass
class Figures:
    """The ledger figures of one scope (a grid, a zone, the whole area, or a sum of zones)."""

    # cumulative, [start, end)
    found_general: int = 0
    found_major: int = 0
    rectified_general: int = 0
    rectified_major: int = 0
    inspections_total: int = 0
    units_covered_total: int = 0
    # activity, the sub-period
    new_general: int = 0
    new_major: int = 0
    fixed_general: int = 0  # rectified during the activity period (whenever found)
    fixed_major: int = 0
    inspections: int = 0
    units_covered: int = 0
    escalations_raised: int = 0
    # state at as_of
    pending: int = 0
    assigned: int = 0
    submitted: int = 0
    overdue: int = 0
    escalated_supervised: int = 0
    escalated_listed: int = 0
    parcels_total: int = 0
    parcels_closed_out: int = 0
    parcels_red: int = 0
    parcels_crosscheck: int = 0  # a cross-check requested (part of parcels_pending)
    # the close-out states (closeout.querysets.ParcelState); parcels_red: with open hazards
    parcels_pending: int = 0
    parcels_green: int = 0
    parcels_uninspected: int = 0
    first_reported_at: datetime | None = field(default=None, compare=False)

    @property
    def found(self):
        return self.found_general + self.found_major

    @property
    def rectified(self):
        return self.rectified_general + self.rectified_major

    @property
    def new(self):
        return self.new_general + self.new_major

    @property
    def fixed(self):
        return self.fixed_general + self.fixed_major

    @property
    def rate(self):
        """整改率: rectified / found (excluding duplicate, invalid and withdrawn), Decimal to 0.01, or None."""
        return rate_of(self.rectified, self.found)

    @property
    def rate_str(self):
        return format_rate(self.rate)

    @property
    def open_tickets(self):
        return self.pending + self.assigned + self.submitted

    @property
    def escalated(self):
        return self.escalated_supervised + self.escalated_listed

    def add(self, other, *, distinct=True):
        """Add ``other``'s counts to this one. ``distinct=False`` leaves units covered alone (the caller
        sets them from a distinct count of its own level)."""
        for f in fields(self):
            if f.name == "first_reported_at":
                continue
            if not distinct and f.name.startswith("units_covered"):
                continue
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))
        if other.first_reported_at and (
            self.first_reported_at is None or other.first_reported_at < self.first_reported_at
        ):
            self.first_reported_at = other.first_reported_at
        return self

    def as_dict(self):
        """Plain JSON-ready values, with the derived figures."""
        data = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "first_reported_at"}
        data.update(
            found=self.found,
            rectified=self.rectified,
            new=self.new,
            fixed=self.fixed,
            rectification_rate=self.rate_str,
            open_tickets=self.open_tickets,
            escalated=self.escalated,
        )
        return data


@dataclass
class FigureSet:
    """The figures of every grid, every zone and the whole area for one period."""

    start: datetime | None
    end: datetime | None
    activity: tuple[datetime | None, datetime | None]
    as_of: datetime
    total: Figures
    zones: dict[int, Figures]
    grids: dict[int, Figures]
    zone_names: dict[int, str]
    grid_names: dict[int, str]
    grid_zone: dict[int, int]
    zone_order: list[int]

    def scope(self, scope):
        """The figures of ``'all'``, ``'zone:<id>'`` or ``'grid:<id>'`` (empty figures for an unknown id)."""
        if scope in ("all", "", None):
            return self.total
        kind, _sep, pk = str(scope).partition(":")
        try:
            pk = int(pk)
        except ValueError:
            raise ValueError(f"unknown scope {scope!r}") from None
        if kind == "zone":
            return self.zones.get(pk, Figures())
        if kind == "grid":
            return self.grids.get(pk, Figures())
        raise ValueError(f"unknown scope {scope!r}")

    def for_zones(self, zone_ids):
        """The sum of some zones (a user's scope). Units covered are added up, which is exact as long
        as no unit is inspected under two zones."""
        result = Figures()
        for pk in zone_ids:
            if pk in self.zones:
                result.add(self.zones[pk])
        return result

    def grids_of(self, zone_id):
        return [pk for pk, zone in self.grid_zone.items() if zone == zone_id]


# --- the statements ----------------------------------------------------------------------------------


def _between(field_name, start, end):
    q = Q()
    if start is not None:
        q &= Q(**{f"{field_name}__gte": start})
    if end is not None:
        q &= Q(**{f"{field_name}__lt": end})
    return q


def _either(*conditions):
    """OR of the conditions; an empty Q (no bound at all) matches everything, so it wins.

    Plain ``Q() | X`` would give X: Django drops the empty side.
    """
    if any(not condition for condition in conditions):
        return Q()
    result = conditions[0]
    for condition in conditions[1:]:
        result |= condition
    return result


def counted_as_of(end):
    """Hazards that counted as found at ``end`` (None: now): counted now, or marked duplicate or
    invalid only at or after ``end`` (a later verdict does not change a dated briefing)."""
    if end is None:
        return Hazard.objects.counted()
    marked_later = Exists(
        Event.objects.filter(
            hazard=OuterRef("pk"),
            kind__in=[EventKind.HAZARD_MARKED_DUPLICATE, EventKind.HAZARD_MARKED_INVALID],
            created_at__gte=end,
        )
    )
    then = (
        Q(status__in=COUNTED_HAZARD_STATUSES)
        | Q(status__in=[HazardStatus.DUPLICATE, HazardStatus.INVALID]) & marked_later
    )
    return Hazard.objects.filter(then, withdrawn=False)


def _hazard_rows(start, end, a_start, a_end):
    found = _between("reported_at", start, end)
    new = _between("reported_at", a_start, a_end)
    fixed = rectified_hazard_q() & _between("rectified_at", a_start, a_end)
    rectified = rectified_hazard_q()
    if end is not None:
        rectified &= Q(rectified_at__lt=end) | Q(rectified_at__isnull=True)
    general, major = Q(severity=Severity.GENERAL), Q(severity=Severity.MAJOR)
    where = _either(found, new, fixed)
    return (
        counted_as_of(end)
        .filter(where)
        .values("zone_id", "grid_id")
        .annotate(
            found_general=Count("pk", filter=found & general),
            found_major=Count("pk", filter=found & major),
            rectified_general=Count("pk", filter=found & rectified & general),
            rectified_major=Count("pk", filter=found & rectified & major),
            new_general=Count("pk", filter=new & general),
            new_major=Count("pk", filter=new & major),
            fixed_general=Count("pk", filter=fixed & general),
            fixed_major=Count("pk", filter=fixed & major),
            first_reported_at=Min("reported_at"),
        )
        .order_by()
    )


def _inspection_aggregates(start, end, a_start, a_end):
    total = _between("inspected_at", start, end)
    recent = _between("inspected_at", a_start, a_end)
    no_enterprise = Q(enterprise__isnull=True)
    return {
        "inspections_total": Count("pk", filter=total),
        "inspections": Count("pk", filter=recent),
        # a unit is the enterprise, or the parcel when the visit was to a parcel as a whole
        "ue_total": Count("enterprise_id", filter=total, distinct=True),
        "up_total": Count("parcel_id", filter=total & no_enterprise, distinct=True),
        "ue": Count("enterprise_id", filter=recent, distinct=True),
        "up": Count("parcel_id", filter=recent & no_enterprise, distinct=True),
    }, _either(total, recent)


def _escalation_rows(e_start, e_end):
    return (
        Event.objects.filter(
            _between("created_at", e_start, e_end), kind=EventKind.TICKET_ESCALATED, ticket__isnull=False
        )
        .values("ticket__zone_id", "ticket__grid_id")
        .annotate(n=Count("pk"))
        .order_by()
    )


def _raw_history(start, end, a_start, a_end, e_start, e_end, at):
    """The history figures read from the rows (the whole history in range: ``source="raw"``). Returns the
    units covered ``({zone: (total, activity)}, (total, activity))``."""
    for row in _hazard_rows(start, end, a_start, a_end):
        figures = at(row.pop("zone_id"), row.pop("grid_id"))
        for name, value in row.items():
            setattr(figures, name, value)

    aggregates, where = _inspection_aggregates(start, end, a_start, a_end)
    inspections = Inspection.objects.filter(where) if where else Inspection.objects.all()
    for row in inspections.values("zone_id", "grid_id").annotate(**aggregates).order_by():
        figures = at(row["zone_id"], row["grid_id"])
        figures.inspections_total = row["inspections_total"]
        figures.inspections = row["inspections"]
        figures.units_covered_total = row["ue_total"] + row["up_total"]
        figures.units_covered = row["ue"] + row["up"]
    zone_units = {
        row["zone_id"]: (row["ue_total"] + row["up_total"], row["ue"] + row["up"])
        for row in inspections.values("zone_id").annotate(**aggregates).order_by()
    }
    total = inspections.aggregate(**aggregates)

    for row in _escalation_rows(e_start, e_end):
        at(row["ticket__zone_id"], row["ticket__grid_id"]).escalations_raised = row["n"]
    return zone_units, (
        (total["ue_total"] or 0) + (total["up_total"] or 0),
        (total["ue"] or 0) + (total["up"] or 0),
    )


HISTORY_FIGURES = (
    "found_general", "found_major", "rectified_general", "rectified_major",
    "new_general", "new_major", "fixed_general", "fixed_major", "inspections_total", "inspections",
)  # fmt: skip


def _summed_units(found, activity, totals, days, at):
    """Units covered: the summaries' first visits from the start (plus those since), the one summarised day's
    counters; else distinct over the period from the rows (its cost grows with the period, not the history)."""
    if found.from_the_start:
        since = summed.units_first_since(found)
        total_units = summed.Units(
            {k: v + since.grids.get(k, 0) for k, v in totals["grids"].items()}
            | {k: v for k, v in since.grids.items() if k not in totals["grids"]},
            {k: totals["zones"].get(k, 0) + since.zones.get(k, 0) for k in {*totals["zones"], *since.zones}},
            totals["all"] + since.total,
        )
    else:
        total_units = summed.units_between(found.lo, found.hi)
    if activity.one_summed_day:
        day_units = summed.Units(days["grids"], days["zones"], days["all"])
    else:
        day_units = summed.units_between(activity.lo, activity.hi)
    for key in {*total_units.grids, *day_units.grids}:
        figures = at(*key)
        figures.units_covered_total = total_units.grids.get(key, 0)
        figures.units_covered = day_units.grids.get(key, 0)
    zone_units = {
        zone_id: (total_units.zones.get(zone_id, 0), day_units.zones.get(zone_id, 0))
        for zone_id in {*total_units.zones, *day_units.zones}
    }
    return zone_units, (total_units.total, day_units.total)


def _summed_history(windows, end, at):
    """The history figures from the day summaries plus the rows since (briefing.summed); the same numbers
    as ``_raw_history``. Returns the units covered as ``_raw_history`` does."""
    found, activity, escalations = windows

    def earliest(figures, moment):
        if moment is not None and (figures.first_reported_at is None or moment < figures.first_reported_at):
            figures.first_reported_at = moment

    def put(row):
        figures = at(row["zone_id"], row["grid_id"])
        for name in HISTORY_FIGURES:
            setattr(figures, name, getattr(figures, name) + (row.get(name) or 0))
        earliest(figures, row.get("first_reported_at"))
        return figures

    totals = {"grids": defaultdict(int), "zones": defaultdict(int), "all": 0}
    days = {"grids": defaultdict(int), "zones": defaultdict(int), "all": 0}
    for row in summed.summary_rows(found, activity, escalations):
        figures = put(row)
        figures.escalations_raised += row["escalations"]
        key = (row["zone_id"], row["grid_id"])
        totals["grids"][key] += row["units_first_grid"]
        totals["zones"][row["zone_id"]] += row["units_first_zone"]
        totals["all"] += row["units_first_all"]
        days["grids"][key] += row["units_day_grid"]
        days["zones"][row["zone_id"]] += row["units_day_zone"]
        days["all"] += row["units_day_all"]
    for row in summed.live_hazard_rows(found, activity):
        put(row)
    for row in summed.live_inspection_rows(found, activity):
        put(row)
    for row in summed.live_escalation_rows(escalations):
        at(row["ticket__zone_id"], row["ticket__grid_id"]).escalations_raised += row["n"]
    if end is not None:
        for zone_id, grid_id, name, delta, reported_at in summed.end_corrections(end, found, activity):
            figures = at(zone_id, grid_id)
            setattr(figures, name, getattr(figures, name) + delta)
            earliest(figures, reported_at)
    if found.lo is not None:
        for zone_id, grid_id, first in summed.fixed_before_start(found.lo, activity):
            earliest(at(zone_id, grid_id), first)

    return _summed_units(found, activity, totals, days, at)


def compute_figures(
    start=None, end=None, *, activity=None, as_of=None, escalations=None, source="summary", parcels=None
):
    """The figures of every grid, every zone and the whole area.

    ``start``/``end``: the cumulative period; dates are local days (``end`` inclusive), datetimes
    are taken as they are (``end`` exclusive); None leaves that side open.
    ``activity``: ``(start, end)`` of the activity period in the same terms (default: the period).
    ``as_of``: the moment of the state figures (default: ``end``, or now when that is later or open).
    ``escalations``: ``(start, end)`` of the escalations counted as raised (default: the activity period).
    ``source``: ``"summary"`` (default) reads the history from the day summaries (briefing.summaries) plus the
    rows since, when there are summaries and the periods fall on whole days; ``"raw"`` reads it from the rows.
    Both give the same figures (the summaries as of their last catch-up).
    ``parcels``: the parcels' figures per zone as the map's cells keep them now (``closeout.map_cells
    .zone_states``), read instead of the parcels when ``as_of`` is now (the grids then go without them).
    """
    start, end = as_bound(start), as_bound(end, end=True)
    if activity is None:
        a_start, a_end = start, end
    else:
        a_start, a_end = as_bound(activity[0]), as_bound(activity[1], end=True)
    now = timezone.now()
    if as_of is None:
        as_of = end if end is not None and end < now else now
    else:
        as_of = as_bound(as_of)
    e_start, e_end = (a_start, a_end) if escalations is None else (as_bound(escalations[0]), as_bound(escalations[1]))

    zone_rows = list(Zone.objects.order_by("order", "name").values_list("pk", "name"))
    grid_rows = list(Grid.objects.order_by("zone_id", "name").values_list("pk", "zone_id", "name"))
    grid_zone = {pk: zone_id for pk, zone_id, _name in grid_rows}
    grids = {pk: Figures() for pk, _zone, _name in grid_rows}
    zones = {pk: Figures() for pk, _name in zone_rows}

    def at(zone_id, grid_id):
        figures = grids.get(grid_id)
        if figures is None:  # a row whose grid is gone from the register still counts in its zone
            figures = grids[grid_id] = Figures()
            grid_zone[grid_id] = zone_id
        zones.setdefault(zone_id, Figures())
        return figures

    until = summaries.covered_until() if source != "raw" else None
    windows = [None]
    if until is not None:  # each period cut at the first day not summarised (None: not on whole days)
        windows = [summed.plan(lo, hi, until) for lo, hi in ((start, end), (a_start, a_end), (e_start, e_end))]
    if None in windows:
        units = _raw_history(start, end, a_start, a_end, e_start, e_end, at)
    else:
        units = _summed_history(windows, end, at)

    for row in ticket_rows(as_of):
        figures = at(row["zone_id"], row["grid_id"])
        figures.submitted = row["submitted"]
        figures.assigned = row["assigned_or_submitted"] - row["submitted"]
        figures.pending = row["open"] - row["assigned_or_submitted"]
        figures.overdue = row["overdue"]
        figures.escalated_supervised = row["escalated_supervised"]
        figures.escalated_listed = row["escalated_listed"]

    for row in parcel_rows(as_of) if parcels is None else ():
        grid_id = row.pop("grid_id")
        figures = at(grid_zone.get(grid_id), grid_id)
        for name, value in row.items():
            setattr(figures, name, value)
    turn_back_changes_since(as_of, at, grid_zone, parcels=parcels is None)

    for grid_id, figures in grids.items():
        zones[grid_zone[grid_id]].add(figures, distinct=False)
    for zone_id, values in (parcels or {}).items():
        figures = zones.setdefault(zone_id, Figures())
        for name, value in values.items():
            setattr(figures, name, getattr(figures, name) + value)
    total = Figures()
    zone_units, total_units = units
    for zone_id, figures in zones.items():
        figures.units_covered_total, figures.units_covered = zone_units.get(zone_id, (0, 0))
        total.add(figures, distinct=False)
    total.units_covered_total, total.units_covered = total_units

    return FigureSet(
        start=start,
        end=end,
        activity=(a_start, a_end),
        as_of=as_of,
        total=total,
        zones=zones,
        grids=grids,
        zone_names=dict(zone_rows),
        grid_names={pk: name for pk, _zone, name in grid_rows},
        grid_zone=grid_zone,
        zone_order=[pk for pk, _name in zone_rows],
    )


def rate_tone(rate):
    """green from 95%, amber from 80%, red below; "" when nothing was found."""
    if rate is None:
        return ""
    return "green" if rate >= 95 else "amber" if rate >= 80 else "red"
