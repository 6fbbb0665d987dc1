"""The FilterSets behind the ticket and hazard lists, their exports and the API."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cases import services
from cases.choices import EscalationLevel, HazardStatus, TicketStatus
from cases.filtersets import HazardFilterSet, TicketFilterSet
from cases.models import Hazard, Ticket
from catalogue.choices import Severity
from tests import factories as f

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


def report(world, category, enterprise, description="隐患", severity=None):
    actor = world.inspector if enterprise.grid_id == world.grid_a1.pk else world.manager_all
    return services.report_hazard(
        actor=actor, category=category, description=description, enterprise=enterprise, severity=severity
    )


def tickets(data, user=None):
    queryset = Ticket.objects.all() if user is None else Ticket.objects.visible_to(user)
    filterset = TicketFilterSet(data=data, queryset=queryset)
    assert filterset.is_valid(), filterset.errors
    return set(filterset.qs.values_list("number", flat=True))


def hazards(data):
    filterset = HazardFilterSet(data=data, queryset=Hazard.objects.all())
    assert filterset.is_valid(), filterset.errors
    return set(filterset.qs.values_list("number", flat=True))


@pytest.fixture
def cases(world, category, major_category):
    """Four tickets across zones, statuses, severities and categories."""
    wiring = services.create_ticket([report(world, category, world.tenant1, "配电箱前堆放纸箱")], actor=world.manager)
    dust = services.create_ticket([report(world, major_category, world.tenant2, "除尘器未接地")], actor=world.manager)
    other_category = f.HazardCategoryFactory(code="TF01", name="灭火器失效")
    a2 = services.assign_ticket(
        services.create_ticket([report(world, other_category, world.other_a2, "灭火器过期")], actor=world.manager),
        actor=world.manager,
    )
    b = services.create_ticket([report(world, other_category, world.other_b, "花川灭火器")], actor=world.manager_all)
    services.escalate_ticket(b, actor=world.manager_all)
    Ticket.objects.filter(pk=a2.pk).update(deadline=today() - timedelta(days=2))
    Ticket.objects.filter(pk=b.pk).update(created_at=timezone.now() - timedelta(days=10))

    class Cases:
        pass

    c = Cases()
    c.wiring, c.dust, c.a2, c.b = (Ticket.objects.get(pk=t.pk) for t in (wiring, dust, a2, b))
    return c


def test_ticket_status_and_multiple_values(cases):
    assert tickets({"status": [TicketStatus.ASSIGNED]}) == {cases.a2.number}
    assert tickets({"status": [TicketStatus.ASSIGNED, TicketStatus.PENDING]}) == {
        cases.wiring.number,
        cases.dust.number,
        cases.a2.number,
        cases.b.number,
    }


def test_ticket_zone_grid_parcel_enterprise(world, cases):
    assert tickets({"zone_id": [world.zone_b.pk]}) == {cases.b.number}
    assert tickets({"zone": "花川"}) == {cases.b.number}
    assert tickets({"grid_id": [world.grid_a2.pk]}) == {cases.a2.number}
    assert tickets({"parcel": world.parcel.code}) == {cases.wiring.number, cases.dust.number}
    assert tickets({"enterprise_id": world.tenant2.pk}) == {cases.dust.number}
    assert tickets({"enterprise": "乙工贸"}) == {cases.dust.number}


def test_ticket_severity_category_overdue_escalation(cases, category):
    assert tickets({"severity": Severity.MAJOR}) == {cases.dust.number}
    assert cases.dust.number not in tickets({"severity": Severity.GENERAL})
    assert tickets({"category": category.code}) == {cases.wiring.number}
    assert tickets({"overdue": "true"}) == {cases.a2.number}
    assert cases.a2.number not in tickets({"overdue": "false"})
    assert tickets({"escalation_level": [EscalationLevel.SUPERVISED]}) == {cases.b.number}


def test_ticket_date_ranges_and_search(cases):
    assert tickets({"created_before": (today() - timedelta(days=5)).isoformat()}) == {cases.b.number}
    assert cases.b.number not in tickets({"created_after": (today() - timedelta(days=1)).isoformat()})
    assert tickets({"deadline_before": (today() - timedelta(days=1)).isoformat()}) == {cases.a2.number}
    assert tickets({"q": cases.wiring.number}) == {cases.wiring.number}
    assert tickets({"q": "丙电器"}) == {cases.a2.number}


def test_ticket_ordering(cases):
    filterset = TicketFilterSet(data={"ordering": "number"}, queryset=Ticket.objects.all())
    numbers = list(filterset.qs.values_list("number", flat=True))
    assert numbers == sorted(numbers)
    filterset = TicketFilterSet(data={"ordering": "-deadline"}, queryset=Ticket.objects.exclude(deadline=None))
    deadlines = list(filterset.qs.values_list("deadline", flat=True))
    assert deadlines == sorted(deadlines, reverse=True)


def test_filters_never_widen_the_scope(world, cases):
    assert tickets({"zone_id": [world.zone_b.pk]}, user=world.manager) == set()
    assert tickets({}, user=world.enterprise_user) == {cases.wiring.number}


def test_hazard_filters(world, category, cases):
    first = cases.wiring.hazards.get()
    duplicate = report(world, category, world.tenant1, "再次发现配电箱前堆放纸箱")
    assert duplicate.likely_duplicate_of_id == first.pk
    assert hazards({"likely_duplicate": "true"}) == {duplicate.number}
    assert hazards({"category": [category.code]}) == {first.number, duplicate.number}
    assert hazards({"category": [category.code, "TF01"]}) == {
        first.number,
        duplicate.number,
        cases.a2.hazards.get().number,
        cases.b.hazards.get().number,
    }
    assert hazards({"status": [HazardStatus.REPORTED]}) == {duplicate.number}
    assert hazards({"severity": Severity.MAJOR}) == {cases.dust.hazards.get().number}
    assert hazards({"q": "除尘器"}) == {cases.dust.hazards.get().number}
    assert hazards({"ticket": cases.a2.pk}) == {cases.a2.hazards.get().number}
