import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from cases import services
from cases.choices import (
    EscalationLevel,
    HazardStatus,
    InspectionResult,
    InspectionSource,
    ResponsibleKind,
    TicketStatus,
)
from cases.models import Hazard, Ticket
from catalogue.models import Checklist, ChecklistItem
from closeout import services as closeout_services
from closeout.choices import CrossCheckStatus
from core.errors import NotPermitted, TransitionNotAllowed, ValidationFailed, WorkflowError
from register.choices import CloseoutState
from tests import factories as f
from tests.timeline.tampering import as_superuser
from timeline.chain import verify_chain
from timeline.kinds import EventKind
from timeline.models import Event

pytestmark = pytest.mark.django_db

ROLES = ["inspector", "inspector_b", "manager", "manager_all", "leader", "enterprise_user", "landlord"]
STATUSES = [TicketStatus.PENDING, TicketStatus.ASSIGNED, TicketStatus.SUBMITTED, TicketStatus.CLOSED]


def ticket_action(name, world):
    today = timezone.localdate()
    return {
        "assign": lambda t, actor: services.assign_ticket(t, actor=actor, deadline=today + timedelta(days=5)),
        "submit": lambda t, actor: services.submit_rectification(
            t, actor=actor, comment="已整改", photos=[f.photo_upload()]
        ),
        "verify_pass": lambda t, actor: services.verify_ticket(t, actor=actor, passed=True, comment="合格"),
        "verify_fail": lambda t, actor: services.verify_ticket(t, actor=actor, passed=False, comment="仍堆放杂物"),
        "escalate": lambda t, actor: services.escalate_ticket(t, actor=actor, comment="请加快"),
    }[name]


# (action, status) -> roles allowed; everything else must raise and change nothing.
ALLOWED = {
    ("assign", TicketStatus.PENDING): {"manager", "manager_all"},
    ("submit", TicketStatus.ASSIGNED): {"enterprise_user"},
    ("verify_pass", TicketStatus.SUBMITTED): {"inspector", "manager", "manager_all"},
    ("verify_fail", TicketStatus.SUBMITTED): {"inspector", "manager", "manager_all"},
    ("escalate", TicketStatus.PENDING): {"manager", "manager_all", "leader"},
    ("escalate", TicketStatus.ASSIGNED): {"manager", "manager_all", "leader"},
    ("escalate", TicketStatus.SUBMITTED): {"manager", "manager_all", "leader"},
}
EXPECTED_STATUS = {
    "assign": TicketStatus.ASSIGNED,
    "submit": TicketStatus.SUBMITTED,
    "verify_pass": TicketStatus.CLOSED,
    "verify_fail": TicketStatus.ASSIGNED,
}


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("action", ["assign", "submit", "verify_pass", "verify_fail", "escalate"])
def test_ticket_transition_matrix(world, make_ticket, status, action):
    """Every status × action × role: allowed ones work and write one event; others raise, change nothing."""
    for role in ROLES:
        ticket = make_ticket(status)
        actor = getattr(world, role)
        events_before = Event.objects.count()
        snapshot = Ticket.objects.values().get(pk=ticket.pk)
        allowed = role in ALLOWED.get((action, status), set())
        if allowed:
            result = ticket_action(action, world)(ticket, actor)
            expected = EXPECTED_STATUS.get(action, status)
            assert result.status == expected, (role, action, status)
            assert Ticket.objects.get(pk=ticket.pk).status == expected
            assert Event.objects.count() == events_before + 1, (role, action, status)
            event = Event.objects.order_by("-pk").first()
            assert event.ticket_id == ticket.pk and event.actor == actor
        else:
            with pytest.raises(WorkflowError):
                ticket_action(action, world)(ticket, actor)
            assert Event.objects.count() == events_before, (role, action, status)
            assert Ticket.objects.values().get(pk=ticket.pk) == snapshot, (role, action, status)


@pytest.mark.parametrize(
    "status",
    [
        HazardStatus.REPORTED,
        HazardStatus.AGGREGATED,
        HazardStatus.RECTIFIED,
        HazardStatus.DUPLICATE,
        HazardStatus.INVALID,
    ],
)
@pytest.mark.parametrize("action", ["duplicate", "invalid", "aggregate"])
def test_hazard_transition_matrix(world, category, make_ticket, status, action):
    allowed_roles = {
        "duplicate": {"inspector", "manager", "manager_all"},
        "invalid": {"inspector", "manager", "manager_all"},
        "aggregate": {"manager", "manager_all"},
    }[action]
    original = services.report_hazard(
        actor=world.inspector, category=f.HazardCategoryFactory(), description="原始隐患", enterprise=world.tenant2
    )
    for role in ROLES:
        if status == HazardStatus.REPORTED:
            hazard = services.report_hazard(
                actor=world.inspector,
                category=f.HazardCategoryFactory(),
                description="待处理",
                enterprise=world.tenant1,
            )
        elif status == HazardStatus.AGGREGATED:
            hazard = make_ticket(TicketStatus.PENDING).hazards.get()
        elif status == HazardStatus.RECTIFIED:
            hazard = make_ticket(TicketStatus.CLOSED).hazards.get()
        else:
            hazard = services.report_hazard(
                actor=world.inspector,
                category=f.HazardCategoryFactory(),
                description="待处理",
                enterprise=world.tenant1,
            )
            if status == HazardStatus.DUPLICATE:
                services.mark_duplicate(hazard, actor=world.manager, duplicate_of=original)
            else:
                services.mark_invalid(hazard, actor=world.manager, reason="现场核实无此问题")
        actor = getattr(world, role)
        run = {
            "duplicate": lambda h, a: services.mark_duplicate(h, actor=a, duplicate_of=original),
            "invalid": lambda h, a: services.mark_invalid(h, actor=a, reason="核实不属实"),
            "aggregate": lambda h, a: services.aggregate_hazards([h], actor=a),
        }[action]
        events_before = Event.objects.count()
        before = Hazard.objects.values().get(pk=hazard.pk)
        if status == HazardStatus.REPORTED and role in allowed_roles:
            run(hazard, actor)
            assert Event.objects.count() == events_before + 1
            hazard.refresh_from_db()
            assert (
                hazard.status
                == {
                    "duplicate": HazardStatus.DUPLICATE,
                    "invalid": HazardStatus.INVALID,
                    "aggregate": HazardStatus.AGGREGATED,
                }[action]
            )
        else:
            with pytest.raises(WorkflowError):
                run(hazard, actor)
            assert Event.objects.count() == events_before
            assert Hazard.objects.values().get(pk=hazard.pk) == before


def test_full_loop_with_rework_and_timeline(world, category):
    hazard = services.report_hazard(
        actor=world.inspector,
        category=category,
        description="配电箱前堆放杂物",
        enterprise=world.tenant1,
        photos=[f.photo_upload()],
    )
    assert hazard.status == HazardStatus.REPORTED and hazard.number.startswith("YH")
    assert hazard.photos.count() == 1
    [ticket] = services.aggregate_hazards([hazard], actor=world.manager)
    assert ticket.number.startswith("ZG" + timezone.localdate().strftime("%Y%m%d"))
    assert ticket.responsible_kind == ResponsibleKind.ENTERPRISE and ticket.enterprise == world.tenant1
    assert ticket.landlord_copied  # tenant on a multi-tenant parcel
    assert "电气线路私拉乱接" in ticket.measures
    ticket = services.assign_ticket(ticket, actor=world.manager)
    assert ticket.deadline == timezone.localdate() + timedelta(days=7)
    ticket = services.submit_rectification(
        ticket, actor=world.enterprise_user, comment="已清理", photos=[f.photo_upload(), f.photo_upload("b.jpg")]
    )
    ticket = services.verify_ticket(ticket, actor=world.inspector, passed=False, comment="仍有杂物")
    assert ticket.status == TicketStatus.ASSIGNED and ticket.rework_count == 1
    ticket = services.submit_rectification(
        ticket, actor=world.enterprise_user, comment="再次清理", photos=[f.photo_upload()]
    )
    ticket = services.verify_ticket(ticket, actor=world.inspector, passed=True)
    hazard.refresh_from_db()
    assert ticket.status == TicketStatus.CLOSED and ticket.followup_date > timezone.localdate()
    assert hazard.status == HazardStatus.RECTIFIED and hazard.rectified_at is not None
    assert list(ticket.events.values_list("kind", flat=True)) == [
        EventKind.TICKET_CREATED,
        EventKind.TICKET_ASSIGNED,
        EventKind.TICKET_SUBMITTED,
        EventKind.TICKET_REJECTED,
        EventKind.TICKET_SUBMITTED,
        EventKind.TICKET_CLOSED,
    ]
    assert ticket.photos.count() == 3
    report = verify_chain()
    assert report.ok and report.checked == Event.objects.count()


def test_parcel_level_hazard_goes_to_the_landlord(world, parcel_category, category):
    fire_passage = services.report_hazard(
        actor=world.inspector, category=parcel_category, description="消防通道堵塞", enterprise=world.tenant2
    )
    wiring = services.report_hazard(
        actor=world.inspector, category=category, description="私拉电线", enterprise=world.tenant2
    )
    tickets = services.aggregate_hazards([fire_passage, wiring], actor=world.manager)
    kinds = sorted((t.responsible_kind, t.hazards.count()) for t in tickets)
    assert kinds == [(ResponsibleKind.ENTERPRISE, 1), (ResponsibleKind.LANDLORD, 1)]
    landlord_ticket = next(t for t in tickets if t.responsible_kind == ResponsibleKind.LANDLORD)
    assert landlord_ticket.parcel == world.parcel and landlord_ticket.enterprise is None
    assert Ticket.objects.visible_to(world.landlord).count() == 2  # their own and their tenant's
    assert Ticket.objects.visible_to(world.enterprise_user).count() == 0  # tenant2's, not tenant1's
    landlord_ticket = services.assign_ticket(landlord_ticket, actor=world.manager)
    with pytest.raises(NotPermitted):
        services.submit_rectification(
            landlord_ticket, actor=world.enterprise_user, comment="x", photos=[f.photo_upload()]
        )
    services.submit_rectification(
        landlord_ticket, actor=world.landlord, comment="已清理通道", photos=[f.photo_upload()]
    )


def test_create_ticket_refuses_mixed_parties(world, category):
    a = services.report_hazard(actor=world.inspector, category=category, description="a", enterprise=world.tenant1)
    b = services.report_hazard(actor=world.inspector, category=category, description="b", enterprise=world.tenant2)
    with pytest.raises(ValidationFailed):
        services.create_ticket([a, b], actor=world.manager)
    assert Ticket.objects.count() == 0


def test_major_hazard_needs_the_five_point_plan(world, major_category):
    hazard = services.report_hazard(
        actor=world.inspector, category=major_category, description="除尘器未泄爆", enterprise=world.tenant1
    )
    assert hazard.severity == "major"
    ticket = services.create_ticket([hazard], actor=world.manager)
    assert ticket.is_major
    with pytest.raises(ValidationFailed) as excinfo:
        services.assign_ticket(ticket, actor=world.manager)
    assert excinfo.value.code == "plan_incomplete"
    assert set(excinfo.value.errors) == {"funds", "responsible_person", "contingency"}
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.PENDING
    ticket = services.assign_ticket(
        ticket, actor=world.manager, funds=50000, responsible_person="王五", contingency="停用除尘系统，设置警戒"
    )
    assert ticket.status == TicketStatus.ASSIGNED


def test_bad_input_is_refused_with_a_message(world, category, make_ticket):
    ticket = make_ticket(TicketStatus.PENDING)
    with pytest.raises(ValidationFailed) as excinfo:
        services.assign_ticket(ticket, actor=world.manager, deadline=timezone.localdate() - timedelta(days=1))
    assert excinfo.value.code == "deadline_in_past"
    with pytest.raises(ValidationFailed) as excinfo:
        services.assign_ticket(ticket, actor=world.manager, assignee=world.landlord)
    assert excinfo.value.code == "assignee_not_party"
    ticket = services.assign_ticket(ticket, actor=world.manager, assignee=world.enterprise_user)
    with pytest.raises(ValidationFailed) as excinfo:
        services.submit_rectification(ticket, actor=world.enterprise_user, comment="好了", photos=[])
    assert excinfo.value.code == "evidence_required" and set(excinfo.value.errors) == {"photos"}
    with pytest.raises(ValidationFailed):
        services.submit_rectification(ticket, actor=world.enterprise_user, comment="", photos=[f.photo_upload()])
    with pytest.raises(ValidationFailed) as excinfo:
        services.report_hazard(actor=world.inspector, category=category, description="  ", enterprise=world.tenant1)
    assert excinfo.value.code == "description_required"
    with pytest.raises(ValidationFailed) as excinfo:
        services.report_hazard(actor=world.inspector, category="NOPE", description="x", enterprise=world.tenant1)
    assert excinfo.value.code == "category_unknown"
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.ASSIGNED


def test_out_of_scope_units_are_refused(world, category):
    with pytest.raises(NotPermitted):
        services.report_hazard(actor=world.inspector, category=category, description="x", enterprise=world.other_b)
    with pytest.raises(NotPermitted):
        services.report_hazard(actor=world.leader, category=category, description="x", enterprise=world.tenant1)
    assert Hazard.objects.count() == 0


def test_likely_duplicates_are_flagged_by_fingerprint(world, category):
    first = services.report_hazard(
        actor=world.inspector, category=category, description="电线乱拉", enterprise=world.tenant1
    )
    second = services.report_hazard(
        actor=world.manager, category=category, description="电线乱拉（复报）", enterprise=world.tenant1
    )
    other_unit = services.report_hazard(
        actor=world.inspector, category=category, description="电线乱拉", enterprise=world.tenant2
    )
    assert first.fingerprint and second.fingerprint is None and second.likely_duplicate_of == first
    assert other_unit.likely_duplicate_of is None
    services.mark_duplicate(second, actor=world.manager, duplicate_of=first)
    # Once the first is rectified, a new report is no longer a duplicate.
    ticket = services.assign_ticket(services.create_ticket([first], actor=world.manager), actor=world.manager)
    ticket = services.submit_rectification(ticket, actor=world.enterprise_user, comment="ok", photos=[f.photo_upload()])
    services.verify_ticket(ticket, actor=world.inspector, passed=True)
    third = services.report_hazard(
        actor=world.inspector, category=category, description="又乱拉", enterprise=world.tenant1
    )
    assert third.likely_duplicate_of is None and third.fingerprint


def test_fingerprint_passes_to_the_next_open_report(world, category):
    first = services.report_hazard(actor=world.inspector, category=category, description="a", enterprise=world.tenant1)
    second = services.report_hazard(actor=world.inspector, category=category, description="b", enterprise=world.tenant1)
    services.mark_invalid(first, actor=world.manager, reason="不属实")
    second.refresh_from_db()
    assert second.fingerprint == f"e{world.tenant1.pk}:{category.code}"


def test_escalation_levels_and_overdue_job(world, make_ticket, settings):
    settings.ESCALATION_THRESHOLDS = [1, 7]
    ticket = make_ticket(TicketStatus.ASSIGNED)
    ticket = services.escalate_ticket(ticket, actor=world.leader)
    assert ticket.escalation_level == EscalationLevel.SUPERVISED
    ticket = services.escalate_ticket(ticket, actor=world.manager)
    assert ticket.escalation_level == EscalationLevel.LISTED
    with pytest.raises(TransitionNotAllowed):
        services.escalate_ticket(ticket, actor=world.manager)

    late = make_ticket(TicketStatus.ASSIGNED)
    very_late = make_ticket(TicketStatus.SUBMITTED)
    on_time = make_ticket(TicketStatus.ASSIGNED)
    today = timezone.localdate()
    Ticket.objects.filter(pk=late.pk).update(deadline=today - timedelta(days=2))
    Ticket.objects.filter(pk=very_late.pk).update(deadline=today - timedelta(days=10))
    Ticket.objects.filter(pk=on_time.pk).update(deadline=today)
    assert services.escalate_overdue(today=today) == 2
    assert services.escalate_overdue(today=today) == 0  # idempotent
    levels = dict(
        Ticket.objects.filter(pk__in=[late.pk, very_late.pk, on_time.pk]).values_list("pk", "escalation_level")
    )
    assert levels == {late.pk: 1, very_late.pk: 2, on_time.pk: 0}
    auto = Event.objects.filter(ticket=very_late, kind=EventKind.TICKET_ESCALATED).get()
    assert auto.actor is None and auto.data["automatic"] and auto.data["days_overdue"] == 10


def test_inspection_with_checklist_raises_hazards_for_failed_items(world, category, parcel_category):
    checklist = Checklist.objects.create(code="test-list", name="测试检查表")
    ok_item = ChecklistItem.objects.create(checklist=checklist, order=1, text="灭火器在有效期内", category=category)
    bad_item = ChecklistItem.objects.create(checklist=checklist, order=2, text="消防通道畅通", category=parcel_category)
    inspection = services.record_inspection(
        actor=world.inspector,
        enterprise=world.tenant1,
        checklist=checklist,
        results={ok_item.pk: True, bad_item.pk: (False, "堆放货物")},
    )
    assert inspection.result == InspectionResult.HAZARDS_FOUND
    assert inspection.parcel == world.parcel and inspection.zone == world.zone_a
    [hazard] = inspection.hazards.all()
    assert hazard.category == parcel_category and "堆放货物" in hazard.description
    assert list(inspection.items.order_by("checklist_item__order").values_list("passed", flat=True)) == [True, False]
    self_check = services.record_inspection(
        actor=world.enterprise_user,
        enterprise=world.tenant1,
        checklist=checklist,
        results={ok_item.pk: True, bad_item.pk: True},
    )
    assert self_check.source == InspectionSource.SELF_CHECK and self_check.result == InspectionResult.PASSED
    other = Checklist.objects.create(code="other", name="其他")
    with pytest.raises(ValidationFailed):
        services.record_inspection(
            actor=world.inspector, enterprise=world.tenant1, checklist=other, results={ok_item.pk: True}
        )


def test_parcel_closeout_by_crosscheck(world, parcel_category, make_ticket):
    assert world.parcel.closeout_state == CloseoutState.GREEN
    hazard = services.report_hazard(
        actor=world.inspector, category=parcel_category, description="违章搭建", parcel=world.parcel
    )
    world.parcel.refresh_from_db()
    assert world.parcel.closeout_state == CloseoutState.RED
    with pytest.raises(TransitionNotAllowed) as excinfo:
        closeout_services.request_crosscheck(world.parcel, actor=world.manager, inspector=world.inspector_a2)
    assert excinfo.value.code == "open_hazards_remain"
    ticket = services.assign_ticket(services.create_ticket([hazard], actor=world.manager), actor=world.manager)
    ticket = services.submit_rectification(ticket, actor=world.landlord, comment="已拆除", photos=[f.photo_upload()])
    services.verify_ticket(ticket, actor=world.inspector, passed=True)
    # The inspector of the parcel's own grid may not cross-check it.
    with pytest.raises(ValidationFailed) as excinfo:
        closeout_services.request_crosscheck(world.parcel, actor=world.manager, inspector=world.inspector)
    assert excinfo.value.code == "inspector_same_grid"
    check = closeout_services.request_crosscheck(world.parcel, actor=world.manager, inspector=world.inspector_a2)
    world.parcel.refresh_from_db()
    assert world.parcel.closeout_state == CloseoutState.CROSSCHECK
    with pytest.raises(NotPermitted):
        closeout_services.record_crosscheck(check, actor=world.inspector, passed=True)
    # Fail: new hazards, stays red.
    check = closeout_services.record_crosscheck(
        check,
        actor=world.inspector_a2,
        passed=False,
        hazards=[{"category": parcel_category, "description": "新增违章搭建"}],
    )
    world.parcel.refresh_from_db()
    assert check.status == CrossCheckStatus.FAILED and world.parcel.closeout_state == CloseoutState.RED
    assert check.inspection.source == InspectionSource.CROSS_CHECK
    new_hazard = check.inspection.hazards.get()
    ticket = services.assign_ticket(services.create_ticket([new_hazard], actor=world.manager), actor=world.manager)
    ticket = services.submit_rectification(ticket, actor=world.landlord, comment="已拆除", photos=[f.photo_upload()])
    services.verify_ticket(ticket, actor=world.inspector, passed=True)
    check = closeout_services.request_crosscheck(world.parcel, actor=world.manager, inspector=world.inspector_b)
    check = closeout_services.record_crosscheck(check, actor=world.inspector_b, passed=True, comment="复查合格")
    world.parcel.refresh_from_db()
    assert world.parcel.closeout_state == CloseoutState.GREEN and world.parcel.closed_out_at
    with pytest.raises(TransitionNotAllowed):
        closeout_services.record_crosscheck(check, actor=world.inspector_b, passed=True)
    # A new hazard on a green parcel turns it red again.
    services.report_hazard(actor=world.inspector, category=parcel_category, description="又堵通道", parcel=world.parcel)
    world.parcel.refresh_from_db()
    assert world.parcel.closeout_state == CloseoutState.RED and world.parcel.closed_out_at is None


def test_events_are_append_only_and_tampering_is_detected(world, make_ticket):
    make_ticket(TicketStatus.CLOSED)
    event = Event.objects.order_by("pk")[1]
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    assert verify_chain().ok
    with as_superuser():  # on PostgreSQL the ledger's triggers refuse the UPDATE itself
        Event.objects.filter(pk=event.pk).update(comment="改过的记录")
    report = verify_chain()
    assert not report.ok and report.broken_at == event.pk


def _race(fn_a, fn_b):
    results = []
    barrier = threading.Barrier(2)

    def run(fn):
        try:
            barrier.wait()
            results.append(("ok", fn()))
        except WorkflowError as exc:
            results.append(("refused", exc))
        finally:
            connection.close()  # each thread's own connection, so the test database can be dropped

    threads = [threading.Thread(target=run, args=(fn,)) for fn in (fn_a, fn_b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return sorted(kind for kind, _ in results)


@pytest.mark.django_db(transaction=True)
def test_two_people_verifying_at_once_one_wins(require_postgres, world, make_ticket):
    ticket = make_ticket(TicketStatus.SUBMITTED)
    before = Event.objects.filter(ticket=ticket).count()
    outcome = _race(
        lambda: services.verify_ticket(Ticket.objects.get(pk=ticket.pk), actor=world.inspector, passed=True),
        lambda: services.verify_ticket(
            Ticket.objects.get(pk=ticket.pk), actor=world.manager, passed=False, comment="不合格"
        ),
    )
    assert outcome == ["ok", "refused"]
    assert Event.objects.filter(ticket=ticket).count() == before + 1
    assert verify_chain().ok


@pytest.mark.django_db(transaction=True)
def test_two_managers_assigning_at_once_one_wins(require_postgres, world, make_ticket):
    ticket = make_ticket(TicketStatus.PENDING)
    outcome = _race(
        lambda: services.assign_ticket(Ticket.objects.get(pk=ticket.pk), actor=world.manager),
        lambda: services.assign_ticket(Ticket.objects.get(pk=ticket.pk), actor=world.manager_all),
    )
    assert outcome == ["ok", "refused"]
    assert Event.objects.filter(ticket=ticket, kind=EventKind.TICKET_ASSIGNED).count() == 1


def test_follow_up_reopens_a_closed_ticket_as_a_new_linked_one(world, make_ticket):
    closed = make_ticket(TicketStatus.CLOSED)
    with pytest.raises(NotPermitted):
        services.reopen_ticket(closed, actor=world.inspector, comment="复查又发现")
    with pytest.raises(ValidationFailed):
        services.reopen_ticket(closed, actor=world.manager, comment=" ")
    new = services.reopen_ticket(closed, actor=world.manager, comment="事后跟踪复查：电线又私拉")
    closed.refresh_from_db()
    assert closed.status == TicketStatus.CLOSED and closed.hazards.get().status == HazardStatus.RECTIFIED
    assert new.status == TicketStatus.PENDING and new.reopened_from == closed
    [hazard] = new.hazards.all()
    assert hazard.status == HazardStatus.AGGREGATED and "电线又私拉" in hazard.description
    assert closed.events.order_by("-pk").first().kind == EventKind.TICKET_REOPENED
    with pytest.raises(TransitionNotAllowed):
        services.reopen_ticket(closed, actor=world.manager, comment="再次")
    with pytest.raises(TransitionNotAllowed):
        services.reopen_ticket(new, actor=world.manager, comment="未销号")
    assert verify_chain().ok
