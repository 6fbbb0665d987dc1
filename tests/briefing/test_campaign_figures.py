"""The campaign's other ledgers in the briefing and on the dashboard: drills, service requests, welding
devices and letter coverage, against hand counts on a small world (tests/conftest.py ``world``)."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from briefing import campaign_figures, reports
from briefing.views import dashboard
from ledgers import figures as ledger_figures
from ledgers.choices import DeviceStatus, LetterKind, LetterStatus
from ledgers.models import Drill, ResponsibilityLetter, WeldingDevice
from register.choices import RiskTag
from servicedesk.choices import ServiceRequestStatus as S
from servicedesk.models import ServiceCategory, ServiceRequest
from tests import factories as f

SH = ZoneInfo("Asia/Shanghai")
DAY = date(2024, 3, 1)
MORNING = datetime(2024, 3, 2, 8, 0, tzinfo=SH)


def at(day, hour=10):
    return datetime(day.year, day.month, day.day, hour, tzinfo=SH)


def drill(world, day, participants, *, enterprise=None, grid=None, units=()):
    grid = grid or enterprise.grid
    session = Drill.objects.create(
        kind="drill", held_on=day, title="演练", zone=grid.zone, grid=grid, enterprise=enterprise,
        parcel=enterprise.parcel if enterprise else None, organiser="组织单位", participants=participants,
        recorded_by=world.manager_all,
    )  # fmt: skip
    session.units.set(units)
    return session


def device(world, enterprise, n, status=DeviceStatus.IN_USE, installed=date(2023, 9, 1)):
    return WeldingDevice.objects.create(
        device_id=f"HYX-{n}", enterprise=enterprise, parcel=enterprise.parcel, grid=enterprise.grid,
        zone=enterprise.grid.zone, installed_on=installed, status=status,
    )  # fmt: skip


def letter(kind, year, status, *, parcel=None, enterprise=None):
    unit = parcel or enterprise
    grid = unit.grid
    return ResponsibilityLetter.objects.create(
        year=year, kind=kind, parcel=parcel, enterprise=enterprise, grid=grid, zone=grid.zone, status=status
    )


def request(world, enterprise, n, status, created, **extra):
    return ServiceRequest.objects.create(
        number=f"FW{n:04d}", enterprise=enterprise, parcel=enterprise.parcel, grid=enterprise.grid,
        zone=enterprise.grid.zone, category=ServiceCategory.objects.get(pk="power"), title="停电", status=status,
        raised_by=world.enterprise_user, created_at=created, **extra,
    )  # fmt: skip


@pytest.fixture
def ledgers(world):
    w = world
    w.tenant1.risk_tags.add(RiskTag.WELDING)
    # drills: 2 in zone A this year (one on the day, park-wide in grid A2 with other_a2), 1 in zone B last
    # year, 1 after the day
    drill(w, date(2024, 2, 10), 30, enterprise=w.tenant1)
    drill(w, DAY, 50, grid=w.grid_a2, units=[w.other_a2])
    drill(w, date(2023, 12, 1), 20, enterprise=w.other_b)
    drill(w, DAY + timedelta(days=4), 99, enterprise=w.tenant2)
    # welding devices: 2 at tenant1 (one offline), at other_b one in use and one removed
    device(w, w.tenant1, 1)
    device(w, w.tenant1, 2, DeviceStatus.OFFLINE)
    device(w, w.other_b, 3)
    device(w, w.other_b, 4, DeviceStatus.REMOVED)
    # letters of 2024: the multi-tenant parcel's landlord signed; tenant1's agreement signed, tenant2's issued;
    # enterprise letters of tenant1 and other_b signed, other_a2's expired; a 2023 letter does not count
    letter(LetterKind.LANDLORD, 2024, LetterStatus.SIGNED, parcel=w.parcel)
    letter(LetterKind.TENANT_AGREEMENT, 2024, LetterStatus.SIGNED, parcel=w.parcel, enterprise=w.tenant1)
    letter(LetterKind.TENANT_AGREEMENT, 2024, LetterStatus.ISSUED, parcel=w.parcel, enterprise=w.tenant2)
    letter(LetterKind.ENTERPRISE, 2024, LetterStatus.SIGNED, enterprise=w.tenant1)
    letter(LetterKind.ENTERPRISE, 2024, LetterStatus.SIGNED, enterprise=w.other_b)
    letter(LetterKind.ENTERPRISE, 2024, LetterStatus.EXPIRED, enterprise=w.other_a2)
    letter(LetterKind.ENTERPRISE, 2023, LetterStatus.SIGNED, enterprise=w.tenant2)
    # service requests: 2 solved (one on the day, zone B), one overdue, one raised on the day, one closed
    # only after the day (open then)
    request(w, w.tenant1, 1, S.CLOSED, at(date(2024, 2, 1)), closed_at=at(date(2024, 2, 5)), rating=5)
    request(w, w.other_b, 2, S.CLOSED, at(date(2024, 2, 20)), closed_at=at(DAY), rating=4)
    request(w, w.tenant2, 3, S.DISPATCHED, at(date(2024, 2, 15)), deadline=date(2024, 2, 25))
    request(w, w.tenant1, 4, S.OPEN, at(DAY, 9))
    request(w, w.other_a2, 5, S.CLOSED, at(date(2024, 2, 28)), deadline=date(2024, 3, 10),
            closed_at=at(DAY + timedelta(days=1), 7), rating=3)  # fmt: skip
    return w


def test_the_briefing_counts_the_other_ledgers_by_hand(ledgers):
    data = reports.build_report_data(DAY, now=MORNING)

    total = data["all"]["ledgers"]
    assert total["drills"] == {
        "sessions": 3, "person_times": 100, "sessions_day": 1, "person_times_day": 50, "units": 4,
        "units_not_drilled": 2,
    }  # fmt: skip
    requests = total["service_requests"]
    assert (requests["solved"], requests["solved_day"], requests["raised_day"]) == (2, 1, 1)
    assert (requests["open"], requests["overdue"], requests["rating"]) == (3, 1, "4.5")
    assert total["welding"] == {"devices": 3, "offline": 1}
    assert total["letters"] == {
        "landlords": 1, "landlords_signed": 1, "landlord_rate": "100.00", "enterprises": 4,
        "enterprises_signed": 2, "enterprise_rate": "50.00", "tenants": 2, "agreements_signed": 1,
        "agreement_rate": "50.00",
    }  # fmt: skip
    zone_a = data[f"zone:{ledgers.zone_a.pk}"]["ledgers"]
    assert (zone_a["drills"]["sessions"], zone_a["drills"]["person_times"], zone_a["drills"]["units_not_drilled"]) == (
        2, 80, 1,
    )  # fmt: skip
    assert (zone_a["service_requests"]["solved"], zone_a["service_requests"]["overdue"]) == (1, 1)
    assert zone_a["welding"]["devices"] == 2
    grid_a2 = data[f"grid:{ledgers.grid_a2.pk}"]["ledgers"]
    assert (grid_a2["drills"]["sessions_day"], grid_a2["drills"]["units_not_drilled"]) == (1, 0)

    text = reports.render_text(data["all"])
    assert "累计 3 场 100 人次；昨日 1 场 50 人次；本年未参加培训演练单位 2 家" in text
    assert "已办结 2，在办 3，逾期 1" in text
    assert "焊有序设备：3 台（离线 1 台）" in text
    assert "一厂多租房东已签 1/1（100.00%）" in text
    assert 'data-ledgers="scope"' in reports.render_html(data["all"])


def test_welding_devices_per_risk_tag(ledgers):
    assert ledger_figures.welding_by_tag() == {"welding": 2, "": 1}


def test_statements_do_not_grow_with_zones(world):
    def grow(zones):
        for _z in range(zones):
            enterprise = f.EnterpriseFactory(parcel=f.ParcelFactory(grid=f.GridFactory(zone=f.ZoneFactory())))
            drill(world, DAY, 10, enterprise=enterprise)
            device(world, enterprise, enterprise.pk)
            letter(LetterKind.ENTERPRISE, 2024, LetterStatus.SIGNED, enterprise=enterprise)
            request(world, enterprise, enterprise.pk, S.DISPATCHED, at(DAY), deadline=DAY)

    def statements():
        with CaptureQueriesContext(connection) as queries:
            campaign_figures.compute_campaign_figures(DAY, as_of=MORNING)
        return len(queries)

    grow(1)
    one = statements()
    grow(5)
    assert statements() == one == 5


def test_the_dashboard_shows_the_other_ledgers_of_the_user_s_zones(world, client):
    today = timezone.localdate()
    drill(world, today, 40, enterprise=world.tenant1)
    drill(world, today, 25, enterprise=world.other_b)
    device(world, world.tenant1, 1)
    letter(LetterKind.LANDLORD, today.year, LetterStatus.SIGNED, parcel=world.parcel)
    request(world, world.tenant1, 1, S.CLOSED, timezone.now() - timedelta(days=3), closed_at=timezone.now(), rating=5)
    request(world, world.other_b, 2, S.DISPATCHED, timezone.now() - timedelta(days=9),
            deadline=today - timedelta(days=2))  # fmt: skip

    client.force_login(world.leader)
    page = client.get(reverse("briefing:dashboard"))
    shown = page.context["data"]["ledgers"]
    assert (shown["drills"]["sessions"], shown["drills"]["person_times"], shown["drills"]["sessions_day"]) == (2, 65, 2)
    assert (shown["service_requests"]["solved"], shown["service_requests"]["overdue"]) == (1, 1)
    assert shown["welding"]["devices"] == 1
    assert (shown["letters"]["landlords_signed"], shown["letters"]["landlords"]) == (1, 1)
    html = page.content.decode()
    assert 'data-section="ledgers"' in html and 'data-kpi="requests_overdue"' in html

    client.force_login(world.manager)  # zone A only
    mine = client.get(reverse("briefing:dashboard_data")).json()["ledgers"]
    assert (mine["drills"]["sessions"], mine["drills"]["person_times"]) == (1, 40)
    assert (mine["service_requests"]["solved"], mine["service_requests"]["overdue"]) == (1, 0)
    assert [z["name"] for z in mine["zones"]] == ["中申达"]


def test_a_new_drill_refreshes_a_cached_dashboard(world, client, monkeypatch):
    # the cached dashboard serves one cache period (briefing.views.dashboard.CACHE_MINUTES), then shows it
    period = [0]
    monkeypatch.setattr(dashboard, "_period", lambda now=None: period[0])
    client.force_login(world.leader)
    url = reverse("briefing:dashboard_data")
    before = client.get(url).json()["ledgers"]["drills"]["sessions"]
    drill(world, timezone.localdate(), 10, enterprise=world.tenant1)
    period[0] += 1
    assert client.get(url).json()["ledgers"]["drills"]["sessions"] == before + 1
