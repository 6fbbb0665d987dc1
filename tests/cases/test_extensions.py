"""延期申请: the party (or staff on its behalf) asks for a later deadline; a manager of the zone approves
or refuses. Who may from which status, the input rules, the deadline in force (overdue, due soon,
escalation follow it), the page's section and filter."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Role
from cases import services
from cases.choices import ExtensionStatus, TicketStatus
from cases.models import ExtensionRequest, Ticket
from core.errors import NotPermitted, TransitionNotAllowed, ValidationFailed
from tests import factories as f
from timeline.kinds import EventKind
from timeline.models import Event


def in_days(n):
    return timezone.localdate() + timedelta(days=n)


@pytest.fixture
def assigned(make_ticket):
    return make_ticket(TicketStatus.ASSIGNED)


def test_the_party_asks_and_a_manager_approves_the_deadline_in_force_moves(world, assigned):
    first = assigned.deadline
    request = services.request_extension(
        assigned, actor=world.enterprise_user, reason="设备未到货", deadline=in_days(20)
    )
    assert request.status == ExtensionStatus.PENDING and request.current_deadline == first and not request.on_behalf
    assigned.refresh_from_db()
    assert assigned.deadline == first  # unchanged until approved

    services.decide_extension(assigned, actor=world.manager, approve=True, comment="同意")
    assigned.refresh_from_db()
    request.refresh_from_db()
    assert assigned.deadline == in_days(20) and assigned.original_deadline == first
    assert request.status == ExtensionStatus.APPROVED and request.decided_by == world.manager
    kinds = list(Event.objects.filter(ticket=assigned).values_list("kind", flat=True))
    assert kinds[-2:] == [EventKind.TICKET_EXTENSION_REQUESTED, EventKind.TICKET_EXTENSION_APPROVED]

    # a second extension keeps the first deadline as the original
    services.request_extension(assigned, actor=world.enterprise_user, reason="还需时间", deadline=in_days(30))
    services.decide_extension(assigned, actor=world.manager, approve=True)
    assigned.refresh_from_db()
    assert assigned.deadline == in_days(30) and assigned.original_deadline == first


def test_refusal_needs_a_reason_and_keeps_the_deadline(world, assigned):
    first = assigned.deadline
    services.request_extension(assigned, actor=world.enterprise_user, reason="设备未到货", deadline=in_days(20))
    with pytest.raises(ValidationFailed) as refused:
        services.decide_extension(assigned, actor=world.manager, approve=False, comment=" ")
    assert refused.value.code == "reason_required"
    services.decide_extension(assigned, actor=world.manager, approve=False, comment="期限足够")
    assigned.refresh_from_db()
    assert assigned.deadline == first and assigned.original_deadline is None
    request = ExtensionRequest.objects.get(ticket=assigned)
    assert request.status == ExtensionStatus.REFUSED and request.decision_comment == "期限足够"
    # refused: the party may ask again
    services.request_extension(assigned, actor=world.enterprise_user, reason="再申请", deadline=in_days(15))


@pytest.mark.parametrize(
    ("deadline", "reason", "code"),
    [
        (lambda t: t.deadline, "理由", "deadline_not_later"),
        (lambda t: t.deadline - timedelta(days=1), "理由", "deadline_not_later"),
        (lambda t: in_days(-1), "理由", "deadline_in_past"),
        (lambda t: None, "理由", "deadline_required"),
        (lambda t: in_days(20), "  ", "reason_required"),
    ],
)
def test_bad_input_is_400_with_a_code(world, assigned, deadline, reason, code):
    with pytest.raises(ValidationFailed) as refused:
        services.request_extension(assigned, actor=world.enterprise_user, reason=reason, deadline=deadline(assigned))
    assert refused.value.code == code and refused.value.http_status == 400
    assert not ExtensionRequest.objects.exists()


def test_one_pending_request_at_a_time(world, assigned):
    services.request_extension(assigned, actor=world.enterprise_user, reason="一", deadline=in_days(20))
    with pytest.raises(TransitionNotAllowed) as refused:
        services.request_extension(assigned, actor=world.inspector, reason="二", deadline=in_days(25))
    assert refused.value.code == "extension_pending" and refused.value.http_status == 409


def test_only_an_assigned_ticket_and_only_a_pending_request(world, make_ticket):
    pending = make_ticket(TicketStatus.PENDING)
    with pytest.raises(TransitionNotAllowed):
        services.request_extension(pending, actor=world.enterprise_user, reason="x", deadline=in_days(20))
    submitted = make_ticket(TicketStatus.SUBMITTED)
    with pytest.raises(TransitionNotAllowed):
        services.request_extension(submitted, actor=world.enterprise_user, reason="x", deadline=in_days(20))
    assigned = make_ticket(TicketStatus.ASSIGNED)
    with pytest.raises(TransitionNotAllowed) as refused:
        services.decide_extension(assigned, actor=world.manager, approve=True)
    assert refused.value.code == "no_pending_extension"


def test_who_may_ask_and_who_may_decide(world, assigned):
    tenant2_owner = f.UserFactory(username="tenant2-owner", role=Role.ENTERPRISE)
    tenant2_owner.enterprises.add(world.tenant2)
    for user, code in [
        (world.landlord, "not_party"),  # copied on the tenant's ticket, not its party
        (tenant2_owner, "out_of_scope"),
        (world.leader, "not_permitted"),
        (world.inspector_a2, "out_of_scope"),
    ]:
        with pytest.raises(NotPermitted) as refused:
            services.request_extension(assigned, actor=user, reason="x", deadline=in_days(20))
        assert refused.value.code == code, user
    # the grid's inspector asks on the party's behalf
    request = services.request_extension(assigned, actor=world.inspector, reason="企业电话申请", deadline=in_days(20))
    assert request.on_behalf
    event = Event.objects.get(ticket=assigned, kind=EventKind.TICKET_EXTENSION_REQUESTED)
    assert event.data["on_behalf"] and event.data["party"] == "永康甲五金有限公司"
    for user in (world.inspector, world.enterprise_user, world.leader):
        with pytest.raises(NotPermitted):
            services.decide_extension(assigned, actor=user, approve=True)


def test_overdue_and_escalation_follow_the_deadline_in_force(world, assigned):
    Ticket.objects.filter(pk=assigned.pk).update(deadline=in_days(-5))
    assert Ticket.objects.overdue().filter(pk=assigned.pk).exists()
    # a request made while overdue must ask for a date not in the past
    services.request_extension(assigned, actor=world.enterprise_user, reason="设备未到货", deadline=in_days(2))
    services.decide_extension(assigned, actor=world.manager, approve=True)
    assigned.refresh_from_db()
    assert assigned.original_deadline == in_days(-5)
    assert not Ticket.objects.overdue().filter(pk=assigned.pk).exists()
    assert Ticket.objects.due_soon(days=3).filter(pk=assigned.pk).exists()
    assert services.escalate_overdue() == 0


def test_approving_a_date_that_has_passed_meanwhile_is_refused(world, assigned):
    services.request_extension(assigned, actor=world.enterprise_user, reason="x", deadline=in_days(20))
    ExtensionRequest.objects.update(requested_deadline=in_days(-1))
    with pytest.raises(ValidationFailed) as refused:
        services.decide_extension(assigned, actor=world.manager, approve=True)
    assert refused.value.code == "deadline_in_past"


# --- the page ---------------------------------------------------------------------------------


def test_the_party_asks_on_the_page_and_the_manager_decides_there(client, world, assigned):
    page = reverse("cases:ticket_detail", args=[assigned.pk])
    client.force_login(world.enterprise_user)
    html = client.get(page).content.decode()
    assert 'id="extension-form"' in html and 'id="decide-extension-form"' not in html
    response = client.post(
        reverse("cases:ticket_extension", args=[assigned.pk]), {"deadline": in_days(-1).isoformat(), "reason": "x"}
    )
    assert response.status_code == 400 and "整改期限不能早于今天" in response.content.decode()
    response = client.post(
        reverse("cases:ticket_extension", args=[assigned.pk]),
        {"deadline": in_days(21).isoformat(), "reason": "设备未到货"},
    )
    assert response.status_code == 302
    html = client.get(page).content.decode()
    assert 'id="extensions"' in html and "设备未到货" in html and "待审批" in html
    assert 'id="extension-form"' not in html  # one pending request at a time
    again = client.post(
        reverse("cases:ticket_extension", args=[assigned.pk]), {"deadline": in_days(22).isoformat(), "reason": "y"}
    )
    assert again.status_code == 409

    client.force_login(world.manager)
    html = client.get(page).content.decode()
    assert 'id="decide-extension-form"' in html
    response = client.post(reverse("cases:ticket_extension_decide", args=[assigned.pk]), {"decision": "refuse"})
    assert response.status_code == 400
    response = client.post(reverse("cases:ticket_extension_decide", args=[assigned.pk]), {"decision": "approve"})
    assert response.status_code == 302
    html = client.get(page).content.decode()
    assert in_days(21).isoformat() in html and "已同意" in html and 'id="original-deadline"' in html
    assert "<strong>同意延期</strong>" in html and "<strong>申请延期</strong>" in html


def test_an_inspector_may_not_decide_on_the_page(client, world, assigned):
    services.request_extension(assigned, actor=world.enterprise_user, reason="x", deadline=in_days(20))
    client.force_login(world.inspector)
    assert (
        'id="decide-extension-form"'
        not in client.get(reverse("cases:ticket_detail", args=[assigned.pk])).content.decode()
    )
    response = client.post(reverse("cases:ticket_extension_decide", args=[assigned.pk]), {"decision": "approve"})
    assert response.status_code == 403


def test_the_list_filters_tickets_with_a_pending_request_in_constant_queries(client, world, make_ticket):
    def list_queries(url):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        return response, len(queries)

    plain = make_ticket(TicketStatus.ASSIGNED)
    asked = make_ticket(TicketStatus.ASSIGNED)
    services.request_extension(asked, actor=world.enterprise_user, reason="x", deadline=in_days(20))
    client.force_login(world.manager)
    url = reverse("cases:ticket_list") + "?extension_pending=true"
    response, one = list_queries(url)
    html = response.content.decode()
    assert asked.number in html and plain.number not in html
    assert 'name="extension_pending"' in html  # the filter is offered on the list
    for _i in range(3):
        more = make_ticket(TicketStatus.ASSIGNED)
        services.request_extension(more, actor=world.enterprise_user, reason="x", deadline=in_days(20))
    response, four = list_queries(url)
    assert four == one
    response, _n = list_queries(reverse("cases:ticket_list") + "?extension_pending=false")
    assert plain.number in response.content.decode() and asked.number not in response.content.decode()


def test_a_request_still_pending_when_the_ticket_closes_lapses(world, assigned):
    services.request_extension(assigned, actor=world.enterprise_user, reason="x", deadline=in_days(20))
    services.submit_rectification(assigned, actor=world.enterprise_user, comment="已整改", photos=[f.photo_upload()])
    assert Ticket.objects.filter(pk=assigned.pk, extension_requests__status=ExtensionStatus.PENDING).exists()
    services.verify_ticket(assigned, actor=world.inspector, passed=True)
    assert ExtensionRequest.objects.get(ticket=assigned).status == ExtensionStatus.LAPSED
    with pytest.raises(TransitionNotAllowed):
        services.decide_extension(assigned, actor=world.manager, approve=True)
