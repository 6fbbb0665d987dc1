"""Benchmark the daily briefing on the `seed` data, beside one hand-written SQL aggregate.

    .venv/bin/python bench/bench_report.py [--runs 5] [--date YYYY-MM-DD] [--keep]

Uses the database in DATABASE_URL when it is set (PostgreSQL: make it an empty or a seeded
database of its own), else a throwaway SQLite database in a temporary directory. Migrates it and,
when it holds no hazards, builds the source's ledger with ``seed_demo --scale seed`` (about a
minute). Then, for the day (default: yesterday in Asia/Shanghai), it times

* ``generate_daily_reports(day)``: every figure of the briefing for the whole area, each zone and
  each grid, stored (upserted) as DailyReport rows — the median of ``--runs`` runs after one
  warm-up, with the number of SQL statements;
* ``compute_figures``: the ledger figures alone;
* one hand-written SQL statement over the same hazard rows (found and rectified by severity per
  zone, with the day's new and rectified), the floor any ORM version is compared with.

It prints the times and their ratios (PERFORMANCE.md: compare ratios measured in the same run).
"""

import argparse
import statistics
import sys
import time
from datetime import date
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench.common import bench_database, setup_with_seed_data  # noqa: E402

RAW_SQL = """
SELECT h.zone_id,
       SUM(CASE WHEN h.severity = 'general' THEN 1 ELSE 0 END) AS found_general,
       SUM(CASE WHEN h.severity = 'major' THEN 1 ELSE 0 END) AS found_major,
       SUM(CASE WHEN h.status = 'rectified' AND h.severity = 'general' THEN 1 ELSE 0 END) AS rectified_general,
       SUM(CASE WHEN h.status = 'rectified' AND h.severity = 'major' THEN 1 ELSE 0 END) AS rectified_major,
       SUM(CASE WHEN h.reported_at >= %s AND h.reported_at < %s THEN 1 ELSE 0 END) AS new_on_the_day,
       SUM(CASE WHEN h.rectified_at >= %s AND h.rectified_at < %s THEN 1 ELSE 0 END) AS rectified_on_the_day
  FROM inspections_hazard h
 WHERE h.status IN ('reported', 'aggregated', 'rectified') AND h.withdrawn = %s AND h.reported_at < %s
 GROUP BY h.zone_id
"""


def timed(function, runs):
    function()  # warm-up: caches, connections, compiled templates
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), min(times)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--date", help="the day of the briefing (default: yesterday)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary SQLite database and print its path")
    args = parser.parse_args(argv)

    with bench_database("report", keep=args.keep):
        return run(args)


def run(args):
    setup_with_seed_data()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from briefing.figures import compute_figures, day_bounds
    from briefing.reports import generate_daily_reports, report_as_of, yesterday
    from cases.models import Hazard, Ticket

    day = date.fromisoformat(args.date) if args.date else yesterday()
    start, end = day_bounds(day)
    print(
        f"rows: {Hazard.objects.count()} hazards, {Ticket.objects.count()} tickets; "
        f"briefing of {day}, median of {args.runs} runs after a warm-up"
    )

    with CaptureQueriesContext(connection) as queries:
        stored = generate_daily_reports(day)
    everything = next(r for r in stored if r.scope == "all").data
    print(
        f"  briefing: found {everything['found']}, rectified {everything['rectified_general']} general + "
        f"{everything['rectified_major']} major, rate {everything['rectification_rate']}%, overdue {everything['overdue']}; "
        f"{len(stored)} scopes in {len(queries)} SQL statements"
    )

    generate, generate_min = timed(lambda: generate_daily_reports(day), args.runs)
    as_of = report_as_of(day)
    figures, figures_min = timed(
        lambda: compute_figures(end=day, activity=(day, day), as_of=as_of, escalations=(start, end)), args.runs
    )

    params = [start, end, start, end, False, end]

    def raw():
        with connection.cursor() as cursor:
            cursor.execute(RAW_SQL, params)
            return cursor.fetchall()

    rows = raw()
    raw_time, raw_min = timed(raw, args.runs)
    raw_found = sum(r[1] + r[2] for r in rows)

    print(f"  generate_daily_reports  {generate * 1000:8.1f} ms  (min {generate_min * 1000:.1f})")
    print(f"  compute_figures         {figures * 1000:8.1f} ms  (min {figures_min * 1000:.1f})")
    print(f"  one raw SQL aggregate   {raw_time * 1000:8.1f} ms  (min {raw_min * 1000:.1f}; found {raw_found})")
    print(f"  ratio briefing / raw SQL: {generate / raw_time:.1f}x; figures / raw SQL: {figures / raw_time:.1f}x")
    if generate > 2.0:
        print("  SLOW: the briefing should take under 2 s on this data")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main() or 0)
