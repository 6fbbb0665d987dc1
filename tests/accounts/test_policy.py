"""One policy: the page offers an action exactly when the service accepts it, and the API answers 2xx
exactly then too, for every role (staff without a role and an inactive user included), every action
on tickets and hazards, in every status.

Each service and API call runs in a savepoint that is rolled back, so every action is tried on the
same row. Accepted = no NotPermitted / TransitionNotAllowed (the input is always valid). The table
``expected_*`` restates the rules, so a policy that refused everything could not pass.
"""

from datetime import timedelta

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts import policy
from accounts.choices import Role
from accounts.policy import Action
from cases import services
from cases.choices import OPEN_HAZARD_STATUSES, OPEN_TICKET_STATUSES, HazardStatus, TicketStatus
from catalogue.choices import CategoryLevel, Severity
from core.errors import NotPermitted, TransitionNotAllowed, ValidationFailed
from tests import factories as f
from timeline.models import Event

pytestmark = pytest.mark.django_db

API = "/api/v1/"

# Every kind of user: who acts in the grid/zone/party, who is one step outside, and who may do nothing.
ROLES = [
    "inspector",  # inspector of the ticket's grid
    "inspector_other_grid",
    "manager",  # manager of the ticket's zone
    "manager_other_zone",
    "leader",
    "enterprise",  # the responsible enterprise's user
    "enterprise_other",  # another tenant's user on the same parcel
    "landlord",  # the parcel's landlord (copied on a tenant's ticket, party of a parcel-level one)
    "staff_no_role",
    "inactive",
    "superuser",
]


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def people(world):
    manager_b = f.UserFactory(username="manager-b", role=Role.MANAGER)
    manager_b.zones.add(world.zone_b)
    tenant2_owner = f.UserFactory(username="tenant2-owner", role=Role.ENTERPRISE)
    tenant2_owner.enterprises.add(world.tenant2)
    inactive = f.UserFactory(username="inactive-manager", role=Role.MANAGER, is_active=False)
    inactive.zones.add(world.zone_a)
    return {
        "inspector": world.inspector,
        "inspector_other_grid": world.inspector_a2,
        "manager": world.manager,
        "manager_other_zone": manager_b,
        "leader": world.leader,
        "enterprise": world.enterprise_user,
        "enterprise_other": tenant2_owner,
        "landlord": world.landlord,
        "staff_no_role": f.UserFactory(username="staff-no-role", role="", is_staff=True),
        "inactive": inactive,
        "superuser": world.admin,
    }


@pytest.fixture
def categories(db):
    return {
        "enterprise": f.HazardCategoryFactory(code="TE01", name="电气线路私拉乱接", deadline_days=7),
        "landlord": f.HazardCategoryFactory(
            code="TP01", name="消防通道堵塞", level=CategoryLevel.PARCEL, deadline_days=3
        ),
        "major": f.HazardCategoryFactory(
            code="TM01", name="粉尘防爆措施缺失", default_severity=Severity.MAJOR, deadline_days=30
        ),
    }


class Rollback(Exception):
    pass


def accepted(run):
    """(True, result) when the service accepts (then rolled back), (False, error) when it refuses."""
    try:
        with transaction.atomic():
            result = run()
            raise Rollback(result)
    except Rollback as done:
        return True, done.args[0]
    except (NotPermitted, TransitionNotAllowed) as refused:
        return False, refused


def api_post(user, path, body, *, fmt="json", then=None):
    """POST as ``user`` with a token, in a savepoint rolled back; (status code, ``then(response)``)."""
    client = APIClient()
    token, _created = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    try:
        with transaction.atomic():
            response = client.post(f"{API}{path}", body, format=fmt)
            raise Rollback(response, then(response) if then and response.status_code < 300 else None)
    except Rollback as done:
        return done.args


def photo():
    return f.photo_upload()


# --- tickets ----------------------------------------------------------------------------------------

TICKET_STATES = ["pending", "assigned", "submitted", "closed", "listed", "reopened", "extension_pending", "closeout"]
STATE_STATUS = {
    "listed": TicketStatus.ASSIGNED,
    "reopened": TicketStatus.CLOSED,
    "extension_pending": TicketStatus.ASSIGNED,  # with a pending extension request of the party
    "closeout": TicketStatus.CLOSEOUT_PENDING,  # a major hazard's ticket verified by the grid's inspector
}


def pdf():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("评估报告.pdf", b"%PDF-1.4\n%test\n", content_type="application/pdf")


def make_ticket(world, categories, party, state):
    """A ticket of tenant1 (party "enterprise") or of world.parcel's landlord, brought to ``state``."""
    unit = {"enterprise": world.tenant1} if party == "enterprise" else {"parcel": world.parcel}
    category = categories["major" if state == "closeout" else party]
    hazard = services.report_hazard(actor=world.inspector, category=category, description="隐患", **unit)
    ticket = services.create_ticket([hazard], actor=world.manager)
    if state == "pending":
        return ticket
    plan = {"measures": "整改", "funds": 1000, "responsible_person": "张三", "contingency": "预案"}
    ticket = services.assign_ticket(ticket, actor=world.manager, **(plan if state == "closeout" else {}))
    if state == "listed":
        return services.escalate_ticket(ticket, actor=world.manager, level=2)
    if state == "assigned":
        return ticket
    submitter = world.enterprise_user if party == "enterprise" else world.landlord
    if state == "extension_pending":
        services.request_extension(ticket, actor=submitter, reason="设备未到货", deadline=in_days(20))
        return ticket
    assessment = pdf() if state == "closeout" else None
    ticket = services.submit_rectification(
        ticket, actor=submitter, comment="已整改", photos=[photo()], assessment=assessment
    )
    if state == "submitted":
        return ticket
    ticket = services.verify_ticket(ticket, actor=world.inspector, passed=True)
    if state == "reopened":
        services.reopen_ticket(ticket, actor=world.manager, comment="复查发现隐患反弹")
    return ticket


def in_days(n):
    return timezone.localdate() + timedelta(days=n)


# action: (policy action, the page's form marker, the service call, the API call (path, body, format))
TICKET_ACTIONS = {
    "assign": (
        Action.TICKET_ASSIGN,
        'id="assign-form"',
        lambda t, u: services.assign_ticket(t, actor=u, deadline=in_days(5)),
        lambda t: (f"tickets/{t.pk}/assign/", {"deadline": in_days(5).isoformat()}, "json"),
    ),
    "submit": (
        Action.TICKET_SUBMIT,
        'id="submit-form"',
        lambda t, u: services.submit_rectification(t, actor=u, comment="已整改", photos=[photo()]),
        lambda t: (f"tickets/{t.pk}/submit/", {"comment": "已整改", "photos": [photo()]}, "multipart"),
    ),
    "verify": (
        Action.TICKET_VERIFY,
        'id="verify-form"',
        lambda t, u: services.verify_ticket(t, actor=u, passed=True, comment="合格"),
        lambda t: (f"tickets/{t.pk}/verify/", {"passed": True, "comment": "合格"}, "json"),
    ),
    "escalate": (
        Action.TICKET_ESCALATE,
        'id="escalate-form"',
        lambda t, u: services.escalate_ticket(t, actor=u, comment="请加快"),
        lambda t: (f"tickets/{t.pk}/escalate/", {"comment": "请加快"}, "json"),
    ),
    "reopen": (
        Action.TICKET_REOPEN,
        'id="reopen-form"',
        lambda t, u: services.reopen_ticket(t, actor=u, comment="复查又发现"),
        lambda t: (f"tickets/{t.pk}/reopen/", {"comment": "复查又发现"}, "json"),
    ),
    # 代为提交整改: the grid's inspector or the zone's manager records the party's fix.
    "submit_on_behalf": (
        Action.TICKET_SUBMIT_ON_BEHALF,
        'id="submit-behalf-form"',
        lambda t, u: services.submit_rectification(t, actor=u, comment="代为提交", photos=[photo()], on_behalf=True),
        lambda t: (
            f"tickets/{t.pk}/submit/",
            {"comment": "代为提交", "photos": [photo()], "on_behalf": "true"},
            "multipart",
        ),
    ),
    # 延期申请 by the party, or by the grid's inspector / the zone's manager on its behalf.
    "extension": (
        Action.TICKET_REQUEST_EXTENSION,
        'id="extension-form"',
        lambda t, u: services.request_extension(t, actor=u, reason="设备未到货", deadline=in_days(20)),
        lambda t: (f"tickets/{t.pk}/extension/", {"reason": "设备未到货", "deadline": in_days(20).isoformat()}, "json"),
    ),
    "decide_extension": (
        Action.TICKET_DECIDE_EXTENSION,
        'id="decide-extension-form"',
        lambda t, u: services.decide_extension(t, actor=u, approve=True),
        lambda t: (f"tickets/{t.pk}/extension/decide/", {"approve": True}, "json"),
    ),
    "reassign": (
        Action.TICKET_REASSIGN,
        'id="reassign-form"',
        lambda t, u: services.reassign_ticket(t, actor=u, reason="人员调整", deadline=in_days(10)),
        lambda t: (f"tickets/{t.pk}/reassign/", {"reason": "人员调整", "deadline": in_days(10).isoformat()}, "json"),
    ),
    "change_party": (
        Action.TICKET_REASSIGN,
        'id="change-party-form"',
        lambda t, u: services.change_responsible_party(t, actor=u, reason="实为乙公司", enterprise=other_party(t)),
        lambda t: (f"tickets/{t.pk}/party/", {"reason": "实为乙公司", "enterprise": other_party(t).pk}, "json"),
    ),
    "closeout": (
        Action.TICKET_APPROVE_CLOSEOUT,
        'id="closeout-form"',
        lambda t, u: services.decide_closeout(t, actor=u, approve=True),
        lambda t: (f"tickets/{t.pk}/closeout/", {"approve": True}, "json"),
    ),
    "comment": (
        Action.TICKET_COMMENT,
        'id="comment-form"',
        lambda t, u: services.comment_ticket(t, actor=u, comment="备注"),
        lambda t: (f"tickets/{t.pk}/comment/", {"comment": "备注"}, "json"),
    ),
    # An internal note is accepted when the note written is internal (a party's note never is).
    "comment_internal": (
        Action.TICKET_COMMENT_INTERNAL,
        'name="internal"',
        lambda t, u: services.comment_ticket(t, actor=u, comment="内部备注", internal=True),
        lambda t: (f"tickets/{t.pk}/comment/", {"comment": "内部备注", "internal": True}, "json"),
    ),
}


def other_party(ticket):
    """Another enterprise on the ticket's parcel (tenant2 for tenant1's ticket, tenant1 for the landlord's)."""
    from register.models import Enterprise

    return Enterprise.objects.filter(parcel_id=ticket.parcel_id).exclude(pk=ticket.enterprise_id).order_by("pk")[0]


def expected_ticket(action, state, party):
    """Who may do ``action`` on a ticket in ``state`` whose responsible party is ``party``."""
    status = STATE_STATUS.get(state, state)
    sees = {"inspector", "manager", "leader", "landlord", "superuser"} | (
        {"enterprise"} if party == "enterprise" else set()
    )
    who = {
        "assign": {"manager", "superuser"} if status == TicketStatus.PENDING else set(),
        "submit": {party, "superuser"} if status == TicketStatus.ASSIGNED else set(),
        "submit_on_behalf": {"inspector", "manager", "superuser"} if status == TicketStatus.ASSIGNED else set(),
        "verify": {"inspector", "manager", "superuser"} if status == TicketStatus.SUBMITTED else set(),
        "escalate": {"manager", "leader", "superuser"}
        if status in OPEN_TICKET_STATUSES and state != "listed"
        else set(),
        "reopen": {"manager", "superuser"} if state == "closed" else set(),
        "extension": {party, "inspector", "manager", "superuser"}
        if status == TicketStatus.ASSIGNED and state != "extension_pending"
        else set(),
        "decide_extension": {"manager", "superuser"} if state == "extension_pending" else set(),
        "reassign": {"manager", "superuser"} if status == TicketStatus.ASSIGNED else set(),
        "change_party": {"manager", "superuser"} if status == TicketStatus.ASSIGNED else set(),
        "closeout": {"manager", "superuser"} if state == "closeout" else set(),
        "comment": sees,
        "comment_internal": sees - {"enterprise", "landlord"},
    }[action]
    return who & sees


def did(action, ok, result):
    return ok and (action != "comment_internal" or result.internal)


def api_agrees(user, action, obj, name, path, body, fmt, *, then=None):
    """The API answers 2xx exactly when the policy allows; a refusal carries the policy's status and code
    (401 for an inactive user's token, 404 for an object outside the caller's scope)."""
    response, then_value = api_post(user, path, body, fmt=fmt, then=then)
    done = response.status_code < 300 and (then is None or then_value)
    decision = policy.check(user, action, obj)
    assert done == decision.allowed, (name, response.status_code, response.data)
    if response.status_code in (400, 404):  # a foreign object (in the path or the body) answers like a missing one
        assert not type(obj).objects.visible_to(user).filter(pk=obj.pk).exists(), (name, response.data)
    elif not decision.allowed and response.status_code not in (201, 401):  # 201: a party's note, not internal
        assert (response.status_code, response.data["code"]) == (decision.error.http_status, decision.code), name


# Every state of a tenant's ticket; a landlord's own ticket where being its party matters.
SUBJECTS = [("enterprise", state) for state in TICKET_STATES] + [("landlord", "assigned"), ("landlord", "submitted")]


@pytest.mark.parametrize("who", ROLES)
@pytest.mark.parametrize(("party", "state"), SUBJECTS)
def test_ticket_page_service_and_api_agree(client, world, people, categories, who, party, state):
    # Given: a ticket in ``state`` and a user; when: the user opens its page and tries every action
    ticket = make_ticket(world, categories, party, state)
    user = people[who]
    client.force_login(user)
    response = client.get(reverse("cases:ticket_detail", args=[ticket.pk]))
    assert response.status_code in (200, 302, 404)
    page = response.content.decode() if response.status_code == 200 else ""
    assert (response.status_code == 200) == (who in expected_ticket("comment", state, party))
    # Then: the page offers an action exactly when the service accepts it, and so does the API
    for name, (action, marker, run, api) in TICKET_ACTIONS.items():
        ok, result = accepted(lambda run=run: run(ticket, user))
        done = did(name, ok, result)
        assert (marker in page) == done, (name, result)
        assert done == (who in expected_ticket(name, state, party)), (name, result)
        decision = policy.check(user, action, ticket)
        assert decision.allowed == done, (name, decision)
        if not ok and name != "comment_internal":  # (an internal note is refused as a note first)
            assert decision.code == result.code, name
        internal = (lambda r: Event.objects.get(pk=r.data["id"]).internal) if name == "comment_internal" else None
        api_agrees(user, action, ticket, name, *api(ticket), then=internal)


# --- hazards ----------------------------------------------------------------------------------------

HAZARD_STATES = [
    HazardStatus.REPORTED,
    HazardStatus.AGGREGATED,
    HazardStatus.RECTIFIED,
    HazardStatus.DUPLICATE,
    HazardStatus.INVALID,
]


def make_hazard(world, categories, state):
    """A hazard of tenant1 reported by the grid's inspector, brought to ``state``; and another
    reported one it may repeat."""
    original = services.report_hazard(
        actor=world.inspector,
        category=f.HazardCategoryFactory(code="TO01"),
        description="原始",
        enterprise=world.tenant1,
    )
    hazard = services.report_hazard(
        actor=world.inspector, category=categories["enterprise"], description="隐患", enterprise=world.tenant1
    )
    if state == HazardStatus.DUPLICATE:
        services.mark_duplicate(hazard, actor=world.manager, duplicate_of=original)
    elif state == HazardStatus.INVALID:
        services.mark_invalid(hazard, actor=world.manager, reason="现场核实无此问题")
    elif state in (HazardStatus.AGGREGATED, HazardStatus.RECTIFIED):
        ticket = services.create_ticket([hazard], actor=world.manager)
        if state == HazardStatus.RECTIFIED:
            ticket = services.assign_ticket(ticket, actor=world.manager)
            ticket = services.submit_rectification(ticket, actor=world.enterprise_user, comment="好", photos=[photo()])
            services.verify_ticket(ticket, actor=world.inspector, passed=True)
    hazard.refresh_from_db()
    assert hazard.status == state
    return hazard, original


# action: (policy action, the page's form marker or None, the service call, the API call)
HAZARD_ACTIONS = {
    "duplicate": (
        Action.HAZARD_MARK_DUPLICATE,
        'id="duplicate-form"',
        lambda h, o, u: services.mark_duplicate(h, actor=u, duplicate_of=o),
        lambda h, o: (f"hazards/{h.pk}/duplicate/", {"duplicate_of": o.pk}, "json"),
    ),
    "invalid": (
        Action.HAZARD_MARK_INVALID,
        'id="invalid-form"',
        lambda h, o, u: services.mark_invalid(h, actor=u, reason="核实不属实"),
        lambda h, o: (f"hazards/{h.pk}/invalid/", {"reason": "核实不属实"}, "json"),
    ),
    "restore": (
        Action.HAZARD_RESTORE,
        'id="restore-form"',
        lambda h, o, u: services.restore_hazard(h, actor=u, reason="误标，恢复"),
        lambda h, o: (f"hazards/{h.pk}/restore/", {"reason": "误标，恢复"}, "json"),
    ),
    "add_photos": (
        Action.HAZARD_ADD_PHOTOS,
        None,  # not on the hazard page: the phone adds photos through the API
        lambda h, o, u: services.add_hazard_photos(h, actor=u, photos=[photo()]),
        lambda h, o: (f"hazards/{h.pk}/photos/", {"photos": [photo()]}, "multipart"),
    ),
    "aggregate": (
        Action.TICKET_CREATE,
        None,  # the manager's desk aggregates (a list page)
        lambda h, o, u: services.create_ticket([h], actor=u),
        lambda h, o: ("tickets/", {"hazards": [h.pk]}, "json"),
    ),
}


def expected_hazard(action, state):
    sees = {"inspector", "manager", "leader", "enterprise", "landlord", "superuser"}
    reported = state == HazardStatus.REPORTED
    who = {
        "duplicate": {"inspector", "manager", "superuser"} if reported else set(),
        "invalid": {"inspector", "manager", "superuser"} if reported else set(),
        "restore": {"manager", "superuser"} if state in (HazardStatus.DUPLICATE, HazardStatus.INVALID) else set(),
        # office staff, or the party that reported it (here the inspector reported it)
        "add_photos": {"inspector", "manager", "superuser"} if state in OPEN_HAZARD_STATUSES else set(),
        "aggregate": {"manager", "superuser"} if reported else set(),
    }[action]
    return who & sees


@pytest.mark.parametrize("who", ROLES)
@pytest.mark.parametrize("state", HAZARD_STATES)
def test_hazard_page_service_and_api_agree(client, world, people, categories, who, state):
    hazard, original = make_hazard(world, categories, state)
    user = people[who]
    client.force_login(user)
    response = client.get(reverse("cases:hazard_detail", args=[hazard.pk]))
    page = response.content.decode() if response.status_code == 200 else ""
    for name, (action, marker, run, api) in HAZARD_ACTIONS.items():
        ok, result = accepted(lambda run=run: run(hazard, original, user))
        if marker is not None:
            assert (marker in page) == ok, (name, result)
        assert ok == (who in expected_hazard(name, state)), (name, result)
        decision = policy.check(user, action, hazard)
        assert decision.allowed == ok, (name, decision)
        if not ok:
            assert decision.code == result.code, name
        api_agrees(user, action, hazard, name, *api(hazard, original))


def test_a_party_adds_photos_only_to_the_hazards_it_reported(world, categories):
    own = services.report_hazard(
        actor=world.enterprise_user, category=categories["enterprise"], description="自查发现", enterprise=world.tenant1
    )
    theirs = services.report_hazard(
        actor=world.inspector, category=f.HazardCategoryFactory(), description="网格员发现", enterprise=world.tenant1
    )
    assert services.add_hazard_photos(own, actor=world.enterprise_user, photos=[photo()])
    with pytest.raises(NotPermitted) as refused:
        services.add_hazard_photos(theirs, actor=world.enterprise_user, photos=[photo()])
    assert refused.value.code == "not_reporter"
    status, _ = api_post(world.enterprise_user, f"hazards/{theirs.pk}/photos/", {"photos": [photo()]}, fmt="multipart")
    assert (status.status_code, status.data["code"]) == (403, "not_reporter")


# --- the policy itself ------------------------------------------------------------------------------


def test_every_action_has_one_rule():
    assert set(policy.rules()) == set(Action)


@pytest.mark.parametrize("who", ["staff_no_role", "inactive"])
def test_staff_without_a_role_and_an_inactive_user_may_do_nothing(world, people, categories, who):
    ticket = make_ticket(world, categories, "enterprise", "pending")
    user = people[who]
    code = {"staff_no_role": "no_role", "inactive": "account_inactive"}[who]
    for action in Action:
        decision = policy.check(user, action)
        assert not decision.allowed and decision.code == code, action
    assert policy.permitted_actions(user, ticket) == set()


def test_anonymous_must_log_in(world):
    from django.contrib.auth.models import AnonymousUser

    decision = policy.check(AnonymousUser(), Action.TICKET_COMMENT)
    assert not decision and decision.code == "login_required" and decision.error.http_status == 403


def test_permitted_actions_of_a_pending_ticket(world, people, categories):
    ticket = make_ticket(world, categories, "enterprise", "pending")
    assert policy.permitted_actions(people["manager"], ticket) == {
        Action.TICKET_ASSIGN,
        Action.TICKET_ESCALATE,
        Action.TICKET_COMMENT,
        Action.TICKET_COMMENT_INTERNAL,
    }
    assert policy.permitted_actions(people["enterprise"], ticket) == {Action.TICKET_COMMENT}
    assert policy.permitted_actions(people["manager_other_zone"], ticket) == set()
    refusal = policy.decisions(people["manager_other_zone"], ticket)[Action.TICKET_ASSIGN]
    assert refusal.code == "out_of_scope" and refusal.error.http_status == 403


def test_wrong_status_is_409_with_a_code(world, people, categories):
    ticket = make_ticket(world, categories, "enterprise", "listed")
    decision = policy.check(people["leader"], Action.TICKET_ESCALATE, ticket)
    assert decision.code == "already_listed" and decision.error.http_status == 409
    decision = policy.check(people["manager"], Action.TICKET_ASSIGN, ticket)
    assert decision.code == "transition_not_allowed" and decision.error.http_status == 409


def test_staff_without_a_role_sees_no_action_and_a_post_is_refused(client, world, people, categories):
    """The bug seen: a staff user without a role got assign/escalate buttons, and the POST answered 403."""
    ticket = make_ticket(world, categories, "enterprise", "pending")
    staff = people["staff_no_role"]
    client.force_login(staff)
    page = client.get(reverse("cases:ticket_detail", args=[ticket.pk]))
    body = page.content.decode() if page.status_code == 200 else ""
    assert 'id="assign-form"' not in body and 'id="escalate-form"' not in body
    response = client.post(reverse("cases:ticket_assign", args=[ticket.pk]), {"deadline": in_days(3).isoformat()})
    assert response.status_code in (403, 404)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.PENDING


def test_import_needs_a_manager_of_the_whole_area(world, people):
    assert policy.allows(people["superuser"], Action.REGISTER_IMPORT)
    assert policy.allows(world.manager_all, Action.REGISTER_IMPORT)
    refusal = policy.check(people["manager"], Action.REGISTER_IMPORT)
    assert refusal.code == "not_whole_area"
    assert policy.check(people["leader"], Action.REGISTER_IMPORT).code == "not_permitted"


def test_validation_errors_carry_codes_too(world, categories):
    with pytest.raises(ValidationFailed) as excinfo:
        services.report_hazard(actor=world.inspector, category=categories["enterprise"], description="x")
    assert excinfo.value.code == "unit_required" and excinfo.value.http_status == 400


def test_admin_offers_the_workflow_actions_the_policy_allows(client, world):
    from django.contrib.auth.models import Permission

    leader = world.leader
    leader.is_staff = True
    leader.save()
    leader.user_permissions.add(*Permission.objects.filter(codename__in=["view_ticket", "change_ticket"]))
    client.force_login(leader)
    actions = client.get(reverse("admin:cases_ticket_changelist")).context["action_form"].fields["action"].choices
    names = {name for name, _label in actions}
    assert "escalate_selected" in names and not {"assign_selected", "verify_selected"} & names
    client.force_login(world.admin)
    actions = client.get(reverse("admin:cases_ticket_changelist")).context["action_form"].fields["action"].choices
    assert {"assign_selected", "escalate_selected", "verify_selected"} <= {name for name, _label in actions}
