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
    manager_all = f.UserFactory(username="manager-all", role=Role.MANAGER)
    leader = f.UserFactory(username="leader", role=Role.LEADER, receives_daily_report=True)
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
