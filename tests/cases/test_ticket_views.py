"""The ticket page and its actions (assign, submit, verify, escalate, reopen), its timeline and photos, the notice."""

from datetime import timedelta

import pytest
from django.urls import reverse

from cases import services
from cases.choices import EscalationLevel, HazardStatus, PhotoKind, TicketStatus
from cases.models import Photo
from tests import factories as f
from tests.cases.pages import login, messages_of, report, today
from timeline.kinds import EventKind
from timeline.models import Event

pytestmark = pytest.mark.django_db


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
    assert not Event.objects.filter(ticket=ticket, kind=EventKind.TICKET_ASSIGNED).exists()


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


# --- follow-up ------------------------------------------------------------------------------------


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
