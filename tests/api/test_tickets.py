"""Tickets through the API: each action by each role, allowed (2xx), forbidden by role (403), outside the
caller's scope (404), wrong status (409), bad input (400); the filters and the messages."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cases import services
from cases.models import Ticket
from tests import factories as f
from tests.api.conftest import API
from tests.api.helpers import post
from timeline.models import Event

# A deadline within the allowed window (cases.deadlines: at most DEADLINE_MAX_DAYS ahead).
SOON = (timezone.localdate() + timedelta(days=90)).isoformat()


@pytest.fixture
def foreign_ticket(world, category):
    """A pending ticket in zone B (花川), outside manager-a's and inspector-a1's scope."""
    hazard = services.report_hazard(
        actor=world.inspector_b, category=category, description="花川隐患", enterprise=world.other_b
    )
    return services.create_ticket([hazard], actor=world.manager_all)


def test_ticket_create_by_manager_only(world, clients, category):
    hazard = services.report_hazard(actor=world.inspector, category=category, description="x", enterprise=world.tenant1)
    assert post(clients.inspector, "tickets/", {"hazards": [hazard.pk]}).status_code == 403
    assert post(clients.leader, "tickets/", {"hazards": [hazard.pk]}).status_code == 403
    response = post(clients.manager, "tickets/", {"hazards": [hazard.pk], "measures": "立即清理", "deadline": None})
    assert response.status_code == 201, response.data
    body = response.data
    assert body["status"] == "pending" and body["number"].startswith("ZG")
    assert body["measures"] == "立即清理" and body["responsible_kind"] == "enterprise"
    assert body["responsible_name"] == "永康甲五金有限公司" and body["landlord_copied"] is True
    assert [h["id"] for h in body["hazards"]] == [hazard.pk]
    assert body["hazards"][0]["status"] == "aggregated" and body["escalation_level"] == 0
    # the same hazard cannot go into a second ticket
    assert post(clients.manager, "tickets/", {"hazards": [hazard.pk]}).status_code == 409


def test_ticket_create_with_foreign_or_no_hazards_is_400(world, clients, category):
    foreign = services.report_hazard(
        actor=world.inspector_b, category=category, description="x", enterprise=world.other_b
    )
    response = post(clients.manager, "tickets/", {"hazards": [foreign.pk]})
    assert response.status_code == 400 and "hazards" in response.data
    assert post(clients.manager, "tickets/", {"hazards": []}).status_code == 400
    assert not Ticket.objects.exists()


def test_aggregate_makes_one_ticket_per_party(world, clients, category, parcel_category):
    a = services.report_hazard(actor=world.inspector, category=category, description="a", enterprise=world.tenant1)
    b = services.report_hazard(actor=world.inspector, category=category, description="b", enterprise=world.tenant2)
    c = services.report_hazard(actor=world.inspector, category=parcel_category, description="c", parcel=world.parcel)
    response = post(clients.manager, "tickets/aggregate/", {"hazards": [a.pk, b.pk, c.pk]})
    assert response.status_code == 201, response.data
    assert sorted(t["responsible_kind"] for t in response.data) == ["enterprise", "enterprise", "landlord"]
    assert {t["status"] for t in response.data} == {"pending"}


@pytest.mark.parametrize(
    "user", ["manager", "manager_all", "leader", "inspector", "enterprise_user", "landlord", "admin"]
)
def test_a_ticket_is_visible_to_the_roles_it_concerns(world, clients, make_ticket, user):
    ticket = make_ticket("assigned")
    assert getattr(clients, user).get(f"{API}tickets/{ticket.pk}/").status_code == 200


@pytest.mark.parametrize("user", ["inspector_a2", "inspector_b"])
def test_a_ticket_of_another_grid_reads_as_not_existing(world, clients, make_ticket, user):
    ticket = make_ticket("assigned")
    assert getattr(clients, user).get(f"{API}tickets/{ticket.pk}/").status_code == 404
    assert getattr(clients, user).get(f"{API}tickets/{ticket.pk}/events/").status_code == 404


@pytest.mark.parametrize("user", ["manager", "inspector", "enterprise_user", "landlord"])
def test_a_foreign_ticket_is_neither_found_nor_listed(world, clients, make_ticket, foreign_ticket, user):
    ticket = make_ticket("assigned")
    client = getattr(clients, user)
    assert client.get(f"{API}tickets/{foreign_ticket.pk}/").status_code == 404
    assert [t["id"] for t in client.get(f"{API}tickets/").data["results"]] == [ticket.pk]


def test_the_whole_area_manager_lists_every_ticket(world, clients, make_ticket, foreign_ticket):
    make_ticket("assigned")
    assert clients.manager_all.get(f"{API}tickets/").data["count"] == 2


ACTIONS = {
    "assign": {"deadline": SOON},
    "submit": {"comment": "已整改", "photos": "PHOTO"},
    "verify": {"passed": True, "comment": "合格"},
    "escalate": {"comment": "请加快整改"},
}
# action: (status the ticket must be in, roles allowed, roles refused with 403)
MATRIX = {
    "assign": ("pending", ["manager", "manager_all", "admin"], ["inspector", "leader", "enterprise_user", "landlord"]),
    "submit": ("assigned", ["enterprise_user", "admin"], ["manager", "inspector", "leader", "landlord"]),
    "verify": (
        "submitted",
        ["inspector", "manager", "manager_all", "admin"],
        ["leader", "enterprise_user", "landlord"],
    ),
    "escalate": (
        "assigned",
        ["manager", "manager_all", "leader", "admin"],
        ["inspector", "enterprise_user", "landlord"],
    ),
}


def action_body(action):
    body = dict(ACTIONS[action])
    if body.get("photos") == "PHOTO":
        body["photos"] = [f.photo_upload()]
    return body, ("multipart" if action == "submit" else "json")


@pytest.mark.parametrize("action", list(MATRIX))
def test_actions_allowed_roles(world, clients, make_ticket, action):
    status, allowed, _refused = MATRIX[action]
    for user in allowed:
        ticket = make_ticket(status)
        body, fmt = action_body(action)
        response = post(getattr(clients, user), f"tickets/{ticket.pk}/{action}/", body, fmt=fmt)
        assert response.status_code == 200, (user, response.data)
        assert response.data["id"] == ticket.pk
        assert {"status", "is_overdue", "escalation_level", "deadline", "hazards", "number"} <= set(response.data)


@pytest.mark.parametrize("action", list(MATRIX))
def test_actions_refused_by_role_are_403_and_change_nothing(world, clients, make_ticket, action):
    status, _allowed, refused = MATRIX[action]
    ticket = make_ticket(status)
    events = Event.objects.count()
    for user in refused:
        body, fmt = action_body(action)
        response = post(getattr(clients, user), f"tickets/{ticket.pk}/{action}/", body, fmt=fmt)
        assert response.status_code == 403, (user, response.data)
    ticket.refresh_from_db()
    assert ticket.status == status and ticket.escalation_level == 0
    assert Event.objects.count() == events


@pytest.mark.parametrize("action", list(MATRIX))
def test_actions_on_a_foreign_ticket_are_404_for_every_role(world, clients, make_ticket, action):
    status = MATRIX[action][0]
    ticket = make_ticket(status, enterprise=world.other_b, manager=world.manager_all, inspector=world.inspector_b)
    for user in ("manager", "inspector", "inspector_a2", "enterprise_user", "landlord"):
        body, fmt = action_body(action)
        response = post(getattr(clients, user), f"tickets/{ticket.pk}/{action}/", body, fmt=fmt)
        assert response.status_code == 404, (user, response.data)
    missing = post(clients.manager, f"tickets/987654/{action}/", *action_body(action))
    assert missing.status_code == 404
    assert Ticket.objects.get(pk=ticket.pk).status == status


@pytest.mark.parametrize(
    ("action", "status"),
    [
        ("assign", "assigned"),
        ("assign", "closed"),
        ("submit", "pending"),
        ("submit", "submitted"),
        ("verify", "assigned"),
        ("verify", "closed"),
        ("escalate", "closed"),
    ],
)
def test_actions_from_the_wrong_status_are_409(world, clients, make_ticket, action, status):
    ticket = make_ticket(status)
    user = {"assign": "manager", "submit": "enterprise_user", "verify": "inspector", "escalate": "manager"}[action]
    body, fmt = action_body(action)
    response = post(getattr(clients, user), f"tickets/{ticket.pk}/{action}/", body, fmt=fmt)
    assert response.status_code == 409, response.data
    assert response.data["code"] == "transition_not_allowed" and response.data["detail"]


def test_landlord_sees_but_may_not_submit_for_a_tenant(world, clients, make_ticket):
    ticket = make_ticket("assigned")
    response = post(
        clients.landlord,
        f"tickets/{ticket.pk}/submit/",
        {"comment": "x", "photos": [f.photo_upload()]},
        fmt="multipart",
    )
    assert response.status_code == 403
    assert response.data["code"] == "not_party" and response.data["detail"]


def test_verify_only_by_the_grid_inspector(world, clients, make_ticket):
    # inspector-a2 works in zone A but another grid: the ticket is not in their scope at all
    ticket = make_ticket("submitted")
    assert post(clients.inspector_a2, f"tickets/{ticket.pk}/verify/", {"passed": True}).status_code == 404


def test_assign_bad_input(world, clients, make_ticket, major_category):
    ticket = make_ticket("pending")
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = post(clients.manager, f"tickets/{ticket.pk}/assign/", {"deadline": yesterday})
    assert response.status_code == 400 and response.data["deadline"] == ["整改期限不能早于今天。"]
    response = post(clients.manager, f"tickets/{ticket.pk}/assign/", {"deadline": "31/12/2099", "funds": "-5"})
    assert response.status_code == 400 and {"deadline", "funds"} <= set(response.data)
    response = post(clients.manager, f"tickets/{ticket.pk}/assign/", {"assignee": world.inspector.pk})
    assert response.status_code == 400 and response.data["assignee"] == ["整改人必须是责任方的账号。"]
    response = post(clients.manager, f"tickets/{ticket.pk}/assign/", {"assignee": 987654})
    assert response.status_code == 400 and response.data["assignee"] == ["整改人必须是责任方的账号。"]
    response = post(clients.manager, f"tickets/{ticket.pk}/assign/", {"assignee": world.enterprise_user.pk})
    assert response.status_code == 200 and response.data["assignee"] == world.enterprise_user.pk


def test_major_hazard_needs_the_five_point_plan(world, clients, major_category):
    hazard = services.report_hazard(
        actor=world.inspector, category=major_category, description="粉尘超标", enterprise=world.tenant1
    )
    ticket = services.create_ticket([hazard], actor=world.manager, measures="")
    response = post(clients.manager, f"tickets/{ticket.pk}/assign/", {"deadline": SOON})
    assert response.status_code == 400
    assert {"measures", "funds", "responsible_person", "contingency"} <= set(response.data)
    response = post(
        clients.manager,
        f"tickets/{ticket.pk}/assign/",
        {
            "deadline": SOON,
            "measures": "安装除尘系统",
            "funds": "120000.00",
            "responsible_person": "王五",
            "contingency": "停产整顿期间禁止动火",
        },
    )
    assert response.status_code == 200, response.data
    assert response.data["is_major"] is True and response.data["funds"] == "120000.00"


def test_submit_needs_a_comment_and_photos(world, clients, make_ticket):
    ticket = make_ticket("assigned")
    response = post(clients.enterprise_user, f"tickets/{ticket.pk}/submit/", {"comment": ""}, fmt="multipart")
    assert response.status_code == 400 and {"comment", "photos"} <= set(response.data)
    response = post(clients.enterprise_user, f"tickets/{ticket.pk}/submit/", {"comment": "x"}, fmt="json")
    assert response.status_code == 415


def test_verify_rejection_needs_a_reason(world, clients, make_ticket):
    ticket = make_ticket("submitted")
    response = post(clients.inspector, f"tickets/{ticket.pk}/verify/", {"passed": False})
    assert response.status_code == 400 and "comment" in response.data
    response = post(clients.inspector, f"tickets/{ticket.pk}/verify/", {"comment": "x"})
    assert response.status_code == 400 and "passed" in response.data


def test_escalate_twice_then_409(world, clients, make_ticket):
    ticket = make_ticket("assigned")
    assert post(clients.leader, f"tickets/{ticket.pk}/escalate/").data["escalation_level"] == 1
    assert post(clients.manager, f"tickets/{ticket.pk}/escalate/").data["escalation_level"] == 2
    assert post(clients.manager, f"tickets/{ticket.pk}/escalate/").status_code == 409


def test_ticket_filters_are_the_web_filters(world, clients, make_ticket):
    assigned = make_ticket("assigned")
    make_ticket("pending")
    Ticket.objects.filter(pk=assigned.pk).update(deadline=timezone.localdate() - timedelta(days=3))
    client = clients.manager
    response = client.get(
        f"{API}tickets/", {"status": "assigned", "overdue": "true", "zone": "中申达", "q": assigned.number}
    )
    assert [t["id"] for t in response.data["results"]] == [assigned.pk]
    assert response.data["results"][0]["is_overdue"] is True and response.data["results"][0]["days_overdue"] == 3
    assert client.get(f"{API}tickets/", {"overdue": "false"}).data["count"] == 1
    assert client.get(f"{API}tickets/", {"status": ["pending", "assigned"]}).data["count"] == 2
    assert client.get(f"{API}tickets/", {"category": "TE01"}).data["count"] == 2
    numbers = [t["number"] for t in client.get(f"{API}tickets/", {"ordering": "-number"}).data["results"]]
    assert numbers == sorted(numbers, reverse=True)
    assert client.get(f"{API}tickets/", {"status": "lost"}).status_code == 400
    assert client.get(f"{API}tickets/", {"ordering": "password"}).status_code == 400


def test_workflow_messages_are_rendered_for_the_request(world, clients, make_ticket):
    ticket = make_ticket("closed")
    response = post(clients.manager, f"tickets/{ticket.pk}/assign/", {}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 409
    assert isinstance(response.data["detail"], str) and response.data["detail"]
    response = post(clients.inspector, f"tickets/{ticket.pk}/verify/", {}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.data["passed"] == ["This field is required."]
    response = post(clients.inspector, f"tickets/{ticket.pk}/verify/", {}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.data["passed"] != ["This field is required."]


# --- 代为提交整改: staff record the party's fix ----------------------------------------------------------


def behalf(comment="企业无账号，网格员代为提交"):
    return {"comment": comment, "photos": [f.photo_upload()], "on_behalf": "true"}


def test_staff_submit_on_the_partys_behalf(world, clients, make_ticket):
    ticket = make_ticket("assigned", enterprise=world.tenant2)  # tenant2 has no account
    response = post(clients.manager, f"tickets/{ticket.pk}/submit/", behalf(), fmt="multipart")
    assert response.status_code == 200, response.data
    assert response.data["status"] == "submitted"
    events = clients.manager.get(f"{API}tickets/{ticket.pk}/events/").data["results"]
    submitted = [e for e in events if e["kind"] == "inspections.ticket.submitted"][-1]
    assert submitted["actor"] == world.manager.pk
    assert submitted["data"]["on_behalf"] is True and submitted["data"]["party"] == "永康乙工贸有限公司"


def test_submit_on_behalf_refusals(world, clients, make_ticket, foreign_ticket):
    ticket = make_ticket("assigned")
    path = f"tickets/{ticket.pk}/submit/"
    # staff without the flag are not the party
    response = post(clients.inspector, path, {"comment": "x", "photos": [f.photo_upload()]}, fmt="multipart")
    assert (response.status_code, response.data["code"]) == (403, "not_permitted")
    # the party, the leader: not their action
    for client in (clients.enterprise_user, clients.leader):
        response = post(client, path, behalf(), fmt="multipart")
        assert (response.status_code, response.data["code"]) == (403, "not_permitted")
    # outside the caller's scope
    assert post(clients.inspector_b, path, behalf(), fmt="multipart").status_code == 404
    assert post(clients.manager, f"tickets/{foreign_ticket.pk}/submit/", behalf(), fmt="multipart").status_code == 404
    # wrong status
    pending = make_ticket("pending", hazards=1, enterprise=world.tenant2)
    response = post(clients.inspector, f"tickets/{pending.pk}/submit/", behalf(), fmt="multipart")
    assert (response.status_code, response.data["code"]) == (409, "transition_not_allowed")
    ticket.refresh_from_db()
    assert ticket.status == "assigned"
    # the grid's inspector may
    assert post(clients.inspector, path, behalf(), fmt="multipart").status_code == 200


# --- deadline extension, reassignment, close-out approval ---------------------------------------------


def _in_days(n):
    return (timezone.localdate() + timedelta(days=n)).isoformat()


def test_extension_request_and_decision(world, clients, make_ticket, foreign_ticket):
    ticket = make_ticket("assigned")
    first = ticket.deadline.isoformat()
    path = f"tickets/{ticket.pk}/extension/"
    # 400 bad input, 403 role, 404 outside scope
    assert post(clients.enterprise_user, path, {"deadline": first, "reason": "x"}).data["code"] == "deadline_not_later"
    assert post(clients.enterprise_user, path, {"deadline": _in_days(20)}).status_code == 400
    assert post(clients.leader, path, {"deadline": _in_days(20), "reason": "x"}).status_code == 403
    assert post(clients.landlord, path, {"deadline": _in_days(20), "reason": "x"}).data["code"] == "not_party"
    assert post(clients.manager, f"tickets/{foreign_ticket.pk}/extension/", {}).status_code == 404
    response = post(clients.enterprise_user, path, {"deadline": _in_days(20), "reason": "设备未到货"})
    assert response.status_code == 201, response.data
    [request] = response.data["extension_requests"]
    assert request["status"] == "pending" and request["requested_deadline"] == _in_days(20)
    assert request["current_deadline"] == first and request["on_behalf"] is False
    # 409: one pending request at a time
    again = post(clients.inspector, path, {"deadline": _in_days(25), "reason": "y"})
    assert (again.status_code, again.data["code"]) == (409, "extension_pending")

    decide = f"tickets/{ticket.pk}/extension/decide/"
    assert post(clients.inspector, decide, {"approve": True}).status_code == 403
    refused = post(clients.manager, decide, {"approve": False})
    assert (refused.status_code, refused.data["code"]) == (400, "reason_required")
    response = post(clients.manager, decide, {"approve": True, "comment": "同意"})
    assert response.status_code == 200, response.data
    assert response.data["deadline"] == _in_days(20) and response.data["original_deadline"] == first
    assert response.data["extension_requests"][0]["status"] == "approved"
    assert post(clients.manager, decide, {"approve": True}).data["code"] == "no_pending_extension"


def test_extension_pending_filter(world, clients, make_ticket):
    plain = make_ticket("assigned")
    asked = make_ticket("assigned")
    services.request_extension(
        asked, actor=world.enterprise_user, reason="x", deadline=timezone.localdate() + timedelta(days=20)
    )
    ids = [row["id"] for row in clients.manager.get(f"{API}tickets/?extension_pending=true").data["results"]]
    assert ids == [asked.pk]
    ids = [row["id"] for row in clients.manager.get(f"{API}tickets/?extension_pending=false").data["results"]]
    assert asked.pk not in ids and plain.pk in ids


def test_reassign_and_change_party(world, clients, make_ticket):
    ticket = make_ticket("assigned")
    path = f"tickets/{ticket.pk}/reassign/"
    assert post(clients.inspector, path, {"reason": "x", "deadline": _in_days(12)}).status_code == 403
    assert post(clients.manager, path, {"deadline": _in_days(12)}).status_code == 400
    assert post(clients.manager, path, {"reason": "x"}).data["code"] == "nothing_changed"
    response = post(
        clients.manager, path, {"reason": "人员调整", "deadline": _in_days(12), "responsible_person": "李四"}
    )
    assert response.status_code == 200, response.data
    assert response.data["deadline"] == _in_days(12) and response.data["responsible_person"] == "李四"
    event = Event.objects.filter(ticket=ticket).latest("pk")
    assert event.data["changes"]["responsible_person"] == ["", "李四"]

    party = f"tickets/{ticket.pk}/party/"
    bad = post(clients.manager, party, {"reason": "x", "enterprise": world.other_a2.pk})
    assert (bad.status_code, bad.data["code"]) == (400, "party_not_on_parcel")
    response = post(clients.manager, party, {"reason": "实为乙公司", "enterprise": world.tenant2.pk})
    assert response.status_code == 200, response.data
    assert response.data["enterprise"] == world.tenant2.pk
    assert clients.enterprise_user.get(f"{API}tickets/{ticket.pk}/").status_code == 404
    response = post(clients.manager, party, {"reason": "房东公共区域", "enterprise": None})
    assert response.data["responsible_kind"] == "landlord"
    services.submit_rectification(ticket, actor=world.landlord, comment="已整改", photos=[f.photo_upload()])
    conflict = post(clients.manager, path, {"reason": "x", "deadline": _in_days(15)})
    assert conflict.status_code == 409


def test_major_hazard_close_out_through_the_api(world, clients, major_category):
    from django.core.files.uploadedfile import SimpleUploadedFile

    hazard = services.report_hazard(
        actor=world.inspector, category=major_category, description="粉尘", enterprise=world.tenant1
    )
    ticket = services.create_ticket([hazard], actor=world.manager)
    services.assign_ticket(
        ticket, actor=world.manager, measures="整改", funds=1000, responsible_person="张三", contingency="预案"
    )
    submit = f"tickets/{ticket.pk}/submit/"
    missing = post(
        clients.enterprise_user, submit, {"comment": "已整改", "photos": [f.photo_upload()]}, fmt="multipart"
    )
    assert (missing.status_code, missing.data["code"]) == (400, "assessment_required")
    report = SimpleUploadedFile("评估.pdf", b"%PDF-1.4\n", content_type="application/pdf")
    done = post(
        clients.enterprise_user,
        submit,
        {"comment": "已整改", "photos": [f.photo_upload()], "assessment": report},
        fmt="multipart",
    )
    assert done.status_code == 200, done.data
    assert done.data["assessment"].endswith(f"/tickets/{ticket.pk}/assessment/")
    download = clients.enterprise_user.get(f"{API}tickets/{ticket.pk}/assessment/")
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"

    verified = post(clients.manager, f"tickets/{ticket.pk}/verify/", {"passed": True})
    assert verified.data["status"] == "closeout_pending"
    closeout = f"tickets/{ticket.pk}/closeout/"
    same = post(clients.manager, closeout, {"approve": True})
    assert (same.status_code, same.data["code"]) == (403, "same_as_verifier")
    assert post(clients.inspector, closeout, {"approve": True}).status_code == 403
    assert post(clients.manager_all, closeout, {"approve": False}).data["code"] == "reason_required"
    approved = post(clients.manager_all, closeout, {"approve": True})
    assert approved.status_code == 200 and approved.data["status"] == "closed"
    assert approved.data["closeout_approved_by"] == world.manager_all.pk
    assert post(clients.manager_all, closeout, {"approve": True}).status_code == 409


def test_an_inspector_may_not_mark_a_major_hazard_invalid(world, clients, major_category):
    hazard = services.report_hazard(
        actor=world.inspector, category=major_category, description="粉尘", enterprise=world.tenant1
    )
    refused = post(clients.inspector, f"hazards/{hazard.pk}/invalid/", {"reason": "不属实"})
    assert (refused.status_code, refused.data["code"]) == (403, "major_needs_manager")
    assert post(clients.manager, f"hazards/{hazard.pk}/invalid/", {"reason": "不属实"}).status_code == 200
