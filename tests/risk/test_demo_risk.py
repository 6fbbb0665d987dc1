"""seed_demo --scale small: risk points and levels, the default patrol plan, today's patrol and check-ins."""

from datetime import timedelta

from django.conf import settings
from django.db.models import Count, F, Q

from accounts.models import User
from cases.choices import CheckInFlag, InspectionSource
from cases.models import CheckIn, Inspection
from demo.common import DEMO_ENTERPRISE_NAME
from register.choices import EnterpriseKind, RiskLevel, RiskTag
from register.models import Enterprise, Parcel
from risk.choices import RiskPointStatus
from risk.levels import recompute
from risk.models import PatrolPlan, RiskPoint
from risk.patrols import due_units
from tests.cases import test_seed_demo as seeded
from timeline.kinds import EventKind
from timeline.models import Event

# The small demo data, built once for this module (the fixtures of tests/cases/test_seed_demo.py).
small_build = seeded.small_build
small = seeded.small


def test_every_industrial_enterprise_has_risk_points_by_its_kind(small):
    industrial = Enterprise.objects.filter(kind=EnterpriseKind.INDUSTRIAL).annotate(
        points=Count("risk_points", filter=Q(risk_points__active=True))
    )

    assert industrial.exists()
    assert all(1 <= e.points <= 4 for e in industrial), [
        (e.name, e.points) for e in industrial if not 1 <= e.points <= 4
    ]
    for tag, names in (
        (RiskTag.SPRAYING, {"喷涂车间", "喷漆房"}),
        (RiskTag.METAL_DUST, {"抛光打磨车间"}),
        (RiskTag.CONFINED_SPACE, {"有限空间-污水池"}),
        (RiskTag.LITHIUM, {"锂电池仓库"}),
        (RiskTag.WELDING, {"焊接作业区"}),
    ):
        for enterprise in Enterprise.objects.filter(risk_tags=tag):
            assert names & set(enterprise.risk_points.values_list("name", flat=True)), (tag, enterprise.name)
    point = RiskPoint.objects.filter(name="有限空间-污水池").first()
    assert "poisoning" in point.accident_types and point.measures_management and point.responsible_person
    assert point.responsible_person == point.enterprise.safety_contact
    # a multi-tenant parcel's common areas
    for parcel in Parcel.objects.multi_tenant():
        common = set(parcel.risk_points.filter(enterprise__isnull=True).values_list("name", flat=True))
        assert "消防通道" in common, parcel.name


def test_special_risks_grade_orange_or_red_and_every_colour_is_present(small):
    special = Enterprise.objects.filter(risk_tags__min_risk_level__isnull=False).distinct()

    assert special.exists()
    assert all(e.risk_level >= RiskLevel.ORANGE for e in special)
    assert set(RiskPoint.objects.values_list("level", flat=True)) == set(RiskLevel.values)
    assert set(Enterprise.objects.values_list("risk_level", flat=True)) == set(RiskLevel.values)
    points = dict(RiskPoint.objects.values_list("level").annotate(n=Count("pk")).order_by())
    assert points[RiskLevel.BLUE] + points[RiskLevel.YELLOW] > points[RiskLevel.ORANGE] > points[RiskLevel.RED]
    assert all(p.risk_level >= RiskLevel.YELLOW for p in Parcel.objects.multi_tenant())


def test_levels_stored_are_the_rule_s(small):
    """The build ends with a recompute: a fresh one changes nothing."""
    before = (
        dict(Enterprise.objects.values_list("pk", "risk_level")),
        dict(Parcel.objects.values_list("pk", "risk_level")),
    )

    recompute()

    after = (
        dict(Enterprise.objects.values_list("pk", "risk_level")),
        dict(Parcel.objects.values_list("pk", "risk_level")),
    )
    assert after == before


def test_points_are_declared_and_reviewed_on_their_timelines(small):
    points = RiskPoint.objects.all()
    declared = Event.objects.filter(kind=EventKind.RISK_POINT_DECLARED)

    assert declared.count() == points.count()
    assert (
        points.filter(status=RiskPointStatus.REVIEWED).count()
        > points.filter(status=RiskPointStatus.DECLARED).count()
        > 0
    )
    regraded = points.exclude(level_reason="")
    assert regraded.exists() and not regraded.filter(level=F("assessed_level")).exists()
    point = regraded.first()
    event = Event.objects.get(kind=EventKind.RISK_POINT_REGRADED, stream=f"riskpoint:{point.pk}")
    assert event.comment == point.level_reason and event.created_at > declared.get(stream=event.stream).created_at
    assert point.reviewed_at < point.created_at + timedelta(days=30)
    # the demo enterprise has a point waiting for its review
    company = Enterprise.objects.get(name=DEMO_ENTERPRISE_NAME)
    assert company.risk_points.filter(status=RiskPointStatus.DECLARED).exists()


def test_the_default_plan_and_today_s_patrol(small):
    plan = PatrolPlan.objects.get()
    inspector = User.objects.get(username="demo-inspector")

    assert plan.reason == "默认巡查频次" and plan.created_by.username == "demo-leader"
    assert plan.valid_from.year == 2023
    assert (plan.red_days, plan.orange_days, plan.yellow_days, plan.blue_days) == tuple(
        settings.PATROL_DAYS[c] for c in ("red", "orange", "yellow", "blue")
    )
    rows = due_units(inspector)
    assert rows and all(row.unit.grid_id in inspector.scope_grid_ids for row in rows)
    assert any(row.days_overdue for row in rows)  # overdue, not only due today


def test_inspections_after_a_check_in_are_verified_on_site(small):
    verified = Inspection.objects.filter(checkin__isnull=False).select_related("checkin")
    window = timedelta(minutes=settings.CHECKIN_WINDOW_MINUTES)

    assert verified.count() >= 5
    for inspection in verified:
        checkin = inspection.checkin
        assert checkin.flag == CheckInFlag.NONE and checkin.inspector_id == inspection.inspector_id
        assert checkin.enterprise_id == inspection.enterprise_id and checkin.parcel_id == inspection.parcel_id
        assert inspection.inspected_at - window <= checkin.checked_in_at <= inspection.inspected_at
        assert checkin.distance <= settings.CHECKIN_MAX_DISTANCE_M
    assert not verified.filter(source=InspectionSource.SELF_CHECK).exists()
    assert Inspection.objects.filter(source=InspectionSource.GRID, checkin__isnull=True).exists()  # not proven


def test_a_far_check_in_is_flagged_and_proves_nothing(small):
    far = CheckIn.objects.filter(flag=CheckInFlag.FAR)

    assert far.exists()
    assert all(c.distance > settings.CHECKIN_MAX_DISTANCE_M for c in far)
    assert not Inspection.objects.filter(checkin__in=far).exists()
