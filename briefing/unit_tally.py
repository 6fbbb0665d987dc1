"""The units' tallies: the register's enterprises and parcels counted per zone, kept as they change.

The dashboard's patrol and campaign figures ask of every unit of the scope: its risk level (安全风险四色), whether
it was visited within its level's cycle (巡查覆盖) or never, whether it took part in a drill this year (培训演练),
signed its responsibility letter (责任书) and, a tenant of a multi-tenant parcel, its agreement. Asked of the
units themselves, those questions grow with the register (50,000 enterprises in a city). These counts are their
answers, stored per zone, kind and risk level (``UnitCount``): one row for the zone (the units that count, never
visited, drilled, signed, tenants, agreements) and one per day of a last visit, so that the coverage of a day
reads only the days of the longest cycle (``zone_units``: a unit is covered when its last visit's day is within
its level's cycle, the rule of ``risk.patrols.covered_q``).

How they stay true: ``core.folding``'s mechanism, as the map's cells (``closeout.map_cells``). The database's
triggers (migration 0007) note a unit whenever one of its answers may have changed: the unit written, a visit, a
drill or its units, a letter, a grid moved to another zone (all its units). A parcel noted brings its tenants
(whether they share it is its tenants' count). ``catch_up()`` computes the noted units again with the figures'
own rules (``ledgers.letters.required_enterprises`` / ``required_parcels``, ``ledgers.figures.drilled_exists``) and
moves the changed ones between rows; ``UnitTally`` is what the rows last counted for each unit. The first fold of
a new year counts everything again (the year's letters and drills). ``rebuild()`` and ``check()`` serve
``manage.py rebuild_summaries``.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import F, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from accounts.scoping import scope_is_zones
from briefing.models import UnitChange, UnitCount, UnitKind, UnitTally
from core import folding
from core.dates import local_tz
from core.queries import chunks
from ledgers import letters
from ledgers.figures import drilled_exists
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


def _visited_on():
    """A unit's last visit's local day (None: never visited)."""
    return TruncDate("latest_visit__at", tzinfo=local_tz())


class UnitTallies(folding.Tally):
    lock_key = LOCK
    kinds = {UnitKind.ENTERPRISE: Enterprise, UnitKind.PARCEL: Parcel}
    changes, states, counts = UnitChange, UnitTally, UnitCount
    ref = "unit_id"
    stored = STORED
    key = KEY
    columns = COUNTS
    sql_types = SQL_TYPES

    def stale(self):
        """The first fold of a year counts everything again (the year's drills and letters)."""
        counted_year = UnitTally.objects.values_list("year", flat=True).first()
        return counted_year is not None and counted_year != timezone.localdate().year

    def expand(self, ids):
        """A noted parcel brings its tenants: whether they share it is its tenants' count."""
        tenants = set(ids[UnitKind.ENTERPRISE])
        for chunk in chunks(ids[UnitKind.PARCEL]):
            tenants.update(Enterprise.objects.filter(parcel_id__in=chunk).values_list("pk", flat=True))
        return {**ids, UnitKind.ENTERPRISE: sorted(tenants)}

    def fresh(self, kind, ids):
        """The units ``ids`` of ``kind`` as they are now: ``{pk: STORED tuple}``, with the letters' and drills'
        own rules. Two statements for enterprises (active ones annotated, the others plain), one for parcels.
        (Drills count up to today: none is dated later, ``ledgers.drills`` refuses it.)"""
        year = timezone.localdate().year
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
            .annotate(zone=F("grid__zone_id"), visited=_visited_on(), drilled=folding.flag(drilled_exists(year, until=until)))
            .order_by()
            .values_list(
                "pk", "zone", "risk_level", "visited", "drilled", "enterprise_signed", "parcel_tenants",
                "agreement_signed",
            )
        )  # fmt: skip
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

    def contribution(self, kind, unit):
        """The rows ``unit`` (a ``STORED`` tuple) counts in: its zone's row, and its last visit's day."""
        zone, _year, risk, visited, counted, drilled, signed, tenant, agreement = unit
        if not counted:
            return []
        counts = (1, int(visited is None), int(drilled), int(signed), int(tenant), int(agreement))
        rows = [((zone, kind, risk, ZONE_ROW), counts)]
        if visited is not None:
            rows.append(((zone, kind, risk, visited), (1, 0, 0, 0, 0, 0)))
        return rows


TALLIES = UnitTallies()
catch_up, rebuild, check = TALLIES.catch_up, TALLIES.rebuild, TALLIES.check


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
