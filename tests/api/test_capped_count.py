"""The tickets list's count stops at a cap (core.api.pagination.CappedPagination): exact below it,
the cap with ``count_capped`` beyond it, and ``next`` still leads on."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.paging import CappedPaginator
from tests.api.conftest import API
from tests.cases.pages import many_tickets


def test_tickets_count_is_exact_below_the_cap(world, clients):
    many_tickets(world, 3)
    data = clients.manager.get(f"{API}tickets/", {"page_size": 1}).data
    assert (data["count"], data["count_capped"]) == (3, False) and "page=2" in data["next"]


def test_tickets_count_says_capped_beyond_the_cap(world, clients, monkeypatch):
    monkeypatch.setattr(CappedPaginator, "cap", 1)
    many_tickets(world, 3)
    data = clients.manager.get(f"{API}tickets/", {"page_size": 1}).data
    assert (data["count"], data["count_capped"], len(data["results"])) == (1, True, 1) and "page=2" in data["next"]
    last = clients.manager.get(f"{API}tickets/", {"page_size": 1, "page": 3}).data
    assert len(last["results"]) == 1 and last["next"] is None and not last["count_capped"]


def test_tickets_are_counted_once_per_page(world, clients):
    # The next page's link asks the paginator for page 2, which the first count already reaches.
    many_tickets(world, 3)
    with CaptureQueriesContext(connection) as captured:
        data = clients.manager.get(f"{API}tickets/", {"page_size": 1}).data
    assert "page=2" in data["next"]
    assert sum("COUNT(" in query["sql"] for query in captured.captured_queries) == 1
