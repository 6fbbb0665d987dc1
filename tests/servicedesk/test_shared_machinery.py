"""The service request is a second kind of case on the ticket's machinery, not a copy of it: one deadline
rule (cases.deadlines), one daily escalation (cases.escalation), one timeline, one scoping."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.choices import Role
from accounts.models import Department
from cases import deadlines, escalation, services
from cases.choices import EscalationLevel
from cases.models import Ticket
from cases.tasks import escalate_overdue_tickets_task
from servicedesk import querysets as sr_querysets
from servicedesk import services as sr
from servicedesk.choices import ServiceRequestStatus as S
from servicedesk.models import ServiceCategory, ServiceRequest
from tests import factories as f
from timeline.kinds import EventKind
from timeline.models import Event

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(world):
    department = Department.objects.get(code="power")
    clerk = f.UserFactory(username="power-clerk", role=Role.DEPARTMENT, department=department)
    request = sr.raise_request(
        actor=world.enterprise_user,
        enterprise=world.tenant1,
        category=ServiceCategory.objects.get(code="power"),
        title="厂区变压器容量不足",
    )
    return department, clerk, request


def test_both_kinds_are_escalated_by_the_one_registered_engine(world, desk):
    assert set(escalation.kinds()) >= {"ticket", "service_request"}
    assert escalation.kinds()["service_request"].model is ServiceRequest
    # The queryset reads the same Q as the tickets (no copy of the rule).
    assert sr_querysets.overdue_q is deadlines.overdue_q and sr_querysets.open_ticket_q is deadlines.open_ticket_q


def test_the_morning_job_escalates_an_overdue_ticket_and_an_overdue_request(world, desk):
    department, clerk, request = desk
    request = sr.dispatch_request(request, actor=world.manager, department=department)
    hazard = services.report_hazard(
        actor=world.inspector, enterprise=world.tenant1, category=f.HazardCategoryFactory(), description="x"
    )
    ticket = services.create_ticket([hazard], actor=world.manager)
    services.assign_ticket(ticket, actor=world.manager, deadline=request.deadline)
    # Both deadlines passed two days ago: the morning job (today) raises both, through the one engine.
    two_days_ago = timezone.localdate() - timedelta(days=2)
    ServiceRequest.objects.update(deadline=two_days_ago)
    Ticket.objects.update(deadline=two_days_ago)
    assert escalate_overdue_tickets_task.apply().get() == 2
    request.refresh_from_db()
    ticket.refresh_from_db()
    assert request.escalation_level == ticket.escalation_level == EscalationLevel.SUPERVISED
    event = Event.objects.filter(stream=request.stream).order_by("pk").last()
    assert event.kind == EventKind.SERVICE_REQUEST_ESCALATED and event.actor is None
    assert event.data["days_overdue"] == 2
    # Idempotent within the day.
    assert escalation.escalate_overdue() == {"ticket": 0, "service_request": 0}


def test_the_whole_round_and_its_refusals(world, desk):
    department, clerk, request = desk
    assert request.status == S.OPEN
    with pytest.raises(services.NotPermitted):
        sr.answer_request(request, actor=clerk, answer="已扩容")  # not dispatched to the department yet
    request = sr.dispatch_request(request, actor=world.manager)  # the category's department and time limit
    assert (request.department, request.status) == (department, S.DISPATCHED)
    assert request.deadline == request.dispatched_at.date() + timedelta(days=7) or request.deadline
    with pytest.raises(services.TransitionNotAllowed):
        sr.confirm_request(request, actor=world.enterprise_user, satisfied=True, rating=5)
    request = sr.answer_request(request, actor=clerk, answer="已安排扩容，下周施工")
    request = sr.confirm_request(request, actor=world.enterprise_user, satisfied=False, feedback="施工未开始")
    assert (request.status, request.return_count) == (S.DISPATCHED, 1)
    request = sr.answer_request(request, actor=clerk, answer="已完成扩容")
    with pytest.raises(services.ValidationFailed) as no_rating:
        sr.confirm_request(request, actor=world.enterprise_user, satisfied=True)
    assert no_rating.value.code == "rating_required"
    request = sr.confirm_request(request, actor=world.enterprise_user, satisfied=True, rating=5, feedback="满意")
    assert (request.status, request.rating) == (S.CLOSED, 5)
    assert ServiceRequest.objects.open().count() == 0
    request = sr.reopen_request(request, actor=world.enterprise_user, comment="又跳闸了")
    assert request.status == S.OPEN
    kinds = list(Event.objects.filter(stream=request.stream).order_by("pk").values_list("kind", flat=True))
    assert kinds[0] == EventKind.SERVICE_REQUEST_RAISED and kinds[-1] == EventKind.SERVICE_REQUEST_REOPENED


def test_a_department_sees_only_what_was_dispatched_to_it(world, desk):
    department, clerk, request = desk
    assert list(ServiceRequest.objects.visible_to(clerk)) == []
    sr.dispatch_request(request, actor=world.manager, department=department)
    assert list(ServiceRequest.objects.visible_to(clerk)) == [request]
    other = f.UserFactory(username="road-clerk", role=Role.DEPARTMENT, department=Department.objects.get(code="roads"))
    assert list(ServiceRequest.objects.visible_to(other)) == []
    # and nothing of the cases or the register
    from cases.models import Ticket
    from register.models import Enterprise

    assert not Enterprise.objects.visible_to(clerk).exists() and not Ticket.objects.visible_to(clerk).exists()
    assert list(ServiceRequest.objects.visible_to(world.inspector_b)) == []
