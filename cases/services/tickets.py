"""Tickets: aggregate, assign, submit, verify, escalate, comment, reopen."""

from collections import OrderedDict
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.choices import Role
from cases.choices import (
    EscalationLevel,
    HazardStatus,
    PhotoKind,
    ResponsibleKind,
    TicketStatus,
)
from cases.models import Hazard, Ticket
from cases.services.base import (
    _is_admin,
    _locked,
    _next_number,
    _require_role,
    _require_status,
    _require_visible,
    _save_photos,
    _validate_photos,
    can_act_for_party,
    responsible_party,
)
from cases.services.hazards import _pass_fingerprint_on, _report_hazard
from catalogue.choices import Severity
from core.errors import NotPermitted, TransitionNotAllowed, ValidationFailed
from core.text import join_list
from register.models import Parcel
from timeline.chain import append_event

# --- tickets -------------------------------------------------------------------------


def _lock_reported_hazards(hazards):
    ids = sorted({h.pk if isinstance(h, Hazard) else int(h) for h in hazards})
    if not ids:
        raise ValidationFailed(_("请至少选择一条隐患。"), {"hazards": [_("请至少选择一条隐患。")]})
    # Lock the rows in id order (no joins: PostgreSQL cannot lock the nullable side of an outer join),
    # then read them with what the caller needs.
    locked = list(Hazard.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))
    if len(locked) != len(ids):
        raise ValidationFailed(_("所选隐患不存在。"), {"hazards": [_("所选隐患不存在。")]})
    return list(
        Hazard.objects.filter(pk__in=ids)
        .select_related("category", "enterprise__parcel", "parcel__grid")
        .order_by("pk")
    )


def default_measures(hazards):
    seen = OrderedDict()
    for hazard in hazards:
        if hazard.category.standard_measures:
            seen.setdefault(hazard.category_id, f"【{hazard.category.name}】{hazard.category.standard_measures}")
    return "\n".join(seen.values())


def default_deadline(hazards, today=None):
    """The earliest deadline the hazards' categories allow."""
    today = today or timezone.localdate()
    days = min((h.category.deadline_days for h in hazards), default=15)
    return today + timedelta(days=days)


@transaction.atomic
def create_ticket(hazards, *, actor, measures=None, deadline=None):
    """Aggregate reported hazards of one responsible party into one pending ticket."""
    _require_role(actor, Role.MANAGER)
    hazards = _lock_reported_hazards(hazards)
    for hazard in hazards:
        _require_visible(actor, hazard)
        if hazard.status != HazardStatus.REPORTED:
            raise TransitionNotAllowed(
                _("隐患 %(number)s 当前状态为“%(status)s”，不能汇总（可能已被他人处理）。")
                % {"number": hazard.number, "status": hazard.get_status_display()}
            )
    parties = {responsible_party(h)[:2] for h in hazards}
    if len(parties) != 1:
        raise ValidationFailed(
            _("一张整改单只能对应一个责任方，请按责任方分别汇总。"), {"hazards": [_("责任方不一致。")]}
        )
    kind, enterprise = parties.pop()
    parcel = enterprise.parcel if enterprise is not None else hazards[0].parcel
    if deadline is not None and deadline < timezone.localdate():
        raise ValidationFailed(_("整改期限不能早于今天。"), {"deadline": [_("整改期限不能早于今天。")]})
    grid = enterprise.grid if enterprise is not None else parcel.grid
    # The landlord of a multi-tenant parcel is copied on a tenant's ticket (a landlord's own ticket is theirs).
    landlord_copied = bool(kind == ResponsibleKind.ENTERPRISE and parcel and parcel.active_tenants().count() > 1)
    ticket = Ticket.objects.create(
        number=_next_number("ZG"),
        responsible_kind=kind,
        enterprise=enterprise,
        parcel=parcel,
        grid=grid,
        zone_id=grid.zone_id,
        landlord_copied=landlord_copied,
        is_major=any(h.severity == Severity.MAJOR for h in hazards),
        deadline=deadline,
        measures=measures if measures is not None else default_measures(hazards),
        created_by=actor,
    )
    Hazard.objects.filter(pk__in=[h.pk for h in hazards]).update(
        status=HazardStatus.AGGREGATED, ticket=ticket, updated_at=timezone.now()
    )
    append_event(
        kind="inspections.ticket.created",
        actor=actor,
        ticket=ticket,
        parcel=parcel,
        to_status=TicketStatus.PENDING,
        data={"hazards": [h.pk for h in hazards], "landlord_copied": landlord_copied},
    )
    return ticket


@transaction.atomic
def aggregate_hazards(hazards, *, actor, measures=None, deadline=None):
    """汇总: group reported hazards by responsible party, one pending ticket per party."""
    _require_role(actor, Role.MANAGER)
    locked = _lock_reported_hazards(hazards)
    groups = OrderedDict()
    for hazard in locked:
        groups.setdefault(responsible_party(hazard)[:2], []).append(hazard)
    return [create_ticket(group, actor=actor, measures=measures, deadline=deadline) for group in groups.values()]


PLAN_FIELDS = {
    "measures": gettext_lazy("整改措施"),
    "funds": gettext_lazy("整改资金"),
    "deadline": gettext_lazy("整改期限"),
    "responsible_person": gettext_lazy("整改责任人"),
    "contingency": gettext_lazy("应急预案/防范措施"),
}


@transaction.atomic
def assign_ticket(
    ticket,
    *,
    actor,
    deadline=None,
    assignee=None,
    measures=None,
    funds=None,
    responsible_person=None,
    contingency=None,
    comment="",
):
    """交办: pending → assigned, with a deadline (default from the categories). A ticket with a major
    hazard needs the 五落实 plan: measures, funds, deadline, responsible person, contingency."""
    _require_role(actor, Role.MANAGER)
    ticket = _locked(Ticket, ticket.pk)
    _require_visible(actor, ticket)
    _require_status(ticket, TicketStatus.PENDING)
    today = timezone.localdate()
    hazards = list(ticket.hazards.select_related("category"))
    deadline = deadline or ticket.deadline or default_deadline(hazards, today)
    if deadline < today:
        raise ValidationFailed(_("整改期限不能早于今天。"), {"deadline": [_("整改期限不能早于今天。")]})
    if measures is not None:
        ticket.measures = measures.strip()
    if funds is not None:
        if funds < 0:
            raise ValidationFailed(_("整改资金不能为负数。"), {"funds": [_("整改资金不能为负数。")]})
        ticket.funds = funds
    if responsible_person is not None:
        ticket.responsible_person = responsible_person.strip()
    if contingency is not None:
        ticket.contingency = contingency.strip()
    ticket.deadline = deadline
    if ticket.is_major:
        missing = [str(label) for name, label in PLAN_FIELDS.items() if getattr(ticket, name) in (None, "")]
        if missing:
            raise ValidationFailed(
                _("含重大隐患的整改单须落实“五落实”，缺少：%(fields)s。") % {"fields": join_list(missing)},
                {name: [_("重大隐患须填写此项。")] for name in PLAN_FIELDS if getattr(ticket, name) in (None, "")},
            )
    if assignee is not None:
        allowed = assignee.is_active and (
            (
                ticket.responsible_kind == ResponsibleKind.ENTERPRISE
                and assignee.role == Role.ENTERPRISE
                and assignee.enterprises.filter(pk=ticket.enterprise_id).exists()
            )
            or (
                ticket.responsible_kind == ResponsibleKind.LANDLORD
                and assignee.role == Role.LANDLORD
                and Parcel.objects.visible_to(assignee).filter(pk=ticket.parcel_id).exists()
            )
        )
        if not allowed:
            raise ValidationFailed(_("整改人必须是责任方的账号。"), {"assignee": [_("整改人必须是责任方的账号。")]})
        ticket.assignee = assignee
    ticket.status = TicketStatus.ASSIGNED
    ticket.assigned_at = timezone.now()
    ticket.save()
    append_event(
        kind="inspections.ticket.assigned",
        actor=actor,
        ticket=ticket,
        parcel=ticket.parcel,
        from_status=TicketStatus.PENDING,
        to_status=TicketStatus.ASSIGNED,
        comment=comment,
        data={"deadline": deadline.isoformat(), "assignee": getattr(ticket.assignee, "pk", None)},
    )
    return ticket


@transaction.atomic
def submit_rectification(ticket, *, actor, comment, photos):
    """The responsible party submits evidence: a comment and at least one photo."""
    _require_role(actor, Role.ENTERPRISE, Role.LANDLORD)
    ticket = _locked(Ticket, ticket.pk)
    _require_visible(actor, ticket)
    if not can_act_for_party(actor, ticket):
        raise NotPermitted(_("只有整改责任方可以提交整改材料。"))
    _require_status(ticket, TicketStatus.ASSIGNED)
    comment = (comment or "").strip()
    errors = {}
    if not comment:
        errors["comment"] = [_("请说明整改情况。")]
    if not photos:
        errors["photos"] = [_("请至少上传一张整改后照片。")]
    if errors:
        raise ValidationFailed(_("提交整改须填写整改说明并上传至少一张整改后照片。"), errors)
    _validate_photos(photos)
    ticket.status = TicketStatus.SUBMITTED
    ticket.submitted_at = timezone.now()
    ticket.save(update_fields=["status", "submitted_at", "updated_at"])
    event = append_event(
        kind="inspections.ticket.submitted",
        actor=actor,
        ticket=ticket,
        parcel=ticket.parcel,
        from_status=TicketStatus.ASSIGNED,
        to_status=TicketStatus.SUBMITTED,
        comment=comment,
        data={"photos": len(photos)},
    )
    _save_photos(photos, actor=actor, kind=PhotoKind.AFTER, ticket=ticket, event=event)
    return ticket


def can_verify(actor, ticket):
    if _is_admin(actor):
        return True
    if actor.role == Role.INSPECTOR:
        return ticket.grid_id in actor.scope_grid_ids
    return actor.role == Role.MANAGER and Ticket.objects.visible_to(actor).filter(pk=ticket.pk).exists()


@transaction.atomic
def verify_ticket(ticket, *, actor, passed, comment=""):
    """验收: pass → closed (hazards rectified, follow-up date set); fail → back to assigned with the reason."""
    _require_role(actor, Role.INSPECTOR, Role.MANAGER)
    ticket = _locked(Ticket, ticket.pk)
    _require_visible(actor, ticket)
    if not can_verify(actor, ticket):
        raise NotPermitted(_("只有本网格的网格员或交办人员可以验收。"))
    _require_status(ticket, TicketStatus.SUBMITTED)
    comment = (comment or "").strip()
    now = timezone.now()
    if passed:
        ticket.status = TicketStatus.CLOSED
        ticket.closed_at = now
        ticket.followup_date = timezone.localdate() + timedelta(days=settings.FOLLOWUP_DAYS)
        rows = list(ticket.hazards.values_list("pk", "fingerprint"))
        hazard_ids = [pk for pk, _fp in rows]
        Hazard.objects.filter(pk__in=hazard_ids).update(
            status=HazardStatus.RECTIFIED, rectified_at=now, fingerprint=None, updated_at=now
        )
        for _pk, fingerprint in rows:
            if fingerprint:
                _pass_fingerprint_on(fingerprint)
        kind, to_status = "inspections.ticket.closed", TicketStatus.CLOSED
        data = {"passed": True, "hazards": hazard_ids, "followup_date": ticket.followup_date.isoformat()}
    else:
        if not comment:
            raise ValidationFailed(_("验收不通过时请填写原因。"), {"comment": [_("请填写不通过的原因。")]})
        ticket.status = TicketStatus.ASSIGNED
        ticket.rework_count += 1
        kind, to_status = "inspections.ticket.rejected", TicketStatus.ASSIGNED
        data = {"passed": False, "rework_count": ticket.rework_count}
    ticket.verified_by = actor
    ticket.verification_comment = comment
    ticket.save()
    append_event(
        kind=kind,
        actor=actor,
        ticket=ticket,
        parcel=ticket.parcel,
        from_status=TicketStatus.SUBMITTED,
        to_status=to_status,
        comment=comment,
        data=data,
    )
    return ticket


@transaction.atomic
def escalate_ticket(ticket, *, actor, comment="", level=None):
    """督办: raise the escalation level (1 督办, 2 挂牌督办) of an open ticket."""
    _require_role(actor, Role.MANAGER, Role.LEADER)
    ticket = _locked(Ticket, ticket.pk)
    _require_visible(actor, ticket)
    _require_status(ticket, TicketStatus.PENDING, TicketStatus.ASSIGNED, TicketStatus.SUBMITTED)
    current = ticket.escalation_level
    target = current + 1 if level is None else int(level)
    if target not in EscalationLevel.values or target <= current:
        if current >= EscalationLevel.LISTED:
            raise TransitionNotAllowed(_("该整改单已是挂牌督办，不能再升级。"))
        raise ValidationFailed(_("督办级别只能提高。"), {"level": [_("督办级别只能提高。")]})
    return _raise_level(ticket, target, actor=actor, comment=comment)


def _raise_level(ticket, target, *, actor, comment="", data=None):
    previous = ticket.escalation_level
    ticket.escalation_level = target
    ticket.escalated_at = timezone.now()
    ticket.save(update_fields=["escalation_level", "escalated_at", "updated_at"])
    append_event(
        kind="inspections.ticket.escalated",
        actor=actor,
        ticket=ticket,
        parcel=ticket.parcel,
        from_status=ticket.status,
        to_status=ticket.status,
        comment=comment,
        data={"from_level": previous, "to_level": target, **(data or {})},
    )
    return ticket


def overdue_level(days_overdue):
    """The escalation level the daily job sets for this many days overdue."""
    level = EscalationLevel.NONE
    for candidate, threshold in enumerate(settings.ESCALATION_THRESHOLDS[:2], start=1):
        if days_overdue >= threshold:
            level = candidate
    return level


def escalate_overdue(*, today=None):
    """The daily job: raise overdue open tickets to the level their days overdue call for.

    Never lowers a level; running it twice on one day changes nothing the second time.
    Returns the number of tickets raised.
    """
    today = today or timezone.localdate()
    first = min(settings.ESCALATION_THRESHOLDS[:2], default=1)
    candidates = (
        Ticket.objects.overdue(today)
        .filter(deadline__lte=today - timedelta(days=first), escalation_level__lt=EscalationLevel.LISTED)
        .values_list("pk", flat=True)
    )
    raised = 0
    for pk in list(candidates):
        with transaction.atomic():
            ticket = _locked(Ticket, pk)
            if ticket.status == TicketStatus.CLOSED or ticket.deadline is None:
                continue
            days = (today - ticket.deadline).days
            target = overdue_level(days)
            if target > ticket.escalation_level:
                _raise_level(
                    ticket,
                    target,
                    actor=None,
                    comment=_("逾期 %(days)d 天，系统自动督办。") % {"days": days},
                    data={"days_overdue": days, "automatic": True},
                )
                raised += 1
    return raised


@transaction.atomic
def comment_ticket(ticket, *, actor, comment, internal=False, photos=()):
    """A note on the timeline; internal notes are hidden from the responsible party."""
    _require_role(actor, Role.INSPECTOR, Role.MANAGER, Role.LEADER, Role.ENTERPRISE, Role.LANDLORD)
    ticket = _locked(Ticket, ticket.pk)
    _require_visible(actor, ticket)
    comment = (comment or "").strip()
    if not comment:
        raise ValidationFailed(_("请填写内容。"), {"comment": [_("请填写内容。")]})
    if actor.role in (Role.ENTERPRISE, Role.LANDLORD):
        internal = False
    _validate_photos(photos)
    event = append_event(
        kind="inspections.ticket.commented",
        actor=actor,
        ticket=ticket,
        parcel=ticket.parcel,
        from_status=ticket.status,
        to_status=ticket.status,
        comment=comment,
        internal=internal,
    )
    _save_photos(photos, actor=actor, kind=PhotoKind.OTHER, ticket=ticket, event=event)
    return event


@transaction.atomic
def reopen_ticket(ticket, *, actor, comment):
    """事后跟踪: a follow-up re-check finds a closed ticket's hazards back. The closed ticket stays closed
    (its record is kept as it was); the hazards are reported again and aggregated into a new pending
    ticket linked to it (``reopened_from``)."""
    _require_role(actor, Role.MANAGER)
    ticket = _locked(Ticket, ticket.pk)
    _require_visible(actor, ticket)
    _require_status(ticket, TicketStatus.CLOSED)
    comment = (comment or "").strip()
    if not comment:
        raise ValidationFailed(_("请填写复查发现的情况。"), {"comment": [_("请填写复查发现的情况。")]})
    if ticket.reopened_as.exists():
        raise TransitionNotAllowed(_("该整改单已复查重开过，请处理重开后的整改单。"))
    found = [
        _report_hazard(
            actor=actor,
            category=old.category,
            description=f"{comment}\n{old.description}",
            enterprise=old.enterprise,
            parcel=old.parcel,
            severity=old.severity,
            location_detail=old.location_detail,
        )
        for old in ticket.hazards.select_related("category", "enterprise", "parcel").order_by("pk")
    ]
    new_ticket = create_ticket(found, actor=actor, measures=ticket.measures)
    new_ticket.reopened_from = ticket
    new_ticket.save(update_fields=["reopened_from", "updated_at"])
    append_event(
        kind="inspections.ticket.reopened",
        actor=actor,
        ticket=ticket,
        parcel=ticket.parcel,
        from_status=ticket.status,
        to_status=ticket.status,
        comment=comment,
        data={"new_ticket": new_ticket.pk, "hazards": [h.pk for h in found]},
    )
    return new_ticket
