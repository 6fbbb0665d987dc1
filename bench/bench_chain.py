"""Benchmark the timeline's chains: do concurrent writers on different cases queue?

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/devchain_bench \\
        .venv/bin/python bench/bench_chain.py [--writers 8] [--events 200] [--work-ms 0,5]

Uses the database in DATABASE_URL (PostgreSQL: an empty database of its own; the script creates
it when it does not exist), else a throwaway SQLite file (where every write takes the one database
lock, so the comparison means little). Migrates it and, when it holds fewer tickets than writers,
builds ``seed_demo --scale small``. Then ``--writers`` processes, each with its own connection,
start together and each append ``--events`` events, one transaction per event, the way a service
does (``append_event``, then ``--work-ms`` of further work while the transaction, and so the
stream's lock, stays open — e.g. photos saved after the event — then commit):

* **per stream, different tickets**: each writer on its own ticket (its own stream);
* **per stream, one ticket**: all writers on the same ticket (one stream);
* **old single head (emulated)**: each writer on its own ticket, but every event chained on one
  shared stream — the one global ``event-chain`` head the timeline had before streams;
* **one writer**: the same events from a single process, for scale.

It prints, per case and work time, the wall time, events per second, the p50/p95 time of one
transaction, and how many times faster the different-ticket case is than the single head. Finally
it runs ``verify_chain`` over everything written.
"""

import argparse
import multiprocessing
import os
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench.common import bench_database  # noqa: E402

KIND = "inspections.ticket.commented"
SINGLE_HEAD = "bench:single-head"


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


def create_database_if_missing():
    """A PostgreSQL DATABASE_URL naming a database that does not exist yet: create it."""
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(os.environ["DATABASE_URL"])
    if config["ENGINE"] != "django.db.backends.postgresql":
        return
    params = {"host": config["HOST"] or None, "port": config["PORT"] or None, "user": config["USER"] or None}
    if config["PASSWORD"]:
        params["password"] = config["PASSWORD"]
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{config["NAME"]}"')
            print(f"created database {config['NAME']}")


def writer(ticket_id, stream, events, work_ms, barrier, results):
    """One writer process: its own Django and connection; waits for the others, then appends."""
    import logging

    import django

    django.setup()
    logging.getLogger("timeline.chain").setLevel(logging.WARNING)  # one INFO line per event otherwise
    from django.db import connection, transaction

    from cases.models import Ticket
    from timeline.chain import append_event

    ticket = Ticket.objects.select_related("parcel").get(pk=ticket_id)  # connects before the clock starts
    barrier.wait()
    times = []
    started = time.perf_counter()
    for i in range(events):
        begun = time.perf_counter()
        with transaction.atomic():
            append_event(kind=KIND, ticket=ticket, parcel=ticket.parcel, comment=f"bench {i}", stream=stream)
            if work_ms:
                time.sleep(work_ms / 1000)
        times.append(time.perf_counter() - begun)
    results.put((time.perf_counter() - started, times))
    connection.close()


def run_case(ticket_ids, streams, events, work_ms):
    """Start one writer per ticket, release them together; the wall time until the last one is done."""
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(len(ticket_ids) + 1)
    results = context.Queue()
    processes = [
        context.Process(target=writer, args=(ticket_id, stream, events, work_ms, barrier, results))
        for ticket_id, stream in zip(ticket_ids, streams, strict=True)
    ]
    for process in processes:
        process.start()
    barrier.wait()
    started = time.perf_counter()
    outcomes = [results.get(timeout=600) for _ in processes]
    wall = time.perf_counter() - started
    for process in processes:
        process.join(60)
    if any(process.exitcode for process in processes):
        raise SystemExit("a writer failed")
    times = [t for _elapsed, ts in outcomes for t in ts]
    total = events * len(processes)
    return {"wall": wall, "rate": total / wall, "p50": percentile(times, 0.5), "p95": percentile(times, 0.95)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--events", type=int, default=200, help="events per writer (default 200)")
    parser.add_argument(
        "--work-ms",
        default="0,5",
        help="comma-separated milliseconds of work after the append, inside the transaction (default 0,5)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary SQLite database and print its path")
    args = parser.parse_args(argv)

    os.environ.setdefault("DEBUG", "0")
    with bench_database("chain", keep=args.keep):
        create_database_if_missing()
        return run(args)


def run(args):
    import logging

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from cases.models import Ticket
    from timeline.chain import verify_chain

    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    logging.getLogger("timeline.chain").setLevel(logging.WARNING)  # one INFO line per event otherwise
    call_command("migrate", interactive=False, verbosity=0)
    if Ticket.objects.count() < args.writers:
        print("building demo tickets (seed_demo --scale small) …", flush=True)
        with open(os.devnull, "w") as devnull:
            call_command("seed_demo", scale="small", verbosity=0, stdout=devnull)  # refuses a used database
    tickets = list(Ticket.objects.order_by("pk").values_list("pk", flat=True)[: args.writers])
    connection.close()  # the writers have their own connections
    n = args.writers
    cases = [
        ("per stream, different tickets", tickets, [None] * n),
        ("per stream, one ticket", [tickets[0]] * n, [None] * n),
        ("old single head (emulated)", tickets, [SINGLE_HEAD] * n),
        ("one writer", [tickets[0]], [None]),
    ]
    print(f"{n} writer processes × {args.events} events each, one transaction per event (1 writer: {args.events})")
    print(f"{'case':32} {'work':>6} {'wall s':>8} {'events/s':>9} {'p50 ms':>8} {'p95 ms':>8}")
    for work_ms in [float(x) for x in args.work_ms.split(",") if x.strip()]:
        figures = {}
        for name, ticket_ids, streams in cases:
            result = figures[name] = run_case(ticket_ids, streams, args.events, work_ms)
            print(
                f"{name:32} {work_ms:>4.0f}ms {result['wall']:>8.2f} {result['rate']:>9.0f} "
                f"{result['p50'] * 1000:>8.2f} {result['p95'] * 1000:>8.2f}",
                flush=True,
            )
        speedup = figures["per stream, different tickets"]["rate"] / figures["old single head (emulated)"]["rate"]
        print(f"  → different tickets vs the single head: {speedup:.1f}× the events per second")
    report = verify_chain()
    print(
        f"verify_chain: {'OK' if report.ok else 'BROKEN ' + report.code}, {report.checked} events, {report.streams} streams"
    )
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
