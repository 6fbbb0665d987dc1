"""The seed-scale demo data (``seed_demo --scale seed``) gives the source's figures (FACTS.md): in the ledger,
in the briefing and in the figures.

The data is built once for this module by the ``seed_scale`` fixture (tests/conftest.py); each test runs in a
savepoint of it. Tests that need the seed-scale data belong here, so that a test run builds it once.
"""

import json
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from briefing import figures, reports, summaries
from cases import services
from cases.choices import HazardStatus, InspectionSource, TicketStatus
from cases.models import Hazard, Inspection, Ticket
from catalogue.choices import Severity
from core.models import Sequence
from demo.common import CAMPAIGN_RECTIFIED
from register.choices import CloseoutState, EnterpriseKind
from register.models import Enterprise, Parcel


def counts(model, field):
    return dict(model.objects.values_list(field).annotate(n=Count("pk")).order_by())


def test_seed_reproduces_the_source_figures(seed_scale, db):
    assert "99.21" in seed_scale  # the command's summary
    assert Parcel.objects.multi_tenant().count() == 293
    assert counts(Enterprise, "kind") == {
        EnterpriseKind.INDUSTRIAL: 2033,
        EnterpriseKind.SMALL_PREMISES: 795,
        EnterpriseKind.MARKET: 1,
        EnterpriseKind.SUPERMARKET: 1,
    }
    tagged = counts(Enterprise.risk_tags.through, "risktagoption_id")
    assert all(tagged[tag] >= n for tag, n in CAMPAIGN_RECTIFIED.items()), tagged
    assert Inspection.objects.count() == 11024
    rectified = Q(status=HazardStatus.RECTIFIED)
    ledger = Hazard.objects.filter(
        status__in=[HazardStatus.REPORTED, HazardStatus.AGGREGATED, HazardStatus.RECTIFIED], withdrawn=False
    )
    row = ledger.aggregate(
        found=Count("pk"),
        general=Count("pk", filter=rectified & Q(severity=Severity.GENERAL)),
        major=Count("pk", filter=rectified & Q(severity=Severity.MAJOR)),
    )
    assert (row["found"], row["general"], row["major"]) == (19997, 19294, 545)
    rate = (Decimal(row["general"] + row["major"]) * 100 / row["found"]).quantize(Decimal("0.01"))
    assert rate == Decimal("99.21")
    # the campaign's progress per risk tag: tagged enterprises rectified through campaign or third-party visits
    for tag, n in CAMPAIGN_RECTIFIED.items():
        done = Enterprise.objects.filter(
            risk_tags=tag,
            tickets__status=TicketStatus.CLOSED,
            tickets__hazards__inspection__source__in=[InspectionSource.CAMPAIGN, InspectionSource.THIRD_PARTY],
        ).distinct()
        assert done.count() == n, tag
    # every open status, overdue and escalated tickets, parcels closed out, activity yesterday
    assert all(counts(Ticket, "status").get(status) for status in TicketStatus.values)
    today = timezone.localdate()
    assert Ticket.objects.overdue(today).filter(escalation_level__gt=0).exists()
    assert Parcel.objects.filter(closeout_state=CloseoutState.GREEN, closed_out_at__isnull=False).count() > 293
    yesterday = today - timedelta(days=1)
    assert Hazard.objects.filter(reported_at__date=yesterday).count() >= 20
    assert Hazard.objects.filter(rectified_at__date=yesterday).exists()
    # numbering continues without collisions; the open fingerprints are unique and hold the unit
    last = Hazard.objects.order_by("-reported_at").first()
    assert Sequence.objects.get(key=last.number[:10]).value == int(last.number[10:])
    holder = Hazard.objects.filter(fingerprint__isnull=False).first()
    assert holder.fingerprint in (
        f"e{holder.enterprise_id}:{holder.category.code}",
        f"p{holder.parcel_id}:{holder.category.code}",
    )
    assert services.escalate_overdue() == 0
    total = figures.compute_figures(start=date(2023, 1, 1), end=today).total
    assert (total.found, total.rectified_general, total.rectified_major) == (19997, 19294, 545)
    assert total.rate == Decimal("99.21")


def test_the_seed_data_gives_the_sources_figures_in_the_briefing(seed_scale, db):
    # the morning job runs well after the data were written: the summaries' catch-up has nothing to re-read
    # (right after a bulk write it re-reads every day the write touched, for LOOKBACK)
    summaries.catch_up(now=timezone.now() + summaries.LOOKBACK)
    with CaptureQueriesContext(connection) as queries:
        stored = reports.generate_daily_reports()

    data = next(r for r in stored if r.scope == "all").data
    assert (data["found"], data["rectified_general"], data["rectified_major"]) == (19997, 19294, 545)
    assert data["rectification_rate"] == "99.21"
    assert sum(z["found"] for z in data["zones"]) == 19997
    # special rectification by risk type (FACTS.md): enterprises rectified in the 100-day campaign
    (campaign,) = data["campaigns"]
    rectified = {tag["code"]: tag["rectified"] for tag in campaign["tags"]}
    assert rectified == {"spraying": 274, "metal_dust": 38, "confined_space": 185, "lithium": 87, "welding": 228,
                         "old_wiring": 27}  # fmt: skip
    # 24 (the summaries' months and days, the campaign's progress in one) + the other ledgers (6) + a catch-up
    # with nothing to do (9)
    assert len(queries) <= 39
    json.dumps(data)  # stored as JSON


def test_the_seed_data_gives_the_other_ledgers_figures_in_the_briefing(seed_scale, db):
    # the command's summary
    assert "培训演练 3397 场，131113 人次" in seed_scale
    assert "焊有序设备 797 台" in seed_scale
    # the briefing (daily_report) beside the 99.21% ledger
    data = next(r for r in reports.generate_daily_reports() if r.scope == "all").data
    assert data["rectification_rate"] == "99.21"
    ledgers = data["ledgers"]
    assert (ledgers["drills"]["sessions"], ledgers["drills"]["person_times"]) == (3397, 131113)
    assert (ledgers["service_requests"]["solved"], ledgers["service_requests"]["overdue"]) == (2410, 1)
    assert ledgers["welding"]["devices"] == 797
    assert ledgers["letters"]["landlords_signed"] == ledgers["letters"]["landlords"] == 293
    text = reports.render_text(data)
    assert "累计 3397 场 131113 人次" in text and "已办结 2410" in text and "焊有序设备：797 台" in text
    # the welding devices sit at enterprises tagged welding
    from ledgers.models import WeldingDevice

    assert not WeldingDevice.objects.exclude(enterprise__risk_tags="welding").exists()
