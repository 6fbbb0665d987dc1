"""The briefing's coverage section (巡查覆盖) and the dashboard's coverage and four-colour figures."""

import io
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from briefing import reports
from briefing.workbook import report_workbook
from register.choices import RiskLevel
from risk.models import PatrolPlan
from tests import factories as f


def _noon(day):
    return timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0) - timedelta(
        days=(timezone.localdate() - day).days
    )


def test_the_briefing_has_coverage_per_scope_for_its_day_and_plan(world):
    # Given: yesterday's plan had red every 7 days; today a leader relaxed it to 30
    today = timezone.localdate()
    day = today - timedelta(days=1)
    PatrolPlan.objects.create(
        valid_from=timezone.now() - timedelta(days=60), red_days=7, orange_days=14, yellow_days=30, blue_days=90
    )
    PatrolPlan.objects.create(valid_from=timezone.now(), red_days=30, orange_days=30, yellow_days=30, blue_days=90)
    type(world.tenant1).objects.filter(pk=world.tenant1.pk).update(risk_level=RiskLevel.RED)
    f.InspectionFactory(
        enterprise=world.tenant1, inspector=world.inspector, inspected_at=_noon(day - timedelta(days=9))
    )
    f.InspectionFactory(
        enterprise=world.other_b, inspector=world.inspector_b, inspected_at=_noon(day - timedelta(days=2))
    )
    f.InspectionFactory(enterprise=world.tenant2, inspector=world.inspector, inspected_at=_noon(today))  # after the day

    data = reports.build_report_data(day)

    # A1 by hand: tenant1 red 9 days before the day (> 7: overdue), tenant2 visited only after the day
    # (never, then), the parcel (blue) visited with tenant1: covered. A2: nothing. B1: both covered.
    grids = {g["id"]: g["coverage"] for g in data["all"]["grids"]}
    assert grids[world.grid_a1.pk] == {"units": 3, "covered": 1, "rate": "33.33", "never_visited": 1, "overdue": 2}
    assert grids[world.grid_a2.pk] == {"units": 2, "covered": 0, "rate": "0.00", "never_visited": 2, "overdue": 2}
    assert grids[world.grid_b1.pk] == {"units": 2, "covered": 2, "rate": "100.00", "never_visited": 0, "overdue": 0}
    zone_a = data[f"zone:{world.zone_a.pk}"]["coverage"]
    assert (zone_a["units"], zone_a["covered"], zone_a["never_visited"], zone_a["overdue"]) == (5, 1, 3, 4)
    assert data["all"]["coverage"] == {"units": 7, "covered": 3, "rate": "42.86", "never_visited": 3, "overdue": 4}
    assert data[f"grid:{world.grid_a1.pk}"]["coverage"] == grids[world.grid_a1.pk]
    assert data["all"]["patrol_plan"]["red_days"] == 7  # the plan then in force

    text = reports.render_text(data["all"])
    assert "【巡查覆盖】" in text and "覆盖率 42.86%" in text and "从未巡查 3 家" in text
    html = reports.render_html(data[f"zone:{world.zone_a.pk}"])
    assert 'class="report-coverage"' in html and "33.33%" in html

    book = load_workbook(io.BytesIO(report_workbook(data["all"])))
    summary, zones = book.worksheets[0], book.worksheets[1]
    values = {row[0].value: row[1].value for row in summary.iter_rows() if row[0].value}
    assert values["巡查覆盖：单位"] == 7 and values["周期内已巡查"] == 3 and values["从未巡查"] == 3
    headers = [cell.value for cell in zones[1]]
    rows = {row[0].value: row for row in zones.iter_rows(min_row=2)}
    assert rows["花川"][headers.index("巡查覆盖率")].value == 1.0


def test_a_stored_report_without_coverage_still_renders(world):
    data = reports.build_report_data(timezone.localdate() - timedelta(days=1))["all"]
    del data["coverage"]
    assert "巡查覆盖" not in reports.render_text(data)
    assert report_workbook(data)


def test_the_dashboard_shows_coverage_and_the_four_colours_per_zone(client, world):
    type(world.tenant1).objects.filter(pk=world.tenant1.pk).update(risk_level=RiskLevel.RED)
    type(world.parcel).objects.filter(pk=world.parcel.pk).update(risk_level=RiskLevel.YELLOW)
    f.InspectionFactory(enterprise=world.other_b, inspector=world.inspector_b)
    client.force_login(world.leader)

    data = client.get(reverse("briefing:dashboard_data")).json()["patrols"]

    assert data["coverage"] == {"units": 7, "covered": 2, "rate": "28.57", "never_visited": 5, "overdue": 5}
    zones = {z["id"]: z for z in data["zones"]}
    a = zones[world.zone_a.pk]["levels"]
    assert a["red"] == {"enterprise": 1, "parcel": 0} and a["yellow"] == {"enterprise": 0, "parcel": 1}
    assert a["blue"] == {"enterprise": 2, "parcel": 1} and a["orange"] == {"enterprise": 0, "parcel": 0}
    assert zones[world.zone_b.pk]["coverage"]["rate"] == "100.00"
    page = client.get(reverse("briefing:dashboard"))
    assert page.status_code == 200 and 'id="chart-risk-levels"' in page.content.decode()


def test_a_zone_manager_s_dashboard_counts_only_the_zone(client, world):
    client.force_login(world.manager)
    data = client.get(reverse("briefing:dashboard_data")).json()["patrols"]
    assert [z["id"] for z in data["zones"]] == [world.zone_a.pk] and data["coverage"]["units"] == 5
