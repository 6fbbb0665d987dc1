"""The units' tallies: the register's enterprises and parcels counted per zone, kept as they change.

The dashboard's patrol and campaign figures ask of every unit of the scope: its risk level (安全风险四色), whether
it was visited within its level's cycle (巡查覆盖) or never, whether it took part in a drill this year (培训演练),
signed its responsibility letter (责任书) and, a tenant of a multi-tenant parcel, its agreement. Asked of the
units themselves, those questions grow with the register (50,000 enterprises in a city). These counts are their
answers, stored per zone, kind and risk level (``UnitCount``): one row for the zone (the units that count, never
visited, drilled, signed, tenants, agreements) and one per day of a last visit, so that the coverage of a day
reads only the days of the longest cycle (``coverage``: a unit is covered when its last visit's day is within
its level's cycle, the rule of ``risk.patrols.covered_q``).

How they stay true: ``core.folding``'s mechanism, as the map's cells (``closeout.map_cells``). The database's
triggers (migration 0007) note a unit whenever one of its answers may have changed: the unit written, a visit, a
drill or its units, a letter, a grid moved to another zone (all its units). A parcel noted brings its tenants
(whether they share it is its tenants' count). ``catch_up()`` computes the noted units again with the figures'
own rules (``ledgers.letters.required_enterprises`` / ``required_parcels``, ``ledgers.figures.drilled_in``) and
moves the changed ones between rows; ``UnitTally`` is what the rows last counted for each unit. The first fold of
a new year counts everything again (the year's letters and drills). ``rebuild()`` and ``check()`` serve
``manage.py rebuild_summaries``.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import TruncDate
from django.utils import timezone

from accounts.scoping import scope_is_zones
from briefing.models import UnitChange, UnitCount, UnitKind, UnitTally
from core import folding
from core.dates import local_tz
from core.queries import chunks
from ledgers import letters
from ledgers.figures import drilled_in
from register.choices import RiskLevel, risk_colour
from register.models import Enterprise, Parcel
from risk.patrols import Coverage

ZONE_ROW = datetime.date(1, 1, 1)  # the day of a zone's row (the other rows: a last visit's day)
LOCK = 0x756E6974  # the advisory lock of the one reader folding changes in (PostgreSQL)

# a unit as counted: UnitTally's columns
STORED = ("zone_id", "year", "risk_level", "visited_on", "counted", "drilled", "signed", "tenant", "agreement")
COUNTS = ("n", "never", "drilled", "signed", "tenants", "agreements")
KEY = ("zone_id", "kind", "risk_level", "day")
SQL_TYPES = ("bigint", "varchar", "smallint", "date", *["integer"] * len(COUNTS))


def serves(user, day):
    """Whether the figures of ``user`` on ``day`` can be read from the tallies: a scope of whole zones
    (``scope_is_zones``), today."""
    return scope_is_zones(user) and day == timezone.localdate()


# --- keeping them -----------------------------------------------------------------------------------------


def catch_up():
    """Fold the units changed since the last call into the counts; returns how many were computed again. The
    first fold of a year counts everything again. One reader at a time (``core.folding.lock``)."""
    year = timezone.localdate().year
    with transaction.atomic():
        if not folding.lock(LOCK, wait=False):
            return 0
        counted_year = UnitTally.objects.values_list("year", flat=True).first()
        if counted_year is not None and counted_year != year:
            return _count_all(year)
        notes = folding.take_notes(UnitChange, "kind", "unit_id")
        ids = {kind: sorted({pk for k, pk in notes if k == kind}) for kind in UnitKind.values}
        if ids[UnitKind.PARCEL]:  # whether a tenant shares its parcel is the parcel's tenants' count
            for chunk in chunks(ids[UnitKind.PARCEL]):
                ids[UnitKind.ENTERPRISE] += Enterprise.objects.filter(parcel_id__in=chunk).values_list("pk", flat=True)
            ids[UnitKind.ENTERPRISE] = sorted(set(ids[UnitKind.ENTERPRISE]))
        for kind, pks in ids.items():
            for chunk in chunks(pks):
                _refresh(kind, chunk, year)
    return sum(len(pks) for pks in ids.values())


def rebuild():
    """Count every unit again, from nothing; returns the rows written. Waits for a fold under way."""
    with transaction.atomic():
        folding.lock(LOCK, wait=True)
        _count_all(timezone.localdate().year)
        return UnitCount.objects.count()


def _count_all(year):
    for model in (UnitChange, UnitTally, UnitCount):
        model.objects.all().delete()
    total = 0
    for kind, model in ((UnitKind.ENTERPRISE, Enterprise), (UnitKind.PARCEL, Parcel)):
        for chunk in chunks(model.objects.order_by("pk").values_list("pk", flat=True)):
            _refresh(kind, chunk, year)
            total += len(chunk)
    return total


def check():
    """The rows that differ from a fresh count: ``[(key, stored, fresh)]``, empty when they agree. Changes
    nothing (the fresh count is made in a savepoint and rolled back)."""
    with transaction.atomic():
        catch_up()
        stored = _all_rows()
        before_rebuild = transaction.savepoint()
        rebuild()
        fresh = _all_rows()
        transaction.savepoint_rollback(before_rebuild)
    return [
        (key, stored.get(key), fresh.get(key))
        for key in sorted(stored.keys() | fresh.keys())
        if stored.get(key) != fresh.get(key)
    ]


def _all_rows():
    return {row[:4]: row[4:] for row in UnitCount.objects.filter(n__gt=0).values_list(*KEY, *COUNTS)}


def _visited_on():
    """A unit's last visit's local day (None: never visited)."""
    return TruncDate("latest_visit__at", tzinfo=local_tz())


def _flag(condition):
    return Case(When(condition, then=Value(True)), default=Value(False))


def _fresh(kind, ids, year):
    """The units ``ids`` of ``kind`` as they are now: ``{pk: STORED tuple}``, with the letters' and drills'
    own rules. Two statements for enterprises (active ones annotated, the others plain), one for parcels."""
    if kind == UnitKind.PARCEL:
        rows = (
            letters.required_parcels(Parcel.objects.filter(pk__in=ids), year)
            .annotate(zone=F("grid__zone_id"), visited=_visited_on())
            .order_by()
            .values_list("pk", "zone", "risk_level", "visited", "tenant_count", "landlord_signed")
        )
        return {
            pk: (zone, year, risk, visited, True, False, tenants > 1 and signed, tenants > 1, False)
            for pk, zone, risk, visited, tenants, signed in rows
        }
    enterprises = Enterprise.objects.filter(pk__in=ids)
    until = timezone.localdate() + datetime.timedelta(days=1)
    active = (
        letters.required_enterprises(enterprises, year)
        .annotate(zone=F("grid__zone_id"), visited=_visited_on(), drilled=_flag(drilled_in(year, until=until)))
        .order_by()
        .values_list(
            "pk", "zone", "risk_level", "visited", "drilled", "enterprise_signed", "parcel_tenants", "agreement_signed"
        )
    )
    fresh = {
        pk: (zone, year, risk, visited, True, drilled, signed, tenants > 1, tenants > 1 and agreement)
        for pk, zone, risk, visited, drilled, signed, tenants, agreement in active
    }
    others = (
        enterprises.exclude(pk__in=list(fresh))
        .annotate(zone=F("grid__zone_id"), visited=_visited_on())
        .order_by()
        .values_list("pk", "zone", "risk_level", "visited")
    )
    for pk, zone, risk, visited in others:
        fresh[pk] = (zone, year, risk, visited, False, False, False, False, False)
    return fresh


def _contribution(kind, unit):
    """The rows ``unit`` (a ``STORED`` tuple) counts in: ``[(key, counts)]``."""
    zone, _year, risk, visited, counted, drilled, signed, tenant, agreement = unit
    if not counted:
        return []
    counts = (1, int(visited is None), int(drilled), int(signed), int(tenant), int(agreement))
    rows = [((zone, kind, risk, ZONE_ROW), counts)]
    if visited is not None:
        rows.append(((zone, kind, risk, visited), (1, 0, 0, 0, 0, 0)))
    return rows


def _refresh(kind, ids, year):
    """Compute the units ``ids`` of ``kind`` again and move those that changed between rows: two or three
    statements when none changed; else an upsert of the rows and the units' ``UnitTally`` rewritten."""
    stored = {
        row[0]: tuple(row[1:])
        for row in UnitTally.objects.filter(kind=kind, unit_id__in=ids).values_list("unit_id", *STORED)
    }
    fresh = _fresh(kind, ids, year)
    changed = [pk for pk in ids if stored.get(pk) != fresh.get(pk)]
    if not changed:
        return
    deltas = defaultdict(lambda: [0] * len(COUNTS))
    for pk in changed:
        for sign, unit in ((-1, stored.get(pk)), (1, fresh.get(pk))):
            if unit is None:
                continue
            for key, counts in _contribution(kind, unit):
                delta = deltas[key]
                for i, value in enumerate(counts):
                    delta[i] += sign * value
    rows = [(key, delta) for key, delta in sorted(deltas.items(), key=lambda item: str(item[0])) if any(delta)]
    folding.add(UnitCount._meta.db_table, KEY, COUNTS, SQL_TYPES, rows)
    UnitTally.objects.filter(kind=kind, unit_id__in=changed).delete()
    UnitTally.objects.bulk_create(
        UnitTally(kind=kind, unit_id=pk, **dict(zip(STORED, unit, strict=True)))
        for pk in changed
        if (unit := fresh.get(pk)) is not None
    )


# --- reading them ------------------------------------------------------------------------------------------


def rows_of(user, day, longest_cycle):
    """The rows of ``user``'s zones that the figures of ``day`` read: the zone rows and the days of the last
    ``longest_cycle`` days. One statement after the fold."""
    catch_up()
    first = day - datetime.timedelta(days=longest_cycle - 1)
    return list(
        UnitCount.objects.visible_to(user)
        .filter(Q(day=ZONE_ROW) | Q(day__gte=first, day__lte=day), n__gt=0)
        .order_by()
        .values_list(*KEY, *COUNTS)
    )


@dataclass
class ZoneUnits:
    """The figures of one zone's units read from the tallies, in the shapes of the figures computed from the
    units (``campaign_figures.patrol_coverage_by_zone``, ``risk_level_distribution``, ``ledgers.figures
    .letter_rows``' units and letters)."""

    coverage: Coverage = field(default_factory=Coverage)
    levels: dict = field(default_factory=lambda: {kind: {} for kind in UnitKind.values})
    campaign: dict = field(default_factory=lambda: dict.fromkeys(CAMPAIGN, 0))


CAMPAIGN = ("units", "units_drilled", "enterprises", "enterprises_signed", "tenants", "agreements_signed")
CAMPAIGN += ("landlords", "landlords_signed")


def zone_units(user, day, plan):
    """``{zone id: ZoneUnits}`` of ``user``'s zones on ``day`` (``serves``) under the patrol ``plan``: the fold,
    then one statement."""
    starts = {level: day - datetime.timedelta(days=plan.days_for(level) - 1) for level in RiskLevel}
    zones = defaultdict(ZoneUnits)
    for zone, kind, risk, row_day, n, never, drilled, signed, tenants, agreements in rows_of(
        user, day, max(plan.days_for(level) for level in RiskLevel)
    ):
        figures = zones[zone]
        if row_day != ZONE_ROW:
            start = starts.get(risk)
            if start is not None and row_day >= start:  # a unit of no known level is never covered
                figures.coverage.covered += n
            continue
        figures.coverage.units += n
        figures.coverage.never += never
        colour = risk_colour(risk) or "blue"
        levels = figures.levels[kind]
        levels[colour] = levels.get(colour, 0) + n
        campaign = figures.campaign
        if kind == UnitKind.ENTERPRISE:
            for name, value in zip(CAMPAIGN[:6], (n, drilled, n, signed, tenants, agreements), strict=True):
                campaign[name] += value
        else:
            campaign["landlords"] += tenants
            campaign["landlords_signed"] += signed
    return dict(zones)
