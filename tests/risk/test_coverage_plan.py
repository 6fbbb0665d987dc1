"""Coverage (巡查覆盖): the same figures as a plain Python count over a scripted set of units, levels, cycles and
visits; on PostgreSQL, "covered" scans the time indexes over the cycles' days and "never visited" probes the
unit's visits."""

import copy
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.choices import Role
from cases.models import Hazard, Inspection
from register.choices import RiskLevel
from register.models import Enterprise, Parcel
from risk import patrols
from risk.models import PatrolPlan
from tests import factories as f

CYCLES = {RiskLevel.RED: 3, RiskLevel.ORANGE: 7, RiskLevel.YELLOW: 14, RiskLevel.BLUE: 30}
# (unit, level, visits as (by, days before the measured day, hour)); "later" visits fall after ``until``.
SCRIPT = {
    "red_fresh": (RiskLevel.RED, [("inspection", 2, 9)]),
    "red_stale": (RiskLevel.RED, [("inspection", 3, 23), ("hazard", 40, 10)]),
    "red_later_only": (RiskLevel.RED, [("inspection", -1, 8), ("hazard", -2, 8)]),
    "orange_by_hazard": (RiskLevel.ORANGE, [("hazard", 6, 0)]),
    "orange_stale": (RiskLevel.ORANGE, [("hazard", 7, 12), ("inspection", 100, 12)]),
    "yellow_today": (RiskLevel.YELLOW, [("inspection", 0, 18)]),
    "yellow_never": (RiskLevel.YELLOW, []),
    "blue_old": (RiskLevel.BLUE, [("inspection", 29, 1), ("inspection", 400, 1)]),
    "blue_stale": (RiskLevel.BLUE, [("hazard", 30, 1)]),
}


@pytest.fixture
def scripted(db):
    """The script on enterprises of two grids, and on parcels of their own (parcel-only visits), measured
    three days ago with the visits since then ignored."""
    PatrolPlan.objects.create(
        valid_from=timezone.now() - timedelta(days=500),
        red_days=CYCLES[RiskLevel.RED],
        orange_days=CYCLES[RiskLevel.ORANGE],
        yellow_days=CYCLES[RiskLevel.YELLOW],
        blue_days=CYCLES[RiskLevel.BLUE],
    )
    day = timezone.localdate() - timedelta(days=3)
    until = patrols.dates.day_start(day + timedelta(days=1))
    grids = [f.GridFactory(), f.GridFactory()]
    inspector = f.UserFactory(role=Role.INSPECTOR)
    category = f.HazardCategoryFactory()
    expected = []  # (kind, grid id, level, visit moments)
    for index, (level, visits) in enumerate(SCRIPT.values()):
        grid = grids[index % 2]
        # An enterprise on a parcel of another level, whose visits are by the parcel alone.
        parcel = f.ParcelFactory(grid=grid)
        enterprise = f.EnterpriseFactory(parcel=parcel, grid=grid)
        Enterprise.objects.filter(pk=enterprise.pk).update(risk_level=level)
        parcel_level = list(RiskLevel)[(index + 1) % 4]
        Parcel.objects.filter(pk=parcel.pk).update(risk_level=parcel_level)
        moments = []
        for by, days_before, hour in visits:
            moment = patrols.dates.day_start(day - timedelta(days=days_before)) + timedelta(hours=hour)
            moments.append(moment)
            unit = {"enterprise": enterprise, "parcel": None} if index % 3 else {"enterprise": None, "parcel": parcel}
            if by == "inspection":
                f.InspectionFactory(**unit, grid=grid, inspector=inspector, inspected_at=moment)
            else:
                f.HazardFactory(**unit, grid=grid, category=category, reporter=inspector, reported_at=moment)
        on_enterprise = bool(index % 3)
        expected.append(("enterprise", grid.pk, level, moments if on_enterprise else []))
        expected.append(("parcel", grid.pk, parcel_level, moments if not on_enterprise else []))
    return day, until, grids, expected


def _by_hand(day, until, expected, key):
    result = {}
    for _kind, grid_id, level, moments in expected:
        seen = [moment for moment in moments if moment < until]
        start = patrols.cycle_start(day, CYCLES[level])
        figures = result.setdefault(key(grid_id), [0, 0, 0])
        figures[0] += 1
        figures[1] += any(moment >= start for moment in seen)
        figures[2] += not seen
    return result


def _units():
    return {"enterprise": Enterprise.objects.all(), "parcel": Parcel.objects.all()}


def test_coverage_matches_a_count_by_hand(scripted):
    day, until, grids, expected = scripted
    per_grid = patrols.coverage(_units(), day=day, until=until)
    assert {pk: [c.units, c.covered, c.never] for pk, c in per_grid.items()} == _by_hand(
        day, until, expected, lambda pk: pk
    )
    total = patrols.coverage(_units(), day=day, until=until, group=None)[None]
    assert [total.units, total.covered, total.never] == _by_hand(day, until, expected, lambda pk: None)[None]
    assert total.units == 2 * len(SCRIPT) and 0 < total.covered < total.units and total.never > 0


def test_covered_q_as_a_plain_filter_agrees_with_the_counts(scripted):
    """``due_units`` excludes the covered units with the same ``covered_q``: the due ones are the rest."""
    day, until, grids, expected = scripted
    covered = {
        kind: set(model.objects.filter(patrols.covered_q(kind, patrols.plan_on(until), day, until=until)))
        for kind, model in patrols.UNIT_MODELS
    }
    table = patrols.coverage(_units(), day=day, until=until, group=None)[None]
    assert sum(len(units) for units in covered.values()) == table.covered


def _plan_of(sql):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(f"EXPLAIN {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


def _add_history(copies):
    """``copies`` older copies of every visit (a year and more before), as a unit's history grows."""
    for model, field in ((Inspection, "inspected_at"), (Hazard, "reported_at")):
        rows = []
        for row in model.objects.all():
            for n in range(copies):
                older = copy.copy(row)
                older.pk = None
                setattr(older, field, getattr(row, field) - timedelta(days=400 + n))
                if model is Hazard:
                    older.number = f"{row.number}-{n}"
                rows.append(older)
        model.objects.bulk_create(rows)
    with connection.cursor() as cursor:
        for table in ("cases_inspection", "cases_hazard", "register_enterprise", "register_parcel"):
            cursor.execute(f"ANALYZE {table}")


def test_postgres_probes_the_unit_time_indexes(require_postgres, scripted):
    day, until, grids, expected = scripted
    _add_history(200)
    with CaptureQueriesContext(connection) as queries:
        patrols.coverage(_units(), day=day, until=until)
    statements = [q["sql"] for q in queries.captured_queries if "cases_inspection" in q["sql"]]
    assert len(statements) == 2  # one grouped statement per unit table
    for kind, sql in zip(("enterprise", "parcel"), statements, strict=True):
        plan = _plan_of(sql)
        # "Covered": the visits within the longest cycle's days, by a time index (hashed once on a big
        # table), whatever the history; "never visited": a probe of the unit's own visits.
        conditions = [line for line in plan.splitlines() if "Index Cond:" in line]
        for moment in ("inspected_at", "reported_at"):
            assert any(f"({moment} >= '" in line and f"({moment} < '" in line for line in conditions), plan
        assert f"Index Cond: ({kind}_id = register_{kind}.id)" in plan, plan
        assert "Seq Scan on cases_" not in plan, plan
        assert "EXISTS" not in sql.rsplit("GROUP BY", 1)[1]  # the probes stay in the counts' FILTER
