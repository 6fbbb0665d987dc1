"""The case pages: ticket list and page with its actions, hazards, the manager's desk, the notice."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.choices import EscalationLevel, HazardStatus, PhotoKind, TicketStatus
from cases.models import Hazard, Photo, Ticket
from catalogue.choices import CategoryLevel, Severity
from tests import factories as f
from timeline.models import Event

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


def login(client, user):
    client.force_login(user)
    return client


def messages_of(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


def report(world, category, *, enterprise=None, parcel=None, description="隐患", severity=None, photos=()):
    if enterprise is None and parcel is None:
        enterprise = world.tenant1
    return services.report_hazard(
        actor=world.inspector if (enterprise or parcel).grid_id == world.grid_a1.pk else world.manager_all,
        category=category,
        description=description,
        enterprise=enterprise,
        parcel=parcel,
        severity=severity,
        photos=photos,
    )


def many_tickets(world, n):
    """``n`` tickets of tenant1 in various states, each with its own category (no duplicate flags)."""
    tickets = []
    for i in range(n):
        category = f.HazardCategoryFactory(code=f"MT{i:03d}", name=f"类别{i}")
        hazard = report(world, category, description=f"隐患{i}")
        ticket = services.create_ticket([hazard], actor=world.manager)
        if i % 3 == 1:
            services.assign_ticket(ticket, actor=world.manager)
        if i % 5 == 2:
            services.escalate_ticket(ticket, actor=world.leader)
        tickets.append(ticket)
    return tickets


def count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response


# --- access -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name,needs_pk",
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
    response = client.post(reverse("cases:ticket_assign", args=[ticket.pk]), {"deadline": "2099-01-01"})
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
    assert not Event.objects.filter(ticket=ticket, kind="inspections.ticket.commented").exists()


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


# --- the ticket page and its actions ---------------------------------------------------------------


def test_ticket_page_offers_the_actions_of_role_and_status(client, world, make_ticket):
    ticket = make_ticket()
    login(client, world.manager)
    body = client.get(ticket.get_absolute_url()).content.decode()
    assert 'id="assign-form"' in body and ">交办</button>" in body and 'name="deadline"' in body
    assert 'id="escalate-form"' in body and 'id="submit-form"' not in body and 'id="verify-form"' not in body
    assert 'name="internal"' in body
    login(client, world.enterprise_user)
    body = client.get(ticket.get_absolute_url()).content.decode()
    assert 'id="assign-form"' not in body and 'id="escalate-form"' not in body
    assert 'id="comment-form"' in body and 'name="internal"' not in body


def test_manager_assigns_from_the_ticket_page(client, world, make_ticket):
    ticket = make_ticket()
    login(client, world.manager)
    deadline = today() + timedelta(days=10)
    response = client.post(
        reverse("cases:ticket_assign", args=[ticket.pk]),
        {
            "deadline": deadline.isoformat(),
            "measures": "清理杂物，恢复通道",
            "responsible_person": "王五",
            "assignee": world.enterprise_user.pk,
            "comment": "请按期整改",
        },
    )
    assert response.status_code == 302 and response.url == ticket.get_absolute_url()
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.ASSIGNED
    assert ticket.deadline == deadline and ticket.assignee == world.enterprise_user
    assert ticket.measures == "清理杂物，恢复通道"
    page = client.get(response.url)
    assert "已交办" in " ".join(messages_of(page))


def test_assign_form_is_prefilled_from_the_categories(client, world, make_ticket, category):
    ticket = make_ticket()
    login(client, world.manager)
    form = client.get(ticket.get_absolute_url()).context["forms"]["assign"]
    assert form.initial["deadline"] == today() + timedelta(days=category.deadline_days)
    assert category.standard_measures in form.initial["measures"]


def test_a_past_deadline_is_refused_and_nothing_changes(client, world, make_ticket):
    ticket = make_ticket()
    login(client, world.manager)
    response = client.post(
        reverse("cases:ticket_assign", args=[ticket.pk]), {"deadline": (today() - timedelta(days=1)).isoformat()}
    )
    assert response.status_code == 400
    assert "整改期限不能早于今天。" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.PENDING


def test_a_major_ticket_needs_its_plan(client, world, major_category):
    hazard = report(world, major_category)
    ticket = services.create_ticket([hazard], actor=world.manager)
    login(client, world.manager)
    url = reverse("cases:ticket_assign", args=[ticket.pk])
    deadline = (today() + timedelta(days=20)).isoformat()
    response = client.post(url, {"deadline": deadline, "measures": "加装除尘设施"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "五落实" in body and "重大隐患须填写此项。" in body
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.PENDING
    response = client.post(
        url,
        {
            "deadline": deadline,
            "measures": "加装除尘设施",
            "funds": "12000",
            "responsible_person": "张三",
            "contingency": "停产整改，专人值守",
        },
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.ASSIGNED and ticket.funds == 12000


@pytest.mark.parametrize("who", ["enterprise_user", "inspector", "leader", "landlord"])
def test_wrong_role_cannot_assign(client, world, make_ticket, who):
    ticket = make_ticket()
    login(client, getattr(world, who))
    response = client.post(
        reverse("cases:ticket_assign", args=[ticket.pk]), {"deadline": (today() + timedelta(days=3)).isoformat()}
    )
    assert response.status_code == 403
    assert "只有交办人员可以交办整改单。" in messages_of(response)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.PENDING
    assert not Event.objects.filter(ticket=ticket, kind="inspections.ticket.assigned").exists()


def test_acting_on_a_ticket_in_the_wrong_status_answers_409(client, world, make_ticket):
    ticket = make_ticket(TicketStatus.ASSIGNED)
    login(client, world.manager)
    response = client.post(
        reverse("cases:ticket_assign", args=[ticket.pk]), {"deadline": (today() + timedelta(days=3)).isoformat()}
    )
    assert response.status_code == 409
    assert any("整改中" in m for m in messages_of(response))


def test_enterprise_submits_evidence_with_several_photos(client, world, make_ticket):
    ticket = make_ticket(TicketStatus.ASSIGNED)
    login(client, world.enterprise_user)
    body = client.get(ticket.get_absolute_url()).content.decode()
    assert 'type="file" name="photos"' in body and "multiple" in body and 'accept="image/*"' in body
    assert ">提交整改</button>" in body
    response = client.post(
        reverse("cases:ticket_submit", args=[ticket.pk]),
        {"comment": "已清理通道并加装灭火器", "photos": [f.photo_upload("a.jpg"), f.photo_upload("b.jpg")]},
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.SUBMITTED
    after = Photo.objects.filter(ticket=ticket, kind=PhotoKind.AFTER)
    assert after.count() == 2
    page = client.get(ticket.get_absolute_url()).content.decode()
    for photo in after:
        assert photo.image.url in page


def test_submit_without_photos_is_refused(client, world, make_ticket):
    ticket = make_ticket(TicketStatus.ASSIGNED)
    login(client, world.enterprise_user)
    response = client.post(reverse("cases:ticket_submit", args=[ticket.pk]), {"comment": "已整改"})
    assert response.status_code == 400
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.ASSIGNED


def test_a_file_that_is_not_a_photo_is_refused(client, world, make_ticket):
    from django.core.files.uploadedfile import SimpleUploadedFile

    ticket = make_ticket(TicketStatus.ASSIGNED)
    login(client, world.enterprise_user)
    fake = SimpleUploadedFile("x.jpg", b"not an image at all", content_type="image/jpeg")
    response = client.post(reverse("cases:ticket_submit", args=[ticket.pk]), {"comment": "已整改", "photos": [fake]})
    assert response.status_code == 400
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.ASSIGNED
    assert not Photo.objects.filter(ticket=ticket).exists()


@pytest.mark.parametrize("who", ["inspector", "manager", "landlord"])
def test_only_the_party_submits(client, world, make_ticket, who):
    ticket = make_ticket(TicketStatus.ASSIGNED)
    login(client, getattr(world, who))
    response = client.post(
        reverse("cases:ticket_submit", args=[ticket.pk]), {"comment": "已整改", "photos": [f.photo_upload()]}
    )
    assert response.status_code == 403
    assert "只有整改责任方可以提交整改材料。" in messages_of(response)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.ASSIGNED


def test_landlord_submits_for_a_parcel_ticket(client, world, parcel_category):
    hazard = report(world, parcel_category, parcel=world.parcel, description="消防通道堆放货物")
    ticket = services.create_ticket([hazard], actor=world.manager)
    services.assign_ticket(ticket, actor=world.manager)
    login(client, world.landlord)
    response = client.post(
        reverse("cases:ticket_submit", args=[ticket.pk]), {"comment": "货物已清走", "photos": [f.photo_upload()]}
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.SUBMITTED


def test_inspector_rejects_then_passes(client, world, make_ticket):
    ticket = make_ticket(TicketStatus.SUBMITTED)
    login(client, world.inspector)
    body = client.get(ticket.get_absolute_url()).content.decode()
    assert ">验收通过</button>" in body and ">退回整改</button>" in body
    url = reverse("cases:ticket_verify", args=[ticket.pk])

    response = client.post(url, {"decision": "reject", "comment": ""})
    assert response.status_code == 400
    assert "验收不通过时请填写原因。" in messages_of(response)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.SUBMITTED

    response = client.post(url, {"decision": "reject", "comment": "灭火器未放置到位"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.ASSIGNED and ticket.rework_count == 1

    services.submit_rectification(ticket, actor=world.enterprise_user, comment="已放置", photos=[f.photo_upload()])
    response = client.post(url, {"decision": "pass", "comment": "合格"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CLOSED
    assert set(ticket.hazards.values_list("status", flat=True)) == {HazardStatus.RECTIFIED}
    body = client.get(ticket.get_absolute_url()).content.decode()
    assert "验收不通过，退回整改" in body and "验收通过，销号" in body


def test_enterprise_cannot_verify(client, world, make_ticket):
    ticket = make_ticket(TicketStatus.SUBMITTED)
    login(client, world.enterprise_user)
    response = client.post(reverse("cases:ticket_verify", args=[ticket.pk]), {"decision": "pass"})
    assert response.status_code == 403
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.SUBMITTED


def test_leader_escalates_twice_then_no_more(client, world, make_ticket):
    ticket = make_ticket(TicketStatus.ASSIGNED)
    login(client, world.leader)
    url = reverse("cases:ticket_escalate", args=[ticket.pk])
    assert client.post(url, {"comment": "请加快"}).status_code == 302
    ticket.refresh_from_db()
    assert ticket.escalation_level == EscalationLevel.SUPERVISED
    assert client.post(url, {"level": "2", "comment": "挂牌"}).status_code == 302
    ticket.refresh_from_db()
    assert ticket.escalation_level == EscalationLevel.LISTED
    assert 'id="escalate-form"' not in client.get(ticket.get_absolute_url()).content.decode()
    response = client.post(url, {"comment": "再督办"})
    assert response.status_code == 409
    ticket.refresh_from_db()
    assert ticket.escalation_level == EscalationLevel.LISTED


def test_enterprise_cannot_escalate(client, world, make_ticket):
    ticket = make_ticket(TicketStatus.ASSIGNED)
    login(client, world.enterprise_user)
    response = client.post(reverse("cases:ticket_escalate", args=[ticket.pk]), {"comment": "x"})
    assert response.status_code == 403
    ticket.refresh_from_db()
    assert ticket.escalation_level == 0


def test_internal_entries_are_hidden_from_the_party(client, world, make_ticket):
    ticket = make_ticket(TicketStatus.ASSIGNED)
    login(client, world.manager)
    url = reverse("cases:ticket_comment", args=[ticket.pk])
    assert client.post(url, {"comment": "内部：该企业曾多次整改不到位", "internal": "on"}).status_code == 302
    assert client.post(url, {"comment": "请周五前上传照片"}).status_code == 302
    body = client.get(ticket.get_absolute_url()).content.decode()
    assert "该企业曾多次整改不到位" in body and "请周五前上传照片" in body and "内部" in body
    login(client, world.enterprise_user)
    body = client.get(ticket.get_absolute_url()).content.decode()
    assert "该企业曾多次整改不到位" not in body
    assert "请周五前上传照片" in body
    # The party cannot write an internal note either: the box is ignored.
    client.post(url, {"comment": "我方已知悉", "internal": "on"})
    assert Event.objects.get(ticket=ticket, comment="我方已知悉").internal is False


def test_ticket_page_shows_photos_before_and_after(client, world, category):
    hazard = report(world, category, photos=[f.photo_upload("before.jpg")])
    ticket = services.create_ticket([hazard], actor=world.manager)
    services.assign_ticket(ticket, actor=world.manager)
    services.submit_rectification(ticket, actor=world.enterprise_user, comment="好了", photos=[f.photo_upload()])
    login(client, world.inspector)
    response = client.get(ticket.get_absolute_url())
    before, after = response.context["photos"]["before"], response.context["photos"]["after"]
    assert [p.kind for p in before] == [PhotoKind.BEFORE] and [p.kind for p in after] == [PhotoKind.AFTER]
    body = response.content.decode()
    assert before[0].image.url in body and after[0].image.url in body
    assert "整改前" in body and "整改后" in body


def test_ticket_page_fits_a_phone(client, world, make_ticket):
    ticket = make_ticket(TicketStatus.SUBMITTED)
    login(client, world.inspector)
    body = client.get(ticket.get_absolute_url()).content.decode()
    assert 'name="viewport" content="width=device-width' in body
    assert "css/cases.css" in body


# --- the notice ---------------------------------------------------------------------------------


def test_notice_has_the_case_and_a_qr_code(client, world, make_ticket, settings):
    settings.SITE_URL = "https://aq.example.gov.cn"
    ticket = make_ticket(TicketStatus.ASSIGNED)
    login(client, world.enterprise_user)
    response = client.get(reverse("cases:ticket_notice", args=[ticket.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "安全隐患整改通知书" in body and ticket.number in body
    assert "<svg" in body and "https://aq.example.gov.cn" + ticket.get_absolute_url() in body
    assert ticket.responsible_name in body and ticket.hazards.first().description in body
    assert "@page" in (settings.BASE_DIR / "static/css/cases.css").read_text(encoding="utf-8")


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
    response = client.post(
        reverse("cases:hazard_duplicate", args=[second.pk]), {"duplicate_of": first.number, "next": desk_url}
    )
    assert response.status_code == 302 and response.url == desk_url
    response = client.post(
        reverse("cases:hazard_invalid", args=[third.pk]),
        {"reason": "现场核实无此问题", "next": "https://evil.example.com/"},
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


def test_desk_aggregation_of_a_major_hazard_without_plan_stays_pending(client, world, major_category):
    hazard = report(world, major_category)
    login(client, world.manager)
    groups = client.get(reverse("cases:desk_aggregate"), {"hazards": [hazard.pk]}).context["groups"]
    response = client.post(reverse("cases:desk_aggregate"), aggregate_post(groups), follow=True)
    ticket = Ticket.objects.get()
    assert ticket.status == TicketStatus.PENDING
    assert any("未能交办" in m and "五落实" in m for m in messages_of(response))


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


def test_follow_up_reopen_from_the_ticket_page(client, world, make_ticket):
    closed = make_ticket(TicketStatus.CLOSED)
    login(client, world.enterprise_user)
    assert 'id="reopen-form"' not in client.get(reverse("cases:ticket_detail", args=[closed.pk])).content.decode()
    response = client.post(reverse("cases:ticket_reopen", args=[closed.pk]), {"comment": "又堆放"})
    assert response.status_code == 403 and not closed.reopened_as.exists()
    login(client, world.manager)
    assert 'id="reopen-form"' in client.get(reverse("cases:ticket_detail", args=[closed.pk])).content.decode()
    response = client.post(reverse("cases:ticket_reopen", args=[closed.pk]), {"comment": "事后跟踪：又堆放杂物"})
    new = closed.reopened_as.get()
    assert response.status_code == 302 and response["Location"] == reverse("cases:ticket_detail", args=[new.pk])
    assert new.status == TicketStatus.PENDING
    page = client.get(response["Location"]).content.decode()
    assert closed.number in page  # the link back to the closed ticket
