"""Every list endpoint runs the same number of queries for 1 row and for 30."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases import services
from cases.models import Hazard
from catalogue.models import Campaign, Checklist, ChecklistItem, HazardCategory
from register.models import Zone
from tests import factories as f
from tests.api.conftest import API


def queries_for(client, path):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"{API}{path}", {"page_size": 100})
    assert response.status_code == 200, response.data
    return len(captured), response.data["count"]


def hazard(world, category, photos=()):
    return services.report_hazard(
        actor=world.inspector, category=category, description="隐患", enterprise=world.tenant1, photos=photos
    )


def tickets(world, category, n):
    for _ in range(n):
        ticket = services.create_ticket([hazard(world, category)], actor=world.manager)
        services.assign_ticket(ticket, actor=world.manager, assignee=world.enterprise_user)


def enterprises(world, n):
    for _ in range(n):
        enterprise = f.EnterpriseFactory(grid=world.grid_a1, parcel=f.ParcelFactory(grid=world.grid_a1))
        enterprise.risk_tags.add("welding", "lithium")


def inspections(world, n, checklist_item):
    for _ in range(n):
        services.record_inspection(
            actor=world.inspector,
            enterprise=world.tenant1,
            checklist=checklist_item.checklist,
            results={checklist_item.pk: (False, "不合格")},
        )


def checklists(category, n):
    for _ in range(n):
        checklist = Checklist.objects.create(code=f"q-{Checklist.objects.count()}", name="检查表")
        ChecklistItem.objects.create(checklist=checklist, text="检查项", category=category)


def campaigns(n):
    for i in range(n):
        Campaign.objects.create(name=f"专项行动{i}", start_date=timezone.localdate()).risk_tags.add("welding")


class Rows:
    """Adds ``n`` rows to the list behind each endpoint; ``target`` is the ticket or hazard of a nested list."""

    def __init__(self, world, category, checklist_item):
        self.world, self.category, self.checklist_item = world, category, checklist_item
        self.target = {}

    def add(self, endpoint, n):
        getattr(self, endpoint.replace("-", "_"))(n)

    def zones(self, n):
        for _ in range(n):
            f.ZoneFactory()

    def grids(self, n):
        for _ in range(n):
            f.GridFactory(zone=self.world.zone_a)

    def parcels(self, n):
        for _ in range(n):
            f.EnterpriseFactory(parcel=f.ParcelFactory(grid=self.world.grid_a1))

    def enterprises(self, n):
        enterprises(self.world, n)

    def categories(self, n):
        for _ in range(n):
            f.HazardCategoryFactory()

    def checklists(self, n):
        checklists(self.category, n)

    def campaigns(self, n):
        campaigns(n)

    def inspections(self, n):
        inspections(self.world, n, self.checklist_item)

    def hazards(self, n):
        for _ in range(n):
            hazard(self.world, f.HazardCategoryFactory(), photos=[f.photo_upload()])

    def tickets(self, n):
        tickets(self.world, self.category, n)

    tickets_as_enterprise = tickets

    def ticket_events(self, n):
        world, target = self.world, self.target
        ticket = target.setdefault(
            "ticket", services.create_ticket([hazard(world, self.category)], actor=world.manager)
        )
        for i in range(n):
            services.comment_ticket(
                ticket, actor=world.manager, comment=f"备注{i}", photos=[f.photo_upload()] if i % 2 else ()
            )

    def hazard_photos(self, n):
        found = self.target.setdefault("hazard", hazard(self.world, self.category))
        for _ in range(n):
            services.add_hazard_photos(found, actor=self.world.inspector, photos=[f.photo_upload()])

    def hazard_events(self, n):
        # a hazard's timeline: its own events and those of its ticket
        world, target = self.world, self.target
        if "hazard" not in target:
            target["hazard"] = hazard(world, self.category)
            target["ticket"] = services.create_ticket([target["hazard"]], actor=world.manager)
            n -= 1
        for i in range(n):
            services.comment_ticket(target["ticket"], actor=world.manager, comment=f"备注{i}")


@pytest.mark.parametrize(
    "endpoint",
    [
        "zones",
        "grids",
        "parcels",
        "enterprises",
        "categories",
        "checklists",
        "campaigns",
        "inspections",
        "hazards",
        "tickets",
        "tickets-as-enterprise",
        "ticket-events",
        "hazard-events",
        "hazard-photos",
    ],
)
def test_list_queries_do_not_grow_with_rows(world, clients, category, endpoint):
    client = clients.manager_all
    checklist_item = ChecklistItem.objects.create(
        checklist=Checklist.objects.create(code="q-base", name="基础检查表"), text="检查项", category=category
    )
    rows = Rows(world, category, checklist_item)
    target = rows.target

    def path():
        if endpoint == "tickets-as-enterprise":
            return "tickets/"
        if endpoint == "ticket-events":
            return f"tickets/{target['ticket'].pk}/events/"
        if endpoint == "hazard-events":
            return f"hazards/{target['hazard'].pk}/events/"
        if endpoint == "hazard-photos":
            return f"hazards/{target['hazard'].pk}/photos/"
        return f"{endpoint}/"

    if endpoint == "tickets-as-enterprise":
        client = clients.enterprise_user
    rows.add(endpoint, 1)
    few, rows_few = queries_for(client, path())
    rows.add(endpoint, 29)
    many, rows_many = queries_for(client, path())
    assert rows_many - rows_few == 29
    assert many == few, f"{endpoint}: {few} queries for {rows_few} rows, {many} for {rows_many}"


def test_ticket_page_query_count_is_small(world, clients, category):
    # Given: 30 open tickets. Then: a page costs a fixed handful of queries (auth, scope, count, rows, hazards)
    tickets(world, category, 30)
    count, rows = queries_for(clients.manager, "tickets/")
    assert rows == 30
    assert count <= 6, count
    assert HazardCategory.objects.exists() and Zone.objects.count() == 2 and Hazard.objects.count() == 30
