"""The ledger rows read as tuples (cases.exports) say what the model says: the responsible party, the
overdue days, the hazards' places, finders, descriptions and categories, the verifier, the labels."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cases import services
from cases.choices import ResponsibleKind, TicketStatus
from cases.exports import _verification_result, hazard_rows, ledger_headers, ticket_ledger_headers, ticket_rows
from cases.models import Hazard, Ticket
from core.text import join_list
from core.xlsx import person

pytestmark = pytest.mark.django_db


def rows_by_number(rows, headers, key):
    return {row[key]: row for row in (dict(zip(headers, values, strict=True)) for values in rows)}


def test_ticket_rows_say_what_the_ticket_says(world, make_ticket):
    reworked = make_ticket(TicketStatus.SUBMITTED, hazards=2)
    reworked = services.verify_ticket(reworked, actor=world.inspector, passed=False, comment="未整改到位")
    landlords = make_ticket(TicketStatus.ASSIGNED)
    Ticket.objects.filter(pk=landlords.pk).update(
        responsible_kind=ResponsibleKind.LANDLORD, deadline=timezone.localdate() - timedelta(days=3)
    )
    closed = make_ticket(TicketStatus.CLOSED)

    rows = rows_by_number(ticket_rows(Ticket.objects.order_by("pk")), ticket_ledger_headers(), "整改单编号")

    for ticket in Ticket.objects.all():
        row = rows[ticket.number]
        found = list(ticket.hazards.order_by("reported_at", "pk"))
        assert row["责任方"] == ticket.responsible_name
        assert row["逾期天数"] == (ticket.days_overdue or None)
        assert row["验收结果"] == _verification_result(ticket)
        assert row["状态"] == ticket.get_status_display()
        assert row["发现人"] == join_list(dict.fromkeys(person(h.reporter) for h in found))
        assert row["隐患类别"] == join_list(dict.fromkeys(h.category.name for h in found))
        assert row["发现日期"] == timezone.localtime(found[0].reported_at).date()
    assert rows[reworked.number]["隐患描述"] == "1. 隐患0\n2. 隐患1"
    assert rows[reworked.number]["验收结果"] == "不通过，退回整改（1 次）"
    assert rows[landlords.number]["逾期天数"] == 3 and "房东" in rows[landlords.number]["责任方"]
    assert rows[closed.number]["验收人"] == world.inspector.get_full_name()
    assert rows[closed.number]["是否销号"] == "已销号" and rows[reworked.number]["是否销号"] == "未销号"


def test_hazard_rows_with_and_without_a_ticket(world, make_ticket, category):
    closed = make_ticket(TicketStatus.CLOSED)
    loose = services.report_hazard(
        actor=world.inspector, category=category, description="=1+1", enterprise=world.tenant1
    )

    rows = rows_by_number(hazard_rows(Hazard.objects.order_by("pk")), ledger_headers(), "隐患编号")

    hazard = closed.hazards.get()
    row = rows[hazard.number]
    assert row["整改单编号"] == closed.number and row["验收结果"] == "通过" and row["是否销号"] == "已销号"
    assert row["发现人"] == person(hazard.reporter) and row["隐患等级"] == hazard.get_severity_display()
    assert row["销号日期"] == timezone.localtime(Ticket.objects.get(pk=closed.pk).closed_at).date()
    row = rows[loose.number]
    assert row["整改单编号"] == "" and row["验收结果"] == "" and row["是否销号"] == "未销号"
    assert row["隐患描述"] == "=1+1" and row["状态"] == loose.get_status_display()
