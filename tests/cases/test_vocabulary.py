"""One vocabulary: every page, tile and briefing reads the one definition of overdue, due soon,
open and counted hazards (cases.querysets / cases.deadlines).

The data has a ticket in every status with a deadline past, today, tomorrow, later and none, for an
enterprise and the landlord of a multi-tenant parcel in zone A and an enterprise in zone B; and
hazards in every status, plus withdrawn ones, on the same units. Each figure a user sees is then
compared with ``Ticket.objects.visible_to(user).overdue(today)`` (and its siblings).
"""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from briefing import notifications, reports
from briefing.models import DailyReport
from briefing.views.dashboard import dashboard_data
from cases.choices import OPEN_TICKET_STATUSES, HazardStatus, ResponsibleKind, TicketStatus
from cases.deadlines import deadline_state, ticket_rows
from cases.models import Hazard, Ticket
from home import todo
from tests import factories as f
from tests.api.conftest import client_for

DEADLINES = {"past": -3, "today": 0, "tomorrow": 1, "later": 30, "none": None}
OPEN = OPEN_TICKET_STATUSES  # pending, assigned, submitted, awaiting close-out approval


@pytest.fixture(autouse=True)
def own_cache(settings, request):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": request.node.nodeid}
    }


@pytest.fixture
def ledger(world):
    """Tickets and hazards written as rows (any status, any deadline), all made five days ago."""
    today = timezone.localdate()
    made = timezone.now() - timedelta(days=5)
    parties = {
        "tenant": {"responsible_kind": ResponsibleKind.ENTERPRISE, "enterprise": world.tenant1},
        "landlord": {"responsible_kind": ResponsibleKind.LANDLORD, "enterprise": None, "parcel": world.parcel},
        "zone_b": {"responsible_kind": ResponsibleKind.ENTERPRISE, "enterprise": world.other_b},
    }
    tickets = {}
    for party, unit in parties.items():
        for status in TicketStatus.values:
            for name, offset in DEADLINES.items():
                closed = status == TicketStatus.CLOSED
                tickets[party, status, name] = f.TicketFactory(
                    **unit,
                    status=status,
                    deadline=None if offset is None else today + timedelta(days=offset),
                    created_at=made,
                    assigned_at=made if status != TicketStatus.PENDING else None,
                    submitted_at=made
                    if status in (TicketStatus.SUBMITTED, TicketStatus.CLOSEOUT_PENDING, TicketStatus.CLOSED)
                    else None,
                    closed_at=made + timedelta(days=1) if closed else None,
                    created_by=world.manager_all,
                )
    hazard_units = {
        "tenant": {"enterprise": world.tenant1},
        "parcel": {"enterprise": None, "parcel": world.parcel},
        "zone_a2": {"enterprise": world.other_a2},
        "zone_b": {"enterprise": world.other_b},
    }
    hazards = {}
    for place, unit in hazard_units.items():
        for status in HazardStatus.values:
            hazards[place, status] = f.HazardFactory(
                **unit,
                status=status,
                reported_at=made,
                rectified_at=made + timedelta(days=1) if status == HazardStatus.RECTIFIED else None,
                reporter=world.inspector,
            )
        hazards[place, "withdrawn"] = f.HazardFactory(
            **unit, status=HazardStatus.REPORTED, withdrawn=True, reported_at=made, reporter=world.inspector
        )
    return {"today": today, "tickets": tickets, "hazards": hazards}


def kpi(html, key):
    """The number on the tile ``data-kpi="<key>"`` of a page."""
    match = re.search(rf'data-kpi="{key}".*?class="kpi-value[^"]*"[^>]*>([\d,]+)', html, re.S)
    assert match, f"no tile {key}"
    return int(match.group(1).replace(",", ""))


def badge(html, key):
    """The number on the header's to-do entry ``key``."""
    match = re.search(rf'data-todo="{key}">(\d+)<', html)
    assert match, f"no to-do entry {key}"
    return int(match.group(1))


def page(client, user, url):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return response


# --- the definition itself ----------------------------------------------------------------------


def test_overdue_is_past_the_deadline_and_not_closed_whatever_the_other_status(world, ledger):
    today = ledger["today"]
    expected = {t.pk for (_p, status, name), t in ledger["tickets"].items() if name == "past" and status in OPEN}
    assert set(Ticket.objects.overdue(today).values_list("pk", flat=True)) == expected
    assert len(expected) == 12  # three parties × pending, assigned, submitted and awaiting close-out
    # the same rule for one ticket in hand: the ticket page, the unit pages, the API, the home rows
    soon = today + timedelta(days=settings.REMINDER_DAYS)
    for ticket in Ticket.objects.all():
        assert ticket.is_overdue == (ticket.pk in expected)
        assert (ticket.days_overdue == 3) == (ticket.pk in expected)
    states = {row["ticket"].pk: row["deadline_state"] for row in ticket_rows(Ticket.objects.all(), today, soon)}
    assert {pk for pk, state in states.items() if state == "overdue"} == expected


def test_due_soon_is_assigned_and_due_within_the_reminder_days(world, ledger):
    today, days = ledger["today"], settings.REMINDER_DAYS
    expected = {
        t.pk
        for (_p, status, name), t in ledger["tickets"].items()
        if status == TicketStatus.ASSIGNED and name in ("today", "tomorrow")
    }
    assert set(Ticket.objects.due_soon(today, days).values_list("pk", flat=True)) == expected
    assert set(notifications.tickets_due(today, days).values_list("pk", flat=True)) == expected
    assert {t.pk for t in Ticket.objects.all() if deadline_state(t, today, days) == "soon"} == expected


def test_open_counted_and_rectified_hazards(world, ledger):
    assert Hazard.objects.count() == 4 * 6
    assert Hazard.objects.open().count() == 4 * 2  # reported and aggregated, not the withdrawn report
    assert Hazard.objects.counted().count() == 4 * 3  # and rectified; not duplicate, invalid or withdrawn
    assert Hazard.objects.rectified().count() == 4
    assert Hazard.objects.awaiting_aggregation().count() == 4


# --- every page, tile and briefing ------------------------------------------------------------------


def test_every_overdue_figure_a_user_sees_is_the_one_definition(client, world, ledger):
    today = ledger["today"]

    def overdue(user):
        return Ticket.objects.visible_to(user).overdue(today).count()

    # one number per party, each different, so that a figure read from the wrong scope would show
    assert [overdue(u) for u in (world.enterprise_user, world.landlord, world.manager, world.leader)] == [4, 8, 8, 12]

    users = [
        world.enterprise_user,
        world.landlord,
        world.inspector,
        world.manager,
        world.manager_all,
        world.leader,
        world.admin,
    ]
    for user in users:
        expected = overdue(user)
        # the ticket list behind every overdue link: the count, and each row marked overdue
        listed = page(client, user, reverse("cases:ticket_list") + "?overdue=true")
        assert listed.context["paginator"].count == expected, user
        assert listed.content.decode().count('class="row-overdue"') == expected, user
        others = page(client, user, reverse("cases:ticket_list") + "?overdue=false")
        assert others.context["paginator"].count == Ticket.objects.visible_to(user).count() - expected
        assert 'class="row-overdue"' not in others.content.decode()
        # the API, filtered and ticket by ticket
        api = client_for(user)
        answer = api.get("/api/v1/tickets/?overdue=true&page_size=200")
        assert answer.status_code == 200 and answer.data["count"] == expected, user
        everything = api.get("/api/v1/tickets/?page_size=200").data["results"]
        assert sum(1 for t in everything if t["is_overdue"]) == expected, user

    # home tiles and the header's to-do entry: a party's count its own tickets (as the list they open)
    def own_overdue(user):
        kind = ResponsibleKind.ENTERPRISE if user.role == "enterprise" else ResponsibleKind.LANDLORD
        return Ticket.objects.visible_to(user).overdue(today).filter(responsible_kind=kind).count()

    assert own_overdue(world.landlord) < overdue(world.landlord)  # the tenants' are not the landlord's
    for user in (world.enterprise_user, world.landlord, world.manager, world.manager_all, world.admin):
        html = page(client, user, "/").content.decode()
        expected = own_overdue(user) if user in (world.enterprise_user, world.landlord) else overdue(user)
        assert kpi(html, "overdue") == expected, user
        assert badge(html, "overdue") == expected, user
        assert todo.todo_counts(user, today=today)["overdue"] == expected, user
    assert todo.todo_counts(world.leader, today=today)["overdue"] == overdue(world.leader)

    # the party's "my tickets" page
    for user in (world.enterprise_user, world.landlord):
        html = page(client, user, reverse("cases:my_tickets")).content.decode()
        assert kpi(html, "overdue") == overdue(user), user

    # the dashboard: key figures and the page
    for user in (world.manager, world.manager_all, world.leader):
        assert dashboard_data(user, cached=False)["figures"]["overdue"] == overdue(user), user
        html = page(client, user, reverse("briefing:dashboard")).content.decode()
        assert kpi(html, "overdue") == overdue(user), user

    # the daily briefing: the whole area, and the manager's zone
    reports.generate_daily_reports(today - timedelta(days=1))
    whole = DailyReport.objects.get(date=today - timedelta(days=1), scope="all").data
    zone_a = DailyReport.objects.get(date=today - timedelta(days=1), scope=f"zone:{world.zone_a.pk}").data
    assert whole["overdue"] == overdue(world.leader) == len(whole["overdue_tickets"])
    assert zone_a["overdue"] == overdue(world.manager) == len(zone_a["overdue_tickets"])
    assert {t["days_overdue"] for t in whole["overdue_tickets"]} == {3}


def test_every_due_soon_figure_is_the_one_definition(client, world, ledger):
    today, days = ledger["today"], settings.REMINDER_DAYS
    for user in (world.manager, world.manager_all):
        expected = Ticket.objects.visible_to(user).due_soon(today, days).count()
        assert expected
        response = page(client, user, "/")
        assert response.context["tiles"]["due_soon"]["count"] == expected
        assert badge(response.content.decode(), "due_soon") == expected
    for user in (world.enterprise_user, world.landlord):
        kind = ResponsibleKind.ENTERPRISE if user == world.enterprise_user else ResponsibleKind.LANDLORD
        expected = Ticket.objects.visible_to(user).due_soon(today, days).filter(responsible_kind=kind).count()
        assert expected == 2  # assigned, due today and tomorrow
        assert badge(page(client, user, "/").content.decode(), "due_soon") == expected


def test_every_open_hazard_figure_is_the_one_definition(client, world, ledger):
    def open_hazards(user):
        return Hazard.objects.visible_to(user).open().count()

    # the inspector's home: open hazards in their grid
    html = page(client, world.inspector, "/").content.decode()
    assert kpi(html, "open_hazards") == open_hazards(world.inspector) == 4  # tenant1 and the parcel

    # the dashboard's open and found figures
    for user in (world.manager, world.leader):
        figures = dashboard_data(user, cached=False)["figures"]
        assert figures["open"] == open_hazards(user), user
        assert figures["found"] == Hazard.objects.visible_to(user).counted().count()
        assert figures["rectified"] == Hazard.objects.visible_to(user).rectified().count()
        assert kpi(page(client, user, reverse("briefing:dashboard")).content.decode(), "open") == open_hazards(user)

    # the administrator's overview and the manager's inbox
    tiles = page(client, world.admin, "/").context["tiles"]
    assert tiles["found"]["count"] == Hazard.objects.counted().count()
    assert tiles["rectified"]["count"] == Hazard.objects.rectified().count()
    assert tiles["reported"]["count"] == Hazard.objects.awaiting_aggregation().count()
    assert (
        todo.todo_counts(world.manager)["aggregate"]
        == Hazard.objects.visible_to(world.manager).filter(status=HazardStatus.REPORTED, withdrawn=False).count()
    )

    # the unit pages and the map
    detail = page(client, world.manager, reverse("cases:enterprise_detail", args=[world.tenant1.pk]))
    assert len(detail.context["open_hazard_list"]) == Hazard.objects.open().filter(enterprise=world.tenant1).count()
    listed = page(client, world.manager, reverse("cases:enterprise_list") + f"?q={world.tenant1.name}")
    assert [e.open_hazards for e in listed.context["object_list"]] == [2]
    features = page(client, world.manager, reverse("closeout:map_data")).json()["features"]
    by_parcel = {feature["properties"]["code"]: feature["properties"]["open_hazards"] for feature in features}
    assert by_parcel[world.parcel.code] == Hazard.objects.open().filter(parcel=world.parcel).count() == 4

    # the briefing's cumulative figures: found − rectified is what is open
    reports.generate_daily_reports(ledger["today"] - timedelta(days=1))
    whole = DailyReport.objects.get(date=ledger["today"] - timedelta(days=1), scope="all").data
    assert whole["found"] == Hazard.objects.counted().count()
    assert whole["found"] - whole["rectified"] == Hazard.objects.open().count()
