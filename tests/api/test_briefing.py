"""The daily briefing through the API: the stored briefing, errors, a past day computed on demand."""

from datetime import timedelta

from django.utils import timezone

from briefing.models import DailyReport
from cases.models import Hazard
from tests.api.conftest import API

BRIEFING = {
    "date": "2023-12-30",
    "found": 19997,
    "rectified_general": 19294,
    "rectified_major": 545,
    "rectification_rate": "99.21",
    "overdue": 3,
    "zones": [
        {
            "id": 1,
            "name": "中申达",
            "found": 10,
            "rectified_general": 9,
            "rectified_major": 1,
            "rectification_rate": "100.00",
            "overdue": 0,
        }
    ],
}


def test_daily_report_reads_the_stored_briefing(world, clients):
    DailyReport.objects.create(date="2023-12-30", scope="all", data=BRIEFING)
    DailyReport.objects.create(
        date="2023-12-30", scope=f"zone:{world.zone_a.pk}", zone=world.zone_a, data={**BRIEFING, "found": 10}
    )
    response = clients.leader.get(f"{API}reports/daily/2023-12-30/")
    assert response.status_code == 200, response.data
    body = response.data
    assert body["date"] == "2023-12-30" and body["scope"] == "all"
    assert body["found"] == 19997 and body["rectification_rate"] == "99.21"
    assert body["zones"][0]["rectification_rate"] == "100.00"
    # a manager of zone A reads their zone's briefing by default, and not the whole area's
    assert clients.manager.get(f"{API}reports/daily/2023-12-30/").data["found"] == 10
    assert clients.manager.get(f"{API}reports/daily/2023-12-30/", {"scope": "all"}).status_code == 404
    response = clients.leader.get(f"{API}reports/daily/2023-12-30/", {"scope": f"zone:{world.zone_a.pk}"})
    assert response.data["found"] == 10


def test_daily_report_errors(world, clients):
    assert clients.leader.get(f"{API}reports/daily/2023-12-29/").status_code == 404  # none stored, no ledger
    assert clients.leader.get(f"{API}reports/daily/2023-02-30/").status_code == 400
    assert clients.leader.get(f"{API}reports/daily/2023-12-29/", {"scope": "everything"}).status_code == 400
    assert clients.enterprise_user.get(f"{API}reports/daily/2023-12-29/").status_code == 403
    assert clients.landlord.get(f"{API}reports/daily/2023-12-29/").status_code == 403


def test_daily_report_is_computed_on_demand_for_a_past_day_and_not_stored(world, clients, make_ticket):
    ticket = make_ticket("closed")
    Hazard.objects.filter(ticket=ticket).update(
        reported_at=timezone.now() - timedelta(days=3), rectified_at=timezone.now() - timedelta(days=2)
    )
    day = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = clients.leader.get(f"{API}reports/daily/{day}/")
    assert response.status_code == 200, response.data
    assert response.data["date"] == day and response.data["found"] == 1
    assert response.data["rectification_rate"] == "100.00"
    assert {z["name"] for z in response.data["zones"]} >= {"中申达"}
    # a GET never writes: stored briefings change only through the job or an office admin's regenerate
    assert response.data["stored"] is False
    assert DailyReport.objects.filter(date=day).count() == 0
    # a day before the ledger began has no briefing
    old = (timezone.localdate() - timedelta(days=30)).isoformat()
    assert clients.leader.get(f"{API}reports/daily/{old}/").status_code == 404
