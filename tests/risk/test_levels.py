"""LEC grades and the unit risk rule (risk.levels), computed in the database."""

from datetime import timedelta
from decimal import Decimal

import pytest

from cases import services
from catalogue.choices import CategoryLevel, Severity
from catalogue.models import HazardCategory
from core.errors import ValidationFailed
from register.choices import RiskLevel
from register.models import Enterprise, Parcel, RiskTagOption
from risk.choices import lec_score, level_of_score
from risk.levels import recompute
from risk.services import declare_risk_point, review_risk_point
from timeline.kinds import EventKind
from timeline.models import Event

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("score", "level"),
    [
        (Decimal("0.05"), RiskLevel.BLUE),
        (70, RiskLevel.BLUE),
        (Decimal("70.01"), RiskLevel.YELLOW),
        (72, RiskLevel.YELLOW),
        (160, RiskLevel.YELLOW),
        (Decimal("160.5"), RiskLevel.ORANGE),
        (180, RiskLevel.ORANGE),
        (320, RiskLevel.ORANGE),
        (Decimal("320.01"), RiskLevel.RED),
        (360, RiskLevel.RED),
        (10000, RiskLevel.RED),
    ],
)
def test_lec_grade_boundaries(score, level):
    assert level_of_score(score) == level


def test_lec_score_is_exact():
    assert lec_score("0.5", "6", "7") == Decimal("21.0")
    assert lec_score("3", "6", "40") == Decimal(720)
    assert lec_score("0.1", "0.5", "1") == Decimal("0.05")


def point(actor, unit, l, e, c, **extra):  # noqa: E741
    kwargs = {"enterprise": unit} if isinstance(unit, Enterprise) else {"parcel": unit}
    return declare_risk_point(
        actor=actor,
        name=extra.pop("name", "喷涂车间"),
        likelihood=l,
        exposure=e,
        consequence=c,
        responsible_person="张三",
        **kwargs,
        **extra,
    )


def levels(*units):
    return [type(unit).objects.get(pk=unit.pk).risk_level for unit in units]


def test_boundary_scores_grade_points_exactly(world):
    # 70 = 1 × 10 × 7 (blue), 160 is not a product of the tables; 180 = 3 × 6 × 10? use table values:
    blue = point(world.manager, world.tenant1, "1", "10", "7")  # 70
    yellow = point(world.manager, world.tenant1, "3", "6", "7")  # 126
    orange = point(world.manager, world.tenant1, "6", "6", "7")  # 252
    red = point(world.manager, world.tenant1, "3", "10", "15")  # 450
    assert [p.score for p in (blue, yellow, orange, red)] == [70, 126, 252, 450]
    assert [p.level for p in (blue, yellow, orange, red)] == [1, 2, 3, 4]


def test_unit_level_is_its_highest_point_and_the_parcel_takes_its_tenants(world, django_capture_on_commit_callbacks):
    recompute()
    # A multi-tenant parcel is at least yellow; its tenants with nothing declared are blue.
    assert levels(world.tenant1, world.tenant2, world.parcel, world.parcel_a2) == [1, 1, 2, 1]
    with django_capture_on_commit_callbacks(execute=True):
        point(world.manager, world.tenant1, "6", "6", "7")  # orange
    assert levels(world.tenant1, world.tenant2, world.parcel) == [3, 1, 3]
    with django_capture_on_commit_callbacks(execute=True):
        point(world.manager, world.parcel_a2, "3", "10", "15")  # a common-area point, red
    assert levels(world.other_a2, world.parcel_a2) == [1, 4]


def test_special_risk_tags_raise_to_orange_as_data(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        world.other_b.risk_tags.add(RiskTagOption.objects.get(code="metal_dust"))
    assert levels(world.other_b, world.parcel_b) == [3, 3]
    # The rule is data: old wiring carries no floor, and a floor can be set on it.
    tag = RiskTagOption.objects.get(code="old_wiring")
    assert tag.min_risk_level is None
    world.other_a2.risk_tags.add(tag)
    recompute()
    assert levels(world.other_a2) == [1]
    RiskTagOption.objects.filter(code="old_wiring").update(min_risk_level=RiskLevel.YELLOW)
    recompute()
    assert levels(world.other_a2) == [2]


def test_open_major_hazard_or_overdue_ticket_raises_one_step(world, django_capture_on_commit_callbacks):
    category = HazardCategory.objects.filter(default_severity=Severity.GENERAL, level=CategoryLevel.ENTERPRISE).first()
    with django_capture_on_commit_callbacks(execute=True):
        point(world.manager, world.other_a2, "3", "6", "7")  # yellow
    assert levels(world.other_a2, world.parcel_a2) == [2, 2]
    with django_capture_on_commit_callbacks(execute=True):
        major = services.report_hazard(
            actor=world.inspector_a2,
            enterprise=world.other_a2,
            category=category,
            description="配电箱无防护",
            severity=Severity.MAJOR,
        )
    assert levels(world.other_a2, world.parcel_a2) == [3, 3]
    with django_capture_on_commit_callbacks(execute=True):
        services.mark_invalid(major, actor=world.manager, reason="核实不属实")
    assert levels(world.other_a2) == [2]

    # An overdue ticket: the nightly recompute sees the deadline pass without any event.
    hazard = services.report_hazard(
        actor=world.inspector, enterprise=world.tenant1, category=category, description="灭火器过期"
    )
    ticket = services.create_ticket([hazard], actor=world.manager)
    assert ticket.enterprise == world.tenant1
    services.assign_ticket(ticket, actor=world.manager, deadline=ticket.created_at.date() + timedelta(days=3))
    recompute()
    assert levels(world.tenant1, world.tenant2, world.parcel) == [1, 1, 2]
    recompute(today=ticket.created_at.date() + timedelta(days=4))
    assert levels(world.tenant1, world.tenant2, world.parcel) == [2, 1, 3]


def test_raise_never_passes_red(world):
    point(world.manager_all, world.other_b, "3", "10", "15")
    category = HazardCategory.objects.first()
    services.report_hazard(
        actor=world.inspector_b, enterprise=world.other_b, category=category, description="x", severity=Severity.MAJOR
    )
    recompute()
    assert levels(world.other_b) == [RiskLevel.RED]


def test_review_changes_the_grade_only_with_a_reason_on_the_timeline(world):
    declared = point(world.enterprise_user, world.tenant1, "3", "6", "7")  # 126 yellow
    with pytest.raises(ValidationFailed) as refused:
        review_risk_point(declared, actor=world.inspector, level=RiskLevel.ORANGE)
    assert refused.value.code == "reason_required"
    reviewed = review_risk_point(declared, actor=world.inspector, level=RiskLevel.ORANGE, reason="粉尘浓度高")
    assert (reviewed.assessed_level, reviewed.level, reviewed.level_reason) == (2, 3, "粉尘浓度高")
    event = Event.objects.filter(stream=f"riskpoint:{declared.pk}").order_by("pk").last()
    assert event.kind == EventKind.RISK_POINT_REGRADED
    assert (event.comment, event.from_status, event.to_status, event.actor) == ("粉尘浓度高", "2", "3", world.inspector)
    recompute()
    assert levels(world.tenant1) == [3]


def test_whole_register_is_two_statements(world, django_assert_num_queries):
    with django_assert_num_queries(2):
        recompute()
    assert Parcel.objects.filter(risk_level=RiskLevel.YELLOW).count() == 1
