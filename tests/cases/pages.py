"""Helpers shared by the case page tests (test_views, test_ticket_views, test_desk_views)."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases import services
from tests import factories as f


def today():
    return timezone.localdate()


def login(client, user):
    client.force_login(user)
    return client


def messages_of(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


def report(world, category, *, enterprise=None, parcel=None, description="隐患", severity=None, photos=()):
    if enterprise is None and parcel is None:
        enterprise = world.tenant1
    return services.report_hazard(
        actor=world.inspector if (enterprise or parcel).grid_id == world.grid_a1.pk else world.manager_all,
        category=category,
        description=description,
        enterprise=enterprise,
        parcel=parcel,
        severity=severity,
        photos=photos,
    )


def many_tickets(world, n):
    """``n`` tickets of tenant1 in various states, each with its own category (no duplicate flags)."""
    tickets = []
    for i in range(n):
        category = f.HazardCategoryFactory(code=f"MT{i:03d}", name=f"类别{i}")
        hazard = report(world, category, description=f"隐患{i}")
        ticket = services.create_ticket([hazard], actor=world.manager)
        if i % 3 == 1:
            services.assign_ticket(ticket, actor=world.manager)
        if i % 5 == 2:
            services.escalate_ticket(ticket, actor=world.leader)
        tickets.append(ticket)
    return tickets


def count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response
