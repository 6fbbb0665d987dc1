"""Period reports (briefing.periods) on a scripted week: the performance table (考核), scoping, bad input,
the page, its .xlsx and the API."""

import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from briefing import periods
from cases.choices import HazardStatus, TicketStatus
from catalogue.choices import Severity
from tests import factories as f
from timeline.chain import append_event
from timeline.kinds import EventKind

SH = ZoneInfo("Asia/Shanghai")
MONDAY = date(2024, 3, 4)
WEEK = periods.Period(MONDAY, MONDAY + timedelta(days=6))
NOW = datetime(2024, 3, 20, 9, 0, tzinfo=SH)


def at(day, hour=10):
    return datetime(day.year, day.month, day.day, hour, tzinfo=SH)


# --- the performance table (考核) on a scripted week ---------------------------------------------------------


def submitted(ticket, moment):
    append_event(kind=EventKind.TICKET_SUBMITTED, ticket=ticket, created_at=moment)


@pytest.fixture
def week(world, settings):
    """A week (4–10 March 2024) in grids A1, A2 (zone A) and B1 (zone B); verification time limit 3 days.

    A1: T1 submitted 3 March, verified the 4th (due the 6th: on time); T2 submitted the 5th, rejected the 9th
    (due the 8th: late; one rework). A2: T3 submitted the 6th, never verified (late). B1: T4 submitted
    1 March, verified the 2nd (due the 4th: on time), sent back by the close-out approval the 5th.
    The A1 inspector visits tenant1 twice and tenant2 once in A1, and other_b in B1 (a cross-check); they
    report a general and a major hazard in A1."""
    settings.VERIFICATION_DAYS = 3
    settings.REPORT_START_DATE = ""
    w = world
    created = at(date(2024, 2, 20))

    def ticket(enterprise):
        return f.TicketFactory(
            enterprise=enterprise,
            status=TicketStatus.ASSIGNED,
            created_at=created,
            assigned_at=created,
            deadline=date(2024, 3, 7),
        )

    w.t1, w.t2, w.t3, w.t4 = ticket(w.tenant1), ticket(w.tenant2), ticket(w.other_a2), ticket(w.other_b)
    submitted(w.t1, at(date(2024, 3, 3)))
    append_event(kind=EventKind.TICKET_CLOSED, ticket=w.t1, created_at=at(date(2024, 3, 4)))
    submitted(w.t2, at(date(2024, 3, 5), 12))
    append_event(kind=EventKind.TICKET_REJECTED, ticket=w.t2, created_at=at(date(2024, 3, 9)))
    submitted(w.t3, at(date(2024, 3, 6), 9))
    submitted(w.t4, at(date(2024, 3, 1)))
    append_event(kind=EventKind.TICKET_AWAITING_CLOSEOUT, ticket=w.t4, created_at=at(date(2024, 3, 2)))
    append_event(kind=EventKind.TICKET_CLOSEOUT_RETURNED, ticket=w.t4, created_at=at(date(2024, 3, 5)))
    for enterprise, day in ((w.tenant1, 4), (w.tenant1, 5), (w.tenant2, 6), (w.other_b, 8)):
        f.InspectionFactory(inspector=w.inspector, enterprise=enterprise, inspected_at=at(date(2024, 3, day)))
    f.InspectionFactory(inspector=w.inspector_a2, enterprise=w.other_a2, inspected_at=at(date(2024, 3, 7)))
    f.InspectionFactory(inspector=w.inspector, enterprise=w.tenant1, inspected_at=at(date(2024, 3, 11)))  # after
    for severity, day in ((Severity.GENERAL, 5), (Severity.MAJOR, 6)):
        f.HazardFactory(
            enterprise=w.tenant1, reporter=w.inspector, severity=severity, reported_at=at(date(2024, 3, day))
        )
    f.HazardFactory(enterprise=w.tenant1, reporter=w.inspector, status=HazardStatus.INVALID, reported_at=at(MONDAY))
    f.HazardFactory(enterprise=w.other_b, reporter=w.inspector_b, reported_at=at(date(2024, 3, 8)))
    return w


def by_id(rows):
    return {row["id"]: row for row in rows}


def test_the_grid_performance_table(week):
    report = periods.period_report(WEEK, "all", now=NOW)
    grids = by_id(report["performance"]["grids"])
    a1, a2, b1 = grids[week.grid_a1.pk], grids[week.grid_a2.pk], grids[week.grid_b1.pk]
    assert (a1["submissions_due"], a1["verified_on_time"], a1["on_time_rate"], a1["rework"]) == (2, 1, "50.00", 1)
    assert (a2["submissions_due"], a2["verified_on_time"], a2["on_time_rate"], a2["rework"]) == (1, 0, "0.00", 0)
    assert (b1["submissions_due"], b1["verified_on_time"], b1["rework"]) == (1, 1, 1)
    # units: the grid's active enterprises and parcels; covered: distinct units visited in the week
    assert (a1["units"], a1["units_covered"], a1["coverage_rate"], a1["inspections"]) == (3, 2, "66.67", 3)
    assert (a1["found"], a1["found_general"], a1["found_major"]) == (2, 1, 1)  # the invalid one does not count
    assert a1["overdue"] == 2  # T2 (sent back) and T1 (its status still open here) past 7 March
    total = report["performance"]["total"]
    assert (total["submissions_due"], total["verified_on_time"], total["rework"]) == (4, 2, 2)
    assert total["inspections"] == 5 and total["found"] == 3


def test_the_inspector_performance_table_counts_only_the_scope_s_grids(week):
    everything = by_id(periods.period_report(WEEK, "all", now=NOW)["performance"]["inspectors"])
    mine = everything[week.inspector.pk]
    assert mine["grids"] == ["中申达一网格"]
    # their own visits (the cross-check in B1 included) and reports; the ticket figures of their grid A1
    assert (mine["inspections"], mine["units_covered"], mine["units"], mine["found"]) == (4, 2, 3, 2)
    assert (mine["submissions_due"], mine["verified_on_time"], mine["rework"]) == (2, 1, 1)
    assert set(everything) == {week.inspector.pk, week.inspector_a2.pk, week.inspector_b.pk}

    zone_a = by_id(periods.period_report(WEEK, f"zone:{week.zone_a.pk}", now=NOW)["performance"]["inspectors"])
    assert set(zone_a) == {week.inspector.pk, week.inspector_a2.pk}  # B1's inspector is not shown
    assert zone_a[week.inspector.pk]["inspections"] == 3  # the visit in zone B is not counted here


def test_the_days_of_the_week_add_up_to_the_week(week):
    week_rows = by_id(periods.period_report(WEEK, "all", now=NOW)["performance"]["grids"])
    additive = ("submissions_due", "verified_on_time", "rework", "inspections", "found")
    sums = {pk: dict.fromkeys(additive, 0) for pk in week_rows}
    for offset in range(7):
        day = MONDAY + timedelta(days=offset)
        for row in periods.period_report(periods.Period(day, day), "all", now=NOW)["performance"]["grids"]:
            for name in additive:
                sums[row["id"]][name] += row[name]
    assert sums == {pk: {name: row[name] for name in additive} for pk, row in week_rows.items()}


def test_statements_do_not_grow_with_zones_grids_or_inspectors(week, django_assert_max_num_queries):
    def statements():
        with CaptureQueriesContext(connection) as queries:
            periods.period_report(WEEK, "all", user=week.leader, now=NOW)
        return len(queries)

    few = statements()
    for _zone in range(3):
        zone = f.ZoneFactory()
        for _grid in range(3):
            grid = f.GridFactory(zone=zone)
            enterprise = f.EnterpriseFactory(parcel=f.ParcelFactory(grid=grid))
            inspector = f.UserFactory(role="inspector")
            inspector.grids.add(grid)
            f.InspectionFactory(inspector=inspector, enterprise=enterprise, inspected_at=at(MONDAY))
            f.HazardFactory(enterprise=enterprise, reporter=inspector, reported_at=at(MONDAY))
            submitted(f.TicketFactory(enterprise=enterprise, created_at=at(MONDAY)), at(MONDAY, 11))
    with django_assert_max_num_queries(few):
        report = periods.period_report(WEEK, "all", user=week.leader, now=NOW)
    assert len(report["performance"]["inspectors"]) == 3 + 9


# --- bad input ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"start": "2024-03-10", "end": "2024-03-04"}, "end", "结束日期不能早于开始日期"),
        ({"start": "2023-01-01", "end": "2024-03-04"}, "end", "最长 366 天"),
        ({"start": "2024-3-4x", "end": "2024-03-10"}, "start", "日期格式应为 YYYY-MM-DD"),
        ({"start": "2024-03-04"}, "end", "请填写开始日期和结束日期"),
        ({"start": "1999-12-31", "end": "2000-01-02"}, "start", "超出允许范围"),
        ({"period": "fortnight"}, "period", "时段应为"),
        ({"period": "last_week", "start": "2024-03-04"}, "period", "不能同时填写"),
    ],
)
def test_a_bad_period_is_refused_with_the_reason(params, field, message):
    with pytest.raises(periods.PeriodError) as refused:
        periods.Period.parse(params.get("period"), params.get("start"), params.get("end"), today=date(2024, 3, 20))
    assert refused.value.field == field and message in str(refused.value)


def test_a_period_ending_after_today_is_refused():
    with pytest.raises(periods.PeriodError, match="不能晚于今天"):
        periods.Period.parse("custom", "2024-03-01", "2024-03-21", today=date(2024, 3, 20))


# --- the page, its .xlsx and the API ---------------------------------------------------------------------


WEEK_QUERY = {"start": WEEK.first.isoformat(), "end": WEEK.last.isoformat()}


def test_the_page_shows_the_manager_s_zone_and_refuses_another(week, client):
    client.force_login(week.manager)
    page = client.get(reverse("briefing:period_report"), WEEK_QUERY)
    assert page.status_code == 200
    data = page.context["data"]
    assert data["scope"] == f"zone:{week.zone_a.pk}"  # the widest scope they may read
    assert [s["scope"] for s in data["scopes"]] == [
        f"zone:{week.zone_a.pk}", f"grid:{week.grid_a1.pk}", f"grid:{week.grid_a2.pk}",
    ]  # fmt: skip
    html = page.content.decode()
    assert "中申达一网格" in html and "花川" not in html and week.inspector_b.username not in html
    for scope in (f"zone:{week.zone_b.pk}", f"grid:{week.grid_b1.pk}", "all", "zone:x", "grid:999999"):
        assert client.get(reverse("briefing:period_report"), {**WEEK_QUERY, "scope": scope}).status_code == 404
        export = client.get(reverse("briefing:period_export"), {**WEEK_QUERY, "scope": scope})
        assert export.status_code == 404


def test_an_inspector_reads_their_grid_and_an_enterprise_nothing(week, client):
    client.force_login(week.inspector)
    page = client.get(reverse("briefing:period_report"), WEEK_QUERY)
    assert page.status_code == 200 and page.context["data"]["scope"] == f"grid:{week.grid_a1.pk}"
    assert (
        client.get(reverse("briefing:period_report"), {**WEEK_QUERY, "scope": f"grid:{week.grid_a2.pk}"}).status_code
        == 404
    )
    client.force_login(week.enterprise_user)
    assert client.get(reverse("briefing:period_report"), WEEK_QUERY).status_code == 404


def test_a_bad_period_on_the_page_says_why(week, client):
    client.force_login(week.leader)
    page = client.get(reverse("briefing:period_report"), {"start": "2024-03-10", "end": "2024-03-04"})
    assert page.status_code == 400
    assert "结束日期不能早于开始日期" in page.content.decode()
    export = client.get(reverse("briefing:period_export"), {"start": "2024-03-10", "end": "2024-03-04"})
    assert export.status_code == 400 and "结束日期不能早于开始日期" in export.content.decode()
    client.cookies["django_language"] = "en"
    english = client.get(
        reverse("briefing:period_report"), {"start": "x", "end": "2024-03-04"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert english.status_code == 400 and "YYYY-MM-DD" in english.content.decode()


def test_the_presets_open_for_a_leader(week, client):
    client.force_login(week.leader)
    for kind in periods.PERIOD_KINDS:
        if kind != "custom":
            assert client.get(reverse("briefing:period_report"), {"period": kind}).status_code == 200, kind
    page = client.get(reverse("briefing:period_report"))  # last week by default
    html = page.content.decode()
    assert page.status_code == 200 and 'data-period="last_week" class="active"' in html
    last_week = page.context["data"]["period"]
    # the custom form shows the period shown, so that picking another scope keeps it
    assert f'name="start" id="id_start" value="{last_week["start"]}"' in html
    assert f'name="end" id="id_end" value="{last_week["end"]}"' in html


def test_the_workbook_has_the_figures_and_the_totals(week, client):
    client.force_login(week.leader)
    response = client.get(reverse("briefing:period_export"), {**WEEK_QUERY, "scope": "all"})
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"] and ".xlsx" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["概况", "各区块", "网格考核", "网格员考核"]
    summary = {row[0]: row[1] for row in book["概况"].iter_rows(values_only=True) if row and row[0]}
    assert summary["本期排查（家次）"] == 5
    assert summary["本期到期应验收"] == 4 and summary["按时验收"] == 2 and summary["退回整改（次）"] == 2
    grids = list(book["网格考核"].iter_rows(values_only=True))
    header, rows, total = grids[0], grids[1:-1], grids[-1]
    due, on_time = header.index("到期应验收"), header.index("按时验收")
    assert total[0] == "合计" and total[due] == sum(r[due] for r in rows) == 4
    assert total[on_time] == sum(r[on_time] for r in rows) == 2
    assert total[header.index("按时验收率")] == pytest.approx(0.5)
    zones = list(book["各区块"].iter_rows(values_only=True))
    assert sum(r[1] for r in zones[1:]) == 5  # inspections per zone add up to the total
    people = {r[0]: r for r in list(book["网格员考核"].iter_rows(values_only=True))[1:]}
    assert people[week.inspector.get_full_name() or week.inspector.username][4] == 4


def test_the_api_mirrors_the_page(week, client):
    client.force_login(week.manager)
    url = reverse("api:period-report")
    answer = client.get(url, WEEK_QUERY)
    assert answer.status_code == 200
    body = answer.json()
    assert body["scope"] == f"zone:{week.zone_a.pk}" and body["period"]["days"] == 7
    assert body["performance"]["total"]["submissions_due"] == 3
    assert client.get(url, {**WEEK_QUERY, "scope": f"zone:{week.zone_b.pk}"}).status_code == 404
    bad = client.get(url, {"start": "2024-03-10", "end": "2024-03-04"})
    assert bad.status_code == 400 and "end" in bad.json()
    assert client.get(url, {**WEEK_QUERY, "scope": "zone;1"}).status_code == 400
    client.force_login(week.enterprise_user)
    assert client.get(url, WEEK_QUERY).status_code == 403


def test_the_page_and_the_workbook_are_english_for_an_english_reader(week, client):
    import re

    from django.conf import settings

    client.force_login(week.leader)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("briefing:period_report"), {**WEEK_QUERY, "scope": "all"})
    assert page.status_code == 200
    main = page.content.decode().split("<main", 1)[1].split("</main>", 1)[0]
    names = [week.zone_a.name, week.zone_b.name, week.grid_a1.name, week.grid_a2.name, week.grid_b1.name]
    names += [row["name"] for row in page.context["data"]["performance"]["inspectors"]]
    for name in sorted(names, key=len, reverse=True):
        main = main.replace(name, "")
    assert not re.findall(r"[\u3400-\u9fff]+", main)
    assert "Inspector performance" in main and "Verified on time" in main
    export = client.get(reverse("briefing:period_export"), {**WEEK_QUERY, "scope": "all"})
    book = load_workbook(io.BytesIO(export.content))
    assert book.sheetnames == ["Overview", "By zone", "Grid performance", "Inspector performance"]
    assert (
        "Rectification report" in export["Content-Disposition"]
        or "Rectification%20report" in export["Content-Disposition"]
    )
