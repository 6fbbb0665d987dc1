"""The day summaries (briefing.summaries): kept by the catch-up job through a scripted workflow, equal to a
rebuild from the rows and events, and the summary-based figures equal to the raw ones."""

from dataclasses import fields
from datetime import datetime, time, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from briefing import figures, reports, summaries
from briefing.figures import Figures, compute_figures
from briefing.models import (
    CategoryDaySummary,
    CategoryMonthSummary,
    DaySummary,
    MonthSummary,
    SummaryState,
    TotalSummary,
)
from briefing.reports import report_as_of
from briefing.tasks import catch_up_summaries_task
from briefing.views.dashboard import dashboard_data
from cases import services
from cases.choices import HazardStatus
from cases.models import Hazard
from catalogue.choices import Severity
from core.dates import day_bounds, day_start, local_tz, story_clock
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def moment(days_ago, hour=10, minute=0):
    day = timezone.localdate() - timedelta(days=days_ago)
    return datetime.combine(day, time(hour, minute), tzinfo=local_tz())


def differences(a, b):
    """The figures of every scope of two FigureSets that differ: ``[(scope, name, a, b)]``."""
    found = []
    scopes = [("all", a.total, b.total)]
    scopes += [(f"zone:{pk}", a.zones[pk], b.zones.get(pk)) for pk in a.zones]
    scopes += [(f"grid:{pk}", a.grids[pk], b.grids.get(pk)) for pk in a.grids]
    for scope, x, y in scopes:
        for field in fields(Figures):
            if y is None or getattr(x, field.name) != getattr(y, field.name):
                found.append((scope, field.name, getattr(x, field.name), y and getattr(y, field.name)))
    assert set(a.zones) == set(b.zones) and set(a.grids) == set(b.grids)
    return found


def periods():
    """The periods the briefing, the dashboard and the period reports ask for."""
    today = timezone.localdate()
    yesterday = today - timedelta(days=1)
    result = [
        {"activity": (today, today)},  # the dashboard
        {"start": today - timedelta(days=6), "end": today},  # a week up to today
        {"start": today - timedelta(days=40), "end": today - timedelta(days=8)},  # an older month
        {"start": timezone.now() - timedelta(hours=50), "end": timezone.now()},  # not on whole days: raw
        {},
    ]
    for back in (1, 2, 3, 4, 6):
        day = today - timedelta(days=back)
        day_from, _day_to = day_bounds(day)
        as_of = report_as_of(day)
        result.append({"end": day, "activity": (day, day), "as_of": as_of, "escalations": (day_from, as_of)})
    result.append({"start": yesterday - timedelta(days=3), "end": yesterday, "activity": (yesterday, yesterday)})
    return result


def assert_summaries_equal_raw():
    for period in periods():
        raw = compute_figures(source="raw", **period)
        summed = compute_figures(**period)
        assert differences(raw, summed) == [], period


def stored_rows():
    return sorted(
        tuple(
            getattr(row, name) for name in ("day", "zone_id", "grid_id", *summaries.DAY_COUNTERS, "first_reported_at")
        )
        for row in DaySummary.objects.all()
    )


def run_workflow(world):
    """A scripted week through the services, caught up after each day as the beat job would."""
    category = f.HazardCategoryFactory(code="FIRE-01")
    other = f.HazardCategoryFactory(code="ELEC-01")
    w = world
    with story_clock(moment(6)):
        services.record_inspection(actor=w.inspector, enterprise=w.tenant1)
        h1 = services.report_hazard(actor=w.inspector, category=category, description="通道堵塞", enterprise=w.tenant1)
        h2 = services.report_hazard(actor=w.inspector_a2, category=other, description="私拉电线", enterprise=w.other_a2)
        h3 = services.report_hazard(actor=w.inspector_b, category=category, description="不属实", enterprise=w.other_b)
        h6 = services.report_hazard(
            actor=w.inspector, category=other, description="重大", enterprise=w.tenant2, severity=Severity.MAJOR
        )
    summaries.catch_up()
    with story_clock(moment(5)):
        [t1] = services.aggregate_hazards([h1], actor=w.manager)
        [t2] = services.aggregate_hazards([h2], actor=w.manager)
        services.assign_ticket(t1, actor=w.manager, deadline=timezone.localdate() - timedelta(days=3))
        services.assign_ticket(t2, actor=w.manager, deadline=timezone.localdate() + timedelta(days=5))
        services.mark_invalid(h3, actor=w.manager_all, reason="核实不属实")
        services.record_inspection(actor=w.inspector_b, enterprise=w.other_b)
    summaries.catch_up()
    with story_clock(moment(4)):
        services.submit_rectification(t1, actor=w.enterprise_user, comment="已清理", photos=[f.photo_upload()])
        services.verify_ticket(t1, actor=w.inspector, passed=False, comment="仍有杂物")
        services.escalate_ticket(t2, actor=w.leader, comment="请加快")
        h4 = services.report_hazard(actor=w.inspector, category=category, description="重复", enterprise=w.tenant2)
    with story_clock(moment(3)):
        services.submit_rectification(t1, actor=w.enterprise_user, comment="再次清理", photos=[f.photo_upload()])
        services.verify_ticket(t1, actor=w.inspector, passed=True)
        services.mark_duplicate(h4, actor=w.manager, duplicate_of=h1)
        services.record_inspection(actor=w.inspector, enterprise=w.tenant1)
    summaries.catch_up()
    with story_clock(moment(1, 22)):
        services.escalate_ticket(t2, actor=w.manager, comment="挂牌")
        services.report_hazard(actor=w.inspector_a2, category=other, description="昨天", enterprise=w.other_a2)
    # today: an inspection captured offline two days ago reaches the server, t2 is fixed, h6 stays open
    services.record_inspection(actor=w.inspector_a2, enterprise=w.other_a2, inspected_at=moment(2, 9))
    services.submit_rectification(t2, actor=w.manager, comment="代为提交", photos=[f.photo_upload()], on_behalf=True)
    services.verify_ticket(t2, actor=w.manager, passed=True)
    services.report_hazard(actor=w.inspector_b, category=category, description="今天", enterprise=w.other_b)
    return h6


def test_catch_up_after_a_workflow_equals_a_rebuild_and_the_raw_figures(world):
    # Given a week of workflow through the services, caught up by the job after some of its days
    run_workflow(world)

    # When the job catches up once more
    summaries.catch_up()
    kept = stored_rows()

    # Then a rebuild from the rows and events gives the same summaries, and the check agrees
    assert summaries.check() == []
    summaries.rebuild()
    assert stored_rows() == kept
    assert DaySummary.objects.filter(voided__gt=0).exists()
    assert DaySummary.objects.filter(escalations__gt=0).exists()
    # and the figures read from the summaries are the raw figures, for every period asked
    assert_summaries_equal_raw()


def test_whole_day_periods_read_the_summaries_not_the_history(world, monkeypatch):
    # Given summaries
    run_workflow(world)
    summaries.catch_up()

    # Then the briefing's, the dashboard's and the period reports' figures never read the history's rows
    def refused(*args, **kwargs):
        raise AssertionError("the history was read from the rows")

    monkeypatch.setattr(figures, "_raw_history", refused)
    for period in periods():
        if isinstance(period.get("start"), datetime):
            continue  # not on whole days: read from the rows
        compute_figures(**period)


def test_figures_are_the_raw_ones_before_the_summaries_catch_up(world):
    # Given summaries made before the last changes (not caught up yet): the days since are read live,
    # the closed days as the summaries hold them
    summaries.rebuild()
    run_workflow(world)
    summaries.catch_up()

    # Then after the catch-up everything agrees
    assert_summaries_equal_raw()
    assert summaries.check() == []


def test_a_late_capture_moves_the_first_visit_of_a_unit(world):
    # Given a unit first inspected yesterday, summarised
    f.InspectionFactory(enterprise=world.other_b, inspected_at=moment(1))
    summaries.rebuild()
    assert DaySummary.objects.get(day=moment(1).date()).units_first_all == 1

    # When a visit three days ago is captured today (offline)
    services.record_inspection(actor=world.inspector_b, enterprise=world.other_b, inspected_at=moment(3))
    summaries.catch_up()

    # Then the first visit moves to that day, and yesterday no longer holds it
    assert DaySummary.objects.get(day=moment(3).date()).units_first_all == 1
    assert DaySummary.objects.get(day=moment(1).date()).units_first_all == 0
    assert summaries.check() == []
    assert_summaries_equal_raw()


def test_a_verdict_after_the_day_does_not_change_that_days_figures(world):
    # Given a hazard found three days ago, summarised, then marked invalid today
    category = f.HazardCategoryFactory()
    with story_clock(moment(3)):
        hazard = services.report_hazard(
            actor=world.inspector, category=category, description="x", enterprise=world.tenant1
        )
    summaries.rebuild()
    services.mark_invalid(hazard, actor=world.manager, reason="不属实")
    summaries.catch_up()

    # Then the briefing of two days ago still counts it, today's figures do not
    day = timezone.localdate() - timedelta(days=2)
    assert compute_figures(end=day).total.found == 1
    assert compute_figures().total.found == 0
    assert_summaries_equal_raw()


def test_rebuild_command_and_check(world, capsys):
    f.HazardFactory(enterprise=world.tenant1, reported_at=moment(2), status=HazardStatus.REPORTED)
    call_command("rebuild_summaries")
    assert SummaryState.objects.get().covered_until == timezone.localdate()
    call_command("rebuild_summaries", "--check")
    assert capsys.readouterr().out.strip()

    # a summary changed behind the job's back is a difference: exit 1
    DaySummary.objects.update(found_general=7)
    with pytest.raises(CommandError) as refused:
        call_command("rebuild_summaries", "--check")
    assert refused.value.returncode == 1

    # so is a total that no longer adds up its months (the figures from the start read the totals)
    call_command("rebuild_summaries")
    assert TotalSummary.objects.get().found_general == 1
    TotalSummary.objects.update(found_general=3)
    assert [row[0] for row in summaries.check()] == ["month total"]
    call_command("rebuild_summaries")
    assert summaries.check() == []


def test_catch_up_is_idempotent(world):
    run_workflow(world)
    summaries.catch_up()
    kept = stored_rows()
    summaries.catch_up()
    summaries.catch_up()
    assert stored_rows() == kept


def add_history(world, days, category):
    """One inspection, one rectified and one open hazard and an escalated ticket on each of ``days`` past days."""
    for back in range(1, days + 1):
        when = moment(back + 1)
        f.InspectionFactory(enterprise=world.tenant1, inspected_at=when)
        f.HazardFactory(enterprise=world.tenant1, category=category, reported_at=when)
        f.HazardFactory(
            enterprise=world.other_b,
            category=category,
            reported_at=when,
            status=HazardStatus.RECTIFIED,
            rectified_at=when + timedelta(hours=3),
        )
        f.TicketFactory(enterprise=world.other_a2, status="assigned", created_at=when, deadline=when.date())


def test_the_briefing_statements_do_not_grow_with_history(world, monkeypatch):
    # Given summaries kept current by the job (no look-back: nothing is touched between the runs)
    monkeypatch.setattr(summaries, "LOOKBACK", timedelta(0))
    category = f.HazardCategoryFactory()
    yesterday = timezone.localdate() - timedelta(days=1)

    def statements():
        summaries.rebuild()
        with CaptureQueriesContext(connection) as queries:
            reports.generate_daily_reports(yesterday)
        return len(queries)

    add_history(world, 2, category)
    few = statements()
    add_history(world, 40, category)
    assert statements() == few


def test_the_dashboard_queries_do_not_grow_with_history(world, monkeypatch):
    category = f.HazardCategoryFactory()

    def queries(user):
        summaries.rebuild()
        catch_up_summaries_task()  # the map's cells and the tallies fold the changes: statements per change
        with CaptureQueriesContext(connection) as captured:
            dashboard_data(user, cached=False)
        return len(captured)

    add_history(world, 2, category)
    queries(world.leader), queries(world.manager)  # the users' zones, read once per user object
    few = queries(world.leader), queries(world.manager)
    add_history(world, 40, category)
    assert (queries(world.leader), queries(world.manager)) == few


def test_month_summaries_add_up_their_days_and_any_window_reads_the_same_figures(world):
    # Given a hundred days of history, summarised
    category = f.HazardCategoryFactory()
    add_history(world, 100, category)
    summaries.rebuild()
    today = timezone.localdate()
    this_month = today.replace(day=1)
    two_months_back = (this_month - timedelta(days=40)).replace(day=1)

    # Then each month row is the sum of its days, per grid and per category
    assert MonthSummary.objects.values("month").distinct().count() >= 4
    for row in MonthSummary.objects.all():
        days = DaySummary.objects.filter(
            day__gte=row.month, day__lt=summaries.next_month(row.month), zone_id=row.zone_id, grid_id=row.grid_id
        )
        assert row.found_general == sum(day.found_general for day in days)
        assert row.inspections == sum(day.inspections for day in days)
    found = CategoryMonthSummary.objects.aggregate(n=Sum("found"))["n"]
    assert found == CategoryDaySummary.objects.aggregate(n=Sum("found"))["n"] > 0

    # and windows of whole months, of days across months, and up to today read the raw figures
    windows = [
        {"start": two_months_back, "end": this_month},
        {"start": two_months_back + timedelta(days=5), "end": this_month - timedelta(days=3)},
        {"start": today - timedelta(days=95), "end": today - timedelta(days=3)},
        {"start": today - timedelta(days=70), "end": today},
        {"start": two_months_back, "end": today, "activity": (today - timedelta(days=1),) * 2},
        {},
    ]
    for window in windows:
        assert differences(compute_figures(source="raw", **window), compute_figures(**window)) == [], window

    # When a hazard of an old month is rectified, the catch-up rewrites its day and its month
    old = Hazard.objects.filter(status=HazardStatus.REPORTED, reported_at__lt=day_start(two_months_back)).first()
    Hazard.objects.filter(pk=old.pk).update(
        status=HazardStatus.RECTIFIED, rectified_at=timezone.now() - timedelta(days=1), updated_at=timezone.now()
    )
    summaries.catch_up()
    assert summaries.check() == []
    for window in windows:
        assert differences(compute_figures(source="raw", **window), compute_figures(**window)) == [], window


@pytest.fixture(scope="module")
def small_build(django_db_setup, django_db_blocker, tmp_path_factory):
    """The small demo (scripted cases through the services, then the day summaries rebuilt), built once for
    this module inside a transaction rolled back at its end."""
    from django.db import transaction
    from django.test import override_settings

    from demo import builders

    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("demo-media")):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield builders.build_demo("small")
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def test_the_small_demo_summaries_give_the_raw_figures(small_build, db):
    # Given the small demo as seed_demo builds it (summaries rebuilt at the end of the build)
    assert summaries.covered_until() == timezone.localdate()

    # Then they agree with the rows, and every period's figures are the raw ones, also after a catch-up
    assert summaries.check() == []
    assert_summaries_equal_raw()
    summaries.catch_up()
    assert summaries.check() == []
    assert_summaries_equal_raw()
