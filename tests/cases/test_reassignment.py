"""Reassignment: a manager of the zone changes an assigned ticket's deadline, assignee, 整改责任人 or
responsible party, each with a reason, shown on the timeline old → new; the party's change re-points
who sees the ticket."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Role
from cases import services
from cases.choices import ResponsibleKind, TicketStatus
from cases.models import Ticket
from core.errors import NotPermitted, TransitionNotAllowed, ValidationFailed
from tests import factories as f
from timeline.kinds import EventKind
from timeline.models import Event


def in_days(n):
    return timezone.localdate() + timedelta(days=n)


@pytest.fixture
def assigned(make_ticket):
    return make_ticket(TicketStatus.ASSIGNED)


@pytest.fixture
def tenant2_owner(world):
    user = f.UserFactory(username="tenant2-owner", role=Role.ENTERPRISE)
    user.enterprises.add(world.tenant2)
    return user


def test_manager_changes_deadline_assignee_and_person_with_old_and_new_on_the_timeline(client, world, assigned):
    first = assigned.deadline
    services.reassign_ticket(
        assigned,
        actor=world.manager,
        reason="企业负责人变更",
        deadline=in_days(12),
        assignee=world.enterprise_user,
        responsible_person="李四",
    )
    assigned.refresh_from_db()
    assert assigned.deadline == in_days(12) and assigned.original_deadline == first
    assert assigned.assignee == world.enterprise_user and assigned.responsible_person == "李四"
    event = Event.objects.get(ticket=assigned, kind=EventKind.TICKET_REASSIGNED)
    assert event.comment == "企业负责人变更"
    assert event.data["changes"]["deadline"] == [first.isoformat(), in_days(12).isoformat()]
    assert event.data["assignee"] == [None, world.enterprise_user.pk]

    client.force_login(world.manager)
    html = client.get(reverse("cases:ticket_detail", args=[assigned.pk])).content.decode()
    assert "<strong>调整交办</strong>" in html
    assert f"整改期限：{first.isoformat()} → {in_days(12).isoformat()}" in html
    assert "整改责任人：— → 李四" in html


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"reason": " ", "deadline": "+12"}, "reason_required"),
        ({"reason": "x"}, "nothing_changed"),
        ({"reason": "x", "deadline": "same"}, "nothing_changed"),
        ({"reason": "x", "deadline": "-1"}, "deadline_in_past"),
        ({"reason": "x", "assignee": "landlord"}, "assignee_not_party"),
    ],
)
def test_bad_input_is_400(world, assigned, kwargs, code):
    values = {"+12": in_days(12), "same": assigned.deadline, "-1": in_days(-1), "landlord": world.landlord}
    kwargs = {name: values.get(value, value) for name, value in kwargs.items()}
    with pytest.raises(ValidationFailed) as refused:
        services.reassign_ticket(assigned, actor=world.manager, **kwargs)
    assert refused.value.code == code and refused.value.http_status == 400


def test_only_a_manager_of_the_zone_and_only_an_assigned_ticket(world, make_ticket):
    assigned = make_ticket(TicketStatus.ASSIGNED)
    for user in (world.inspector, world.leader, world.enterprise_user):
        with pytest.raises(NotPermitted):
            services.reassign_ticket(assigned, actor=user, reason="x", deadline=in_days(12))
        with pytest.raises(NotPermitted):
            services.change_responsible_party(assigned, actor=user, reason="x", enterprise=world.tenant2)
    manager_b = f.UserFactory(username="manager-b", role=Role.MANAGER)
    manager_b.zones.add(world.zone_b)
    with pytest.raises(NotPermitted) as refused:
        services.reassign_ticket(assigned, actor=manager_b, reason="x", deadline=in_days(12))
    assert refused.value.code == "out_of_scope"
    for status in (TicketStatus.PENDING, TicketStatus.SUBMITTED, TicketStatus.CLOSED):
        ticket = make_ticket(status)
        with pytest.raises(TransitionNotAllowed):
            services.reassign_ticket(ticket, actor=world.manager, reason="x", deadline=in_days(12))
        with pytest.raises(TransitionNotAllowed):
            services.change_responsible_party(ticket, actor=world.manager, reason="x", enterprise=world.tenant2)


def test_changing_the_party_re_points_who_sees_the_ticket(client, world, assigned, tenant2_owner):
    services.reassign_ticket(assigned, actor=world.manager, reason="指定整改人", assignee=world.enterprise_user)
    assert Ticket.objects.visible_to(world.enterprise_user).filter(pk=assigned.pk).exists()
    assert not Ticket.objects.visible_to(tenant2_owner).filter(pk=assigned.pk).exists()

    services.change_responsible_party(
        assigned, actor=world.manager, reason="实为乙公司的设备", enterprise=world.tenant2
    )
    assigned.refresh_from_db()
    assert assigned.enterprise == world.tenant2 and assigned.responsible_kind == ResponsibleKind.ENTERPRISE
    assert assigned.assignee is None  # the old party's account no longer fixes it
    assert assigned.landlord_copied
    assert not Ticket.objects.visible_to(world.enterprise_user).filter(pk=assigned.pk).exists()
    assert Ticket.objects.visible_to(tenant2_owner).filter(pk=assigned.pk).exists()
    event = Event.objects.get(ticket=assigned, kind=EventKind.TICKET_PARTY_CHANGED)
    assert event.data["from"]["name"] == "永康甲五金有限公司" and event.data["to"]["name"] == "永康乙工贸有限公司"

    client.force_login(world.enterprise_user)
    assert client.get(reverse("cases:ticket_detail", args=[assigned.pk])).status_code == 404
    client.force_login(tenant2_owner)
    html = client.get(reverse("cases:ticket_detail", args=[assigned.pk])).content.decode()
    assert "永康甲五金有限公司 → 永康乙工贸有限公司" in html and 'id="submit-form"' in html

    # then to the parcel's landlord, who may now submit the fix
    services.change_responsible_party(assigned, actor=world.manager, reason="房东公共区域", enterprise=None)
    assigned.refresh_from_db()
    assert assigned.responsible_kind == ResponsibleKind.LANDLORD and assigned.enterprise is None
    assert not assigned.landlord_copied
    assert not Ticket.objects.visible_to(tenant2_owner).filter(pk=assigned.pk).exists()
    services.submit_rectification(assigned, actor=world.landlord, comment="已整改", photos=[f.photo_upload()])


def test_the_new_party_must_be_on_the_same_parcel(world, assigned):
    with pytest.raises(ValidationFailed) as refused:
        services.change_responsible_party(assigned, actor=world.manager, reason="x", enterprise=world.other_a2)
    assert refused.value.code == "party_not_on_parcel"
    with pytest.raises(ValidationFailed) as refused:
        services.change_responsible_party(assigned, actor=world.manager, reason="x", enterprise=world.tenant1)
    assert refused.value.code == "nothing_changed"
    with pytest.raises(ValidationFailed) as refused:
        services.change_responsible_party(assigned, actor=world.manager, reason="", enterprise=world.tenant2)
    assert refused.value.code == "reason_required"


def test_the_page_offers_the_forms_to_the_manager_only(client, world, assigned):
    page = reverse("cases:ticket_detail", args=[assigned.pk])
    client.force_login(world.inspector)
    html = client.get(page).content.decode()
    assert 'id="reassign-form"' not in html and 'id="change-party-form"' not in html
    assert client.post(reverse("cases:ticket_reassign", args=[assigned.pk]), {"reason": "x"}).status_code == 403

    client.force_login(world.manager)
    html = client.get(page).content.decode()
    assert 'id="reassign-form"' in html and 'id="change-party-form"' in html
    assert "永康乙工贸有限公司" in html and "宗地房东" in html
    missing_reason = client.post(
        reverse("cases:ticket_reassign", args=[assigned.pk]), {"deadline": in_days(12).isoformat()}
    )
    assert missing_reason.status_code == 400
    response = client.post(
        reverse("cases:ticket_change_party", args=[assigned.pk]), {"party": str(world.tenant2.pk), "reason": "x"}
    )
    assert response.status_code == 302
    assigned.refresh_from_db()
    assert assigned.enterprise == world.tenant2
    response = client.post(
        reverse("cases:ticket_change_party", args=[assigned.pk]), {"party": str(world.other_a2.pk), "reason": "x"}
    )
    assert response.status_code == 400  # not offered: not on the parcel
