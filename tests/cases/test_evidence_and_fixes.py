"""Evidence and fixes on the pages and in the services: a checklist item's photos are its hazard's
evidence; 标为重复 / 不属实 ask first and a manager can undo them; staff record a fix on the party's
behalf (代为提交); a hazard fixed on the spot (当场整改) is rectified at once; and the smaller fixes
(an empty rejection stays on the ticket page, the party sees why its fix was rejected, a refused bulk
assignment keeps its selection, 不涉及, a hazard report counts as a visit)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.choices import HazardStatus, PhotoKind, TicketStatus
from cases.models import Hazard, Inspection, Photo, Ticket
from catalogue.models import Checklist
from core.errors import NotPermitted, TransitionNotAllowed, ValidationFailed
from tests import factories as f
from tests.cases.pages import login, messages_of, report
from timeline.kinds import EventKind
from timeline.models import Event

pytestmark = pytest.mark.django_db


def checklist_post(checklist, answers, photos=None, notes=""):
    """POST data answering the items of ``checklist`` in order (``answers``: pass / fail / na each)."""
    data = {"checklist": str(checklist.pk), "notes": notes}
    items = list(checklist.items.order_by("order", "pk"))
    for index, item in enumerate(items):
        answer = answers[index] if index < len(answers) else "pass"
        data[f"item_{item.pk}"] = answer
        data[f"note_{item.pk}"] = "灭火器过期" if answer == "fail" else ""
    for index, files in (photos or {}).items():
        data[f"photos_{items[index].pk}"] = files
    return data, items


# --- 1. a checklist item's photos are its hazard's evidence ---------------------------------------------


def test_a_failed_items_photos_are_its_hazards_before_evidence_everywhere(client, world):
    checklist = Checklist.objects.get(code="industrial-routine")
    login(client, world.inspector)
    url = reverse("cases:inspection_create", args=["enterprise", world.tenant1.pk])
    body = client.get(url, {"checklist": checklist.pk}).content.decode()
    first = checklist.items.order_by("order", "pk").first()
    assert f'name="photos_{first.pk}"' in body and f'name="item_{first.pk}" value="na"' in body

    data, items = checklist_post(
        checklist, ["pass", "fail", "na"], photos={1: [f.photo_upload("灭火器.jpg")]}, notes="例行检查"
    )
    data["photos"] = [f.photo_upload("现场.jpg")]
    assert client.post(url, data).status_code == 302

    inspection = Inspection.objects.get()
    hazard = Hazard.objects.get(inspection=inspection)
    assert hazard.category_id == items[1].category_id
    # One Photo row, linked to both: the hazard's 'before' evidence and the inspection's record.
    evidence = Photo.objects.get(hazard=hazard)
    assert evidence.kind == PhotoKind.BEFORE and evidence.inspection_id == inspection.pk
    assert evidence.original_name == "灭火器.jpg"
    assert Photo.objects.filter(inspection=inspection).count() == 2  # the item's and the visit's
    # 不涉及 is recorded, as neither pass nor fail
    answered = {row.checklist_item_id: row.passed for row in inspection.items.all()}
    assert answered[items[0].pk] is True and answered[items[1].pk] is False and answered[items[2].pk] is None

    # The hazard page shows the photo and links back to the inspection on the unit's page.
    page = client.get(hazard.get_absolute_url()).content.decode()
    assert evidence.thumbnail.url in page and "暂无照片" not in page
    assert f"{world.tenant1.get_absolute_url()}#inspection-{inspection.pk}" in page
    unit_page = client.get(world.tenant1.get_absolute_url()).content.decode()
    assert f'id="inspection-{inspection.pk}"' in unit_page

    # The ticket page shows it as 整改前, for the office and for the enterprise.
    ticket = services.assign_ticket(services.create_ticket([hazard], actor=world.manager), actor=world.manager)
    for user in (world.manager, world.enterprise_user):
        login(client, user)
        page = client.get(ticket.get_absolute_url()).content.decode()
        before = page[page.index("整改前") : page.index("整改后")]
        assert evidence.thumbnail.url in before and "暂无照片" not in before


def test_record_inspection_refuses_photos_of_an_item_it_was_not_given(world):
    checklist = Checklist.objects.get(code="industrial-routine")
    first, second = checklist.items.order_by("order", "pk")[:2]
    with pytest.raises(ValidationFailed) as refused:
        services.record_inspection(
            actor=world.inspector,
            enterprise=world.tenant1,
            checklist=checklist,
            results={first.pk: False},
            item_photos={second.pk: [f.photo_upload()]},
        )
    assert refused.value.code == "item_not_in_results"
    assert not Inspection.objects.exists() and not Photo.objects.exists()


def test_not_applicable_items_count_as_neither_pass_nor_fail(world):
    checklist = Checklist.objects.get(code="industrial-routine")
    items = list(checklist.items.order_by("order", "pk"))
    inspection = services.record_inspection(
        actor=world.inspector,
        enterprise=world.tenant1,
        checklist=checklist,
        results={items[0].pk: None, items[1].pk: (None, "无此设备"), items[2].pk: True},
    )
    assert inspection.result == "passed" and not inspection.hazards.exists()
    assert [row.passed for row in inspection.items.order_by("checklist_item__order", "pk")] == [None, None, True]


# --- 13. 标为重复 / 不属实 ask first; a manager undoes a wrong mark ------------------------------------------


def test_duplicate_and_invalid_need_a_reason_and_a_confirmation(client, world, category):
    first = report(world, category, description="电线乱拉")
    second = report(world, category, description="电线乱拉（再次）")
    login(client, world.inspector)
    page = client.get(second.get_absolute_url()).content.decode()
    assert "<details" in page and 'name="confirm"' in page and 'id="duplicate-form"' in page
    url = reverse("cases:hazard_duplicate", args=[second.pk])
    response = client.post(url, {"duplicate_of": first.number, "comment": "同一处"})  # not confirmed
    assert response.status_code == 400 and "请勾选确认后再提交。" in response.content.decode()
    response = client.post(url, {"duplicate_of": first.number, "confirm": "on"})  # no reason
    assert response.status_code == 400 and "请填写标为重复的原因。" in response.content.decode()
    response = client.post(reverse("cases:hazard_invalid", args=[second.pk]), {"reason": "误报"})
    assert response.status_code == 400
    second.refresh_from_db()
    assert second.status == HazardStatus.REPORTED
    assert client.post(url, {"duplicate_of": first.number, "comment": "同一处", "confirm": "on"}).status_code == 302
    second.refresh_from_db()
    assert second.status == HazardStatus.DUPLICATE


def test_restore_hazard_returns_a_duplicate_to_reported_with_a_new_event(world, category):
    first = report(world, category, description="电线乱拉")
    second = report(world, category, description="电线乱拉（再次）")
    services.mark_duplicate(second, actor=world.inspector, duplicate_of=first, comment="同一处")
    services.mark_invalid(first, actor=world.manager, reason="现场无此问题")  # its fingerprint is free again
    marks = Event.objects.count()
    restored = services.restore_hazard(second, actor=world.manager, reason="不是同一处，误标")
    assert restored.status == HazardStatus.REPORTED and restored.duplicate_of_id is None
    assert restored.fingerprint  # it holds the unit+category key again: the next report is its likely duplicate
    event = Event.objects.order_by("-pk").first()
    assert Event.objects.count() == marks + 1
    assert event.kind == EventKind.HAZARD_RESTORED and event.hazard_id == second.pk
    assert (event.from_status, event.to_status) == (HazardStatus.DUPLICATE, HazardStatus.REPORTED)
    assert event.comment == "不是同一处，误标" and event.data["duplicate_of"] == first.pk
    # the first one, restored while the second holds the key, is flagged as its likely duplicate
    again = services.restore_hazard(first, actor=world.manager, reason="复核属实")
    assert again.fingerprint is None and again.likely_duplicate_of_id == second.pk


def test_restore_is_a_managers_action_on_a_closed_mark_only(world, category):
    hazard = report(world, category)
    with pytest.raises(TransitionNotAllowed):
        services.restore_hazard(hazard, actor=world.manager, reason="x")
    services.mark_invalid(hazard, actor=world.inspector, reason="误报")
    with pytest.raises(NotPermitted):
        services.restore_hazard(hazard, actor=world.inspector, reason="x")
    with pytest.raises(ValidationFailed) as refused:
        services.restore_hazard(hazard, actor=world.manager, reason=" ")
    assert refused.value.code == "reason_required"


def test_the_hazard_page_offers_the_manager_the_undo(client, world, category):
    hazard = report(world, category)
    services.mark_invalid(hazard, actor=world.inspector, reason="误报")
    login(client, world.inspector)
    assert 'id="restore-form"' not in client.get(hazard.get_absolute_url()).content.decode()
    assert client.post(reverse("cases:hazard_restore", args=[hazard.pk]), {"reason": "x"}).status_code == 403
    login(client, world.manager)
    page = client.get(hazard.get_absolute_url()).content.decode()
    assert 'id="restore-form"' in page
    url = reverse("cases:hazard_restore", args=[hazard.pk])
    assert client.post(url, {"reason": "复核属实"}).status_code == 400  # not confirmed
    response = client.post(url, {"reason": "复核属实", "confirm": "on"}, follow=True)
    assert any("已恢复为“已上报”" in m for m in messages_of(response))
    hazard.refresh_from_db()
    assert hazard.status == HazardStatus.REPORTED and hazard.invalid_reason == ""
    page = response.content.decode()
    assert "撤销重复/不属实，恢复待处理" in page and "复核属实" in page
    assert client.post(url, {"reason": "再来一次", "confirm": "on"}).status_code == 409


# --- 10a. staff record the party's fix (代为提交整改) -------------------------------------------------------


def test_staff_submit_on_the_partys_behalf_and_the_timeline_says_who(client, world, make_ticket):
    ticket = make_ticket(TicketStatus.ASSIGNED)
    with pytest.raises(NotPermitted):  # an inspector may not submit as if they were the party
        services.submit_rectification(ticket, actor=world.inspector, comment="已整改", photos=[f.photo_upload()])
    with pytest.raises(NotPermitted):  # the party does not submit "on behalf" of itself
        services.submit_rectification(
            ticket, actor=world.enterprise_user, comment="已整改", photos=[f.photo_upload()], on_behalf=True
        )
    with pytest.raises(NotPermitted):  # an inspector of another grid
        services.submit_rectification(
            ticket, actor=world.inspector_a2, comment="已整改", photos=[f.photo_upload()], on_behalf=True
        )
    login(client, world.inspector)
    page = client.get(ticket.get_absolute_url()).content.decode()
    assert 'id="submit-behalf-form"' in page and 'id="submit-form"' not in page
    response = client.post(
        reverse("cases:ticket_submit_on_behalf", args=[ticket.pk]),
        {"comment": "企业已更换插座，照片由网格员拍摄", "photos": [f.photo_upload("after.jpg")]},
        follow=True,
    )
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.SUBMITTED
    assert any("已代 永康甲五金有限公司 提交整改材料" in m for m in messages_of(response))
    event = ticket.events.get(kind=EventKind.TICKET_SUBMITTED)
    assert event.actor_id == world.inspector.pk and event.data["on_behalf"] is True
    assert ticket.photos.filter(kind=PhotoKind.AFTER, event=event).count() == 1
    said = f"网格员 {world.inspector} 代 企业 永康甲五金有限公司 提交整改"
    assert said in response.content.decode()
    login(client, world.enterprise_user)  # the party sees who recorded it, too
    assert said in client.get(ticket.get_absolute_url()).content.decode()


# --- 10b. 当场整改: fixed during the inspection ----------------------------------------------------------


def test_a_hazard_fixed_on_the_spot_is_rectified_at_once_and_counted(world, category):
    hazard = services.report_hazard(
        actor=world.inspector,
        category=category,
        description="插线板串接",
        enterprise=world.tenant1,
        photos=[f.photo_upload("before.jpg")],
        fixed_on_spot=True,
        after_photos=[f.photo_upload("after.jpg")],
    )
    assert hazard.status == HazardStatus.RECTIFIED and hazard.rectified_at and hazard.fixed_on_spot
    assert hazard.ticket_id is None and hazard.fingerprint is None
    assert list(Hazard.objects.rectified()) == [hazard] and list(Hazard.objects.counted()) == [hazard]
    assert not Hazard.objects.open().exists()
    kinds = list(Event.objects.filter(hazard=hazard).order_by("pk").values_list("kind", flat=True))
    assert kinds == [EventKind.HAZARD_REPORTED, EventKind.HAZARD_RECTIFIED_ON_SPOT]
    assert {p.kind for p in hazard.photos.all()} == {PhotoKind.BEFORE, PhotoKind.AFTER}
    # the next report of the same thing is not flagged as a duplicate of a fixed one
    later = report(world, category)
    assert later.likely_duplicate_of_id is None and later.fingerprint


def test_a_fix_on_the_spot_needs_after_photos(world, category):
    with pytest.raises(ValidationFailed) as refused:
        services.report_hazard(
            actor=world.inspector, category=category, description="x", enterprise=world.tenant1, fixed_on_spot=True
        )
    assert refused.value.code == "after_photo_required"
    assert not Hazard.objects.exists()


def test_the_report_page_records_a_fix_on_the_spot(client, world, category):
    login(client, world.inspector)
    url = f"{reverse('cases:hazard_report')}?enterprise={world.tenant1.pk}"
    page = client.get(url).content.decode()
    assert 'name="fixed_on_spot"' in page and 'name="after_photos"' in page
    data = {"category": category.pk, "description": "灭火器压力不足，已当场更换"}
    response = client.post(url, {**data, "fixed_on_spot": "on", "photos": [f.photo_upload()]})
    assert response.status_code == 400 and "当场整改须上传至少一张整改后照片。" in response.content.decode()
    response = client.post(
        url,
        {**data, "fixed_on_spot": "on", "photos": [f.photo_upload()], "after_photos": [f.photo_upload("a.jpg")]},
        follow=True,
    )
    hazard = Hazard.objects.get()
    assert hazard.status == HazardStatus.RECTIFIED
    assert any("已记录为当场整改" in m for m in messages_of(response))
    page = client.get(hazard.get_absolute_url()).content.decode()
    assert 'id="fixed-on-spot"' in page and 'id="after-photos"' in page
    assert hazard.photos.get(kind=PhotoKind.AFTER).thumbnail.url in page


# --- the smaller ones ------------------------------------------------------------------------------------


def test_rejecting_without_a_reason_stays_on_the_ticket_page_with_the_error(client, world, make_ticket):
    ticket = make_ticket(TicketStatus.SUBMITTED)
    login(client, world.inspector)
    page = client.get(ticket.get_absolute_url()).content.decode()
    assert f'action="{reverse("cases:ticket_verify", args=[ticket.pk])}#verify-form"' in page
    queue = reverse("cases:verify_queue")
    # the queue's form lands on the ticket's form too when it is refused
    assert (
        f'action="{reverse("cases:ticket_verify", args=[ticket.pk])}#verify-form"' in client.get(queue).content.decode()
    )
    for data in ({"decision": "reject", "comment": ""}, {"decision": "reject", "comment": " ", "next": queue}):
        response = client.post(reverse("cases:ticket_verify", args=[ticket.pk]), data)
        assert response.status_code == 400 and response.templates[0].name == "cases/ticket_detail.html"
        body = response.content.decode()
        form = body[body.index('id="verify-form"') :]
        assert "请填写不通过的原因。" in form[: form.index("</form>")]
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.SUBMITTED and ticket.rework_count == 0


def test_the_partys_card_shows_that_its_fix_was_rejected_and_why(client, world, make_ticket):
    ticket = make_ticket(TicketStatus.SUBMITTED)
    services.verify_ticket(ticket, actor=world.inspector, passed=False, comment="插线板仍在使用")
    login(client, world.enterprise_user)
    body = client.get(reverse("cases:my_tickets")).content.decode()
    card = body[body.index(f'data-ticket="{ticket.number}"') :]
    assert "验收未通过" in card and "插线板仍在使用" in card and "已退回 1 次" in card


def test_a_refused_bulk_assignment_keeps_the_selection(client, world, category, major_category):
    plain = services.create_ticket([report(world, category)], actor=world.manager)
    major = services.create_ticket([report(world, major_category, enterprise=world.tenant2)], actor=world.manager)
    login(client, world.manager)
    response = client.post(
        reverse("cases:desk_bulk_assign"),
        {"tickets": [plain.pk, major.pk], "comment": "统一交办", "next": reverse("cases:desk_pending")},
        follow=True,
    )
    body = response.content.decode()
    assert f'id="ticket-{major.pk}" checked' in body  # refused: still ticked
    assert f'id="ticket-{plain.pk}"' not in body  # assigned: no longer pending
    assert 'value="统一交办"' in body
    # a form refused as a whole keeps every row ticked
    other = services.create_ticket([report(world, f.HazardCategoryFactory(code="K1"))], actor=world.manager)
    past = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = client.post(
        reverse("cases:desk_bulk_assign"), {"tickets": [other.pk, major.pk], "deadline": past}, follow=True
    )
    body = response.content.decode()
    assert f'id="ticket-{other.pk}" checked' in body and f'id="ticket-{major.pk}" checked' in body
    assert Ticket.objects.get(pk=other.pk).status == TicketStatus.PENDING
    # and the next visit starts clean
    body = client.get(reverse("cases:desk_pending")).content.decode()
    assert " checked" not in body[body.index(f'id="ticket-{other.pk}"') :][:40]


def test_a_hazard_report_counts_as_a_visit(client, world, category):
    report(world, category, enterprise=world.tenant2)
    login(client, world.inspector)
    rows = {u.pk: u for u in client.get(reverse("cases:inspector_units")).context["object_list"]}
    assert rows[world.tenant2.pk].visited and rows[world.tenant2.pk].last_inspected_at is not None
    assert not rows[world.tenant1.pk].visited and rows[world.tenant1.pk].last_inspected_at is None
    page = client.get(world.tenant2.get_absolute_url())
    assert page.context["object"].last_inspected_at is not None
