"""The case pages: who may open them, constant query counts, the ticket and hazard lists, English.

The ticket page and its actions are in test_ticket_views.py, the hazards and the manager's desk in
test_desk_views.py; the shared helpers in tests/cases/pages.py.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.choices import TicketStatus
from cases.models import Ticket
from tests import factories as f
from tests.cases.pages import count_queries, login, many_tickets, report, today
from timeline.kinds import EventKind
from timeline.models import Event

pytestmark = pytest.mark.django_db


# --- access -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "needs_pk"),
    [
        ("cases:ticket_list", False),
        ("cases:hazard_list", False),
        ("cases:desk", False),
        ("cases:desk_pending", False),
        ("cases:desk_aggregate", False),
        ("cases:ticket_export", False),
        ("cases:hazard_export", False),
        ("register:parcel_export", False),
        ("register:enterprise_export", False),
        ("cases:ticket_detail", True),
        ("cases:ticket_notice", True),
        ("cases:hazard_detail", True),
    ],
)
def test_anonymous_is_sent_to_login(client, make_ticket, name, needs_pk):
    ticket = make_ticket()
    url = reverse(
        name,
        args=[ticket.hazards.first().pk if name == "cases:hazard_detail" else ticket.pk] if needs_pk else None,
    )
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_anonymous_post_changes_nothing(client, make_ticket):
    ticket = make_ticket()
    response = client.post(
        reverse("cases:ticket_assign", args=[ticket.pk]),
        {"deadline": (timezone.localdate() + timedelta(days=90)).isoformat()},
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.PENDING


@pytest.mark.parametrize("who", ["inspector_b", "inspector_a2", "enterprise_user_other"])
def test_a_foreign_ticket_is_not_found(client, world, make_ticket, who):
    ticket = make_ticket(TicketStatus.SUBMITTED)
    if who == "enterprise_user_other":
        user = f.UserFactory(username="other-owner", role="enterprise")
        user.enterprises.add(world.other_b)
    else:
        user = getattr(world, who)
    login(client, user)
    for name in ("cases:ticket_detail", "cases:ticket_notice"):
        assert client.get(reverse(name, args=[ticket.pk])).status_code == 404
    for name in ("cases:ticket_verify", "cases:ticket_comment", "cases:ticket_escalate"):
        response = client.post(reverse(name, args=[ticket.pk]), {"decision": "pass", "comment": "x"})
        assert response.status_code == 404
    hazard = ticket.hazards.first()
    assert client.get(reverse("cases:hazard_detail", args=[hazard.pk])).status_code == 404
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.SUBMITTED
    assert not Event.objects.filter(ticket=ticket, kind=EventKind.TICKET_COMMENTED).exists()


def test_lists_show_only_what_the_user_may_see(client, world, category):
    mine = services.create_ticket([report(world, category)], actor=world.manager)
    other = services.create_ticket([report(world, category, enterprise=world.other_b)], actor=world.manager_all)
    login(client, world.manager)
    page = client.get(reverse("cases:ticket_list")).content.decode()
    assert mine.number in page and other.number not in page
    login(client, world.enterprise_user)
    page = client.get(reverse("cases:ticket_list")).content.decode()
    assert mine.number in page and other.number not in page
    login(client, world.inspector_b)
    page = client.get(reverse("cases:hazard_list")).content.decode()
    assert other.hazards.first().number in page and mine.hazards.first().number not in page


def test_a_foreign_zone_in_the_filters_gives_no_rows(client, world, category):
    services.create_ticket([report(world, category)], actor=world.manager)
    login(client, world.manager)
    response = client.get(reverse("cases:ticket_list"), {"zone_id": world.zone_b.pk})
    assert response.status_code == 200
    assert list(response.context["object_list"]) == []
    zone_choices = {z.pk for z in response.context["filter"].form.fields["zone_id"].queryset}
    assert zone_choices == {world.zone_a.pk}


# --- constant query counts ------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["manager", "enterprise_user", "inspector", "leader"])
def test_ticket_list_queries_do_not_grow_with_rows(client, world, who, django_assert_max_num_queries):
    many_tickets(world, 1)
    login(client, getattr(world, who))
    url = reverse("cases:ticket_list")
    one, response = count_queries(client, url)
    assert len(response.context["object_list"]) == 1
    many_tickets_more = many_tickets  # 29 more, in every state the list shows
    for ticket in many_tickets_more(world, 29)[::4]:
        Ticket.objects.filter(pk=ticket.pk).update(deadline=today() - timedelta(days=3))
    with django_assert_max_num_queries(one):
        response = client.get(url)
    assert len(response.context["object_list"]) == 30


def test_hazard_list_queries_do_not_grow_with_rows(client, world, django_assert_max_num_queries):
    cat = f.HazardCategoryFactory(code="HL000")
    report(world, cat, photos=[f.photo_upload()])
    login(client, world.manager)
    url = reverse("cases:hazard_list")
    one, response = count_queries(client, url)
    for i in range(29):
        category = f.HazardCategoryFactory(code=f"HL{i + 1:03d}")
        enterprise = (world.tenant1, world.tenant2, world.other_a2)[i % 3]
        report(world, category, enterprise=enterprise, photos=[f.photo_upload()] if i % 4 == 0 else ())
    report(world, cat)  # a likely duplicate
    with django_assert_max_num_queries(one):
        response = client.get(url)
    assert len(response.context["object_list"]) == 31


def test_desk_queries_do_not_grow_with_rows(client, world, parcel_category, django_assert_max_num_queries):
    cat = f.HazardCategoryFactory(code="DK000")
    report(world, cat)
    login(client, world.manager)
    url = reverse("cases:desk")
    one, response = count_queries(client, url)
    for i in range(27):
        category = f.HazardCategoryFactory(code=f"DK{i + 1:03d}")
        enterprise = (world.tenant1, world.tenant2, world.other_a2)[i % 3]
        report(world, category, enterprise=enterprise)
    report(world, cat)  # a likely duplicate
    report(world, parcel_category, parcel=world.parcel)
    report(world, parcel_category, parcel=world.parcel_a2)
    with django_assert_max_num_queries(one):
        response = client.get(url)
    assert sum(len(g["hazards"]) for g in response.context["groups"]) == 31


def test_pending_desk_queries_do_not_grow_with_rows(client, world, django_assert_max_num_queries):
    def pending(i):
        category = f.HazardCategoryFactory(code=f"PD{i:03d}")
        services.create_ticket([report(world, category)], actor=world.manager)

    pending(0)
    login(client, world.manager)
    url = reverse("cases:desk_pending")
    one, _response = count_queries(client, url)
    for i in range(1, 30):
        pending(i)
    with django_assert_max_num_queries(one):
        response = client.get(url)
    assert len(response.context["object_list"]) == 30


# --- the list -------------------------------------------------------------------------------------


def test_ticket_list_filters_sorts_and_links_the_export(client, world, category):
    first = services.create_ticket([report(world, category)], actor=world.manager)
    services.assign_ticket(first, actor=world.manager)
    second = services.create_ticket(
        [report(world, f.HazardCategoryFactory(code="X2"), enterprise=world.tenant2)], actor=world.manager
    )
    login(client, world.manager)
    response = client.get(reverse("cases:ticket_list"), {"status": "assigned"})
    assert [t.pk for t in response.context["object_list"]] == [first.pk]
    body = response.content.decode()
    assert reverse("cases:ticket_export") + "?status=assigned" in body
    response = client.get(reverse("cases:ticket_list"), {"ordering": "number"})
    assert [t.pk for t in response.context["object_list"]] == [first.pk, second.pk]
    response = client.get(reverse("cases:ticket_list"), {"q": "乙工贸"})
    assert [t.pk for t in response.context["object_list"]] == [second.pk]


def test_ticket_list_marks_overdue(client, world, make_ticket):
    ticket = make_ticket(TicketStatus.ASSIGNED)
    Ticket.objects.filter(pk=ticket.pk).update(deadline=today() - timedelta(days=4))
    login(client, world.manager)
    response = client.get(reverse("cases:ticket_list"), {"overdue": "true"})
    assert [t.pk for t in response.context["object_list"]] == [ticket.pk]
    assert "逾期 4 天" in response.content.decode()


# --- in English -----------------------------------------------------------------------------------


def test_case_pages_render_in_english_too(client, world, make_ticket, category):
    ticket = make_ticket(TicketStatus.SUBMITTED)
    report(world, category, description="再次上报")
    login(client, world.manager)
    client.cookies["django_language"] = "en"
    urls = [
        reverse("cases:ticket_list"),
        reverse("cases:hazard_list"),
        reverse("cases:desk"),
        reverse("cases:desk_pending"),
        ticket.get_absolute_url(),
        reverse("cases:ticket_notice", args=[ticket.pk]),
        ticket.hazards.first().get_absolute_url(),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert '<html lang="en"' in response.content.decode(), url
