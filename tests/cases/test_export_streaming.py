"""The ledger exports stream a file, read each batch's verifications in one grouped query, and filter
dates as ranges on the raw column (aware bounds of Asia/Shanghai days), which an index can serve."""

import io
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.http import FileResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from cases import services
from cases.choices import TicketStatus
from cases.exports import ledger_headers, ticket_ledger_headers
from cases.models import Hazard, Ticket
from tests import factories as f

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = date(2024, 3, 10)
# A cast of the column to a local date (PostgreSQL's AT TIME ZONE, SQLite's Django function): no index serves it.
DATE_CASTS = ("AT TIME ZONE", "django_datetime_cast_date")


def shanghai(day, hour, minute=0, second=0):
    return datetime.combine(day, time(hour, minute, second), tzinfo=SHANGHAI)


def export(client, url_name, query=None):
    """(the response, its rows as dicts, the SQL it ran)."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse(url_name), query or {})
        assert response.status_code == 200
        content = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    header, *rows = list(sheet.iter_rows(values_only=True))
    return response, [dict(zip(header, row, strict=True)) for row in rows], [q["sql"] for q in captured]


def report(world, description="隐患"):
    return services.report_hazard(
        actor=world.inspector, category=f.HazardCategoryFactory(), description=description, enterprise=world.tenant1
    )


def test_the_ticket_ledger_is_a_streamed_file_with_each_tickets_last_verification(client, world, make_ticket):
    closed = make_ticket(TicketStatus.CLOSED)
    reworked = make_ticket(TicketStatus.SUBMITTED)
    reworked = services.verify_ticket(reworked, actor=world.inspector, passed=False, comment="未整改到位")
    pending = make_ticket(TicketStatus.PENDING)
    rejected_at = reworked.events.filter(to_status=TicketStatus.ASSIGNED).latest("created_at").created_at
    client.force_login(world.manager)

    response, rows, _sql = export(client, "cases:ticket_export")

    assert isinstance(response, FileResponse) and response.streaming
    assert list(rows[0]) == ticket_ledger_headers()
    by_number = {row["整改单编号"]: row for row in rows}
    assert set(by_number) == {closed.number, reworked.number, pending.number}
    assert by_number[closed.number]["验收结果"] == "通过"
    assert by_number[closed.number]["验收日期"].date() == closed.closed_at.astimezone(SHANGHAI).date()
    assert by_number[reworked.number]["验收日期"].date() == rejected_at.astimezone(SHANGHAI).date()
    assert by_number[reworked.number]["退回次数"] == 1
    assert by_number[pending.number]["验收日期"] is None


def test_the_verification_dates_are_one_grouped_read_not_a_sub_query_per_row(client, world, make_ticket):
    make_ticket(TicketStatus.CLOSED)
    client.force_login(world.manager)
    _response, _rows, one = export(client, "cases:hazard_export")
    for _ in range(5):
        make_ticket(TicketStatus.CLOSED)

    _response, rows, many = export(client, "cases:hazard_export")

    assert len(rows) == 6 and all(row["验收日期"] is not None for row in rows)
    assert len(many) == len(one)
    ledger = [sql for sql in many if "cases_hazard" in sql and "timeline_event" in sql]
    assert not ledger, "the hazard rows are read without a sub-query on the events"
    assert list(rows[0]) == ledger_headers()


@pytest.mark.parametrize(
    ("url_name", "after", "before", "model", "column", "number"),
    [
        ("cases:ticket_export", "created_after", "created_before", Ticket, "created_at", "整改单编号"),
        ("cases:hazard_export", "reported_after", "reported_before", Hazard, "reported_at", "隐患编号"),
    ],
)
def test_a_date_filter_is_a_range_of_shanghai_days_on_the_column(
    client, world, make_ticket, url_name, after, before, model, column, number
):
    moments = {
        "day before, last second": shanghai(DAY - timedelta(days=1), 23, 59, 59),
        "first moment": shanghai(DAY, 0),  # 16:00 UTC the day before: a UTC date would miss it
        "last second": shanghai(DAY, 23, 59, 59),
        "next day": shanghai(DAY + timedelta(days=1), 0),
    }
    numbers = {}
    for label, moment in moments.items():
        ticket = make_ticket(TicketStatus.PENDING)
        row = ticket if model is Ticket else ticket.hazards.get()
        model.objects.filter(pk=row.pk).update(**{column: moment})
        numbers[label] = row.number
    client.force_login(world.manager)

    _response, rows, sql = export(client, url_name, {after: DAY.isoformat(), before: DAY.isoformat()})

    assert {row[number] for row in rows} == {numbers["first moment"], numbers["last second"]}
    assert not [q for q in sql if any(cast in q for cast in DATE_CASTS)], "the column is not cast to a date"
    _response, rows, _sql = export(client, url_name, {after: (DAY + timedelta(days=1)).isoformat()})
    assert {row[number] for row in rows} == {numbers["next day"]}
    _response, rows, _sql = export(client, url_name, {before: (DAY - timedelta(days=1)).isoformat()})
    assert {row[number] for row in rows} == {numbers["day before, last second"]}


def test_the_list_page_and_the_api_filter_days_the_same_way(client, world, make_ticket):
    inside, outside = make_ticket(TicketStatus.PENDING), make_ticket(TicketStatus.PENDING)
    Ticket.objects.filter(pk=inside.pk).update(created_at=shanghai(DAY, 0, 30))
    Ticket.objects.filter(pk=outside.pk).update(created_at=shanghai(DAY, 0, 30) - timedelta(hours=1))
    client.force_login(world.manager)
    query = {"created_after": DAY.isoformat(), "created_before": DAY.isoformat()}

    with CaptureQueriesContext(connection) as captured:
        page = client.get(reverse("cases:ticket_list"), query)
        api = client.get("/api/v1/tickets/", query)

    assert page.status_code == 200 and api.status_code == 200
    assert [row["number"] for row in api.json()["results"]] == [inside.number]
    assert inside.number in page.content.decode() and outside.number not in page.content.decode()
    assert not [q["sql"] for q in captured if any(cast in q["sql"] for cast in DATE_CASTS)]
