"""Benchmark today's patrol for an inspector with 500 units and the whole-register risk recomputation,
beside a bare baseline in the same run.

    .venv/bin/python bench/bench_patrol.py [--scale city|seed] [--units 500] [--runs 20] [--keep]

Uses the database in DATABASE_URL when it is set (PostgreSQL: an empty database of its own, or one
already holding demo data, which is reused whatever its scale), else a throwaway SQLite database in a
temporary directory. Migrates it and, when it holds no hazards, builds ``seed_demo --scale SCALE``
(``city``, the default: about 50,000 enterprises, 10 minutes on a busy machine; ``seed``: under a
minute). On PostgreSQL it runs ANALYZE first, as autovacuum would on a live server.

A bench inspector (``bench-inspector``) is given grids until they hold at least ``--units`` active units
(enterprises and parcels). Then it times, as median and p95 in milliseconds with the SQL statements:

* ``risk.patrols.due_units(inspector)``: today's patrol (今日巡查) over those units;
* ``risk.levels.recompute()``: every enterprise's and parcel's risk level, the whole register;
* the baselines: a plain SELECT of 500 enterprise rows (every column), and a plain
  ``UPDATE … SET risk_level = risk_level`` of each unit table (writing every row, computing nothing).

Absolute figures drift between runs on a shared machine; compare the ratios measured in the same run.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench.common import bench_database  # noqa: E402

BENCH_INSPECTOR = "bench-inspector"


def percentile(values, fraction):
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def timed(function, runs):
    """(median ms, p95 ms, statements of one run, result of the last run), after one warm-up."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        result = function()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = function()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), percentile(times, 0.95), len(queries), result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", choices=("city", "seed"), default="city", help="data to build when empty")
    parser.add_argument("--units", type=int, default=500, help="units of the bench inspector (default 500)")
    parser.add_argument("--runs", type=int, default=20, help="timed runs of today's patrol (default 20)")
    parser.add_argument("--recompute-runs", type=int, default=5, help="timed runs of the recomputation (default 5)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary SQLite database and print its path")
    args = parser.parse_args(argv)

    with bench_database("patrol", keep=args.keep):
        return run(args)


def setup(scale):
    import os

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from cases.models import Hazard

    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    call_command("migrate", interactive=False, verbosity=0)
    if not Hazard.objects.exists():
        print(f"empty database: building seed_demo --scale {scale} …", flush=True)
        started = time.perf_counter()
        with open(os.devnull, "w") as devnull:
            call_command("seed_demo", scale=scale, verbosity=0, stdout=devnull)
        print(f"  built in {time.perf_counter() - started:.1f} s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def bench_inspector(units):
    """An inspector whose grids hold at least ``units`` active units (grids taken largest first)."""
    from django.db.models import Count, Q

    from accounts.choices import Role
    from accounts.models import User
    from register.models import Grid

    user, _created = User.objects.get_or_create(
        username=BENCH_INSPECTOR, defaults={"role": Role.INSPECTOR, "first_name": "压测网格员"}
    )
    grids = Grid.objects.annotate(
        units=Count("enterprises", filter=Q(enterprises__active=True), distinct=True) + Count("parcels", distinct=True)
    ).order_by("units", "pk")
    chosen, total = [], 0
    for grid in grids:  # smallest first, so the total lands near ``units``
        if total >= units:
            break
        chosen.append(grid.pk)
        total += grid.units
    user.grids.set(chosen)
    return User.objects.get(pk=user.pk), chosen, total


def run(args):
    setup(args.scale)
    from django.db import connection

    from register.models import Enterprise, Parcel
    from risk.levels import recompute
    from risk.patrols import due_units

    user, grids, total = bench_inspector(args.units)
    print(
        f"register: {Enterprise.objects.count()} enterprises, {Parcel.objects.count()} parcels; "
        f"{BENCH_INSPECTOR}: {len(grids)} grids, {total} units"
    )

    def patrol():
        user.__dict__.pop("_scope_grid_ids", None)
        return due_units(user)

    def select_500():
        return list(Enterprise.objects.order_by("pk")[:500])

    def bare_update():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE register_enterprise SET risk_level = risk_level")
            cursor.execute("UPDATE register_parcel SET risk_level = risk_level")

    def whole_register():
        return recompute()

    rows = []
    patrol_median, patrol_p95, patrol_queries, due = timed(patrol, args.runs)
    rows.append(("today's patrol (due_units)", patrol_median, patrol_p95, patrol_queries, f"{len(due)} due"))
    select_median, select_p95, select_queries, selected = timed(select_500, args.runs)
    rows.append(
        ("  baseline: SELECT 500 enterprises", select_median, select_p95, select_queries, f"{len(selected)} rows")
    )
    runs = args.recompute_runs
    recompute_median, recompute_p95, recompute_queries, changed = timed(whole_register, runs)
    rows.append(
        ("recompute() whole register", recompute_median, recompute_p95, recompute_queries, f"{sum(changed)} rows")
    )
    update_median, update_p95, update_queries, _none = timed(bare_update, runs)
    rows.append(("  baseline: UPDATE … SET risk_level = risk_level", update_median, update_p95, update_queries, ""))

    print(f"median and p95 of {args.runs} runs (recomputation: {runs}) after a warm-up")
    print(f"  {'':48} {'median':>9} {'p95':>9} {'SQL':>4}")
    for label, median, p95, queries, note in rows:
        print(f"  {label:48} {median:7.1f}ms {p95:7.1f}ms {queries:4d}  {note}")
    print(
        f"  ratio patrol / SELECT 500: {patrol_median / select_median:.1f}x; "
        f"recompute / bare UPDATE: {recompute_median / update_median:.1f}x"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main() or 0)
