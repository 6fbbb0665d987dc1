"""Patrol plans (巡查计划): which units are due a visit, in what order, and how well a grid is covered.

* **Visit**: ``cases.annotations``' one definition: an inspection recorded at the unit, or a hazard
  reported at it.
* **Cycle**: days per risk level from the plan in force (``plan_on``: the latest PatrolPlan from before
  the moment, else the PATROL_DAYS setting).
* **Covered** on a day: the unit had a visit within its cycle, counting that day (since the start of the
  day ``cycle - 1`` days before). A unit not covered is **due**; ``days_overdue`` counts the days since
  its cycle ended (0: due today); a unit never visited is due and says so.
* **Today's patrol** (今日巡查): the due units of an inspector's grids (or of a manager's scope), highest
  ``score`` first: its level, days overdue, open hazards, overdue tickets and reports of the last 30
  days (``SCORE_WEIGHTS``), each row with the reasons that put it there.
* **Coverage**: per grid and zone, units, covered, never visited, overdue (``coverage``), one grouped
  query per unit table, for pages, API, dashboard and briefing alike, read from each unit's last visit
  (kept by the database's triggers, cases.models.EnterpriseVisit, ParcelVisit); a past day probes the
  (unit, time) indexes only for the units visited since.
"""

import operator
from dataclasses import dataclass, field
from datetime import timedelta
from functools import reduce

from django.conf import settings
from django.db.models import BigIntegerField, Case, Count, DateTimeField, Exists, F, OuterRef, Q, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import Role
from cases.annotations import last_inspected, open_hazards_of
from cases.deadlines import overdue_q
from cases.models import Hazard, Inspection, Ticket
from core import dates
from core.queries import SubqueryCount
from register.choices import RiskLevel, risk_colour
from register.models import Enterprise, Grid, Parcel
from risk.models import PatrolPlan

RECENT_DAYS = 30
# A due unit's score: its level counts most, then days overdue (at most 60), then its open cases.
SCORE_WEIGHTS = {"level": 100, "day": 1, "max_days": 60, "open_hazard": 5, "overdue_ticket": 20, "recent_report": 3}
UNIT_MODELS = (("enterprise", Enterprise), ("parcel", Parcel))


@dataclass(frozen=True)
class Plan:
    """The cycles in force: {level: days}, and the stored plan they come from (None: the settings)."""

    cycles: dict
    plan: PatrolPlan | None = None

    def days_for(self, level):
        return self.cycles[RiskLevel(level)]


def plan_on(moment=None):
    """The plan in force at ``moment`` (default: now)."""
    moment = moment or dates.now()
    plan = PatrolPlan.objects.filter(valid_from__lte=moment).order_by("-valid_from", "-pk").first()
    if plan is not None:
        return Plan(plan.cycles, plan)
    days = settings.PATROL_DAYS
    return Plan(
        {
            RiskLevel.RED: days["red"],
            RiskLevel.ORANGE: days["orange"],
            RiskLevel.YELLOW: days["yellow"],
            RiskLevel.BLUE: days["blue"],
        }
    )


def cycle_start(day, days):
    """The first moment that counts for a cycle of ``days`` ending on ``day``."""
    return dates.day_start(day - timedelta(days=days - 1))


def _visit_between(field, since=None, until=None):
    """A visit to the unit (outer query, ``field`` its kind) at or after ``since`` and before ``until``
    (either may be None): one EXISTS per table, each a single probe of its (unit, time) index
    (``inspection_<kind>_time``, ``hazard_<kind>_time``)."""
    inspections = Inspection.objects.filter(**{field: OuterRef("pk")})
    reports = Hazard.objects.filter(**{field: OuterRef("pk")})
    if since is not None:
        inspections = inspections.filter(inspected_at__gte=since)
        reports = reports.filter(reported_at__gte=since)
    if until is not None:
        inspections = inspections.filter(inspected_at__lt=until)
        reports = reports.filter(reported_at__lt=until)
    return Q(Exists(inspections)) | Q(Exists(reports))


def covered_q(field, plan, day, *, until=None):
    """The unit (``field`` its kind) had a visit within its level's cycle on ``day`` (before ``until`` when
    given; a unit of no known level is never covered): read from its last visit (``latest_visit``, kept by the
    database: cases.models.EnterpriseVisit, ParcelVisit), one join in the scan of the units whatever the
    history. A unit visited since ``until`` says nothing of the day by its last visit: for those few, one
    probe of the (unit, time) indexes over its own cycle."""
    starts = {level: cycle_start(day, plan.days_for(level)) for level in RiskLevel}
    own_start = Case(
        *(When(risk_level=level.value, then=Value(start)) for level, start in starts.items()),
        default=None,
        output_field=DateTimeField(),
    )
    if until is None:
        return Q(latest_visit__at__gte=own_start)
    visited_since = Q(latest_visit__at__gte=until)
    probed = reduce(
        operator.or_,
        (Q(risk_level=level.value) & _visit_between(field, start, until) for level, start in starts.items()),
    )
    return Q(latest_visit__at__gte=own_start, latest_visit__at__lt=until) | (visited_since & probed)


def never_visited_q(field, *, until=None):
    """The unit (``field`` its kind) had no visit before ``until``: it has no last visit, or (visited since
    ``until``) one probe of each (unit, time) index finds none before."""
    if until is None:
        return Q(latest_visit__isnull=True)
    return Q(latest_visit__isnull=True) | (Q(latest_visit__at__gte=until) & ~_visit_between(field, None, until))


def patrol_grids(user):
    """The grids whose units ``user`` patrols, with their zones: an inspector's own grids, anyone else's
    visible ones. One statement."""
    grids = Grid.objects.visible_to(user).select_related("zone").order_by("zone__order", "zone__name", "name", "pk")
    if user.role == Role.INSPECTOR:
        grids = grids.filter(pk__in=list(user.scope_grid_ids))
    return list(grids)


class OutOfScope(LookupError):
    """A zone or grid filter that names none of the user's grids (a page answers 404)."""


def narrow_grids(grids, *, zone_id=None, grid_id=None):
    """The ids of ``grids`` in zone ``zone_id`` and/or equal to ``grid_id`` (ids as given in a query
    string; empty: no filter). A filter naming no grid of ``grids`` raises OutOfScope."""
    ids = [grid.pk for grid in grids]
    for value, key in ((zone_id, "zone_id"), (grid_id, "pk")):
        if value in (None, ""):
            continue
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise OutOfScope(value) from None
        ids = [grid.pk for grid in grids if grid.pk in ids and getattr(grid, key) == number]
        if not ids:
            raise OutOfScope(value)
    return ids


def units_of(model, user, *, grids=None):
    """The active units of ``model`` that ``user`` patrols: an inspector's own grids, anyone else's scope."""
    rows = model.objects.visible_to(user)
    if model is Enterprise:
        rows = rows.filter(active=True)
    if user.role == Role.INSPECTOR:
        rows = rows.filter(grid_id__in=user.scope_grid_ids)
    if grids is not None:
        rows = rows.filter(grid_id__in=grids)
    return rows


@dataclass
class DueUnit:
    """One row of today's patrol."""

    kind: str  # "enterprise" or "parcel"
    unit: object
    level: int
    cycle: int
    last_visit: object  # datetime or None
    days_overdue: int  # 0: due today; None: never visited
    open_hazards: int
    overdue_tickets: int
    recent_reports: int
    score: int = 0
    reasons: list = field(default_factory=list)

    @property
    def colour(self):
        return risk_colour(self.level)

    @property
    def level_label(self):
        return RiskLevel(self.level).label

    @property
    def never_visited(self):
        return self.days_overdue is None


def _score(row):
    w = SCORE_WEIGHTS
    days = w["max_days"] if row.days_overdue is None else min(row.days_overdue, w["max_days"])
    return (
        row.level * w["level"]
        + days * w["day"]
        + row.open_hazards * w["open_hazard"]
        + row.overdue_tickets * w["overdue_ticket"]
        + row.recent_reports * w["recent_report"]
    )


def _reasons(row):
    reasons = [_("%(level)s，每 %(days)s 天巡查一次") % {"level": RiskLevel(row.level).label, "days": row.cycle}]
    if row.days_overdue is None:
        reasons.append(_("从未巡查"))
    elif row.days_overdue:
        reasons.append(_("已超期 %(days)s 天") % {"days": row.days_overdue})
    else:
        reasons.append(_("今日到期"))
    if row.open_hazards:
        reasons.append(_("未整改隐患 %(n)s 条") % {"n": row.open_hazards})
    if row.overdue_tickets:
        reasons.append(_("逾期整改单 %(n)s 件") % {"n": row.overdue_tickets})
    if row.recent_reports:
        reasons.append(_("近 %(days)s 天上报 %(n)s 条") % {"days": RECENT_DAYS, "n": row.recent_reports})
    return reasons


def due_units(user, *, day=None, grids=None, kinds=("enterprise", "parcel")):
    """Today's patrol for ``user``: due units, highest score first. Two queries (one per unit table) plus
    the plan, whatever the number of units."""
    day = day or dates.today()
    plan = plan_on()
    recent_since = dates.day_start(day - timedelta(days=RECENT_DAYS - 1))
    rows = []
    for kind, model in UNIT_MODELS:
        if kind not in kinds:
            continue
        related = ("grid__zone", "parcel") if model is Enterprise else ("grid__zone",)
        units = (
            units_of(model, user, grids=grids)
            .exclude(covered_q(kind, plan, day))
            .select_related(*related)
            .annotate(
                last_visit=last_inspected(),
                open_hazards=open_hazards_of(kind),
                overdue_tickets=SubqueryCount(Ticket.objects.filter(overdue_q(day), **{kind: OuterRef("pk")})),
                recent_reports=SubqueryCount(
                    Hazard.objects.filter(reported_at__gte=recent_since, **{kind: OuterRef("pk")})
                ),
            )
        )
        if kind == "parcel":
            units = units.annotate(tenant_count=Count("tenants", filter=Q(tenants__active=True)))
        for unit in units:
            cycle = plan.days_for(unit.risk_level)
            if unit.last_visit is None:
                overdue = None
            else:
                overdue = (day - (timezone.localdate(unit.last_visit) + timedelta(days=cycle))).days
                overdue = max(overdue, 0)
            row = DueUnit(
                kind=kind,
                unit=unit,
                level=unit.risk_level,
                cycle=cycle,
                last_visit=unit.last_visit,
                days_overdue=overdue,
                open_hazards=unit.open_hazards,
                overdue_tickets=unit.overdue_tickets,
                recent_reports=unit.recent_reports,
            )
            row.score = _score(row)
            row.reasons = _reasons(row)
            rows.append(row)
    rows.sort(key=lambda row: (-row.score, row.unit.grid_id, row.kind, row.unit.pk))
    return rows


@dataclass
class Coverage:
    units: int = 0
    covered: int = 0
    never: int = 0

    @property
    def overdue(self):
        """Units not visited within their cycle (never-visited ones included)."""
        return self.units - self.covered

    @property
    def rate(self):
        return dates.rate_of(self.covered, self.units)

    @property
    def rate_label(self):
        """ "87.50%", or "—" for no units."""
        rate = self.rate
        return "—" if rate is None else f"{dates.format_rate(rate)}%"

    def as_dict(self):
        return {
            "units": self.units,
            "covered": self.covered,
            "rate": dates.format_rate(self.rate),
            "never_visited": self.never,
            "overdue": self.overdue,
        }

    def add(self, other):
        self.units += other.units
        self.covered += other.covered
        self.never += other.never


# ``coverage`` counts the covered and the never visited units in one sum, a never visited one as NEVER
# (more than any number of units): a unit is one or the other (a covered unit was visited), so a CASE
# settles it and the "never" probes run for the units not covered alone.
NEVER = 1 << 32


def coverage(units_by_kind, *, day=None, until=None, plan=None, group="grid_id"):
    """Coverage of the given units ({kind: queryset}) on ``day`` (visits before ``until`` when the day is
    past), grouped by ``group`` ("grid_id", "grid__zone_id" or None for one total): {key: Coverage}.
    One grouped query per unit table; the counts are SQL."""
    day = day or dates.today()
    plan = plan or plan_on(until)
    result = {}
    for kind, rows in units_by_kind.items():
        state = Case(
            When(covered_q(kind, plan, day, until=until), then=Value(1)),
            When(never_visited_q(kind, until=until), then=Value(NEVER)),
            default=Value(0),
            output_field=BigIntegerField(),
        )
        aggregates = {"units": Count("pk"), "states": Coalesce(Sum(state), 0)}
        rows = rows.order_by()
        if group is None:
            figures = [{"key": None, **rows.aggregate(**aggregates)}]
        else:
            figures = rows.values(key=F(group)).annotate(**aggregates)
        for figure in figures:
            never, covered = divmod(figure["states"], NEVER)
            result.setdefault(figure["key"], Coverage()).add(Coverage(figure["units"], covered, never))
    return result


@dataclass
class CoverageTable:
    """Coverage per grid, per zone and in total, and the plan it was measured against."""

    grids: dict  # {grid id: Coverage}
    zones: dict  # {zone id: Coverage}
    total: Coverage
    plan: Plan


def coverage_table(units_by_kind, grid_zone, *, day=None, until=None, plan=None):
    """``coverage`` of the units ({kind: queryset}, already within the grids of ``grid_zone``, {grid id:
    zone id}) per grid, added up per zone and in total. The plan (one statement unless given) and one
    grouped statement per unit table."""
    plan = plan or plan_on(until)
    per_grid = coverage(units_by_kind, day=day, until=until, plan=plan)
    grids = {pk: per_grid.get(pk, Coverage()) for pk in grid_zone}
    zones = {}
    total = Coverage()
    for pk, figures in grids.items():
        zones.setdefault(grid_zone[pk], Coverage()).add(figures)
        total.add(figures)
    return CoverageTable(grids=grids, zones=zones, total=total, plan=plan)


def coverage_of(user, grids, *, day=None):
    """Today's coverage of ``user``'s units in ``grids`` (Grid rows, as ``patrol_grids`` gives)."""
    ids = [grid.pk for grid in grids]
    units = {kind: units_of(model, user, grids=ids) for kind, model in UNIT_MODELS}
    return coverage_table(units, {grid.pk: grid.zone_id for grid in grids}, day=day)
