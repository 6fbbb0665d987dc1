"""The manager's desk, the manager's home and the API's parcel list run the same number of queries for
one open item as for many; the home's to-do tiles count no further than a cap ("1000+")."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.choices import EscalationLevel, HazardStatus, TicketStatus
from closeout import map_cells
from home.tiles import TICKETS, Tile, count_tiles
from tests import factories as f

pytestmark = pytest.mark.django_db

MANY = 30


@pytest.fixture(autouse=True)
def own_cache(settings, request):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": request.node.nodeid}
    }


def queries(client, url, query=None):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, query or {})
    assert response.status_code == 200
    return len(captured), response


def open_items(world, n):
    """``n`` reported hazards and ``n`` tickets in every open status (some overdue, escalated, due soon), each
    on its own enterprise and parcel of the manager's zone, the hazards with a photo."""
    today = timezone.localdate()
    statuses = [TicketStatus.PENDING, TicketStatus.ASSIGNED, TicketStatus.SUBMITTED, TicketStatus.CLOSEOUT_PENDING]
    for i in range(n):
        grid = (world.grid_a1, world.grid_a2)[i % 2]
        enterprise = f.EnterpriseFactory(parcel=f.ParcelFactory(grid=grid))
        hazard = f.HazardFactory(enterprise=enterprise, status=HazardStatus.REPORTED, reporter=world.inspector)
        hazard.photos.create(image=f"hazards/{hazard.pk}.jpg", kind="before", uploaded_by=world.inspector)
        f.TicketFactory(
            enterprise=enterprise,
            status=statuses[i % len(statuses)],
            deadline=today + timedelta(days=(i % 5) - 2),
            escalation_level=i % 3,
            created_by=world.manager,
        )


@pytest.mark.parametrize(
    ("who", "url_name"),
    [
        ("manager", "cases:desk"),
        ("manager", "cases:desk_pending"),
        ("manager", "home"),
        ("manager_all", "closeout:closeout_desk"),
    ],
)
def test_a_managers_page_runs_as_many_queries_for_one_open_item_as_for_many(client, world, who, url_name):
    client.force_login(getattr(world, who))
    open_items(world, 1)
    url = reverse(url_name)
    client.get(url)  # the first request fills caches (the menu, the session)
    one, _response = queries(client, url)

    open_items(world, MANY)
    map_cells.catch_up()  # (the map's cells, which the home page's parcel tiles read, fold the changes in: per change)
    many, response = queries(client, url)

    assert many == one, f"{url_name}: {one} queries for 1 open item, {many} for {MANY + 1}"
    paginator = response.context.get("paginator")
    assert paginator is None or paginator.per_page <= 100  # a list that can be long is paged


@pytest.mark.parametrize("who", ["leader", "manager"])
def test_the_api_parcel_list_is_flat_and_counts_tenants_per_page(client, world, who):
    client.force_login(getattr(world, who))
    one, first = queries(client, "/api/v1/parcels/", {"page_size": 100})
    for i in range(MANY):
        parcel = f.ParcelFactory(grid=world.grid_a1, code=f"AP-{i:03d}")
        for _ in range(i % 3):
            f.EnterpriseFactory(parcel=parcel, grid=world.grid_a1)

    with CaptureQueriesContext(connection) as captured:
        response = client.get("/api/v1/parcels/", {"page_size": 100})

    assert len(captured) == one
    data = response.json()
    assert data["count"] == first.json()["count"] + MANY
    tenants = {row["code"]: row["tenant_count"] for row in data["results"]}
    assert tenants["ZSD-001"] == 2  # the multi-tenant parcel of the world
    assert all(tenants[f"AP-{i:03d}"] == i % 3 for i in range(MANY))
    count_sql = next(q["sql"] for q in captured if "COUNT(" in q["sql"].upper())
    assert "register_enterprise" not in count_sql and "GROUP BY" not in count_sql.upper()


def test_a_capped_tile_counts_no_further_than_its_cap(world):
    for _ in range(3):
        f.TicketFactory(enterprise=world.tenant1, status=TicketStatus.PENDING, created_by=world.manager)
    pending = {"status": TicketStatus.PENDING}

    tiles = count_tiles(
        world.manager,
        [
            Tile("capped", TICKETS, pending, cap=2),
            Tile("room", TICKETS, pending, cap=3),
            Tile("exact", TICKETS, pending),
        ],
    )

    assert (tiles["capped"]["count"], tiles["capped"]["capped"]) == (2, True)
    assert (tiles["room"]["count"], tiles["room"]["capped"]) == (3, False)
    assert (tiles["exact"]["count"], tiles["exact"]["capped"]) == (3, False)


def test_the_managers_home_shows_a_capped_tile_with_a_plus(client, world, monkeypatch):
    monkeypatch.setattr("home.views.TILE_CAP", 2)
    for level in (EscalationLevel.NONE, EscalationLevel.NONE, EscalationLevel.NONE):
        f.TicketFactory(
            enterprise=world.tenant1, status=TicketStatus.PENDING, escalation_level=level, created_by=world.manager
        )
    client.force_login(world.manager)

    page = client.get(reverse("home")).content.decode()

    pending = page.split('data-kpi="pending"', 1)[1].split("</a>", 1)[0]
    assert '<span class="kpi-value">2+</span>' in pending
