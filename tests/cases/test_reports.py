import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import CommandError, call_command, get_commands
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.choices import Role
from briefing import reports, summaries
from briefing.models import DailyReport, Delivery
from cases.choices import EscalationLevel, HazardStatus, InspectionSource, ResponsibleKind, TicketStatus
from catalogue.choices import Severity
from register.choices import RiskTag
from tests import factories as f
from timeline.chain import append_event
from timeline.kinds import EventKind

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
DAY = date(2024, 3, 1)
MORNING = datetime(2024, 3, 2, 8, 0, 5, tzinfo=SH)  # the briefing of 1 March runs at 08:00 on the 2nd


def at(day, hour=12, minute=0):
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SH)


def hazard(enterprise, *, status=HazardStatus.REPORTED, severity=Severity.GENERAL, reported=None, rectified=None):
    reported = reported or at(DAY - timedelta(days=10))
    if status == HazardStatus.RECTIFIED and rectified is None:
        rectified = reported + timedelta(days=2)
    return f.HazardFactory(
        enterprise=enterprise, status=status, severity=severity, reported_at=reported, rectified_at=rectified
    )


@pytest.fixture
def ledger(world):
    """Zone A: 3 general (2 rectified) + 1 major rectified; zone B: 1 general open. On 1 March one new
    hazard and two inspections in zone A; overdue tickets in both zones; one escalated this morning."""
    for status in (HazardStatus.RECTIFIED, HazardStatus.RECTIFIED, HazardStatus.AGGREGATED):
        hazard(world.tenant1, status=status)
    hazard(
        world.other_a2,
        status=HazardStatus.RECTIFIED,
        severity=Severity.MAJOR,
        reported=at(DAY, 9),
        rectified=at(DAY, 17),
    )
    hazard(world.tenant2, status=HazardStatus.DUPLICATE)
    hazard(world.other_b)
    f.InspectionFactory(enterprise=world.tenant1, inspected_at=at(DAY, 9))
    f.InspectionFactory(enterprise=world.other_a2, inspected_at=at(DAY, 10))
    created = at(DAY - timedelta(days=20))
    worst = f.TicketFactory(
        enterprise=world.tenant1,
        status=TicketStatus.ASSIGNED,
        created_at=created,
        assigned_at=created,
        deadline=DAY - timedelta(days=9),
        escalation_level=EscalationLevel.SUPERVISED,
        escalated_at=at(DAY + timedelta(days=1), 7, 45),
    )
    append_event(
        kind=EventKind.TICKET_ESCALATED,
        ticket=worst,
        data={"from_level": 0, "to_level": 1},
        created_at=at(DAY + timedelta(days=1), 7, 45),
    )
    f.TicketFactory(
        responsible_kind=ResponsibleKind.LANDLORD,
        enterprise=None,
        parcel=world.parcel,
        status=TicketStatus.SUBMITTED,
        created_at=created,
        assigned_at=created,
        submitted_at=created,
        deadline=DAY,
    )
    f.TicketFactory(
        enterprise=world.other_b,
        status=TicketStatus.ASSIGNED,
        created_at=created,
        assigned_at=created,
        deadline=DAY - timedelta(days=2),
    )
    f.TicketFactory(enterprise=world.other_b, status=TicketStatus.PENDING, created_at=created)
    return world


def test_the_report_covers_yesterday_for_the_area_each_zone_and_each_grid(ledger):
    stored = reports.generate_daily_reports(DAY, now=MORNING)

    assert sorted(r.scope for r in stored) == sorted(
        ["all", f"zone:{ledger.zone_a.pk}", f"zone:{ledger.zone_b.pk}"]
        + [f"grid:{g.pk}" for g in (ledger.grid_a1, ledger.grid_a2, ledger.grid_b1)]
    )
    data = DailyReport.objects.get(date=DAY, scope="all").data
    # the keys the API serves
    assert data["date"] == "2024-03-01"
    assert (data["found"], data["rectified_general"], data["rectified_major"]) == (5, 2, 1)
    assert data["rectification_rate"] == "60.00"
    assert data["overdue"] == 3
    assert [z["name"] for z in data["zones"]] == ["中申达", "花川"]
    zone_a = data["zones"][0]
    assert (zone_a["found"], zone_a["rectified_general"], zone_a["rectified_major"]) == (4, 2, 1)
    assert (zone_a["rectification_rate"], zone_a["overdue"]) == ("75.00", 2)
    assert {"date", "found", "rectified_general", "rectified_major", "rectification_rate", "overdue"} - {"date"} <= set(
        zone_a
    )
    # the day
    assert data["day"] == {
        "inspections": 2,
        "units_covered": 2,
        "new_general": 0,
        "new_major": 1,
        "new": 1,
        "rectified_general": 0,
        "rectified_major": 1,
        "rectified": 1,
    }
    # the state at the end of the day: the 督办 raised at 07:45 on the 2nd belongs to the 2nd's report
    assert data["open_tickets"] == {"pending": 1, "assigned": 2, "submitted": 1, "total": 4}
    assert data["escalated"]["supervised"] == 0 and data["escalations_raised"] == 0
    assert data["parcels"]["total"] == 3
    # overdue tickets, worst first, with days overdue and responsible party
    overdue = data["overdue_tickets"]
    assert [t["days_overdue"] for t in overdue] == [10, 3, 1]
    assert overdue[0]["responsible"] == "永康甲五金有限公司" and overdue[0]["escalation_level"] == 0
    assert overdue[2]["responsible_kind"] == "landlord" and overdue[2]["parcel"] == "中申达1号厂房"
    # zones ranked by rate and by overdue
    assert [z["name"] for z in data["ranking"]["by_rate"]] == ["中申达", "花川"]
    assert [z["name"] for z in data["ranking"]["by_overdue"]] == ["中申达", "花川"]

    zone_b = DailyReport.objects.get(date=DAY, scope=f"zone:{ledger.zone_b.pk}")
    assert zone_b.zone_id == ledger.zone_b.pk and zone_b.data["found"] == 1 and zone_b.data["overdue"] == 1
    assert [t["days_overdue"] for t in zone_b.data["overdue_tickets"]] == [3]
    grid = DailyReport.objects.get(date=DAY, scope=f"grid:{ledger.grid_a2.pk}")
    assert (grid.zone_id, grid.grid_id) == (ledger.zone_a.pk, ledger.grid_a2.pk)
    assert grid.data["scope_name"] == "中申达 / 中申达二网格" and grid.data["day"]["new_major"] == 1


def test_generating_again_updates_and_never_duplicates(ledger):
    reports.generate_daily_reports(DAY, now=MORNING)
    count = DailyReport.objects.count()
    hazard(ledger.other_b, reported=at(DAY, 15))

    reports.generate_daily_reports(DAY, now=MORNING + timedelta(hours=1))

    assert DailyReport.objects.count() == count
    assert DailyReport.objects.get(date=DAY, scope="all").data["day"]["new"] == 2


def test_a_day_without_activity_still_gives_a_report(world):
    reports.generate_daily_reports(DAY, now=MORNING)

    data = DailyReport.objects.get(date=DAY, scope="all").data
    assert (data["found"], data["overdue"], data["day"]["inspections"]) == (0, 0, 0)
    assert data["rectification_rate"] is None
    assert "每日问题整改简报" in reports.render_text(data)


def test_an_empty_register_gives_the_whole_area_report(db):
    stored = reports.generate_daily_reports(DAY, now=MORNING)
    assert [r.scope for r in stored] == ["all"]


def test_a_report_generated_at_half_past_midnight_covers_the_day_that_just_ended(world):
    # Given hazards just before and just after midnight between 1 and 2 March in Shanghai
    hazard(world.tenant1, reported=at(DAY, 23, 50))
    hazard(world.tenant1, reported=at(DAY + timedelta(days=1), 0, 10))
    half_past_midnight = datetime(2024, 3, 2, 0, 30, tzinfo=SH)  # 16:30 UTC on 1 March

    stored = reports.generate_daily_reports(now=half_past_midnight)

    assert {r.date for r in stored} == {DAY}
    data = DailyReport.objects.get(date=DAY, scope="all").data
    assert data["day"]["new"] == 1 and data["found"] == 1
    assert data["period"]["from"].startswith("2024-03-01T00:00:00+08:00")


def test_an_old_report_is_read_as_of_the_end_of_its_day_so_regenerating_it_gives_the_same(ledger):
    # Given the ticket escalated on the morning of the 2nd is closed a week later
    first = reports.generate_daily_reports(DAY, now=MORNING)[0].data
    later = datetime(2024, 3, 9, 10, tzinfo=SH)
    ticket = ledger.tenant1.tickets.get()
    ticket.status, ticket.closed_at = TicketStatus.CLOSED, later - timedelta(hours=1)
    ticket.save()

    again = reports.generate_daily_reports(DAY, now=later)[0].data

    assert again["as_of"].startswith("2024-03-02T00:00")
    for key in ("found", "overdue", "open_tickets", "escalated", "escalations_raised", "overdue_tickets"):
        assert again[key] == first[key], key


def test_yesterdays_report_generated_late_in_the_day_counts_nothing_of_today(ledger):
    # Given on 1 March a ticket under 督办 (raised to 挂牌督办 on the 2nd), a parcel under cross-check
    # (closed out, 销号, on the 2nd) and a parcel closed out in February that a new hazard turned red on the 2nd
    next_day = DAY + timedelta(days=1)
    created = at(DAY - timedelta(days=20))
    twice = f.TicketFactory(
        enterprise=ledger.other_a2,
        status=TicketStatus.ASSIGNED,
        created_at=created,
        assigned_at=created,
        deadline=DAY + timedelta(days=30),
        escalation_level=EscalationLevel.LISTED,
        escalated_at=at(next_day, 10),
    )
    append_event(
        kind=EventKind.TICKET_ESCALATED, ticket=twice, data={"from_level": 0, "to_level": 1}, created_at=at(DAY, 10)
    )
    append_event(
        kind=EventKind.TICKET_ESCALATED,
        ticket=twice,
        data={"from_level": 1, "to_level": 2},
        created_at=at(next_day, 10),
    )
    closed_today = ledger.parcel_a2
    closed_today.closed_out_at = at(next_day, 11)
    closed_today.save()
    append_event(
        kind=EventKind.PARCEL_CLOSED_OUT,
        parcel=closed_today,
        from_status="crosscheck",
        to_status="green",
        created_at=at(next_day, 11),
    )
    reopened = ledger.parcel_b
    append_event(
        kind=EventKind.PARCEL_CLOSED_OUT,
        parcel=reopened,
        from_status="crosscheck",
        to_status="green",
        created_at=at(DAY - timedelta(days=20)),
    )
    reopened.closeout_state, reopened.closed_out_at = "red", None
    reopened.save()
    append_event(
        kind=EventKind.HAZARD_REPORTED,
        parcel=reopened,
        data={"parcel_state": ["green", "red"]},
        created_at=at(next_day, 12),
    )

    # When yesterday's report is generated at 21:00 on the 2nd
    data = reports.generate_daily_reports(DAY, now=at(next_day, 21))[0].data

    # Then every figure is as of the end of 1 March
    assert data["as_of"].startswith("2024-03-02T00:00")
    assert data["escalations_raised"] == 1  # the 督办 of the 1st, not the two on the 2nd
    assert data["escalated"] == {"supervised": 1, "listed": 0, "total": 1}
    assert data["parcels"]["closed_out"] == 1  # parcel_b, closed out in February; not parcel_a2 (销号 on the 2nd)
    assert data["parcels"]["crosscheck"] == 1  # parcel_a2 was under cross-check at the end of the 1st
    assert [t["escalation_level"] for t in data["overdue_tickets"]] == [0, 0, 0]
    # and the same figures as at 00:30 on the 2nd, before any of it happened
    early = reports.build_report_data(DAY, now=at(next_day, 0, 30))["all"]
    for key in ("escalations_raised", "escalated", "parcels", "open_tickets", "overdue", "overdue_tickets"):
        assert data[key] == early[key], key


def test_the_cumulative_figures_start_at_report_start_date(ledger, settings):
    settings.REPORT_START_DATE = "2024-03-01"
    data = reports.build_report_data(DAY, now=MORNING)["all"]
    assert (data["start_date"], data["found"], data["rectified_major"], data["rectification_rate"]) == (
        "2024-03-01",
        1,
        1,
        "100.00",
    )
    settings.REPORT_START_DATE = ""
    assert reports.build_report_data(DAY, now=MORNING)["all"]["start_date"] == "2024-02-20"


def test_campaign_progress_by_risk_tag(world):
    campaign = f.CampaignFactory(
        name="百日攻坚", start_date=date(2024, 2, 1), risk_tags=[RiskTag.WELDING, RiskTag.LITHIUM]
    )
    world.tenant1.risk_tags.add(RiskTag.WELDING)
    world.tenant2.risk_tags.add(RiskTag.WELDING)
    world.other_b.risk_tags.add(RiskTag.WELDING, RiskTag.LITHIUM)
    # a campaign inspection (linked) finding a hazard since rectified; a third-party one finding an open one
    linked = f.InspectionFactory(enterprise=world.tenant1, campaign=campaign, inspected_at=at(date(2024, 2, 10)))
    third_party = f.InspectionFactory(
        enterprise=world.other_b, source=InspectionSource.THIRD_PARTY, inspected_at=at(date(2024, 2, 11))
    )
    f.HazardFactory(enterprise=world.tenant1, inspection=linked, status=HazardStatus.RECTIFIED,
                    reported_at=at(date(2024, 2, 10)), rectified_at=at(date(2024, 2, 20)))  # fmt: skip
    f.HazardFactory(enterprise=world.other_b, inspection=third_party, reported_at=at(date(2024, 2, 11)))
    # a routine inspection in the campaign's time does not count as the campaign's
    routine = f.InspectionFactory(enterprise=world.tenant2, inspected_at=at(date(2024, 2, 12)))
    f.HazardFactory(enterprise=world.tenant2, inspection=routine, reported_at=at(date(2024, 2, 12)))

    data = reports.build_report_data(DAY, now=MORNING)

    (progress,) = data["all"]["campaigns"]
    assert (progress["id"], progress["name"], progress["active"]) == (campaign.pk, "百日攻坚", True)
    tags = {t["code"]: t for t in progress["tags"]}
    assert tags["welding"] == {"code": "welding", "enterprises": 3, "inspected": 2, "with_hazards": 2, "rectified": 1}
    assert tags["lithium"] == {"code": "lithium", "enterprises": 1, "inspected": 1, "with_hazards": 1, "rectified": 0}
    zone_a = {t["code"]: t for t in data[f"zone:{world.zone_a.pk}"]["campaigns"][0]["tags"]}
    assert zone_a["welding"] == {"code": "welding", "enterprises": 2, "inspected": 1, "with_hazards": 1, "rectified": 1}


def test_statements_do_not_grow_with_zones_grids_or_tickets(world):
    f.CampaignFactory(start_date=date(2024, 2, 1), risk_tags=[RiskTag.WELDING])

    def grow(zones):
        for _z in range(zones):
            zone = f.ZoneFactory()
            for _g in range(3):
                enterprise = f.EnterpriseFactory(parcel=f.ParcelFactory(grid=f.GridFactory(zone=zone)))
                enterprise.risk_tags.add(RiskTag.WELDING)
                hazard(enterprise, status=HazardStatus.RECTIFIED)
                hazard(enterprise, reported=at(DAY, 10))
                f.InspectionFactory(enterprise=enterprise, inspected_at=at(DAY, 11))
                for days in (1, 5):
                    f.TicketFactory(
                        enterprise=enterprise,
                        status=TicketStatus.ASSIGNED,
                        created_at=at(DAY - timedelta(days=30)),
                        deadline=DAY - timedelta(days=days),
                    )

    def statements():
        with CaptureQueriesContext(connection) as queries:
            reports.generate_daily_reports(DAY, now=MORNING)
        return len(queries)

    grow(1)
    summaries.catch_up()  # the first catch-up rebuilds every summary: from here on the job catches up
    few = statements()
    grow(4)
    assert statements() == few
    # 25 + the other ledgers (briefing.campaign_figures.compute_campaign_figures: 6) + the day summaries: catch-up, live part
    # + the month summaries (their sums: 1; the catch-up rolling up the months of the days it rewrote: 6, and the
    # totals of the months: 6)
    assert few <= 60


def test_a_future_or_malformed_date_is_refused(db):
    with pytest.raises(reports.ReportDateError):
        reports.parse_day("2024-02-30")
    with pytest.raises(reports.ReportDateError):
        reports.generate_daily_reports(timezone.localdate() + timedelta(days=2))
    assert not DailyReport.objects.exists()


def test_text_and_html_carry_the_figures_and_the_recipients_language(ledger):
    data = reports.build_report_data(DAY, now=MORNING)["all"]

    text = reports.render_text(data)
    html = reports.render_html(data, "en")

    assert "每日问题整改简报" in text and "60.00%" in text and "2024-03-01" in text
    assert "永康甲五金有限公司" in text and "中申达" in text
    assert '<html lang="en">' in html and "60.00%" in html


# --- the command --------------------------------------------------------------------------------------


def test_command_prints_the_briefing_and_stores_it(ledger):
    out = io.StringIO()
    call_command("daily_report", "--date", "2024-03-01", stdout=out)

    assert "每日问题整改简报" in out.getvalue() and "60.00%" in out.getvalue()
    assert DailyReport.objects.filter(date=DAY, scope="all").exists()
    assert not mail.outbox


def test_command_prints_a_zone_by_name_or_id(ledger):
    out = io.StringIO()
    call_command("daily_report", "--date", "2024-03-01", "--scope", "花川", stdout=out)
    assert "花川" in out.getvalue() and "0.00%" in out.getvalue()
    out = io.StringIO()
    call_command("daily_report", "--date", "2024-03-01", "--scope", f"grid:{ledger.grid_a1.pk}", stdout=out)
    assert "中申达一网格" in out.getvalue()


@pytest.mark.parametrize(
    "args", [["--date", "2024-13-01"], ["--date", "yesterday"], ["--scope", "zone:99999"], ["--scope", "nowhere"]]
)
def test_command_refuses_bad_input_and_changes_nothing(ledger, args):
    with pytest.raises(CommandError):
        call_command("daily_report", *args, stdout=io.StringIO())
    assert not DailyReport.objects.exists()


def test_command_send_delivers_once(ledger):
    f.UserFactory(username="leader-b", role=Role.LEADER, email="leader-b@example.com").zones.add(ledger.zone_b)

    call_command("daily_report", "--date", "2024-03-01", "--send", stdout=io.StringIO(), stderr=io.StringIO())
    call_command("daily_report", "--date", "2024-03-01", "--send", stdout=io.StringIO(), stderr=io.StringIO())

    assert sorted(m.to[0] for m in mail.outbox) == ["leader-b@example.com", "leader@example.com"]
    assert Delivery.objects.filter(status="sent").count() == 2


def test_manage_py_knows_the_command():
    assert get_commands()["daily_report"] == "briefing"


# --- the archive pages ------------------------------------------------------------------------------------


def test_archive_lists_the_reports_a_user_may_see(ledger, client):
    reports.generate_daily_reports(DAY, now=MORNING)

    client.force_login(ledger.leader)
    page = client.get(reverse("briefing:report_list"))
    assert page.status_code == 200
    assert len(page.context["object_list"]) == 6 and "60.00%" in page.content.decode()

    client.force_login(ledger.manager)  # zone A only
    scopes = {r.scope for r in client.get(reverse("briefing:report_list")).context["object_list"]}
    assert scopes == {f"zone:{ledger.zone_a.pk}", f"grid:{ledger.grid_a1.pk}", f"grid:{ledger.grid_a2.pk}"}

    client.force_login(ledger.enterprise_user)
    assert list(client.get(reverse("briefing:report_list")).context["object_list"]) == []


def test_archive_shows_one_day_and_hides_other_scopes(ledger, client):
    reports.generate_daily_reports(DAY, now=MORNING)
    url = reverse("briefing:report_detail", args=["2024-03-01"])

    client.force_login(ledger.leader)
    page = client.get(url)
    assert page.status_code == 200 and page.context["report"]["scope"] == "all"
    assert "永康甲五金有限公司" in page.content.decode()

    client.force_login(ledger.manager)
    page = client.get(url)
    assert page.context["report"]["scope"] == f"zone:{ledger.zone_a.pk}"
    assert client.get(url, {"scope": "all"}).status_code == 404
    assert client.get(url, {"scope": f"zone:{ledger.zone_b.pk}"}).status_code == 404
    assert client.get(reverse("briefing:report_detail", args=["2024-02-29"])).status_code == 404
    assert client.get(reverse("briefing:report_detail", args=["not-a-date"])).status_code == 404


def test_archive_exports_the_tables_as_xlsx(ledger, client):
    reports.generate_daily_reports(DAY, now=MORNING)
    client.force_login(ledger.leader)

    response = client.get(reverse("briefing:report_export", args=["2024-03-01"]))

    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames[0] == "概况"
    assert [row[0].value for row in book.worksheets[1].iter_rows(min_row=2)] == ["中申达", "花川"]


def test_the_briefing_workbook_prints_and_shows_the_rate_as_a_percentage(ledger, client):
    reports.generate_daily_reports(DAY, now=MORNING)
    client.force_login(ledger.leader)

    book = load_workbook(io.BytesIO(client.get(reverse("briefing:report_export", args=["2024-03-01"])).content))

    summary, zones, overdue, campaigns = book.worksheets
    for sheet in book.worksheets:
        assert sheet.page_setup.orientation == "landscape" and int(sheet.page_setup.paperSize) == 9, sheet.title
        assert sheet.page_setup.fitToWidth == 1 and sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title
        assert sheet.print_title_rows == "$1:$1" and sheet.freeze_panes == "A2", sheet.title
        assert "每日问题整改简报 2024-03-01" in sheet.oddHeader.center.text, sheet.title
        assert sheet.column_dimensions["A"].width >= 20 and sheet.column_dimensions["B"].width >= 12, sheet.title
    for sheet in (zones, overdue, campaigns):
        assert sheet.auto_filter.ref.startswith("A1:"), sheet.title
        assert all(sheet.column_dimensions[cell.column_letter].width for cell in sheet[1]), sheet.title
    # the rate: 0.75 with a percent format, which shows "75.00%" (zone A: 3 of 4 rectified)
    rate = next(row[1] for row in summary.iter_rows() if row[0].value == "整改率")
    assert (rate.value, rate.number_format) == (0.6, "0.00%")
    headers = [cell.value for cell in zones[1]]
    zone_a = zones.cell(row=2, column=headers.index("整改率") + 1)
    assert (zones.cell(row=2, column=1).value, zone_a.value, zone_a.number_format) == ("中申达", 0.75, "0.00%")
    assert overdue.column_dimensions["B"].width >= 30  # the responsible party's name


def test_the_web_download_and_the_mail_attachment_have_the_same_name_in_the_reader_s_language(ledger, client):
    from briefing.workbook import report_filename

    reports.generate_daily_reports(DAY, now=MORNING)
    client.force_login(ledger.leader)
    url = reverse("briefing:report_export", args=["2024-03-01"])

    chinese = client.get(url)["Content-Disposition"]
    ledger.leader.language = "en"
    ledger.leader.save()
    english = client.get(url)["Content-Disposition"]

    data = DailyReport.objects.get(date=DAY, scope="all").data
    assert report_filename(data, "zh-hans") == "每日问题整改简报-2024-03-01-all.xlsx"
    assert "%E6%AF%8F%E6%97%A5%E9%97%AE%E9%A2%98%E6%95%B4%E6%94%B9%E7%AE%80%E6%8A%A5-2024-03-01-all.xlsx" in chinese
    assert report_filename(data, "en") != report_filename(data, "zh-hans")
    assert report_filename(data, "en") in english and "daily-report" not in english


def test_archive_list_costs_the_same_queries_for_one_day_or_many(ledger, client):
    client.force_login(ledger.leader)
    reports.generate_daily_reports(DAY, now=MORNING)
    with CaptureQueriesContext(connection) as one_day:
        client.get(reverse("briefing:report_list"))
    for back in range(1, 8):
        reports.generate_daily_reports(DAY - timedelta(days=back), now=MORNING)
    with CaptureQueriesContext(connection) as many_days:
        page = client.get(reverse("briefing:report_list"))
    assert len(page.context["object_list"]) == 48
    assert len(many_days) == len(one_day)


def test_archive_needs_a_login(client):
    assert client.get(reverse("briefing:report_list")).status_code == 302


def test_a_verdict_after_the_day_does_not_change_that_day_s_briefing(ledger):
    # Given a hazard reported on 1 March that a manager marks 不属实 on the 2nd
    before = reports.build_report_data(DAY, now=at(DAY + timedelta(days=1), 0, 30))["all"]
    late = hazard(ledger.tenant2, reported=at(DAY, 15))
    late.status = HazardStatus.INVALID
    late.save()
    append_event(kind=EventKind.HAZARD_MARKED_INVALID, hazard=late, created_at=at(DAY + timedelta(days=1), 10))
    # and one marked duplicate on the 1st itself
    early = hazard(ledger.tenant2, status=HazardStatus.DUPLICATE, reported=at(DAY, 9))
    append_event(kind=EventKind.HAZARD_MARKED_DUPLICATE, hazard=early, created_at=at(DAY, 11))

    # When the 1st's briefing is made on the 2nd in the evening
    data = reports.build_report_data(DAY, now=at(DAY + timedelta(days=1), 21))["all"]

    # Then the hazard counted as found at the end of the 1st still is; the one closed on the 1st is not
    assert data["found"] == before["found"] + 1
    assert data["day"]["new"] == before["day"]["new"] + 1
