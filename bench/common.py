"""What every bench script does first: a database to measure on, Django set up, seed data present."""

import os
import shutil
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def bench_database(name, keep=False):
    """DATABASE_URL when set; otherwise a temporary SQLite file, removed afterwards unless ``keep``."""
    workdir = None
    if not os.environ.get("DATABASE_URL"):
        workdir = Path(tempfile.mkdtemp(prefix=f"bench-{name}-"))
        os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
        os.environ.setdefault("VAR_DIR", str(workdir / "var"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SECRET_KEY", f"bench-{name}-not-secret")
    try:
        yield workdir
    finally:
        if workdir is not None:
            if keep:
                print(f"kept {workdir}")
            else:
                shutil.rmtree(workdir, ignore_errors=True)


def setup_with_seed_data():
    """django.setup(), migrate, and build `seed_demo --scale seed` when there are no hazards yet."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from cases.models import Hazard

    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    call_command("migrate", interactive=False, verbosity=0)
    if not Hazard.objects.exists():
        print("empty database: building the seed data (seed_demo --scale seed) …", flush=True)
        started = time.perf_counter()
        with open(os.devnull, "w") as devnull:
            call_command("seed_demo", scale="seed", verbosity=0, stdout=devnull)
        print(f"  built in {time.perf_counter() - started:.1f} s")
