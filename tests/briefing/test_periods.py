"""Period reports (briefing.periods) on the small demo: a week's and a month's figures are the daily
briefings' of their days added up (activity) or the last day's (cumulative and state)."""

from datetime import date, timedelta

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from briefing import periods
from briefing.models import DailyReport
from briefing.reports import generate_daily_reports
from demo import builders as demo

ACTIVITY = ("inspections", "new_general", "new_major", "rectified_general", "rectified_major")
AS_AT_THE_END = (
    "found", "found_general", "found_major", "rectified", "rectified_general", "rectified_major",
    "rectification_rate", "inspections_total", "units_covered_total", "overdue", "open_tickets", "escalated",
    "parcels",
)  # fmt: skip


# --- a week and a month of the small demo: the sum of the daily briefings ---------------------------------


@pytest.fixture(scope="module")
def small_build(django_db_setup, django_db_blocker, tmp_path_factory):
    """The small demo (a story told through the services over the last weeks), built once for the module
    in a transaction rolled back at its end."""
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("period-media")):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield demo.build_demo("small")
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def small(small_build, db):
    return small_build


def daily_reports(period, now):
    """``{scope: [data of each day]}`` of the stored daily briefings of the period's days."""
    day = period.first
    while day <= period.last:
        generate_daily_reports(day, now=now)
        day += timedelta(days=1)
    result = {}
    for report in DailyReport.objects.filter(date__gte=period.first, date__lte=period.last).order_by("date"):
        result.setdefault(report.scope, []).append(report.data)
    return result


def assert_period_is_the_sum_of_its_days(period):
    now = timezone.now()
    days = daily_reports(period, now)
    figure_set, *_bounds = periods.compute_period_figures(period, now=now)
    scopes = {"all": figure_set.total}
    scopes |= {f"zone:{pk}": figures for pk, figures in figure_set.zones.items()}
    scopes |= {f"grid:{pk}": figures for pk, figures in figure_set.grids.items()}
    assert set(days) == set(scopes)
    moving = 0
    for scope, figures in scopes.items():
        data, daily = periods.figures_data(figures), days[scope]
        assert len(daily) == period.days
        for name in ACTIVITY:
            assert data["activity"][name] == sum(d["day"][name] for d in daily), (scope, name)
        assert data["escalations_raised"] == sum(d["escalations_raised"] for d in daily), scope
        # distinct units over the period: each unit once, however many days it was visited
        covered = [d["day"]["units_covered"] for d in daily]
        assert max(covered) <= data["activity"]["units_covered"] <= sum(covered), scope
        for name in AS_AT_THE_END:
            assert data[name] == daily[-1][name], (scope, name)
        moving += data["activity"]["inspections"] + data["activity"]["new"] + data["activity"]["rectified"]
    assert moving > 0, "the period has activity"
    report = periods.period_report(period, "all", now=now)
    assert report["activity"] == periods.figures_data(figure_set.total)["activity"]
    assert report["found"] == days["all"][-1]["found"]
    return report, days


def test_a_week_is_the_sum_of_its_daily_briefings(small):
    yesterday = timezone.localdate() - timedelta(days=1)
    report, days = assert_period_is_the_sum_of_its_days(periods.Period(yesterday - timedelta(days=6), yesterday))
    assert report["period"]["days"] == 7
    # the performance table's figures of a grid are the grid's briefing figures of the week
    grid = report["grids"][0]
    row = report["performance"]["grids"][0]
    assert (row["found"], row["inspections"]) == (grid["activity"]["new"], grid["activity"]["inspections"])


def test_a_month_is_the_sum_of_its_daily_briefings(small):
    yesterday = timezone.localdate() - timedelta(days=1)
    first = (yesterday - timedelta(days=20)).replace(day=1)
    last = min(yesterday, periods.month_period(first.year, first.month).last)
    assert_period_is_the_sum_of_its_days(periods.Period(first, last))


def test_last_week_and_last_month_presets_are_whole_past_periods():
    wednesday = date(2024, 3, 13)
    assert periods.Period.preset("this_week", wednesday) == periods.Period(date(2024, 3, 11), wednesday, "this_week")
    assert periods.Period.preset("last_week", wednesday) == periods.Period(
        date(2024, 3, 4), date(2024, 3, 10), "last_week"
    )
    assert periods.Period.preset("this_month", wednesday) == periods.Period(date(2024, 3, 1), wednesday, "this_month")
    assert periods.Period.preset("last_month", wednesday) == periods.Period(
        date(2024, 2, 1), date(2024, 2, 29), "last_month"
    )
    assert periods.Period.parse(today=wednesday).kind == "last_week"
