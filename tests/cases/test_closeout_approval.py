"""Closing a major hazard properly (治理情况评估, 销号审批): the submission carries the assessment report,
the passing verification waits for a manager's close-out approval (not the verifier's), which closes
the ticket with every effect of closing or sends it back; only a manager marks a major hazard invalid."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from cases import services
from cases.choices import OPEN_TICKET_STATUSES, HazardStatus, TicketStatus
from cases.filtersets import TicketFilterSet
from cases.models import Hazard, Ticket
from core.errors import NotPermitted, TransitionNotAllowed, ValidationFailed
from tests import factories as f
from timeline.kinds import EventKind
from timeline.models import Event

PLAN = {"measures": "加装泄爆装置", "funds": 50000, "responsible_person": "张三", "contingency": "停产整改"}


def pdf(name="评估报告.pdf", content=b"%PDF-1.4\n%report\n"):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture
def major_assigned(world, major_category):
    hazard = services.report_hazard(
        actor=world.inspector, category=major_category, description="粉尘防爆", enterprise=world.tenant1
    )
    ticket = services.create_ticket([hazard], actor=world.manager)
    assert ticket.is_major
    return services.assign_ticket(ticket, actor=world.manager, **PLAN)


def submit(ticket, user, assessment):
    return services.submit_rectification(
        ticket, actor=user, comment="已整改", photos=[f.photo_upload()], assessment=assessment
    )


@pytest.fixture
def awaiting(world, major_assigned):
    submit(major_assigned, world.enterprise_user, pdf())
    return services.verify_ticket(major_assigned, actor=world.inspector, passed=True, comment="现场合格")


def test_the_status_is_open_and_has_labels_and_a_filter():
    assert TicketStatus.CLOSEOUT_PENDING in OPEN_TICKET_STATUSES
    assert TicketStatus.CLOSEOUT_PENDING.label == "待销号审批"
    with translation.override("en"):
        assert str(TicketStatus.CLOSEOUT_PENDING.label) == "Awaiting close-out approval"
    assert TicketStatus.CLOSEOUT_PENDING in dict(TicketFilterSet.base_filters["status"].extra["choices"])


def test_a_major_hazard_is_submitted_with_its_assessment_report(world, major_assigned):
    with pytest.raises(ValidationFailed) as refused:
        submit(major_assigned, world.enterprise_user, None)
    assert refused.value.code == "assessment_required" and "assessment" in refused.value.errors
    for bad in (
        SimpleUploadedFile("报告.docx", b"PK\x03\x04", content_type="application/msword"),
        pdf(content=b"\xff\xd8\xff not a pdf"),
        pdf(content=b""),
    ):
        with pytest.raises(ValidationFailed) as refused:
            submit(major_assigned, world.enterprise_user, bad)
        assert refused.value.code == "assessment_invalid", bad.name
    major_assigned.refresh_from_db()
    assert major_assigned.status == TicketStatus.ASSIGNED and not major_assigned.assessment_report

    submit(major_assigned, world.enterprise_user, pdf())
    major_assigned.refresh_from_db()
    assert major_assigned.status == TicketStatus.SUBMITTED
    assert major_assigned.assessment_report.name.endswith(".pdf") and major_assigned.assessment_name == "评估报告.pdf"


def test_an_assessment_too_large_is_refused(world, major_assigned, settings):
    settings.ASSESSMENT_MAX_BYTES = 1024
    with pytest.raises(ValidationFailed) as refused:
        submit(major_assigned, world.enterprise_user, pdf(content=b"%PDF-" + b"x" * 2000))
    assert refused.value.code == "assessment_invalid"


def test_an_image_is_accepted_and_staff_submit_it_on_behalf(world, major_assigned):
    image = f.photo_upload("评估报告.jpg")
    services.submit_rectification(
        major_assigned,
        actor=world.inspector,
        comment="代提交",
        photos=[f.photo_upload()],
        assessment=image,
        on_behalf=True,
    )
    major_assigned.refresh_from_db()
    assert major_assigned.status == TicketStatus.SUBMITTED and major_assigned.assessment_report.name.endswith(".jpg")


def test_passing_verification_waits_for_the_close_out_approval(world, awaiting):
    assert awaiting.status == TicketStatus.CLOSEOUT_PENDING and awaiting.closed_at is None
    assert Ticket.objects.open().filter(pk=awaiting.pk).exists()
    assert set(Hazard.objects.filter(ticket=awaiting).values_list("status", flat=True)) == {HazardStatus.AGGREGATED}
    event = Event.objects.filter(ticket=awaiting).latest("pk")
    assert event.kind == EventKind.TICKET_AWAITING_CLOSEOUT and event.to_status == TicketStatus.CLOSEOUT_PENDING


def test_a_manager_other_than_the_verifier_approves_and_the_ticket_closes(world, awaiting):
    for user in (world.inspector, world.leader, world.enterprise_user):
        with pytest.raises(NotPermitted):
            services.decide_closeout(awaiting, actor=user, approve=True)
    services.decide_closeout(awaiting, actor=world.manager, approve=True, comment="同意销号")
    awaiting.refresh_from_db()
    assert awaiting.status == TicketStatus.CLOSED and awaiting.closed_at and awaiting.followup_date
    assert awaiting.closeout_approved_by == world.manager
    assert set(Hazard.objects.filter(ticket=awaiting).values_list("status", flat=True)) == {HazardStatus.RECTIFIED}
    assert Event.objects.filter(ticket=awaiting).latest("pk").kind == EventKind.TICKET_CLOSEOUT_APPROVED
    with pytest.raises(TransitionNotAllowed):
        services.decide_closeout(awaiting, actor=world.manager, approve=True)


def test_the_verifier_does_not_approve_the_close_out(world, major_assigned):
    submit(major_assigned, world.enterprise_user, pdf())
    services.verify_ticket(major_assigned, actor=world.manager, passed=True)
    with pytest.raises(NotPermitted) as refused:
        services.decide_closeout(major_assigned, actor=world.manager, approve=True)
    assert refused.value.code == "same_as_verifier" and refused.value.http_status == 403
    services.decide_closeout(major_assigned, actor=world.manager_all, approve=True)
    major_assigned.refresh_from_db()
    assert major_assigned.status == TicketStatus.CLOSED


def test_sending_back_needs_a_reason_and_returns_to_rectification(world, awaiting):
    with pytest.raises(ValidationFailed) as refused:
        services.decide_closeout(awaiting, actor=world.manager, approve=False)
    assert refused.value.code == "reason_required"
    services.decide_closeout(awaiting, actor=world.manager, approve=False, comment="评估报告不完整")
    awaiting.refresh_from_db()
    assert awaiting.status == TicketStatus.ASSIGNED and awaiting.rework_count == 1
    assert Event.objects.filter(ticket=awaiting).latest("pk").kind == EventKind.TICKET_CLOSEOUT_RETURNED


def test_a_general_ticket_still_closes_on_verification(world, make_ticket):
    ticket = make_ticket(TicketStatus.CLOSED)
    assert ticket.status == TicketStatus.CLOSED


def test_only_a_manager_marks_a_major_hazard_invalid(client, world, major_category, category):
    major = services.report_hazard(
        actor=world.inspector, category=major_category, description="粉尘", enterprise=world.tenant1
    )
    general = services.report_hazard(
        actor=world.inspector, category=category, description="电线", enterprise=world.tenant1
    )
    with pytest.raises(NotPermitted) as refused:
        services.mark_invalid(major, actor=world.inspector, reason="不属实")
    assert refused.value.code == "major_needs_manager"
    services.mark_invalid(general, actor=world.inspector, reason="不属实")  # a general one the inspector may
    client.force_login(world.inspector)
    assert 'id="invalid-form"' not in client.get(reverse("cases:hazard_detail", args=[major.pk])).content.decode()
    response = client.post(reverse("cases:hazard_invalid", args=[major.pk]), {"reason": "x", "confirm": "on"})
    assert response.status_code == 403
    client.force_login(world.manager)
    assert 'id="invalid-form"' in client.get(reverse("cases:hazard_detail", args=[major.pk])).content.decode()
    services.mark_invalid(major, actor=world.manager, reason="现场核实无此问题")
    major.refresh_from_db()
    assert major.status == HazardStatus.INVALID


# --- the page ---------------------------------------------------------------------------------


def test_the_pages_through_the_whole_close_out(client, world, major_assigned):
    page = reverse("cases:ticket_detail", args=[major_assigned.pk])
    client.force_login(world.enterprise_user)
    html = client.get(page).content.decode()
    assert 'name="assessment"' in html
    without = client.post(
        reverse("cases:ticket_submit", args=[major_assigned.pk]), {"comment": "已整改", "photos": [f.photo_upload()]}
    )
    assert without.status_code == 400
    done = client.post(
        reverse("cases:ticket_submit", args=[major_assigned.pk]),
        {"comment": "已整改", "photos": [f.photo_upload()], "assessment": pdf()},
    )
    assert done.status_code == 302
    html = client.get(page).content.decode()
    assert 'id="assessment-link"' in html
    report = client.get(reverse("cases:ticket_assessment", args=[major_assigned.pk]))
    assert report.status_code == 200 and report["Content-Type"] == "application/pdf"
    assert b"".join(report.streaming_content).startswith(b"%PDF-")

    client.force_login(world.inspector)
    client.post(reverse("cases:ticket_verify", args=[major_assigned.pk]), {"decision": "pass"})
    html = client.get(page).content.decode()
    assert "待销号审批" in html and 'id="closeout-form"' not in html
    assert (
        client.post(reverse("cases:ticket_closeout", args=[major_assigned.pk]), {"decision": "approve"}).status_code
        == 403
    )

    client.force_login(world.manager)
    html = client.get(page).content.decode()
    assert 'id="closeout-form"' in html and "status-closeout_pending" in html
    back = client.post(reverse("cases:ticket_closeout", args=[major_assigned.pk]), {"decision": "refuse"})
    assert back.status_code == 400
    response = client.post(reverse("cases:ticket_closeout", args=[major_assigned.pk]), {"decision": "approve"})
    assert response.status_code == 302
    html = client.get(page).content.decode()
    assert "<strong>销号审批通过，销号</strong>" in html and "已销号" in html

    listing = client.get(reverse("cases:ticket_list") + "?status=closeout_pending")
    assert listing.status_code == 200 and major_assigned.number not in listing.content.decode()


def test_a_ticket_without_a_report_answers_404(client, world, make_ticket):
    ticket = make_ticket(TicketStatus.SUBMITTED)
    client.force_login(world.manager)
    assert client.get(reverse("cases:ticket_assessment", args=[ticket.pk])).status_code == 404


def test_the_party_still_sees_a_ticket_awaiting_close_out_among_its_open_ones(client, world, awaiting):
    client.force_login(world.enterprise_user)
    html = client.get(reverse("cases:my_tickets")).content.decode()
    assert awaiting.number in html and "待销号审批" in html


def test_the_ledger_export_reads_a_ticket_awaiting_close_out(world, awaiting):
    from cases.exports import _verification_result

    assert _verification_result(awaiting) == "通过，待销号审批"


def test_the_manager_s_to_do_lists_close_outs_to_approve_and_extensions_to_decide(client, world, awaiting, make_ticket):
    assigned = make_ticket(TicketStatus.ASSIGNED)
    deadline = assigned.deadline + timedelta(days=10)
    services.request_extension(assigned, actor=world.enterprise_user, reason="设备到货延迟", deadline=deadline)
    client.force_login(world.manager)

    items = {item["key"]: item for item in client.get(reverse("home")).context["todo"]["items"]}

    for key, ticket in (("closeout", awaiting), ("extension", assigned)):
        assert items[key]["count"] == 1 and items[key]["badge"]
        listed = client.get(items[key]["url"]).context["object_list"]
        assert [t.pk for t in listed] == [ticket.pk], key
