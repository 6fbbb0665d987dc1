"""Hazard pages (duplicate, invalid, internal entries) and the manager's desk (grouping, aggregating, bulk assigning)."""

from datetime import timedelta

import pytest
from django.urls import reverse

from cases import services
from cases.choices import HazardStatus, TicketStatus
from cases.models import Hazard, Ticket
from catalogue.choices import CategoryLevel, Severity
from tests import factories as f
from tests.cases.pages import login, messages_of, report, today

pytestmark = pytest.mark.django_db


# --- hazards ------------------------------------------------------------------------------------


def test_mark_duplicate_and_invalid_from_the_desk(client, world, category):
    first = report(world, category, description="电线乱拉")
    second = report(world, category, description="电线乱拉（再次上报）")
    third = report(world, f.HazardCategoryFactory(code="IV1"), description="误报")
    assert second.likely_duplicate_of_id == first.pk
    login(client, world.manager)
    desk_url = reverse("cases:desk")
    body = client.get(desk_url).content.decode()
    assert "疑似重复" in body
    # Each row's link and forms go where the app's URLs say (the page writes them from one stem).
    for url in (
        f'href="{second.get_absolute_url()}"',
        f'href="{first.get_absolute_url()}"',  # the likely original
        f'action="{reverse("cases:hazard_duplicate", args=[second.pk])}"',
        f'action="{reverse("cases:hazard_invalid", args=[third.pk])}"',
    ):
        assert url in body
    assert body.count('name="csrfmiddlewaretoken"') >= 4  # the duplicate form and three 不属实 forms
    # in English, the rows' words too
    client.cookies["django_language"] = "en"
    english = client.get(desk_url).content.decode()
    assert f"Same unit and category as {first.number}" in english and "Mark as duplicate" in english
    assert english.count("<summary>Unfounded</summary>") == 3 and "疑似重复" not in english
    client.cookies["django_language"] = "zh-hans"
    response = client.post(
        reverse("cases:hazard_duplicate", args=[second.pk]),
        {"duplicate_of": first.number, "comment": "同一处线路", "confirm": "on", "next": desk_url},
    )
    assert response.status_code == 302 and response.url == desk_url
    response = client.post(
        reverse("cases:hazard_invalid", args=[third.pk]),
        {"reason": "现场核实无此问题", "confirm": "on", "next": "https://evil.example.com/"},
    )
    assert response.status_code == 302 and response.url == third.get_absolute_url()
    second.refresh_from_db()
    third.refresh_from_db()
    assert second.status == HazardStatus.DUPLICATE and second.duplicate_of_id == first.pk
    assert third.status == HazardStatus.INVALID and third.invalid_reason == "现场核实无此问题"


def test_invalid_needs_a_reason(client, world, category):
    hazard = report(world, category)
    login(client, world.inspector)
    response = client.post(reverse("cases:hazard_invalid", args=[hazard.pk]), {"reason": ""})
    assert response.status_code == 400
    hazard.refresh_from_db()
    assert hazard.status == HazardStatus.REPORTED


def test_enterprise_cannot_set_a_report_aside(client, world, category):
    hazard = report(world, category)
    login(client, world.enterprise_user)
    response = client.post(reverse("cases:hazard_invalid", args=[hazard.pk]), {"reason": "不是我们的"})
    assert response.status_code == 403
    hazard.refresh_from_db()
    assert hazard.status == HazardStatus.REPORTED


def test_hazard_page_hides_internal_events_from_the_party(client, world, category):
    first = report(world, category)
    second = report(world, category)
    services.mark_duplicate(second, actor=world.manager, duplicate_of=first, comment="内部判断为重复")
    login(client, world.enterprise_user)
    body = client.get(second.get_absolute_url()).content.decode()
    assert "内部判断为重复" not in body
    login(client, world.manager)
    assert "内部判断为重复" in client.get(second.get_absolute_url()).content.decode()


# --- the desk -------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["enterprise_user", "inspector", "leader", "landlord"])
def test_the_desk_is_for_managers(client, world, category, who):
    hazard = report(world, category)
    login(client, getattr(world, who))
    for name in ("cases:desk", "cases:desk_pending"):
        response = client.get(reverse(name))
        assert response.status_code == 403
        assert "交办台仅供交办/安监人员使用。" in messages_of(response)
    response = client.post(
        reverse("cases:desk_aggregate"),
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "0",
            "form-0-hazards": [hazard.pk],
            "form-0-deadline": (today() + timedelta(days=5)).isoformat(),
        },
    )
    assert response.status_code == 403
    hazard.refresh_from_db()
    assert hazard.status == HazardStatus.REPORTED and not Ticket.objects.exists()


def test_desk_groups_reports_by_responsible_party(client, world, category, parcel_category):
    a = report(world, category, enterprise=world.tenant1)
    b = report(world, f.HazardCategoryFactory(code="G2"), enterprise=world.tenant1)
    c = report(world, category, enterprise=world.tenant2)
    d = report(world, parcel_category, enterprise=world.tenant2, description="厂区通道堵塞")
    login(client, world.manager)
    groups = client.get(reverse("cases:desk")).context["groups"]
    by_name = {g["name"]: {h.pk for h in g["hazards"]} for g in groups}
    landlord = f"{world.parcel.landlord_name}（{world.parcel.name}）"
    assert by_name == {world.tenant1.name: {a.pk, b.pk}, world.tenant2.name: {c.pk}, landlord: {d.pk}}


def aggregate_post(groups, *, assign=True):
    data = {
        "form-TOTAL_FORMS": str(len(groups)),
        "form-INITIAL_FORMS": str(len(groups)),
        "form-MIN_NUM_FORMS": "1",
        "form-MAX_NUM_FORMS": "200",
    }
    for i, group in enumerate(groups):
        data[f"form-{i}-hazards"] = [h.pk for h in group["hazards"]]
        data[f"form-{i}-measures"] = group.get("measures", "按标准措施整改")
        data[f"form-{i}-deadline"] = (today() + timedelta(days=7)).isoformat()
        for key in ("funds", "responsible_person", "contingency"):
            if key in group:
                data[f"form-{i}-{key}"] = group[key]
        if assign:
            data[f"form-{i}-assign"] = "on"
    return data


def test_desk_aggregates_one_ticket_per_party_and_assigns(client, world, category, parcel_category):
    a = report(world, category, enterprise=world.tenant1)
    b = report(world, f.HazardCategoryFactory(code="G2", standard_measures="规范敷设线路"), enterprise=world.tenant1)
    c = report(world, category, enterprise=world.tenant2)
    d = report(world, parcel_category, parcel=world.parcel, description="消防通道堵塞")
    login(client, world.manager)
    response = client.get(reverse("cases:desk_aggregate"), {"hazards": [a.pk, b.pk, c.pk, d.pk]})
    assert response.status_code == 200
    forms = response.context["formset"].forms
    assert len(forms) == 3
    tenant1_form = next(form for form in forms if set(form.initial["hazards"]) == {a.pk, b.pk})
    assert "规范敷设线路" in tenant1_form.initial["measures"]
    assert tenant1_form.initial["deadline"] == today() + timedelta(days=category.deadline_days)

    groups = response.context["groups"]
    response = client.post(reverse("cases:desk_aggregate"), aggregate_post(groups))
    assert response.status_code == 302
    tickets = Ticket.objects.order_by("pk")
    assert tickets.count() == 3
    assert {t.status for t in tickets} == {TicketStatus.ASSIGNED}
    assert {frozenset(t.hazards.values_list("pk", flat=True)) for t in tickets} == {
        frozenset({a.pk, b.pk}),
        frozenset({c.pk}),
        frozenset({d.pk}),
    }
    assert Hazard.objects.filter(status=HazardStatus.AGGREGATED).count() == 4


def test_desk_aggregates_without_assigning(client, world, category):
    hazard = report(world, category)
    login(client, world.manager)
    groups = client.get(reverse("cases:desk_aggregate"), {"hazards": [hazard.pk]}).context["groups"]
    response = client.post(reverse("cases:desk_aggregate"), aggregate_post(groups, assign=False))
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response.url == ticket.get_absolute_url()
    assert ticket.status == TicketStatus.PENDING and ticket.measures == "按标准措施整改"


def test_desk_aggregation_of_a_major_hazard_without_plan_is_refused_and_saves_nothing(client, world, major_category):
    """The bug seen: "汇总后立即交办" was dropped when the 五落实 plan was missing (a pending ticket was
    left half done). Now the page stays, says what is missing, and no ticket is made."""
    hazard = report(world, major_category)
    login(client, world.manager)
    groups = client.get(reverse("cases:desk_aggregate"), {"hazards": [hazard.pk]}).context["groups"]
    response = client.post(reverse("cases:desk_aggregate"), aggregate_post(groups))
    assert response.status_code == 400
    body = response.content.decode()
    assert "五落实" in body and "重大隐患须填写此项。" in body and 'id="aggregate-confirm"' in body
    assert any("未能汇总交办" in m and "五落实" in m for m in messages_of(response))
    assert not Ticket.objects.exists()
    hazard.refresh_from_db()
    assert hazard.status == HazardStatus.REPORTED and hazard.ticket_id is None


def test_desk_aggregation_of_a_major_hazard_with_its_plan_assigns_it(client, world, major_category):
    hazard = report(world, major_category)
    login(client, world.manager)
    groups = client.get(reverse("cases:desk_aggregate"), {"hazards": [hazard.pk]}).context["groups"]
    plan = {"funds": "5000", "responsible_person": "张三", "contingency": "设置警戒区"}
    response = client.post(reverse("cases:desk_aggregate"), aggregate_post([{**groups[0], **plan}]))
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and ticket.status == TicketStatus.ASSIGNED


def test_desk_aggregation_of_a_hazard_taken_meanwhile_is_refused(client, world, category):
    hazard = report(world, category)
    login(client, world.manager)
    groups = client.get(reverse("cases:desk_aggregate"), {"hazards": [hazard.pk]}).context["groups"]
    services.create_ticket([hazard], actor=world.manager_all)  # someone else was quicker
    response = client.post(reverse("cases:desk_aggregate"), aggregate_post(groups))
    assert response.status_code == 400
    assert Ticket.objects.count() == 1


def test_bulk_assignment_reports_each_failure(client, world, category, major_category):
    plain = [
        services.create_ticket([report(world, f.HazardCategoryFactory(code=f"B{i}"))], actor=world.manager)
        for i in range(2)
    ]
    major = services.create_ticket([report(world, major_category, enterprise=world.tenant2)], actor=world.manager)
    login(client, world.manager)
    body = client.get(reverse("cases:desk_pending")).content.decode()
    assert ">批量交办</button>" in body
    deadline = today() + timedelta(days=9)
    response = client.post(
        reverse("cases:desk_bulk_assign"),
        {
            "tickets": [t.pk for t in plain] + [major.pk],
            "deadline": deadline.isoformat(),
            "comment": "统一交办",
        },
        follow=True,
    )
    for ticket in plain:
        ticket.refresh_from_db()
        assert ticket.status == TicketStatus.ASSIGNED and ticket.deadline == deadline
    major.refresh_from_db()
    assert major.status == TicketStatus.PENDING
    texts = messages_of(response)
    assert any(major.number in m and "五落实" in m for m in texts)
    assert any("已交办 2 张整改单" in m for m in texts)


def test_bulk_assignment_of_a_foreign_ticket_is_refused(client, world, category):
    foreign = services.create_ticket([report(world, category, enterprise=world.other_b)], actor=world.manager_all)
    login(client, world.manager)
    response = client.post(reverse("cases:desk_bulk_assign"), {"tickets": [foreign.pk]}, follow=True)
    foreign.refresh_from_db()
    assert foreign.status == TicketStatus.PENDING
    assert any("不存在" in m for m in messages_of(response))


def test_severity_of_the_categories_shows_in_the_desk(client, world, major_category):
    report(world, major_category, severity=Severity.MAJOR)
    login(client, world.manager)
    body = client.get(reverse("cases:desk")).content.decode()
    assert "含重大隐患" in body and ">汇总交办</button>" in body


def test_parcel_level_category_goes_to_the_landlord(client, world):
    category = f.HazardCategoryFactory(code="PL1", level=CategoryLevel.PARCEL)
    hazard = report(world, category, enterprise=world.tenant1)
    login(client, world.manager)
    groups = client.get(reverse("cases:desk_aggregate"), {"hazards": [hazard.pk]}).context["groups"]
    assert groups[0]["kind"] == "landlord"
    client.post(reverse("cases:desk_aggregate"), aggregate_post(groups))
    ticket = Ticket.objects.get()
    assert ticket.responsible_kind == "landlord" and ticket.status == TicketStatus.ASSIGNED
    login(client, world.landlord)
    assert client.get(ticket.get_absolute_url()).status_code == 200
