"""Ticket and hazard search (``?q=``) served by the search grams on PostgreSQL (cases.search), same answers as ``icontains``."""

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.filtersets import HazardFilterSet, TicketFilterSet
from cases.models import Hazard, Ticket
from register.models import Enterprise, Parcel
from tests import factories as f
from tests.cases.pages import count_queries, login, many_tickets

pytestmark = pytest.mark.django_db


def found(filterset_class, term, **data):
    return set(
        filterset_class({"q": term, **data}, queryset=filterset_class.Meta.model.objects.all()).qs.values_list(
            "pk", flat=True
        )
    )


def plain(filterset_class, term):
    """What ``icontains`` over the search fields finds: the search as it was before the grams."""
    model = filterset_class.Meta.model
    return set(model.objects.filter(filterset_class().search_q(term.strip())).values_list("pk", flat=True))


def texts(row, fields):
    for field in fields:
        value = row
        for part in field.split("__"):
            value = getattr(value, part, None) if value is not None else None
        if value:
            yield str(value)


def terms_of(value):
    """Pieces of one searched text: one, two, three and more characters, the whole, and ASCII in lower case."""
    pieces = {value[:1], value[1:3], value[-2:], value[2:5], value, value.lower(), value[3:5].lower()}
    return {piece for piece in pieces if piece.strip()}


@pytest.fixture
def rows(world):
    """Tickets and hazards whose searched texts hold Chinese, mixed-case ASCII, a credit code and numbers."""
    world.parcel.landlord_name = "王大房东"
    world.parcel.save()
    mixed = f.EnterpriseFactory(parcel=world.parcel_b, name="永康AbC五金制品厂")
    no_parcel = f.EnterpriseFactory(parcel=None, grid=world.grid_a1, name="花川小吃店")
    tickets = [
        f.TicketFactory(enterprise=world.tenant1, number="ZG202401050001"),
        f.TicketFactory(enterprise=world.tenant2, number="ZG202401050002"),
        f.TicketFactory(enterprise=mixed, number="ZG202402110013"),
        f.TicketFactory(enterprise=no_parcel, number="ZG202403010007"),
        f.TicketFactory(enterprise=None, parcel=world.parcel, responsible_kind="landlord", number="ZG202403020001"),
    ]
    hazards = [
        f.HazardFactory(enterprise=world.tenant1, number="YH202401050001", description="消防通道堵塞，灭火器过期"),
        f.HazardFactory(
            enterprise=mixed, number="YH202402110002", description="配电箱无防护罩", location_detail="二楼车间"
        ),
        f.HazardFactory(enterprise=no_parcel, number="YH202403010003", description="燃气软管老化 LPG"),
        f.HazardFactory(enterprise=None, parcel=world.parcel_a2, number="YH202403020004", description="三合一住人"),
    ]
    return tickets, hazards


@pytest.mark.parametrize("filterset_class", [TicketFilterSet, HazardFilterSet])
def test_every_piece_of_every_searched_text_finds_what_icontains_finds(rows, filterset_class):
    # Given tickets and hazards, when each piece of each text a search reads is searched for
    model_rows = rows[0] if filterset_class is TicketFilterSet else rows[1]
    terms = {"不存在的词", "zz", "五", "金", "ab", "ABC", "五金", "五金有限", "0001", "05"}
    for row in model_rows:
        for value in texts(row, filterset_class.search_fields):
            terms |= terms_of(value)
    # then the indexed search finds exactly the rows icontains finds (on SQLite it is icontains)
    for term in sorted(terms):
        assert found(filterset_class, term) == plain(filterset_class, term), term
    assert found(filterset_class, "不存在的词") == set()


def test_one_two_and_more_characters_credit_codes_and_numbers(world, rows):
    tickets, hazards = rows
    tenant1_ticket, tenant2_ticket, mixed_ticket, _shop, landlord_ticket = tickets
    # 1 character, 2 Chinese characters, more
    assert found(TicketFilterSet, "甲") == {tenant1_ticket.pk}
    assert found(TicketFilterSet, "五金") == {tenant1_ticket.pk, mixed_ticket.pk}
    assert found(TicketFilterSet, "五金制品") == {mixed_ticket.pk}
    assert found(TicketFilterSet, "abc五金") == {mixed_ticket.pk}
    # the landlord's name, the parcel's code (a parcel-level ticket and the tenants of the parcel)
    assert found(TicketFilterSet, "王大") == {tenant1_ticket.pk, tenant2_ticket.pk, landlord_ticket.pk}
    assert found(TicketFilterSet, "zsd-001") == {tenant1_ticket.pk, tenant2_ticket.pk, landlord_ticket.pk}
    # an ASCII credit code, whole, in part, in lower case
    code = world.tenant2.credit_code
    assert found(TicketFilterSet, code) == {tenant2_ticket.pk}
    assert found(TicketFilterSet, code[4:14].lower()) == {tenant2_ticket.pk}
    assert found(HazardFilterSet, world.tenant1.credit_code) == {hazards[0].pk}
    # a ticket number, whole and its tail
    assert found(TicketFilterSet, " ZG202402110013 ") == {mixed_ticket.pk}
    assert found(TicketFilterSet, "110013") == {mixed_ticket.pk}
    # a hazard's description and location
    assert found(HazardFilterSet, "灭火") == {hazards[0].pk}
    assert found(HazardFilterSet, "二楼") == {hazards[1].pk}
    assert found(HazardFilterSet, "lpg") == {hazards[2].pk}


def test_search_goes_with_the_other_filters(world, rows):
    tickets = rows[0]
    assert found(TicketFilterSet, "五金", zone_id=[world.zone_b.pk]) == {tickets[2].pk}
    assert found(TicketFilterSet, "五金", status=["pending"], zone_id=[world.zone_a.pk]) == {tickets[0].pk}


def test_the_search_reads_the_grams_on_postgresql_only(rows):
    sql = str(TicketFilterSet({"q": "五金"}, queryset=Ticket.objects.all()).qs.query)
    one_character = str(TicketFilterSet({"q": "五"}, queryset=Ticket.objects.all()).qs.query)
    assert ("search_grams" in sql) is (connection.vendor == "postgresql")
    assert "search_grams" not in one_character
    if connection.vendor == "postgresql":
        assert "LIKE" not in sql  # two characters: the grams are the answer
        assert "LIKE" in str(TicketFilterSet({"q": "五金有"}, queryset=Ticket.objects.all()).qs.query)


def test_a_renamed_unit_is_found_by_its_new_name_at_once(world, rows):
    tickets, hazards = rows
    # Given an enterprise renamed (save) and a landlord renamed (a queryset update)
    old_code = world.tenant1.credit_code
    world.tenant1.name = "永康新星锁业有限公司"
    world.tenant1.credit_code = None
    world.tenant1.save()
    Parcel.objects.filter(pk=world.parcel_a2.pk).update(code="NEW-9", name="新宗地")
    # then the search answers with the new names, not the old
    assert found(TicketFilterSet, "锁业") == {tickets[0].pk}
    assert found(HazardFilterSet, "锁业") == {hazards[0].pk}
    assert tickets[0].pk not in found(TicketFilterSet, "甲五")
    assert found(HazardFilterSet, old_code) == set()
    assert found(HazardFilterSet, "w-9") == {hazards[3].pk}
    assert found(HazardFilterSet, "新宗") == {hazards[3].pk}
    # and a row moved to another unit follows its unit
    Ticket.objects.filter(pk=tickets[1].pk).update(enterprise=world.other_b)
    assert tickets[1].pk in found(TicketFilterSet, "丁机")


def test_rows_written_with_bulk_create_are_found(world):
    creator = f.UserFactory(username="bulk-creator")
    Ticket.objects.bulk_create(
        Ticket(
            number=f"ZG2099{i:04d}",
            responsible_kind="enterprise",
            enterprise=world.other_b,
            parcel=world.parcel_b,
            grid=world.grid_b1,
            zone=world.zone_b,
            created_by=creator,
        )
        for i in range(3)
    )
    assert len(found(TicketFilterSet, "丁机")) == 3
    assert len(found(TicketFilterSet, "20990001")) == 1


def test_rebuild_search_command(rows):
    tickets = rows[0]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("UPDATE cases_ticket SET search_grams = '{}'")
        assert found(TicketFilterSet, "五金") == set()  # the grams lost: nothing found
    call_command("rebuild_search", stdout=(output := io.StringIO()))
    assert found(TicketFilterSet, "五金") == {tickets[0].pk, tickets[2].pk}
    if connection.vendor == "postgresql":
        assert "cases_ticket：重写 5 行" in output.getvalue()
        call_command("rebuild_search", stdout=(again := io.StringIO()))
        assert "cases_ticket：重写 0 行" in again.getvalue()  # run twice, the second changes nothing
    else:
        assert "无需重建" in output.getvalue()


def test_multiple_choices_of_one_row_add_no_distinct(world):
    qs = TicketFilterSet(
        {"zone_id": [world.zone_a.pk], "grid_id": [world.grid_a1.pk], "status": ["pending"], "escalation_level": [0]},
        queryset=Ticket.objects.all(),
    ).qs
    assert qs.query.distinct is False
    assert (
        HazardFilterSet(
            {"zone_id": [world.zone_a.pk], "status": ["reported"]}, queryset=Hazard.objects.all()
        ).qs.query.distinct
        is False
    )


@pytest.mark.parametrize("term", ["甲五", "甲五金有限"])
def test_search_list_queries_do_not_grow_with_rows(client, world, term, django_assert_max_num_queries):
    many_tickets(world, 1)
    login(client, world.leader)
    url = f"{reverse('cases:ticket_list')}?q={term}"
    one, response = count_queries(client, url)
    assert len(response.context["object_list"]) == 1
    many_tickets(world, 29)
    with django_assert_max_num_queries(one):
        response = client.get(url)
    assert len(response.context["object_list"]) == 30


# --- the plans on PostgreSQL ------------------------------------------------------------------------


@pytest.fixture
def city(world, require_postgres):
    """4,000 tickets and 4,000 hazards of 400 enterprises (2 of them hardware makers, 五金), bulk-created, analysed."""
    syllables = "安宝昌达丰富光广和恒宏华佳嘉建锦精康力隆美明鹏荣瑞盛顺泰通旺伟祥鑫信兴旭阳益永裕源远跃泽正志中"
    enterprises = Enterprise.objects.bulk_create(
        Enterprise(
            name=(
                "永康"
                + syllables[i % 47]
                + syllables[(i * 7) % 47]
                + ("五金" if i in (17, 301) else "工贸")
                + f"有限公司{i}"
            ),
            credit_code=None,
            grid=world.grid_b1,
            parcel=world.parcel_b,
        )
        for i in range(400)
    )
    creator = f.UserFactory(username="city-creator")
    category = f.HazardCategoryFactory(code="CITY1")
    now = timezone.now()
    Ticket.objects.bulk_create(
        (
            Ticket(
                number=f"ZG2030{i:06d}",
                responsible_kind="enterprise",
                enterprise=enterprises[i % 400],
                parcel=world.parcel_b,
                grid=world.grid_b1,
                zone=world.zone_b,
                created_by=creator,
                created_at=now - timezone.timedelta(minutes=i),
            )
            for i in range(4000)
        ),
        batch_size=1000,
    )
    Hazard.objects.bulk_create(
        (
            Hazard(
                number=f"YH2030{i:06d}",
                enterprise=enterprises[i % 400],
                parcel=world.parcel_b,
                grid=world.grid_b1,
                zone=world.zone_b,
                category=category,
                reporter=creator,
                description=f"第{i}处{syllables[i % 47]}{syllables[(i * 3) % 47]}隐患",
                reported_at=now - timezone.timedelta(minutes=i),
            )
            for i in range(4000)
        ),
        batch_size=1000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE cases_ticket")
        cursor.execute("ANALYZE cases_hazard")
    return world


def plans(client, url):
    """The plan (EXPLAIN) of every query of the page that searches."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    searching = [q["sql"] for q in ctx.captured_queries if "search_grams" in q["sql"]]
    assert searching
    found_plans = []
    with connection.cursor() as cursor:
        for sql in searching:
            cursor.execute(f"EXPLAIN {sql}")
            found_plans.append((sql, "\n".join(row[0] for row in cursor.fetchall())))
    return response, found_plans


@pytest.mark.parametrize(
    ("list_name", "table", "index", "term", "count"),
    [
        ("cases:ticket_list", "cases_ticket", "ticket_search_grams", "五金", 20),
        ("cases:ticket_list", "cases_ticket", "ticket_search_grams", "五金有限公司17", 10),
        ("cases:ticket_list", "cases_ticket", "ticket_search_grams", "ZG2030000123", 1),
        ("cases:hazard_list", "cases_hazard", "hazard_search_grams", "五金", 20),
    ],
)
def test_the_search_page_uses_the_index(client, city, list_name, table, index, term, count):
    login(client, city.leader)
    response, found_plans = plans(client, f"{reverse(list_name)}?q={term}")
    assert response.context["paginator"].count == count
    for sql, plan in found_plans:
        assert f"Seq Scan on {table}" not in plan, (sql, plan)
    counting = [plan for sql, plan in found_plans if "COUNT(*)" in sql]
    assert counting and all(index in plan for plan in counting), found_plans


def test_the_api_search_uses_the_index(client, city):
    login(client, city.leader)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/api/v1/tickets/", {"q": "五金"})
    assert response.status_code == 200
    assert response.json()["count"] == 20
    assert any("search_grams" in q["sql"] for q in ctx.captured_queries)
