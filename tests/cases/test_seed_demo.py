"""seed_demo: the demo data every scale promises, the wired demo logins, and the refusal on a used database."""

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count
from django.test import override_settings
from django.utils import timezone

from accounts.choices import Role
from accounts.models import User
from cases import services
from cases.choices import EscalationLevel, HazardStatus, InspectionSource, PhotoKind, TicketStatus
from cases.models import CheckIn, Hazard, Inspection, InspectionItem, Photo, Ticket
from catalogue.models import Campaign, HazardCategory
from closeout.choices import CrossCheckStatus
from closeout.models import CrossCheck
from demo import builders as demo
from demo.common import DEMO_ENTERPRISE_NAME
from register.choices import CloseoutState, EnterpriseKind, RiskTag
from register.models import Enterprise, Grid, Parcel, Zone
from risk.models import PatrolPlan, RiskPoint
from tests import factories as f
from timeline.chain import verify_chain
from timeline.kinds import EventKind
from timeline.models import Event

DEMO_LOGINS = [
    "demo-admin",
    "demo-leader",
    "demo-manager",
    "demo-inspector",
    "demo-inspector2",
    "demo-enterprise",
    "demo-landlord",
    "demo-department",
]


@pytest.fixture(scope="module")
def small_build(django_db_setup, django_db_blocker, tmp_path_factory):
    """The small demo data, built once for this module inside a transaction that is rolled back at its
    end; each test runs in a savepoint of it (pytest-django's ``db``), so what a test changes is undone."""
    media = tmp_path_factory.mktemp("demo-media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield demo.build_demo("small"), media
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def small(small_build, db):
    return small_build[0]


def counts(model, field):
    return dict(model.objects.values_list(field).annotate(n=Count("pk")).order_by())


def test_small_has_every_login_with_the_demo_password(small):
    users = {u.username: u for u in User.objects.filter(username__in=DEMO_LOGINS)}

    assert sorted(users) == sorted(DEMO_LOGINS)
    assert all(u.check_password("demo-pass-2023") and u.is_active and u.email and u.first_name for u in users.values())
    assert {users[name].role for name in DEMO_LOGINS[1:]} == set(Role.values)
    assert users["demo-admin"].is_superuser and users["demo-admin"].is_staff
    assert not any(u.is_staff for name, u in users.items() if name != "demo-admin")
    assert users["demo-leader"].receives_daily_report and not users["demo-leader"].zones.exists()


def test_demo_password_from_the_environment(small, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "another-pass-2024")

    result = demo.build_demo("small", reset=True)

    assert result.password == "another-pass-2024"
    assert User.objects.get(username="demo-manager").check_password("another-pass-2024")


def test_small_shows_every_kind_of_unit_and_every_status(small):
    today = timezone.localdate()

    assert set(counts(Enterprise, "kind")) >= {
        EnterpriseKind.INDUSTRIAL,
        EnterpriseKind.SMALL_PREMISES,
        EnterpriseKind.MARKET,
        EnterpriseKind.SUPERMARKET,
    }
    assert Zone.objects.count() == 6 and Parcel.objects.multi_tenant().exists()
    hazards = counts(Hazard, "status")
    assert all(hazards.get(status, 0) > 0 for status in HazardStatus.values), hazards
    assert Hazard.objects.filter(status=HazardStatus.REPORTED, likely_duplicate_of__isnull=False).exists()
    assert Hazard.objects.filter(status=HazardStatus.DUPLICATE, duplicate_of__isnull=False).exists()
    tickets = counts(Ticket, "status")
    assert all(tickets.get(status, 0) > 0 for status in TicketStatus.values), tickets
    assert Ticket.objects.overdue(today).exists()
    open_levels = set(Ticket.objects.open().values_list("escalation_level", flat=True))
    assert {EscalationLevel.SUPERVISED, EscalationLevel.LISTED} <= open_levels
    assert Ticket.objects.filter(rework_count__gt=0).exists()
    assert Ticket.objects.filter(is_major=True, status=TicketStatus.ASSIGNED, funds__isnull=False).exists()
    parcels = counts(Parcel, "closeout_state")
    assert all(parcels.get(state, 0) > 0 for state in CloseoutState.values), parcels
    closed_out = Parcel.objects.get(closeout_state=CloseoutState.GREEN, closed_out_at__isnull=False)
    assert CrossCheck.objects.filter(parcel=closed_out, status=CrossCheckStatus.PASSED).exists()
    assert CrossCheck.objects.filter(status=CrossCheckStatus.FAILED).exists()
    campaign = Campaign.objects.get()
    assert "百日攻坚" in campaign.name and "专项行动" in campaign.name and campaign.start_date.year == 2023
    assert set(campaign.risk_tags.values_list("code", flat=True)) == set(RiskTag.values)
    assert set(counts(Inspection, "source")) == set(InspectionSource.values)
    assert Inspection.objects.filter(source=InspectionSource.SELF_CHECK, checklist__is_self_check=True).exists()
    assert InspectionItem.objects.filter(passed=False, hazard__isnull=False).exists()
    assert Enterprise.risk_tags.through.objects.values("risktagoption_id").distinct().count() == len(RiskTag.values)
    # risk grading and patrols (tests/risk/test_demo_risk.py has the details)
    assert RiskPoint.objects.filter(enterprise__isnull=False).exists()
    assert RiskPoint.objects.filter(enterprise__isnull=True, parcel__isnull=False).exists()
    assert PatrolPlan.objects.count() == 1
    assert CheckIn.objects.exists() and Inspection.objects.filter(checkin__isnull=False).exists()


def test_small_timelines_and_photos_are_real(small, small_build):
    media = small_build[1]
    assert verify_chain().ok
    ticket = Ticket.objects.filter(status=TicketStatus.CLOSED, rework_count=1).get()
    kinds = list(Event.objects.filter(ticket=ticket).values_list("kind", flat=True))
    assert kinds == [
        EventKind.TICKET_CREATED,
        EventKind.TICKET_ASSIGNED,
        EventKind.TICKET_SUBMITTED,
        EventKind.TICKET_REJECTED,
        EventKind.TICKET_SUBMITTED,
        EventKind.TICKET_CLOSED,
    ]
    assert Photo.objects.filter(kind=PhotoKind.BEFORE, hazard__isnull=False).exists()
    after = Photo.objects.filter(kind=PhotoKind.AFTER, ticket__isnull=False)
    assert after.count() >= Ticket.objects.filter(submitted_at__isnull=False).count()
    photo = after.first()
    assert photo.content_type == "image/jpeg" and photo.width == 640
    assert (media / photo.image.name).is_file() and (media / photo.thumbnail.name).is_file()


def test_small_timelines_tell_each_story_in_order(small):
    """Found, then recorded, aggregated, assigned, fixed, verified: no step before the one it follows."""
    now = timezone.now()
    for hazard in Hazard.objects.prefetch_related("events"):
        moments = [e.created_at for e in sorted(hazard.events.all(), key=lambda e: e.pk)]
        assert moments and moments[0] >= hazard.reported_at and moments == sorted(moments), hazard.number
        assert hazard.rectified_at is None or hazard.rectified_at >= hazard.reported_at
    for ticket in Ticket.objects.prefetch_related("events", "hazards"):
        events = sorted(ticket.events.all(), key=lambda e: e.pk)
        moments = [e.created_at for e in events]
        assert moments == sorted(moments) and moments[-1] <= now, ticket.number
        assert ticket.created_at >= max(h.reported_at for h in ticket.hazards.all()), ticket.number
        steps = [ticket.created_at, ticket.assigned_at, ticket.submitted_at, ticket.closed_at]
        present = [moment for moment in steps if moment is not None]
        assert present == sorted(present), ticket.number
        if ticket.closed_at is not None:  # closed when its last event (the verification or approval) says
            assert events[-1].created_at == ticket.closed_at or events[-1].kind == EventKind.TICKET_ESCALATED
    yesterday = timezone.localdate() - timedelta(days=1)
    assert Ticket.objects.filter(closed_at__date=yesterday).exists()  # this morning's briefing shows fixes


def test_the_demo_logins_are_wired_together(small):
    users = {u.username: u for u in User.objects.filter(username__in=DEMO_LOGINS)}
    company = Enterprise.objects.get(name=DEMO_ENTERPRISE_NAME)
    parcel, grid = company.parcel, company.grid

    # the enterprise sees only itself and its own tickets (one of them waiting for its evidence)
    assert list(Enterprise.objects.visible_to(users["demo-enterprise"])) == [company]
    own = Ticket.objects.visible_to(users["demo-enterprise"])
    assert own.exists() and set(own.values_list("enterprise_id", flat=True)) == {company.pk}
    assert own.filter(status=TicketStatus.ASSIGNED).exists()
    # the landlord: the multi-tenant parcel the enterprise rents, and every tenant's tickets on it
    landlord_parcels = Parcel.objects.visible_to(users["demo-landlord"])
    assert parcel in landlord_parcels and parcel.landlord_user == users["demo-landlord"]
    assert Parcel.objects.multi_tenant().filter(pk=parcel.pk).exists()
    assert set(own) <= set(Ticket.objects.visible_to(users["demo-landlord"]))
    assert Ticket.objects.visible_to(users["demo-landlord"]).filter(responsible_kind="landlord").exists()
    # the inspector works the enterprise's grid; the second inspector another grid of the same zone
    assert list(users["demo-inspector"].grids.all()) == [grid]
    second = users["demo-inspector2"].grids.get()
    assert second != grid and second.zone == grid.zone
    assert company in Enterprise.objects.visible_to(users["demo-inspector"])
    assert company not in Enterprise.objects.visible_to(users["demo-inspector2"])
    # the manager: the enterprise's zone, not the others
    assert list(users["demo-manager"].zones.all()) == [grid.zone]
    managed = Ticket.objects.visible_to(users["demo-manager"])
    assert company.tickets.exists() and set(company.tickets.all()) <= set(managed)
    assert set(managed.values_list("zone_id", flat=True)) == {grid.zone_id}
    assert managed.count() < Ticket.objects.count()
    # the leader sees all
    assert Ticket.objects.visible_to(users["demo-leader"]).count() == Ticket.objects.count()
    assert Grid.objects.visible_to(users["demo-leader"]).count() == Grid.objects.count()


def test_services_keep_working_after_seeding(small):
    inspector = User.objects.get(username="demo-inspector")
    manager = User.objects.get(username="demo-manager")
    company = Enterprise.objects.get(name=DEMO_ENTERPRISE_NAME)
    category = (
        HazardCategory.objects.filter(level="enterprise", active=True).exclude(hazards__enterprise=company).first()
    )

    hazard = services.report_hazard(actor=inspector, category=category, description="新发现", enterprise=company)
    ticket = services.create_ticket([hazard], actor=manager)

    assert Hazard.objects.filter(number=hazard.number).count() == 1
    assert Ticket.objects.filter(number=ticket.number).count() == 1
    waiting = (
        Ticket.objects.visible_to(User.objects.get(username="demo-enterprise"))
        .filter(status=TicketStatus.ASSIGNED)
        .first()
    )
    submitted = services.submit_rectification(
        waiting, actor=User.objects.get(username="demo-enterprise"), comment="已整改", photos=[f.photo_upload()]
    )
    assert submitted.status == TicketStatus.SUBMITTED
    assert services.escalate_overdue() == 0  # the daily job already ran today
    assert verify_chain().ok


def test_refuses_a_used_database_without_reset(small):
    before = (Zone.objects.count(), Enterprise.objects.count(), Hazard.objects.count(), Event.objects.count())

    with pytest.raises(CommandError, match="--reset"):
        call_command("seed_demo")

    assert (Zone.objects.count(), Enterprise.objects.count(), Hazard.objects.count(), Event.objects.count()) == before


def test_reset_rebuilds_the_same_data(small, capsys):
    User.objects.create_superuser("ops", "ops@example.com", "x-pass-2023")
    before = demo.summarize()

    call_command("seed_demo", "--reset")

    output = capsys.readouterr().out
    assert "demo-inspector" in output and "demo-pass-2023" in output
    after = demo.summarize()
    assert after["hazards_by_status"] == before["hazards_by_status"]
    assert after["tickets_by_status"] == before["tickets_by_status"]
    assert after["enterprises_by_kind"] == before["enterprises_by_kind"]
    assert after["risk_points_by_level"] == before["risk_points_by_level"]
    assert after["enterprises_by_risk_level"] == before["enterprises_by_risk_level"]
    assert after["checkins_by_flag"] == before["checkins_by_flag"]
    assert PatrolPlan.objects.count() == 1
    assert User.objects.filter(username="ops").exists()  # other superusers stay
    assert verify_chain().ok


def test_bad_scale_is_an_argument_error(small):
    before = demo.summarize()

    with pytest.raises(CommandError, match="invalid choice"):
        call_command("seed_demo", "--scale", "huge", "--reset")

    assert demo.summarize() == before
