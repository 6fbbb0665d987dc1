"""Inspections, hazards and tickets through the API: each action by each role, allowed (2xx),
forbidden by role (403), outside the caller's scope (404), wrong status (409), bad input (400)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from briefing.models import DailyReport
from cases import services
from cases.models import Hazard, Ticket
from tests import factories as f
from tests.api.conftest import API
from timeline.models import Event


def post(client, path, data=None, fmt="json", **extra):
    return client.post(f"{API}{path}", data or {}, format=fmt, **extra)


@pytest.fixture
def foreign_ticket(world, category):
    """A pending ticket in zone B (花川), outside manager-a's and inspector-a1's scope."""
    hazard = services.report_hazard(
        actor=world.inspector_b, category=category, description="花川隐患", enterprise=world.other_b
    )
    return services.create_ticket([hazard], actor=world.manager_all)


# --- hazards --------------------------------------------------------------------------------------


def test_inspector_reports_a_hazard_answering_201(world, clients, category):
    response = post(
        clients.inspector,
        "hazards/",
        {"enterprise": world.tenant1.pk, "category": category.code, "description": "灭火器过期"},
    )
    assert response.status_code == 201, response.data
    body = response.data
    assert body["status"] == "reported" and body["number"].startswith("YH")
    assert body["category"] == "TE01" and body["severity"] == "general"
    assert body["enterprise_name"] == "永康甲五金有限公司" and body["zone_name"] == "中申达"
    assert body["reporter"] == world.inspector.pk and body["photos"] == []


def test_parcel_hazard_and_location(world, clients, parcel_category):
    response = post(
        clients.inspector,
        "hazards/",
        {
            "parcel": world.parcel.pk,
            "category": parcel_category.code,
            "severity": "major",
            "description": "消防通道被货物堵塞",
            "location_detail": "北侧通道",
        },
    )
    assert response.status_code == 201, response.data
    assert response.data["parcel_code"] == "ZSD-001" and response.data["enterprise"] is None
    assert response.data["severity"] == "major" and response.data["location_detail"] == "北侧通道"
    assert clients.inspector.get(f"{API}parcels/{world.parcel.pk}/").data["closeout_state"] == "red"


def test_enterprise_reports_a_hazard_on_itself(world, clients, category):
    response = post(
        clients.enterprise_user,
        "hazards/",
        {"enterprise": world.tenant1.pk, "category": category.code, "description": "自查发现插线板老化"},
    )
    assert response.status_code == 201, response.data


@pytest.mark.parametrize("user", ["leader"])
def test_reporting_by_a_role_that_may_not_is_403(world, clients, category, user):
    response = post(
        getattr(clients, user),
        "hazards/",
        {"enterprise": world.tenant1.pk, "category": category.code, "description": "x"},
    )
    assert response.status_code == 403


def test_hazard_on_a_foreign_unit_reads_as_not_existing(world, clients, category):
    foreign = post(
        clients.inspector, "hazards/", {"enterprise": world.other_b.pk, "category": category.code, "description": "x"}
    )
    missing = post(clients.inspector, "hazards/", {"enterprise": 987654, "category": category.code, "description": "x"})
    assert foreign.status_code == missing.status_code == 400
    assert foreign.data["enterprise"][0].replace(str(world.other_b.pk), "N") == missing.data["enterprise"][0].replace(
        "987654", "N"
    )


def test_hazard_bad_input_names_the_fields(world, clients):
    response = post(
        clients.inspector,
        "hazards/",
        {"enterprise": world.tenant1.pk, "category": "NOPE", "severity": "catastrophic", "description": ""},
    )
    assert response.status_code == 400
    assert {"category", "severity", "description"} <= set(response.data)


def test_hazard_without_unit_is_400_from_the_service(world, clients, category):
    response = post(clients.inspector, "hazards/", {"category": category.code, "description": "无单位"})
    assert response.status_code == 400
    assert response.data["code"] == "invalid" and "enterprise" in response.data


def test_hazard_with_photos_and_more_photos_later(world, clients, category):
    response = post(
        clients.inspector,
        "hazards/",
        {
            "enterprise": world.tenant1.pk,
            "category": category.code,
            "description": "电线裸露",
            "photos": [f.photo_upload("a.jpg"), f.photo_upload("b.jpg")],
        },
        fmt="multipart",
    )
    assert response.status_code == 201, response.data
    hazard_id = response.data["id"]
    assert len(response.data["photos"]) == 2
    photo = response.data["photos"][0]
    assert photo["image"] == f"http://testserver{API}photos/{photo['id']}/image/"

    response = post(
        clients.inspector, f"hazards/{hazard_id}/photos/", {"photos": [f.photo_upload("c.jpg")]}, fmt="multipart"
    )
    assert response.status_code == 201, response.data
    assert clients.manager.get(f"{API}hazards/{hazard_id}/photos/").data["count"] == 3
    kinds = [e["kind"] for e in clients.manager.get(f"{API}hazards/{hazard_id}/events/").data["results"]]
    assert kinds == ["inspections.hazard.reported", "inspections.hazard.photos_added"]


def test_photo_files_are_served_to_token_clients_in_scope(world, clients, category):
    hazard = services.report_hazard(
        actor=world.inspector, category=category, description="x", enterprise=world.tenant1, photos=[f.photo_upload()]
    )
    photo = hazard.photos.get()
    response = clients.enterprise_user.get(f"{API}photos/{photo.pk}/image/")
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content) == f.jpeg_bytes()
    response = clients.inspector.get(f"{API}photos/{photo.pk}/thumbnail/", HTTP_ACCEPT="image/*")
    assert response.status_code == 200 and b"".join(response.streaming_content)[:2] == b"\xff\xd8"
    assert clients.inspector.get(f"{API}photos/{photo.pk}/").data["width"] == 64
    for user in ("inspector_b", "inspector_a2"):
        assert getattr(clients, user).get(f"{API}photos/{photo.pk}/image/").status_code == 404
        assert getattr(clients, user).get(f"{API}photos/{photo.pk}/").status_code == 404
    assert clients.anonymous.get(f"{API}photos/{photo.pk}/image/").status_code == 401


def test_hazard_photos_refuse_non_images_wrong_roles_and_foreign_hazards(world, clients, category):
    from django.core.files.uploadedfile import SimpleUploadedFile

    hazard = services.report_hazard(actor=world.inspector, category=category, description="x", enterprise=world.tenant1)
    fake = SimpleUploadedFile("x.jpg", b"not a picture at all", content_type="image/jpeg")
    response = post(clients.inspector, f"hazards/{hazard.pk}/photos/", {"photos": [fake]}, fmt="multipart")
    assert response.status_code == 400 and "photos" in response.data
    assert hazard.photos.count() == 0

    response = post(
        clients.enterprise_user, f"hazards/{hazard.pk}/photos/", {"photos": [f.photo_upload()]}, fmt="multipart"
    )
    assert response.status_code == 403
    response = post(
        clients.inspector_b, f"hazards/{hazard.pk}/photos/", {"photos": [f.photo_upload()]}, fmt="multipart"
    )
    assert response.status_code == 404
    assert clients.inspector_b.get(f"{API}hazards/{hazard.pk}/photos/").status_code == 404


def test_foreign_hazard_is_404(world, clients, category):
    hazard = services.report_hazard(actor=world.inspector, category=category, description="x", enterprise=world.tenant1)
    assert clients.manager.get(f"{API}hazards/{hazard.pk}/").status_code == 200
    for user in ("inspector_a2", "inspector_b", "enterprise_user"):
        client = getattr(clients, user)
        if user == "enterprise_user":
            continue  # tenant1's own hazard
        assert client.get(f"{API}hazards/{hazard.pk}/").status_code == 404
        assert client.get(f"{API}hazards/{hazard.pk}/events/").status_code == 404
        assert post(client, f"hazards/{hazard.pk}/invalid/", {"reason": "x"}).status_code == 404


def test_mark_invalid_and_duplicate(world, clients, category):
    first = services.report_hazard(actor=world.inspector, category=category, description="一", enterprise=world.tenant1)
    second = services.report_hazard(
        actor=world.inspector, category=category, description="二", enterprise=world.tenant1
    )
    third = services.report_hazard(actor=world.inspector, category=category, description="三", enterprise=world.tenant2)
    assert clients.manager.get(f"{API}hazards/{second.pk}/").data["likely_duplicate_of"] == first.pk

    assert (
        post(clients.enterprise_user, f"hazards/{second.pk}/duplicate/", {"duplicate_of": first.pk}).status_code == 403
    )
    response = post(clients.inspector, f"hazards/{second.pk}/duplicate/", {"duplicate_of": first.pk})
    assert response.status_code == 200 and response.data["status"] == "duplicate"
    assert response.data["duplicate_of"] == first.pk

    response = post(clients.manager, f"hazards/{third.pk}/invalid/", {})
    assert response.status_code == 400 and "reason" in response.data
    response = post(clients.manager, f"hazards/{third.pk}/invalid/", {"reason": "现场核实无此问题"})
    assert response.status_code == 200 and response.data["status"] == "invalid"
    response = post(clients.manager, f"hazards/{third.pk}/invalid/", {"reason": "再来一次"})
    assert response.status_code == 409


def test_hazard_filters(world, clients, category, parcel_category):
    services.report_hazard(actor=world.inspector, category=category, description="电线", enterprise=world.tenant1)
    services.report_hazard(
        actor=world.inspector, category=parcel_category, description="通道", parcel=world.parcel, severity="major"
    )
    client = clients.manager
    assert client.get(f"{API}hazards/", {"severity": "major"}).data["count"] == 1
    assert client.get(f"{API}hazards/", {"q": "通道"}).data["count"] == 1
    assert client.get(f"{API}hazards/", {"status": "reported", "zone": "中申达"}).data["count"] == 2
    assert client.get(f"{API}hazards/", {"status": "rectified"}).data["count"] == 0
    numbers = [h["number"] for h in client.get(f"{API}hazards/", {"ordering": "number"}).data["results"]]
    assert numbers == sorted(numbers)


def test_hazard_filter_by_category_code(world, clients, category, parcel_category):
    services.report_hazard(actor=world.inspector, category=category, description="电线", enterprise=world.tenant1)
    services.report_hazard(actor=world.inspector, category=parcel_category, description="通道", parcel=world.parcel)
    assert clients.manager.get(f"{API}hazards/", {"category": "TE01"}).data["count"] == 1


# --- inspections ----------------------------------------------------------------------------------


def test_inspection_with_checklist_results_reports_failed_items(world, clients, category):
    from catalogue.models import Checklist, ChecklistItem

    checklist = Checklist.objects.create(code="api-test", name="测试检查表")
    ok_item = ChecklistItem.objects.create(checklist=checklist, order=1, text="灭火器在有效期内", category=category)
    bad_item = ChecklistItem.objects.create(checklist=checklist, order=2, text="电气线路规范敷设", category=category)
    response = post(
        clients.inspector,
        "inspections/",
        {
            "enterprise": world.tenant1.pk,
            "source": "grid",
            "checklist": checklist.pk,
            "notes": "例行检查",
            "results": [
                {"item": ok_item.pk, "passed": True},
                {"item": bad_item.pk, "passed": False, "note": "私拉电线"},
            ],
        },
    )
    assert response.status_code == 201, response.data
    body = response.data
    assert body["result"] == "hazards_found" and len(body["hazards"]) == 1
    assert [(i["item"], i["passed"]) for i in body["items"]] == [(ok_item.pk, True), (bad_item.pk, False)]
    hazard = Hazard.objects.get(pk=body["hazards"][0])
    assert hazard.description == "电气线路规范敷设：私拉电线" and hazard.inspection_id == body["id"]


def test_inspection_multipart_with_results_as_json_and_photos(world, clients, category):
    from catalogue.models import Checklist, ChecklistItem

    checklist = Checklist.objects.create(code="api-test-2", name="测试检查表二")
    item = ChecklistItem.objects.create(checklist=checklist, order=1, text="疏散通道畅通", category=category)
    response = post(
        clients.inspector,
        "inspections/",
        {
            "parcel": world.parcel.pk,
            "checklist": checklist.pk,
            "results": f'[{{"item": {item.pk}, "passed": true}}]',
            "photos": [f.photo_upload()],
        },
        fmt="multipart",
    )
    assert response.status_code == 201, response.data
    assert response.data["result"] == "passed" and len(response.data["photos"]) == 1


def test_inspection_roles_and_scope(world, clients):
    assert post(clients.leader, "inspections/", {"enterprise": world.tenant1.pk}).status_code == 403
    response = post(clients.inspector, "inspections/", {"enterprise": world.other_b.pk})
    assert response.status_code == 400 and "enterprise" in response.data
    response = post(clients.inspector, "inspections/", {"enterprise": world.tenant1.pk, "source": "nonsense"})
    assert response.status_code == 400 and "source" in response.data
    response = post(clients.enterprise_user, "inspections/", {"enterprise": world.tenant1.pk, "source": "grid"})
    assert response.status_code == 201 and response.data["source"] == "self_check"
    inspection_id = response.data["id"]
    assert clients.inspector.get(f"{API}inspections/{inspection_id}/").status_code == 200
    assert clients.inspector_b.get(f"{API}inspections/{inspection_id}/").status_code == 404
    assert clients.manager.get(f"{API}inspections/", {"source": "self_check"}).data["count"] == 1


# --- tickets --------------------------------------------------------------------------------------


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


def test_ticket_visibility_by_role(world, clients, make_ticket, foreign_ticket):
    ticket = make_ticket("assigned")
    for user in ("manager", "manager_all", "leader", "inspector", "enterprise_user", "landlord", "admin"):
        assert getattr(clients, user).get(f"{API}tickets/{ticket.pk}/").status_code == 200, user
    for user in ("inspector_a2", "inspector_b"):
        assert getattr(clients, user).get(f"{API}tickets/{ticket.pk}/").status_code == 404, user
        assert getattr(clients, user).get(f"{API}tickets/{ticket.pk}/events/").status_code == 404, user
    for user in ("manager", "inspector", "enterprise_user", "landlord"):
        client = getattr(clients, user)
        assert client.get(f"{API}tickets/{foreign_ticket.pk}/").status_code == 404, user
        assert [t["id"] for t in client.get(f"{API}tickets/").data["results"]] == [ticket.pk], user
    assert clients.manager_all.get(f"{API}tickets/").data["count"] == 2


ACTIONS = {
    "assign": {"deadline": "2099-01-31"},
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
    assert response.data["detail"] == "只有整改责任方可以提交整改材料。"


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
    response = post(clients.manager, f"tickets/{ticket.pk}/assign/", {"deadline": "2099-06-30"})
    assert response.status_code == 400
    assert {"measures", "funds", "responsible_person", "contingency"} <= set(response.data)
    response = post(
        clients.manager,
        f"tickets/{ticket.pk}/assign/",
        {
            "deadline": "2099-06-30",
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


# --- the daily briefing ---------------------------------------------------------------------------


BRIEFING = {
    "date": "2023-12-30",
    "found": 19997,
    "rectified_general": 19294,
    "rectified_major": 545,
    "rectification_rate": "99.21",
    "overdue": 3,
    "zones": [
        {
            "id": 1,
            "name": "中申达",
            "found": 10,
            "rectified_general": 9,
            "rectified_major": 1,
            "rectification_rate": "100.00",
            "overdue": 0,
        }
    ],
}


def test_daily_report_reads_the_stored_briefing(world, clients):
    DailyReport.objects.create(date="2023-12-30", scope="all", data=BRIEFING)
    DailyReport.objects.create(
        date="2023-12-30", scope=f"zone:{world.zone_a.pk}", zone=world.zone_a, data={**BRIEFING, "found": 10}
    )
    response = clients.leader.get(f"{API}reports/daily/2023-12-30/")
    assert response.status_code == 200, response.data
    body = response.data
    assert body["date"] == "2023-12-30" and body["scope"] == "all"
    assert body["found"] == 19997 and body["rectification_rate"] == "99.21"
    assert body["zones"][0]["rectification_rate"] == "100.00"
    # a manager of zone A reads their zone's briefing by default, and not the whole area's
    assert clients.manager.get(f"{API}reports/daily/2023-12-30/").data["found"] == 10
    assert clients.manager.get(f"{API}reports/daily/2023-12-30/", {"scope": "all"}).status_code == 404
    response = clients.leader.get(f"{API}reports/daily/2023-12-30/", {"scope": f"zone:{world.zone_a.pk}"})
    assert response.data["found"] == 10


def test_daily_report_errors(world, clients):
    assert clients.leader.get(f"{API}reports/daily/2023-12-29/").status_code == 404  # none stored, no ledger
    assert clients.leader.get(f"{API}reports/daily/2023-02-30/").status_code == 400
    assert clients.leader.get(f"{API}reports/daily/2023-12-29/", {"scope": "everything"}).status_code == 400
    assert clients.enterprise_user.get(f"{API}reports/daily/2023-12-29/").status_code == 403
    assert clients.landlord.get(f"{API}reports/daily/2023-12-29/").status_code == 403


def test_daily_report_is_generated_on_demand_for_a_past_day(world, clients, make_ticket):
    ticket = make_ticket("closed")
    Hazard.objects.filter(ticket=ticket).update(
        reported_at=timezone.now() - timedelta(days=3), rectified_at=timezone.now() - timedelta(days=2)
    )
    day = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = clients.leader.get(f"{API}reports/daily/{day}/")
    assert response.status_code == 200, response.data
    assert response.data["date"] == day and response.data["found"] == 1
    assert response.data["rectification_rate"] == "100.00"
    assert {z["name"] for z in response.data["zones"]} >= {"中申达"}
    assert DailyReport.objects.filter(date=day, scope="all").count() == 1
    # a day before the ledger began has no briefing
    old = (timezone.localdate() - timedelta(days=30)).isoformat()
    assert clients.leader.get(f"{API}reports/daily/{old}/").status_code == 404
