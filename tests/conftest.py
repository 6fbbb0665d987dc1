"""Shared fixtures: a small wired world of zones, grids, parcels, enterprises and one user per role.

In CI (CI=true) a skipped test fails the run: every test must run on PostgreSQL, Redis and Chromium.
"""

import os

import pytest
from django.db import connection

from accounts.choices import Role
from tests import factories as f

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def pytest_sessionfinish(session, exitstatus):
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if IN_CI and reporter is not None and reporter.stats.get("skipped"):
        reporter.write_line(f"CI: {len(reporter.stats['skipped'])} test(s) skipped; in CI no test may skip.", red=True)
        session.exitstatus = 1


SEED_SCALE_MODULE = "tests/cases/test_seed_scale.py"
# With -n, each of these (a module or a folder) runs whole on one worker, and they start first, slowest first:
# the seed-scale data (built once per module, 15–30 s), the runs of real processes, modules with data built
# once per module. Never a transactional test (live_server, transactional_db): pytest-django runs those after
# the others because they empty the tables, the catalogue included; collection refuses one here.
TOGETHER_FIRST = (
    SEED_SCALE_MODULE,
    "tests/test_embedded_run.py",
    "tests/ops/test_two_servers.py",  # two gunicorn servers and two Celery workers in network namespaces
    "tests/cases/test_seed_demo.py",
    "tests/risk/test_demo_risk.py",
    "tests/api/test_schema.py",
)


def _together(nodeid):
    return next((group for group in TOGETHER_FIRST if nodeid.startswith(group)), None)


def _is_transactional(item):
    marker = item.get_closest_marker("django_db")
    by_marker = marker is not None and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences"))
    return bool(by_marker) or bool({"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ())))


def pytest_collection_modifyitems(config, items):
    """Tests on the seed-scale data are slow, and live in one module so that a run builds the data once."""
    for item in items:
        if "seed_scale" in getattr(item, "fixturenames", ()):
            if item.nodeid.split("::")[0] != SEED_SCALE_MODULE:
                raise pytest.UsageError(f"{item.nodeid}: tests using seed_scale belong in {SEED_SCALE_MODULE}")
            item.add_marker(pytest.mark.slow)
        if _together(item.nodeid) and _is_transactional(item):
            raise pytest.UsageError(f"{item.nodeid} is transactional: it cannot be in TOGETHER_FIRST")


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist: unknown with -p no:xdist
def pytest_xdist_make_scheduler(config, log):
    """With ``-n``: ``--dist load`` (tests in chunks to whichever worker is free), except that each group of
    TOGETHER_FIRST goes whole to one worker, the groups before anything else: one worker builds the seed-scale
    data once while another runs the embedded run's processes, and no long test ends the run on one worker.

    Not ``--dist loadgroup``: pytest-xdist 3.8 loses ``xdist_group`` marks under pytest 9.2
    (pytest-dev/pytest-xdist#1386), and its scope-based schedulers keep one test per node id, which drops
    schemathesis's tests (42 share each id)."""
    if config.getvalue("dist") != "load":
        return None
    from xdist.scheduler import LoadScheduling

    class TogetherFirst(LoadScheduling):
        groups = None

        def _send_tests(self, node, num):
            if self.groups is None:  # the first sending, right after the collection: find the groups' tests
                group_of = {index: _together(self.collection[index]) for index in self.pending}
                groups = [[i for i in self.pending if group_of[i] == group] for group in TOGETHER_FIRST]
                self.groups = [indexes for indexes in groups if indexes]
            if self.groups:  # a whole group instead of a chunk; until then its tests stay pending
                indexes = self.groups.pop(0)
                sent = set(indexes)
                self.pending[:] = [index for index in self.pending if index not in sent]
                self.node2pending[node].extend(indexes)
                node.send_runtest_some(indexes)
                return
            super()._send_tests(node, num)

    return TogetherFirst(config, log)


@pytest.fixture(scope="module")
def seed_scale(django_db_setup, django_db_blocker, tmp_path_factory):
    """The seed-scale demo data (``seed_demo --scale seed``: 19,997 hazards, 11,024 inspections, 73,000 events),
    built once and shared by every test of the module; returns what the command printed.

    It is built inside a transaction that is rolled back when the module ends, and each test runs in a savepoint
    of it (pytest-django's ``db``), so what a test changes is undone and no other module sees the data. Building
    takes 15–30 s: keep the tests that need it in tests/cases/test_seed_scale.py, so a run builds it once (a
    module-scoped fixture is built again by each module that asks for it). A session scope would keep the data
    under every later test of the worker.
    """
    import io

    from django.core.management import call_command
    from django.db import transaction
    from django.test import override_settings

    output = io.StringIO()
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("seed-media")):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            call_command("seed_demo", "--scale", "seed", stdout=output)
            # Check the deferred foreign keys of the new rows now, once: each test's teardown checks them
            # (django.test.TestCase), inside its savepoint, which PostgreSQL then rolls back (2 s a test).
            connection.check_constraints()
            yield output.getvalue()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def require_postgres(db):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL=postgres://…")


@pytest.fixture
def redis_url():
    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("needs Redis: set REDIS_URL=redis://…")
    return url


@pytest.fixture
def world(db):
    """Two zones; zone A has grids A1 and A2, zone B has grid B1. A multi-tenant parcel in A1."""
    zone_a = f.ZoneFactory(name="中申达")
    zone_b = f.ZoneFactory(name="花川")
    grid_a1 = f.GridFactory(zone=zone_a, name="中申达一网格")
    grid_a2 = f.GridFactory(zone=zone_a, name="中申达二网格")
    grid_b1 = f.GridFactory(zone=zone_b, name="花川一网格")
    parcel = f.ParcelFactory(grid=grid_a1, code="ZSD-001", name="中申达1号厂房")
    parcel_a2 = f.ParcelFactory(grid=grid_a2, code="ZSD-201", name="中申达201号厂房")
    parcel_b = f.ParcelFactory(grid=grid_b1, code="HC-001", name="花川1号厂房")
    tenant1 = f.EnterpriseFactory(parcel=parcel, name="永康甲五金有限公司")
    tenant2 = f.EnterpriseFactory(parcel=parcel, name="永康乙工贸有限公司")
    other_a2 = f.EnterpriseFactory(parcel=parcel_a2, name="永康丙电器有限公司")
    other_b = f.EnterpriseFactory(parcel=parcel_b, name="永康丁机械有限公司")

    inspector = f.UserFactory(username="inspector-a1", role=Role.INSPECTOR)
    inspector.grids.add(grid_a1)
    inspector_a2 = f.UserFactory(username="inspector-a2", role=Role.INSPECTOR)
    inspector_a2.grids.add(grid_a2)
    inspector_b = f.UserFactory(username="inspector-b1", role=Role.INSPECTOR)
    inspector_b.grids.add(grid_b1)
    manager = f.UserFactory(username="manager-a", role=Role.MANAGER)
    manager.zones.add(zone_a)
    manager_all = f.UserFactory(username="manager-all", role=Role.MANAGER, whole_area=True)
    leader = f.UserFactory(username="leader", role=Role.LEADER, whole_area=True, receives_daily_report=True)
    enterprise_user = f.UserFactory(username="tenant1-owner", role=Role.ENTERPRISE)
    enterprise_user.enterprises.add(tenant1)
    landlord = f.UserFactory(username="landlord", role=Role.LANDLORD)
    parcel.landlord_user = landlord
    parcel.save()
    admin = f.UserFactory(username="admin", role="", is_staff=True, is_superuser=True)

    class World:
        pass

    w = World()
    w.__dict__.update(locals())
    del w.__dict__["w"]
    return w


@pytest.fixture(scope="session", autouse=True)
def compiled_translations():
    """Compile locale/*.po to .mo once per test process (.mo files are not committed), so pages render in English.

    A file lock keeps parallel xdist workers from writing the same .mo at once; the command skips an up-to-date .mo.
    A bad catalogue does not stop the suite here: tests/test_translations.py reports it.
    """
    import fcntl
    import tempfile
    import warnings
    from pathlib import Path

    from django.core.management import call_command, get_commands
    from django.core.management.base import CommandError

    if "compile_translations" not in get_commands():
        return
    with open(Path(tempfile.gettempdir()) / "tracker-compile-translations.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            call_command("compile_translations", verbosity=0)
        except CommandError as exc:
            warnings.warn(f"translations not compiled: {exc}", stacklevel=1)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.fixture(autouse=True)
def default_language_after_each_test():
    """A test that switches to English must not leave it active for the next one."""
    yield
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(scope="session", autouse=True)
def broker_of_the_session(tmp_path_factory):
    """Tasks the tests publish (an event's messages, queued when its transaction commits) go to a folder
    of this session on the embedded broker, never to the developer's var/broker that `make run` reads."""
    from django.conf import settings

    from config.celery import app

    if settings.CELERY_BROKER_URL != "filesystem://":
        yield
        return
    folder = tmp_path_factory.mktemp("broker")
    folders = {"data_folder_in": "queue", "data_folder_out": "queue", "processed_folder": "processed"}
    folders["control_folder"] = "control"
    for name in set(folders.values()):
        (folder / name).mkdir()
    options = {**app.conf.broker_transport_options, **{key: str(folder / name) for key, name in folders.items()}}
    app.conf.broker_transport_options = options
    yield
