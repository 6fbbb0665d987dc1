"""Per-day summaries of the ledger (``DaySummary``, ``CategoryDaySummary``): what the figures add up.

A summary row holds the counters of one **closed** local day (Asia/Shanghai) and one grid (or one zone
and category): hazards found that day and counted now, of those rectified now, voided, hazards rectified
that day, inspections, units covered (that day; for the first time ever), escalations raised. The days
before ``SummaryState.covered_until`` are summarised; ``figures.compute_figures`` adds the summaries up
and reads the days since from the rows themselves, by range on indexed timestamps (the day's activity).

The summaries are derived data, kept by ``catch_up`` (Celery beat every few minutes, and at the start of
the daily briefing): it finds the days touched since its watermark — from the events written since (the
days of the hazards, tickets' hazards and inspections they name, the day of an escalation), from the
hazards changed and the inspections recorded since (rows the bulk builders write without an event), and
the days closed since — and recomputes those days exactly from their rows. Recomputing a day twice gives
the same rows, so a catch-up may be run at any time, twice, or concurrently (the state row is locked).
Each month's days are added up in a month row (``MonthSummary``, ``CategoryMonthSummary``) whenever one of
them is written, so that a sum over years reads a row per month, and the months in a row per grid (``TotalSummary``,
``CategoryTotalSummary``: every summarised day), so that a sum from the start reads neither. ``rebuild``
recomputes every day, month and total; ``check`` compares the stored rows with a fresh rebuild.

A GET never writes: pages read the summaries as they are (at most one catch-up interval behind).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Count, F, Max, Min, Q, Sum
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone

from briefing.models import (
    CategoryDaySummary,
    CategoryMonthSummary,
    CategoryTotalSummary,
    DaySummary,
    MonthSummary,
    SummaryState,
    TotalSummary,
)
from cases.models import Hazard, Inspection
from cases.querysets import counted_hazard_q, rectified_hazard_q
from catalogue.choices import Severity
from core.dates import day_start, local_day, local_tz
from core.queries import chunks
from timeline.kinds import EventKind
from timeline.models import Event

# Changes committed late (a transaction that began before the last catch-up) are read again for this long.
LOOKBACK = timedelta(minutes=15)
# Days recomputed per batch of statements.
BATCH_DAYS = 60

DAY_COUNTERS = [
    f.name
    for f in DaySummary._meta.get_fields()
    if f.concrete and f.name not in ("id", "day", "zone_id", "grid_id", "first_reported_at")
]
CATEGORY_COUNTERS = ["found", "rectified", "major"]


def covered_until():
    """The first day not summarised (None: no summaries yet, the figures read the rows)."""
    return SummaryState.objects.order_by("pk").values_list("covered_until", flat=True).first()


def _as_date(value):
    if isinstance(value, str):  # SQLite's TruncDate
        return date.fromisoformat(value[:10])
    return value


def _runs(values, following):
    """Consecutive runs of ``values`` (``following(v)`` is the one after ``v``) as ``[(first, after), ...]``."""
    runs = []
    for value in sorted(values):
        if runs and runs[-1][1] == value:
            runs[-1][1] = following(value)
        else:
            runs.append([value, following(value)])
    return [tuple(run) for run in runs]


def day_ranges(days):
    """Consecutive runs of ``days`` as ``[(first, last + 1), ...]``."""
    return _runs(days, lambda day: day + timedelta(days=1))


def in_days(field, days, until):
    """``field`` on one of ``days`` (None: any day before ``until``), as index ranges."""
    if days is None:
        return Q(**{f"{field}__lt": day_start(until)})
    q = Q(pk__in=[])
    for first, after in day_ranges(days):
        q |= Q(**{f"{field}__gte": day_start(first), f"{field}__lt": day_start(after)})
    return q


def _truncated(field):
    return TruncDate(field, tzinfo=local_tz())


# --- units covered --------------------------------------------------------------------------------------


def unit_of(enterprise_id, parcel_id):
    """A covered unit: the enterprise, or the parcel of a visit to a parcel as a whole (None: neither)."""
    if enterprise_id is not None:
        return ("e", enterprise_id)
    if parcel_id is not None:
        return ("p", parcel_id)
    return None


def units_q(units):
    enterprises = [pk for kind, pk in units if kind == "e"]
    parcels = [pk for kind, pk in units if kind == "p"]
    return Q(enterprise_id__in=enterprises) | Q(enterprise__isnull=True, parcel_id__in=parcels)


def _visits(inspections):
    """``{unit: {(day, zone, grid)}}`` of the inspections (one statement)."""
    visits = defaultdict(set)
    rows = (
        inspections.annotate(d=_truncated("inspected_at"))
        .values_list("d", "zone_id", "grid_id", "enterprise_id", "parcel_id")
        .distinct()
        .order_by()
    )
    for day, zone_id, grid_id, enterprise_id, parcel_id in rows:
        unit = unit_of(enterprise_id, parcel_id)
        if unit is not None:
            visits[unit].add((_as_date(day), zone_id, grid_id))
    return visits


def _unit_counters(visits, wanted):
    """Add the units' counters to ``{(day, zone, grid): counters}`` for the days in ``wanted`` (None: all):
    units covered that day (distinct in the grid; in the zone and the area, counted at the first grid),
    units covered for the first time ever (in the grid, the zone, the area)."""
    counters = defaultdict(lambda: defaultdict(int))

    def put(key, name):
        if wanted is None or key[0] in wanted:
            counters[key][name] += 1

    for rows in visits.values():
        rows = sorted(rows)
        first_grid, first_zone = {}, {}
        day_zone, day_all = set(), set()
        for day, zone_id, grid_id in rows:
            key = (day, zone_id, grid_id)
            put(key, "units_day_grid")
            if (day, zone_id) not in day_zone:
                day_zone.add((day, zone_id))
                put(key, "units_day_zone")
            if day not in day_all:
                day_all.add(day)
                put(key, "units_day_all")
            first_grid.setdefault((zone_id, grid_id), key)
            first_zone.setdefault(zone_id, key)
        for key in first_grid.values():
            put(key, "units_first_grid")
        for key in first_zone.values():
            put(key, "units_first_zone")
        put(rows[0], "units_first_all")
    return counters


# --- computing the rows of some days --------------------------------------------------------------------


def compute_rows(days, until):
    """``({(day, zone, grid): {counter: n}}, {(day, zone, category): {counter: n}})`` for ``days`` (None:
    every day before ``until``), from the rows of those days. Five statements (six with units to look up)."""
    rows = defaultdict(lambda: defaultdict(int))
    categories = defaultdict(lambda: defaultdict(int))
    first_reported = {}
    general, major = Q(severity=Severity.GENERAL), Q(severity=Severity.MAJOR)
    counted, rectified = counted_hazard_q(), rectified_hazard_q()

    reported = (
        Hazard.objects.filter(in_days("reported_at", days, until))
        .annotate(d=_truncated("reported_at"))
        .values("d", "zone_id", "grid_id", "category_id")
        .annotate(
            found_general=Count("pk", filter=counted & general),
            found_major=Count("pk", filter=counted & major),
            rectified_general=Count("pk", filter=rectified & general),
            rectified_major=Count("pk", filter=rectified & major),
            voided=Count("pk", filter=~counted),
            first=Min("reported_at", filter=counted),
        )
        .order_by()
    )
    for row in reported:
        day = _as_date(row.pop("d"))
        key = (day, row.pop("zone_id"), row.pop("grid_id"))
        category = row.pop("category_id")
        first = row.pop("first")
        counters = rows[key]
        for name, value in row.items():
            counters[name] += value
        if first is not None and (key not in first_reported or first < first_reported[key]):
            first_reported[key] = first
        found = row["found_general"] + row["found_major"]
        if found:
            cell = categories[(day, key[1], category)]
            cell["found"] += found
            cell["rectified"] += row["rectified_general"] + row["rectified_major"]
            cell["major"] += row["found_major"]

    fixed = (
        Hazard.objects.filter(rectified, in_days("rectified_at", days, until))
        .annotate(d=_truncated("rectified_at"))
        .values("d", "zone_id", "grid_id")
        .annotate(fixed_general=Count("pk", filter=general), fixed_major=Count("pk", filter=major))
        .order_by()
    )
    for row in fixed:
        counters = rows[(_as_date(row["d"]), row["zone_id"], row["grid_id"])]
        counters["fixed_general"] += row["fixed_general"]
        counters["fixed_major"] += row["fixed_major"]

    inspections = Inspection.objects.filter(in_days("inspected_at", days, until))
    for row in (
        inspections.annotate(d=_truncated("inspected_at")).values("d", "zone_id", "grid_id").annotate(n=Count("pk"))
    ).order_by():
        rows[(_as_date(row["d"]), row["zone_id"], row["grid_id"])]["inspections"] += row["n"]
    visits = _visits(inspections)
    if days is not None and visits:  # the first visits need the units' whole history
        visits = _visits(Inspection.objects.filter(units_q(visits), inspected_at__lt=day_start(until)))
    for key, counters in _unit_counters(visits, None if days is None else set(days)).items():
        for name, value in counters.items():
            rows[key][name] += value

    escalations = (
        Event.objects.filter(in_days("created_at", days, until), kind=EventKind.TICKET_ESCALATED, ticket__isnull=False)
        .annotate(d=_truncated("created_at"))
        .values("d", "ticket__zone_id", "ticket__grid_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in escalations:
        rows[(_as_date(row["d"]), row["ticket__zone_id"], row["ticket__grid_id"])]["escalations"] += row["n"]

    for key, first in first_reported.items():
        rows[key]["first_reported_at"] = first
    return rows, categories


def _summary_objects(rows, categories):
    days = [
        DaySummary(day=day, zone_id=zone_id, grid_id=grid_id, **counters)
        for (day, zone_id, grid_id), counters in rows.items()
        if any(counters.values())
    ]
    cells = [
        CategoryDaySummary(day=day, zone_id=zone_id, category_id=category_id, **counters)
        for (day, zone_id, category_id), counters in categories.items()
    ]
    return days, cells


def month_of(day):
    return day.replace(day=1)


def next_month(month):
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


# (day table, month table, key columns besides the period, {counter: aggregate of the day rows}, total table)
ROLL_UPS = (
    (
        DaySummary,
        MonthSummary,
        ("zone_id", "grid_id"),
        {**{name: Sum(name) for name in DAY_COUNTERS}, "first_reported_at": Min("first_reported_at")},
        TotalSummary,
    ),
    (
        CategoryDaySummary,
        CategoryMonthSummary,
        ("zone_id", "category_id"),
        {name: Sum(name) for name in CATEGORY_COUNTERS},
        CategoryTotalSummary,
    ),
)


def month_rows(day_model, month_model, keys, sums, months=None):
    """The month rows of ``months`` (None: all), each the sum of its day rows: one grouped statement."""
    rows = day_model.objects.all()
    if months is not None:
        q = Q(pk__in=[])
        for first, after in _month_ranges(months):
            q |= Q(day__gte=first, day__lt=after)
        rows = rows.filter(q)
    grouped = rows.annotate(m=TruncMonth("day")).values("m", *keys).annotate(**sums).order_by()
    return [month_model(month=_as_date(row.pop("m")), **row) for row in grouped]


def _month_ranges(months):
    """Consecutive runs of ``months`` (first days) as ``[(first day, first day after), ...]``."""
    return _runs(months, next_month)


def total_rows(month_model, keys, sums, total_model):
    """The total rows, each the sum of its month rows: one grouped statement."""
    grouped = month_model.objects.values(*keys).annotate(**sums).order_by()
    return [total_model(**row) for row in grouped]


def _roll_up(months):
    """Replace the month summaries of ``months`` (None: all) by the sums of their day summaries, and the totals
    by the sums of the months."""
    for day_model, month_model, keys, sums, total_model in ROLL_UPS:
        rows = month_rows(day_model, month_model, keys, sums, months)
        stale = month_model.objects.all() if months is None else month_model.objects.filter(month__in=months)
        stale.delete()
        month_model.objects.bulk_create(rows, batch_size=1000)
        totals = total_rows(month_model, keys, sums, total_model)
        total_model.objects.all().delete()
        total_model.objects.bulk_create(totals, batch_size=1000)


def _write(days, until):
    """Replace the summaries of ``days`` (None: all) by rows computed afresh, and their months'."""
    _write_days(days, until)
    _roll_up(None if days is None else {month_of(day) for day in days})


def _write_days(days, until):
    for chunk in [None] if days is None else chunks(sorted(days), BATCH_DAYS):
        rows, categories = compute_rows(chunk, until)
        if chunk is None:
            DaySummary.objects.all().delete()
            CategoryDaySummary.objects.all().delete()
        else:
            DaySummary.objects.filter(day__in=chunk).delete()
            CategoryDaySummary.objects.filter(day__in=chunk).delete()
        day_rows, cells = _summary_objects(rows, categories)
        DaySummary.objects.bulk_create(day_rows, batch_size=1000)
        CategoryDaySummary.objects.bulk_create(cells, batch_size=1000)


def _locked_state():
    """The one state row, locked: two catch-ups at once run one after the other."""
    state, _created = SummaryState.objects.select_for_update().get_or_create(pk=1)
    return state


def _head():
    return Event.objects.aggregate(head=Max("pk"))["head"] or 0


@transaction.atomic
def rebuild(*, now=None):
    """Recompute every summary from the ledger's rows and events (idempotent). Returns the DaySummary count."""
    now = now or timezone.now()
    state = _locked_state()
    until = local_day(now)
    head = _head()
    _write(None, until)
    state.covered_until, state.last_event_id, state.updated_at = until, head, now
    state.save()
    return DaySummary.objects.count()


def _next_first_days(visits, day, zone_id, grid_id):
    """The unit's next visit after ``day`` in the area, in the zone, in the grid: the days that held its
    first visit before one on ``day`` was recorded."""
    later = sorted(v for v in visits if v[0] > day)
    for same in (lambda v: True, lambda v: v[1] == zone_id, lambda v: v[1:] == (zone_id, grid_id)):
        following = next((v for v in later if same(v)), None)
        if following is not None:
            yield following[0]


def touched_days(state, until, head):
    """The days whose summaries the changes since ``state`` touch, before ``until``."""
    since = state.updated_at - LOOKBACK
    days = set()
    day = state.covered_until
    while day < until:  # the days closed since
        days.add(day)
        day += timedelta(days=1)
    # the events after the watermark, and those of the lookback (two index lookups, not one OR)
    # (pk + 0: a bare MIN(pk) would be planned as a walk of the primary key filtered by time)
    recent = Event.objects.filter(created_at__gte=since).aggregate(first=Min(F("pk") + 0))["first"]
    after = state.last_event_id if recent is None else min(state.last_event_id, recent - 1)
    events = Event.objects.filter(pk__gt=after, pk__lte=head)
    hazard_ids, ticket_ids, inspection_ids = set(), set(), set()
    for kind, created_at, hazard_id, ticket_id, inspection_id in events.values_list(
        "kind", "created_at", "hazard_id", "ticket_id", KeyTextTransform("inspection", "data")
    ).filter(Q(hazard__isnull=False) | Q(ticket__isnull=False) | Q(kind=EventKind.INSPECTION_RECORDED)):
        if kind == EventKind.TICKET_ESCALATED:
            days.add(local_day(created_at))
        if hazard_id:
            hazard_ids.add(hazard_id)
        if ticket_id:
            ticket_ids.add(ticket_id)
        if kind == EventKind.INSPECTION_RECORDED and str(inspection_id or "").isdigit():
            inspection_ids.add(int(inspection_id))
    hazards = Hazard.objects.filter(Q(pk__in=hazard_ids) | Q(ticket_id__in=ticket_ids) | Q(updated_at__gte=since))
    for reported_at, rectified_at in hazards.values_list("reported_at", "rectified_at"):
        days.add(local_day(reported_at))
        if rectified_at is not None:
            days.add(local_day(rectified_at))
    touched = Inspection.objects.filter(Q(pk__in=inspection_ids) | Q(created_at__gte=since))
    touched_visits = _visits(touched)
    if touched_visits:
        # a visit before a unit's first one moves its "first time" from a later day: that day too
        history = _visits(Inspection.objects.filter(units_q(touched_visits)))
        for unit, visits in touched_visits.items():
            for day, zone_id, grid_id in visits:
                days.add(day)
                days.update(_next_first_days(history.get(unit, ()), day, zone_id, grid_id))
    return {day for day in days if day < until}


@transaction.atomic
def catch_up(*, now=None):
    """Bring the summaries up to date (idempotent): recompute the days touched since the watermark and the
    days closed since. A first run rebuilds everything. Returns how many days were recomputed."""
    now = now or timezone.now()
    state = _locked_state()
    if state.covered_until is None or state.updated_at is None:
        rebuild(now=now)
        return -1
    until = max(local_day(now), state.covered_until)
    head = _head()
    days = touched_days(state, until, head)
    if days:
        _write(days, until)
    state.covered_until, state.last_event_id, state.updated_at = until, max(head, state.last_event_id), now
    state.save()
    return len(days)


def check(*, now=None):
    """Differences between the stored summaries and a fresh computation: a list of
    ``(table, key, stored, fresh)``; empty when they agree. Reads only."""
    until = covered_until()
    if until is None:
        return [("state", None, None, "no summaries")]
    rows, categories = compute_rows(None, until)
    fresh_days, fresh_cells = _summary_objects(rows, categories)
    differences = []

    def compare(table, stored_rows, fresh_rows, key_fields, value_fields):
        stored = {tuple(getattr(r, k) for k in key_fields): r for r in stored_rows}
        fresh = {tuple(getattr(r, k) for k in key_fields): r for r in fresh_rows}
        for key in sorted(set(stored) | set(fresh), key=str):
            a, b = stored.get(key), fresh.get(key)
            va = None if a is None else {f: getattr(a, f) for f in value_fields}
            vb = None if b is None else {f: getattr(b, f) for f in value_fields}
            if va != vb:
                differences.append((table, key, va, vb))

    compare(
        "day",
        DaySummary.objects.all(),
        fresh_days,
        ("day", "zone_id", "grid_id"),
        [*DAY_COUNTERS, "first_reported_at"],
    )
    compare(
        "category", CategoryDaySummary.objects.all(), fresh_cells, ("day", "zone_id", "category_id"), CATEGORY_COUNTERS
    )
    # the months against the sums of the stored days (which the comparisons above hold to the ledger)
    for (day_model, month_model, keys, sums, total_model), table in zip(
        ROLL_UPS, ("month", "category month"), strict=True
    ):
        compare(
            table, month_model.objects.all(), month_rows(day_model, month_model, keys, sums), ("month", *keys), sums
        )
        # the totals against the sums of the stored months
        compare(
            f"{table} total", total_model.objects.all(), total_rows(month_model, keys, sums, total_model), keys, sums
        )
    return differences
