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

    figures = compute_figures(start=date(2023, 1, 1), end=date(2023, 12, 31))
    figures.total.found, figures.total.rate_str            # 19997, "99.21"
    figures.zones[zone.pk].overdue
    figures.scope("grid:7").open_tickets
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce, RowNumber
from django.utils import timezone

from cases.choices import COUNTED_HAZARD_STATUSES, EscalationLevel, HazardStatus, TicketStatus
from cases.models import Hazard, Inspection, Ticket
from cases.querysets import open_ticket_q, overdue_q, rectified_hazard_q
from catalogue.choices import Severity
from closeout.querysets import ParcelState, parcel_state, parcel_state_q
from core.dates import as_bound, day_bounds, day_start, format_rate, local_tz, rate_of  # noqa: F401 (figures' vocabulary)
from ledgers import figures as ledger_figures
from ledgers.models import Drill, WeldingDevice
from register.choices import CloseoutState, risk_colour
from register.models import Enterprise, Grid, Parcel, Zone
from risk.patrols import Coverage, coverage, plan_on
from servicedesk.figures import average_rating, request_rows
from servicedesk.models import ServiceRequest
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


def ticket_state_at(as_of):
    """``(open, submitted, assigned)`` Q objects: a ticket open at ``as_of``, and among those, submitted
    then, and assigned-or-submitted then (read from the timestamps; the current status where one is missing)."""
    open_at = open_ticket_q(as_of)
    submitted = Q(status__in=[TicketStatus.SUBMITTED, TicketStatus.CLOSED], submitted_at__lt=as_of) | Q(
        status=TicketStatus.SUBMITTED, submitted_at__isnull=True
    )
    assigned = Q(assigned_at__lt=as_of) | Q(
        assigned_at__isnull=True, status__in=[TicketStatus.ASSIGNED, TicketStatus.SUBMITTED]
    )
    return open_at, submitted, assigned


def status_at(as_of):
    """An expression for a ticket's status at ``as_of`` (for tickets open then)."""
    _open, submitted, assigned = ticket_state_at(as_of)
    return Case(
        When(submitted, then=Value(TicketStatus.SUBMITTED.value)),
        When(assigned, then=Value(TicketStatus.ASSIGNED.value)),
        default=Value(TicketStatus.PENDING.value),
        output_field=CharField(),
    )


def _ticket_rows(as_of):
    open_at, submitted, assigned = ticket_state_at(as_of)
    escalated = Q(escalated_at__lt=as_of) | Q(escalated_at__isnull=True)
    today = timezone.localtime(as_of, local_tz()).date()
    return (
        Ticket.objects.filter(open_at)
        .values("zone_id", "grid_id")
        .annotate(
            open=Count("pk"),
            submitted=Count("pk", filter=submitted),
            assigned_or_submitted=Count("pk", filter=submitted | assigned),
            overdue=Count("pk", filter=overdue_q(today, as_of=as_of)),
            escalated_supervised=Count("pk", filter=escalated & Q(escalation_level=EscalationLevel.SUPERVISED)),
            escalated_listed=Count("pk", filter=escalated & Q(escalation_level=EscalationLevel.LISTED)),
        )
        .order_by()
    )


def _parcel_rows(as_of):
    """Parcels by grid and close-out state as they are now; ``_parcel_corrections`` turns the parcels
    changed since ``as_of`` back (a parcel closed out counts from its 销号 time)."""
    return (
        Parcel.objects.values("grid_id")
        .annotate(
            parcels_total=Count("pk"),
            parcels_closed_out=Count(
                "pk", filter=Q(closeout_state=CloseoutState.GREEN, closed_out_at__isnull=False, closed_out_at__lt=as_of)
            ),
            parcels_crosscheck=Count("pk", filter=Q(closeout_state=CloseoutState.CROSSCHECK)),
            # the close-out states as closeout.querysets defines them (red: open hazards), one Exists per parcel
            **{f"parcels_{state}": Count("pk", filter=parcel_state_q(state)) for state in ParcelState.values},
        )
        .order_by()
    )


def _first_after(events, partition, as_of):
    """Of ``events`` at or after ``as_of``, the first per ``partition`` (the change that ended the state
    at ``as_of``)."""
    order = [F("created_at").asc(), F("pk").asc()]
    return (
        events.filter(created_at__gte=as_of)
        .annotate(nth=Window(RowNumber(), partition_by=[F(partition)], order_by=order))
        .filter(nth=1)
    )


PARCEL_STATE_EVENTS = [
    EventKind.PARCEL_CROSSCHECK_REQUESTED,
    EventKind.PARCEL_CROSSCHECK_CANCELLED,
    EventKind.PARCEL_CLOSED_OUT,
    EventKind.PARCEL_CROSSCHECK_FAILED,
]


def _parcel_state_buckets(stored, closed_out, state):
    """The figures one parcel adds: ``stored`` its CloseoutState, ``state`` its ParcelState."""
    return {
        "parcels_closed_out": int(stored == CloseoutState.GREEN and closed_out),
        "parcels_crosscheck": int(stored == CloseoutState.CROSSCHECK),
        **{f"parcels_{value}": int(state == value) for value in ParcelState.values},
    }


def _parcel_state_then(stored, closed_out, state_now):
    """A parcel's close-out state before its first change since ``as_of``, from its stored state then
    (its hazards then are not reconstructed: turned red means open hazards then)."""
    if stored == CloseoutState.RED:
        return ParcelState.RED
    if stored == CloseoutState.CROSSCHECK:
        return ParcelState.PENDING
    if closed_out or state_now != ParcelState.UNINSPECTED:
        return ParcelState.GREEN
    return ParcelState.UNINSPECTED


def _parcel_corrections(as_of):
    """``(grid_id, {figure: delta})`` for each parcel whose close-out state changed since ``as_of``: its
    state now taken out, its state then (before the first change since) put in. One statement."""
    changes = Q(kind__in=PARCEL_STATE_EVENTS) | Q(kind=EventKind.HAZARD_REPORTED, data__has_key="parcel_state")
    closed_before = Event.objects.filter(
        kind=EventKind.PARCEL_CLOSED_OUT, parcel_id=OuterRef("parcel_id"), created_at__lt=as_of
    )
    rows = _first_after(Event.objects.filter(changes, parcel__isnull=False), "parcel_id", as_of).values(
        "parcel__grid_id", "parcel__closeout_state", "parcel__closed_out_at",
        "kind", "from_status", "data", closed_before=Exists(closed_before), state_now=parcel_state("parcel_id"),
    )  # fmt: skip
    for row in rows:
        closed_now = row["parcel__closed_out_at"] is not None and row["parcel__closed_out_at"] < as_of
        now = _parcel_state_buckets(row["parcel__closeout_state"], closed_now, row["state_now"])
        if row["kind"] == EventKind.HAZARD_REPORTED:
            then_state = (row["data"] or {}).get("parcel_state", [None])[0]
        else:
            then_state = row["from_status"]
        closed_then = row["closed_before"] or closed_now
        then = _parcel_state_buckets(
            then_state, closed_then, _parcel_state_then(then_state, closed_then, row["state_now"])
        )
        yield row["parcel__grid_id"], {name: then[name] - now[name] for name in now}


def _escalation_corrections(as_of):
    """``(zone_id, grid_id, level)`` for each ticket open at ``as_of`` and escalated since: its level
    then (the level before the first escalation since). One statement; rows only for those tickets."""
    escalated_since = Ticket.objects.filter(open_ticket_q(as_of), escalated_at__gte=as_of).values("pk")
    events = Event.objects.filter(kind=EventKind.TICKET_ESCALATED, ticket__in=escalated_since)
    return _first_after(events, "ticket_id", as_of).values_list(
        "ticket__zone_id", "ticket__grid_id", Cast(KeyTextTransform("from_level", "data"), IntegerField())
    )


def escalation_level_at(as_of):
    """An expression for a ticket's escalation level at ``as_of`` (for a row query, never a grouped one:
    a subquery, run only for tickets escalated since)."""
    first_since = (
        Event.objects.filter(kind=EventKind.TICKET_ESCALATED, ticket_id=OuterRef("pk"), created_at__gte=as_of)
        .order_by("created_at", "pk")
        .values_list(Cast(KeyTextTransform("from_level", "data"), IntegerField()))[:1]
    )
    return Case(
        When(escalated_at__gte=as_of, then=Coalesce(Subquery(first_since), F("escalation_level"))),
        default=F("escalation_level"),
        output_field=IntegerField(),
    )


def _escalation_rows(e_start, e_end):
    return (
        Event.objects.filter(
            _between("created_at", e_start, e_end), kind=EventKind.TICKET_ESCALATED, ticket__isnull=False
        )
        .values("ticket__zone_id", "ticket__grid_id")
        .annotate(n=Count("pk"))
        .order_by()
    )


def _turn_back_changes_since(as_of, at, grid_zone):
    """Put the tickets escalated and the parcels whose close-out state changed since ``as_of`` back in
    their state then (the grouped rows read the levels and states as they are now)."""
    for zone_id, grid_id, level in _escalation_corrections(as_of):
        figures = at(zone_id, grid_id)
        if level == EscalationLevel.SUPERVISED:
            figures.escalated_supervised += 1
        elif level == EscalationLevel.LISTED:
            figures.escalated_listed += 1
    for grid_id, deltas in _parcel_corrections(as_of):
        figures = at(grid_zone.get(grid_id), grid_id)
        for name, delta in deltas.items():
            setattr(figures, name, getattr(figures, name) + delta)


def compute_figures(start=None, end=None, *, activity=None, as_of=None, escalations=None):
    """The figures of every grid, every zone and the whole area.

    ``start``/``end``: the cumulative period; dates are local days (``end`` inclusive), datetimes
    are taken as they are (``end`` exclusive); None leaves that side open.
    ``activity``: ``(start, end)`` of the activity period in the same terms (default: the period).
    ``as_of``: the moment of the state figures (default: ``end``, or now when that is later or open).
    ``escalations``: ``(start, end)`` of the escalations counted as raised (default: the activity period).
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
    zone_units = {row["zone_id"]: row for row in inspections.values("zone_id").annotate(**aggregates).order_by()}
    total_units = inspections.aggregate(**aggregates)

    for row in _ticket_rows(as_of):
        figures = at(row["zone_id"], row["grid_id"])
        figures.submitted = row["submitted"]
        figures.assigned = row["assigned_or_submitted"] - row["submitted"]
        figures.pending = row["open"] - row["assigned_or_submitted"]
        figures.overdue = row["overdue"]
        figures.escalated_supervised = row["escalated_supervised"]
        figures.escalated_listed = row["escalated_listed"]

    for row in _escalation_rows(e_start, e_end):
        at(row["ticket__zone_id"], row["ticket__grid_id"]).escalations_raised = row["n"]

    for row in _parcel_rows(as_of):
        grid_id = row.pop("grid_id")
        figures = at(grid_zone.get(grid_id), grid_id)
        for name, value in row.items():
            setattr(figures, name, value)
    _turn_back_changes_since(as_of, at, grid_zone)

    for grid_id, figures in grids.items():
        zones[grid_zone[grid_id]].add(figures, distinct=False)
    total = Figures()
    for zone_id, figures in zones.items():
        row = zone_units.get(zone_id)
        if row:
            figures.units_covered_total = row["ue_total"] + row["up_total"]
            figures.units_covered = row["ue"] + row["up"]
        total.add(figures, distinct=False)
    total.units_covered_total = (total_units["ue_total"] or 0) + (total_units["up_total"] or 0)
    total.units_covered = (total_units["ue"] or 0) + (total_units["up"] or 0)

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


# --- risk grading and patrols (双重预防) --------------------------------------------------------------


def risk_level_distribution(enterprises, parcels):
    """Units per risk level per zone: ``{zone id: {"enterprise": {colour: n}, "parcel": {colour: n}}}``
    from the given querysets (the caller's scope). One statement: two grouped selects in a UNION."""

    def grouped(rows, kind):
        return (
            rows.order_by()
            .values(zone=F("grid__zone_id"), level=F("risk_level"))
            .annotate(kind=Value(kind, output_field=CharField()), n=Count("pk"))
        )

    result = {}
    for row in grouped(enterprises, "enterprise").union(grouped(parcels, "parcel"), all=True):
        colour = risk_colour(row["level"]) or "blue"
        counts = result.setdefault(row["zone"], {"enterprise": {}, "parcel": {}})[row["kind"]]
        counts[colour] = counts.get(colour, 0) + row["n"]
    return result


def patrol_coverage_by_zone(enterprises, parcels, *, day=None):
    """Today's patrol coverage (risk.patrols) of the given units per zone and in total:
    ``({zone id: Coverage}, Coverage total, Plan)``. The plan and one grouped statement per unit table."""
    plan = plan_on()
    per_zone = coverage({"enterprise": enterprises, "parcel": parcels}, day=day, plan=plan, group="grid__zone_id")
    total = Coverage()
    for figures in per_zone.values():
        total.add(figures)
    return per_zone, total, plan


# --- the campaign's other ledgers: drills, service requests, welding devices, letters ----------------


@dataclass
class CampaignFigures:
    """The other ledgers' figures of one scope (ledgers.figures, servicedesk.figures): drills to date and on
    the day, units never drilled this year, service requests, welding devices, letter coverage."""

    drills: int = 0
    person_times: int = 0
    drills_day: int = 0
    person_times_day: int = 0
    units: int = 0
    units_drilled: int = 0
    requests_raised: int = 0
    requests_raised_day: int = 0
    requests_solved: int = 0
    requests_solved_day: int = 0
    requests_open: int = 0
    requests_overdue: int = 0
    requests_rated: int = 0
    requests_rating_sum: int = 0
    welding_devices: int = 0
    welding_offline: int = 0
    landlords: int = 0
    landlords_signed: int = 0
    enterprises: int = 0
    enterprises_signed: int = 0
    tenants: int = 0
    agreements_signed: int = 0

    @property
    def units_not_drilled(self):
        return self.units - self.units_drilled

    @property
    def rating(self):
        return average_rating(self.requests_rating_sum, self.requests_rated)

    @property
    def landlord_rate(self):
        return rate_of(self.landlords_signed, self.landlords)

    @property
    def enterprise_rate(self):
        return rate_of(self.enterprises_signed, self.enterprises)

    @property
    def agreement_rate(self):
        return rate_of(self.agreements_signed, self.tenants)

    def add(self, other):
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))
        return self

    def as_dict(self):
        """The figures as the briefing stores them and the dashboard sends them (JSON-ready)."""
        rating = self.rating
        return {
            "drills": {
                "sessions": self.drills,
                "person_times": self.person_times,
                "sessions_day": self.drills_day,
                "person_times_day": self.person_times_day,
                "units": self.units,
                "units_not_drilled": self.units_not_drilled,
            },
            "service_requests": {
                "raised": self.requests_raised,
                "raised_day": self.requests_raised_day,
                "solved": self.requests_solved,
                "solved_day": self.requests_solved_day,
                "open": self.requests_open,
                "overdue": self.requests_overdue,
                "rated": self.requests_rated,
                "rating": None if rating is None else str(rating),
            },
            "welding": {"devices": self.welding_devices, "offline": self.welding_offline},
            "letters": {
                "landlords": self.landlords,
                "landlords_signed": self.landlords_signed,
                "landlord_rate": format_rate(self.landlord_rate),
                "enterprises": self.enterprises,
                "enterprises_signed": self.enterprises_signed,
                "enterprise_rate": format_rate(self.enterprise_rate),
                "tenants": self.tenants,
                "agreements_signed": self.agreements_signed,
                "agreement_rate": format_rate(self.agreement_rate),
            },
        }


@dataclass
class CampaignSet:
    total: CampaignFigures
    zones: dict[int, CampaignFigures]
    grids: dict[int, CampaignFigures]
    year: int

    def for_zones(self, zone_ids):
        result = CampaignFigures()
        for pk in zone_ids:
            if pk in self.zones:
                result.add(self.zones[pk])
        return result


REQUEST_FIGURES = {
    "raised": "requests_raised",
    "raised_day": "requests_raised_day",
    "solved": "requests_solved",
    "solved_day": "requests_solved_day",
    "open": "requests_open",
    "overdue": "requests_overdue",
    "rated": "requests_rated",
    "rating_sum": "requests_rating_sum",
}


def compute_campaign_figures(day, *, since=None, as_of=None, scope=None):
    """The other ledgers' figures of every grid, every zone and the whole area: cumulative from ``since``
    (a local date; None: from the first record) to the end of local day ``day``, the activity of ``day``,
    the state (open, overdue requests) at ``as_of`` (default: the end of ``day``, or now), this year's
    units drilled and letters (the year of ``day``). ``scope``: a user whose units count (None: all).
    Six statements, however many zones, grids or records."""
    until = day + timedelta(days=1)
    day_from, day_to = day_bounds(day)
    if as_of is None:
        as_of = min(timezone.now(), day_to)

    def visible(model):
        return model.objects.all() if scope is None else model.objects.visible_to(scope)

    zones, grids = {}, {}

    def put(rows, names=None):
        for row in rows:
            zone_id, grid_id = row["zone_id"], row["grid_id"]
            zone = zones.setdefault(zone_id, CampaignFigures())
            grid = grids.setdefault(grid_id, CampaignFigures()) if grid_id is not None else None
            for name, value in row.items():
                if name in ("zone_id", "grid_id"):
                    continue
                attribute = names[name] if names else name
                for figures in (zone, grid):
                    if figures is not None:
                        setattr(figures, attribute, getattr(figures, attribute) + (value or 0))

    put(ledger_figures.drill_rows(since=since, until=until, day=day, drills=visible(Drill)))
    put(ledger_figures.unit_rows(day.year, until=until, enterprises=visible(Enterprise)))
    put(ledger_figures.welding_rows(until=until, devices=visible(WeldingDevice)))
    put(ledger_figures.letter_rows(day.year, parcels=visible(Parcel), enterprises=visible(Enterprise)))
    put(
        request_rows(
            since=day_start(since) if since else None,
            until=day_to,
            day=(day_from, day_to),
            as_of=as_of,
            requests=visible(ServiceRequest),
        ),
        REQUEST_FIGURES,
    )
    total = CampaignFigures()
    for figures in zones.values():
        total.add(figures)
    return CampaignSet(total=total, zones=zones, grids=grids, year=day.year)
