import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from cases import services
from cases.choices import EscalationLevel, HazardStatus, TicketStatus
from cases.models import Hazard, Ticket

pytestmark = pytest.mark.django_db


def test_admin_actions_run_the_workflow_services(client, world, category):
    hazard = services.report_hazard(
        actor=world.inspector, category=category, description="电线乱拉", enterprise=world.tenant1
    )
    client.force_login(world.admin)
    response = client.post(
        reverse("admin:cases_hazard_changelist"),
        {"action": "aggregate_selected", "_selected_action": [hazard.pk]},
        follow=True,
    )
    assert "已生成 1 张整改单" in response.content.decode()
    hazard.refresh_from_db()
    assert hazard.status == HazardStatus.AGGREGATED
    ticket = hazard.ticket
    client.post(
        reverse("admin:cases_ticket_changelist"), {"action": "assign_selected", "_selected_action": [ticket.pk]}
    )
    client.post(
        reverse("admin:cases_ticket_changelist"), {"action": "escalate_selected", "_selected_action": [ticket.pk]}
    )
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.ASSIGNED and ticket.escalation_level == EscalationLevel.SUPERVISED
    assert ticket.events.count() == 3
    # Verifying an assigned ticket is refused with the service's message and changes nothing.
    response = client.post(
        reverse("admin:cases_ticket_changelist"),
        {"action": "verify_selected", "_selected_action": [ticket.pk]},
        follow=True,
    )
    assert "不能执行此操作" in response.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.ASSIGNED


def test_staff_with_a_zone_sees_only_that_zone_in_admin(client, world, category):
    services.report_hazard(actor=world.inspector, category=category, description="甲", enterprise=world.tenant1)
    services.report_hazard(actor=world.inspector_b, category=category, description="乙", enterprise=world.other_b)
    world.manager.is_staff = True
    world.manager.save()
    world.manager.user_permissions.add(*Permission.objects.filter(codename="view_hazard"))
    client.force_login(world.manager)
    response = client.get(reverse("admin:cases_hazard_changelist"))
    assert response.status_code == 200
    assert Hazard.objects.count() == 2
    assert response.context["cl"].result_count == 1
