"""A long list's count stops at a cap (core.paging.CappedPaginator): exact below it, "more than" beyond,
and the pages past the cap still reachable; the ticket list uses it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from cases.models import Ticket
from cases.views.tickets import TicketListView
from core.paging import CappedPaginator
from tests.cases.pages import login, many_tickets


def test_exact_below_the_cap():
    paginator = CappedPaginator(list(range(7)), 3, cap=10)
    page = paginator.page(3)
    assert (paginator.count, paginator.capped, paginator.shown_count, paginator.num_pages) == (7, False, 7, 3)
    assert list(page) == [6] and not page.has_next()


def test_beyond_the_cap_says_more_and_keeps_a_next_page():
    paginator = CappedPaginator(list(range(100)), 3, cap=10)
    page = paginator.page(1)
    assert paginator.capped and paginator.shown_count == 10 and paginator.count == 11
    assert page.has_next() and list(page) == [0, 1, 2]


def test_a_page_past_the_cap_counts_through_itself():
    paginator = CappedPaginator(list(range(100)), 3, cap=10)
    page = paginator.page(8)  # rows 21..23, past the cap of 10
    assert list(page) == [21, 22, 23] and page.has_next() and paginator.capped
    last = CappedPaginator(list(range(100)), 3, cap=10).page(34)
    assert list(last) == [99] and not last.has_next()


def test_last_is_the_last_page_counted():
    paginator = CappedPaginator(list(range(100)), 3, cap=10)
    page = paginator.page(paginator.num_pages)  # what "last" does: 11 counted rows, 4 pages
    assert page.number == 4 and list(page) == [9, 10, 11] and page.has_next()


def test_the_count_reads_no_more_than_the_cap(world):
    many_tickets(world, 4)
    paginator = CappedPaginator(Ticket.objects.order_by("-created_at"), 1, cap=2)
    with CaptureQueriesContext(connection) as ctx:
        assert paginator.count == 3 and paginator.capped
    assert "LIMIT 3" in ctx.captured_queries[0]["sql"] and "ORDER BY" not in ctx.captured_queries[0]["sql"]


@pytest.mark.parametrize("cap", [2, 1000])
def test_the_ticket_list_shows_more_than_beyond_the_cap(client, world, monkeypatch, cap):
    monkeypatch.setattr(CappedPaginator, "cap", cap)
    monkeypatch.setattr(TicketListView, "paginate_by", 1)
    many_tickets(world, 4)
    login(client, world.manager)
    response = client.get(reverse("cases:ticket_list"), {"page": "1"})
    paginator = response.context["paginator"]
    text = response.content.decode()
    if cap == 2:
        assert paginator.capped and "超过 2 张整改单" in text and "超过 2 条" in text
    else:
        assert paginator.count == 4 and "共 4 张整改单" in text and "第 1 / 4 页" in text


def test_the_more_than_strings_have_english():
    with translation.override("en"):
        assert translation.ngettext("超过 %(n)s 张整改单", "超过 %(n)s 张整改单", 2) % {"n": 1000} == (
            "More than 1000 rectification tickets"
        )
        assert translation.gettext("第 %(n)s 页，超过 %(count)s 条") % {"n": 3, "count": 1000} == (
            "Page 3, more than 1000 items"
        )
