"""Every change of status in the case workflow happens here, and nowhere else.

Each service takes the object first and a keyword-only ``actor``, checks the
actor's role and scope, runs in a transaction with the row locked
(``select_for_update``), re-checks the status on the locked row (so two people
acting at once cannot both win), writes one Event, and raises a WorkflowError
with a clear message when the action is not allowed.

Status words and the transition table are in DESIGN.md; the table as built:

    hazard  reported   --create_ticket/aggregate_hazards-->  aggregated
    hazard  reported   --mark_duplicate-->                   duplicate
    hazard  reported   --mark_invalid-->                     invalid
    hazard  aggregated --verify_ticket(passed)-->            rectified
    ticket  pending    --assign_ticket-->                    assigned
    ticket  assigned   --submit_rectification-->             submitted
    ticket  submitted  --verify_ticket(passed=True)-->       closed
    ticket  submitted  --verify_ticket(passed=False)-->      assigned (rework +1)
    ticket  open       --escalate_ticket/escalate_overdue--> same status, level +1
    ticket  closed     --reopen_ticket (follow-up)-->        closed; a new linked pending ticket
    parcel  red        --request_crosscheck-->               crosscheck
    parcel  crosscheck --record_crosscheck(passed)-->        green (closed out)
    parcel  crosscheck --record_crosscheck(failed)-->        red
    parcel  any        --report_hazard-->                    red
"""

from collections import OrderedDict
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.choices import Role
from cases.choices import (
    OPEN_HAZARD_STATUSES,
    EscalationLevel,
    HazardStatus,
    InspectionResult,
    InspectionSource,
    PhotoKind,
    ResponsibleKind,
    TicketStatus,
)
from cases.models import Hazard, Inspection, InspectionItem, Ticket
from catalogue.choices import CategoryLevel, Severity
from catalogue.models import ChecklistItem, HazardCategory
from core.errors import NotPermitted, TransitionNotAllowed, ValidationFailed
from core.models import Sequence
from core.text import join_list
from register.choices import CloseoutState
from register.models import Enterprise, Parcel
from timeline.chain import append_event

# --- helpers -------------------------------------------------------------------------


def _is_admin(actor):
    return bool(actor and actor.is_active and actor.is_superuser)


def _require_role(actor, *roles):
    if actor is None or not actor.is_authenticated or not actor.is_active:
        raise NotPermitted(_("请先登录。"))
    if _is_admin(actor) or actor.role in roles:
        return
    raise NotPermitted(_("您的角色（%(role)s）不能执行此操作。") % {"role": actor.get_role_display() or "-"})


def _require_visible(actor, obj):
    if _is_admin(actor):
        return
    if not type(obj).objects.visible_to(actor).filter(pk=obj.pk).exists():
        raise NotPermitted(_("该对象不在您的管辖范围内。"))


def _locked(model, pk):
    return model.objects.select_for_update().get(pk=pk)


def _require_status(obj, *statuses):
    if obj.status not in statuses:
        raise TransitionNotAllowed(
            _("当前状态为“%(status)s”，不能执行此操作（可能已被他人处理，请刷新）。")
            % {"status": obj.get_status_display()}
        )


def _next_number(prefix, day=None):
    """``prefix`` + date + four-digit sequence, taken under a row lock."""
    day = day or timezone.localdate()
    key = f"{prefix}{day:%Y%m%d}"
    try:
        with transaction.atomic():
            Sequence.objects.get_or_create(key=key)
    except IntegrityError:
        pass  # created by a concurrent caller
    seq = Sequence.objects.select_for_update().get(key=key)
    seq.value += 1
    seq.save(update_fields=["value"])
    return f"{key}{seq.value:04d}"


def _save_photos(files, *, actor, kind, **targets):
    if not files:
        return []
    from cases.photos import PhotoError, save_photo

    saved = []
    for uploaded in files:
        try:
            saved.append(save_photo(uploaded, uploaded_by=actor, kind=kind, **targets))
        except PhotoError as exc:
            name = getattr(uploaded, "name", "")
            raise ValidationFailed(
                _("照片 %(name)s：%(error)s") % {"name": name, "error": " ".join(exc.messages)},
                {"photos": exc.messages},
            )
    return saved


def _validate_photos(files):
    """Check every photo before anything is written, so a bad one changes nothing."""
    if not files:
        return
    from cases.photos import PhotoError, validate_photo

    for uploaded in files or ():
        try:
            validate_photo(uploaded)
        except PhotoError as exc:
            name = getattr(uploaded, "name", "")
            raise ValidationFailed(
                _("照片 %(name)s：%(error)s") % {"name": name, "error": " ".join(exc.messages)},
                {"photos": exc.messages},
            )
        if hasattr(uploaded, "seek"):
            uploaded.seek(0)


def _unit(enterprise, parcel):
    """Resolve the unit of an inspection or hazard: (enterprise, parcel, grid)."""
    if enterprise is None and parcel is None:
        raise ValidationFailed(_("请指定被检查的单位或宗地。"), {"enterprise": [_("请指定单位或宗地。")]})
    if enterprise is not None and parcel is None:
        parcel = enterprise.parcel
    if enterprise is not None and parcel is not None and enterprise.parcel_id not in (None, parcel.pk):
        raise ValidationFailed(_("该单位不在所选宗地上。"), {"parcel": [_("该单位不在所选宗地上。")]})
    grid = enterprise.grid if enterprise is not None else parcel.grid
    return enterprise, parcel, grid


def _require_unit_visible(actor, enterprise, parcel):
    if enterprise is not None:
        _require_visible(actor, enterprise)
    elif parcel is not None:
        _require_visible(actor, parcel)


def _category(value):
    if isinstance(value, HazardCategory):
        return value
    try:
        if not isinstance(value, str) or "\x00" in value:
            raise HazardCategory.DoesNotExist
        return HazardCategory.objects.get(code=value, active=True)
    except HazardCategory.DoesNotExist:
        raise ValidationFailed(_("隐患类别“%(code)s”不存在。") % {"code": value}, {"category": [_("隐患类别不存在。")]})


def _fingerprint(enterprise, parcel, category):
    unit = f"e{enterprise.pk}" if enterprise is not None else f"p{parcel.pk}"
    return f"{unit}:{category.code}"


def responsible_party(hazard):
    """(kind, enterprise, parcel) responsible for a hazard."""
    if hazard.category.level == CategoryLevel.PARCEL or hazard.enterprise_id is None:
        if hazard.parcel_id is None:
            raise ValidationFailed(_("宗地级隐患必须关联宗地。"))
        return ResponsibleKind.LANDLORD, None, hazard.parcel
    return ResponsibleKind.ENTERPRISE, hazard.enterprise, hazard.enterprise.parcel


def _turn_parcel_red(parcel):
    parcel = _locked(Parcel, parcel.pk)
    if parcel.closeout_state != CloseoutState.RED:
        previous = parcel.closeout_state
        parcel.closeout_state = CloseoutState.RED
        parcel.closed_out_at = None
        parcel.save(update_fields=["closeout_state", "closed_out_at", "updated_at"])
        return previous
    return None


def _parcel_has_open_hazards(parcel):
    return Hazard.objects.filter(parcel=parcel, status__in=OPEN_HAZARD_STATUSES, withdrawn=False).exists()


def can_act_for_party(actor, ticket):
    """The responsible party's own users: the enterprise's users, or the landlord of the parcel."""
    if _is_admin(actor):
        return True
    if ticket.responsible_kind == ResponsibleKind.ENTERPRISE:
        return actor.role == Role.ENTERPRISE and actor.enterprises.filter(pk=ticket.enterprise_id).exists()
    if actor.role != Role.LANDLORD or ticket.parcel_id is None:
        return False
    return Parcel.objects.visible_to(actor).filter(pk=ticket.parcel_id).exists()


# --- inspections and hazards -----------------------------------------------------------


INSPECTOR_SOURCES = {
    InspectionSource.GRID,
    InspectionSource.CROSS_CHECK,
    InspectionSource.CAMPAIGN,
    InspectionSource.THIRD_PARTY,
}


@transaction.atomic
def record_inspection(
    *,
    actor,
    enterprise=None,
    parcel=None,
    source=InspectionSource.GRID,
    checklist=None,
    results=None,
    notes="",
    campaign=None,
    inspected_at=None,
    photos=(),
):
    """Record one visit (一家次). ``results`` maps checklist item ids to passed or (passed, note).

    A failed item reports a hazard of the item's category; a passed one is recorded as checked.
    """
    _require_role(actor, Role.INSPECTOR, Role.MANAGER, Role.ENTERPRISE, Role.LANDLORD)
    if actor.role in (Role.ENTERPRISE, Role.LANDLORD):
        source = InspectionSource.SELF_CHECK
    elif source not in INSPECTOR_SOURCES:
        raise ValidationFailed(_("检查来源无效。"), {"source": [_("检查来源无效。")]})
    enterprise, parcel, grid = _unit(enterprise, parcel)
    _require_unit_visible(actor, enterprise, parcel)
    if inspected_at and inspected_at > timezone.now() + timedelta(minutes=5):
        raise ValidationFailed(_("检查时间不能晚于现在。"), {"inspected_at": [_("检查时间不能晚于现在。")]})

    parsed = OrderedDict()
    items = {}
    if results:
        if checklist is None:
            raise ValidationFailed(_("填写检查项结果时须选择检查表。"), {"checklist": [_("请选择检查表。")]})
        items = {item.pk: item for item in ChecklistItem.objects.filter(checklist=checklist).select_related("category")}
        for key, value in results.items():
            item_id = int(key)
            if item_id not in items:
                raise ValidationFailed(
                    _("检查项 %(id)s 不属于检查表“%(name)s”。") % {"id": item_id, "name": checklist.name},
                    {"results": [_("检查项不属于该检查表。")]},
                )
            passed, note = (value, "") if isinstance(value, bool) else (bool(value[0]), str(value[1] or ""))
            parsed[item_id] = (passed, note)
    _validate_photos(photos)

    inspection = Inspection.objects.create(
        inspector=actor,
        enterprise=enterprise,
        parcel=parcel,
        grid=grid,
        zone_id=grid.zone_id,
        inspected_at=inspected_at or timezone.now(),
        source=source,
        campaign=campaign,
        checklist=checklist,
        notes=notes or "",
    )
    failed = 0
    for item_id, (passed, note) in parsed.items():
        item = items[item_id]
        hazard = None
        if not passed:
            failed += 1
            hazard = _report_hazard(
                actor=actor,
                category=item.category,
                description=f"{item.text}{'：' + note if note else ''}",
                enterprise=enterprise,
                parcel=parcel,
                inspection=inspection,
                reported_at=inspection.inspected_at,
            )
        InspectionItem.objects.create(
            inspection=inspection, checklist_item=item, passed=passed, note=note, hazard=hazard
        )
    if failed:
        inspection.result = InspectionResult.HAZARDS_FOUND
        inspection.save(update_fields=["result"])
    _save_photos(photos, actor=actor, kind=PhotoKind.INSPECTION, inspection=inspection)
    append_event(
        kind="inspections.inspection.recorded",
        actor=actor,
        parcel=parcel,
        to_status=inspection.result,
        comment=notes or "",
        data={
            "inspection": inspection.pk,
            "enterprise": getattr(enterprise, "pk", None),
            "source": source,
            "items": len(parsed),
            "failed": failed,
        },
    )
    return inspection


@transaction.atomic
def report_hazard(
    *,
    actor,
    category,
    description,
    enterprise=None,
    parcel=None,
    severity=None,
    inspection=None,
    location_detail="",
    photos=(),
    reported_at=None,
):
    """Report one hazard on a unit. A second open report of the same category on the same unit is
    saved and flagged as a likely duplicate of the first."""
    _require_role(actor, Role.INSPECTOR, Role.MANAGER, Role.ENTERPRISE, Role.LANDLORD)
    return _report_hazard(
        actor=actor,
        category=category,
        description=description,
        enterprise=enterprise,
        parcel=parcel,
        severity=severity,
        inspection=inspection,
        location_detail=location_detail,
        photos=photos,
        reported_at=reported_at,
    )


def _report_hazard(
    *,
    actor,
    category,
    description,
    enterprise=None,
    parcel=None,
    severity=None,
    inspection=None,
    location_detail="",
    photos=(),
    reported_at=None,
):
    category = _category(category)
    description = (description or "").strip()
    if not description:
        raise ValidationFailed(_("请填写隐患描述。"), {"description": [_("请填写隐患描述。")]})
    severity = severity or category.default_severity
    if severity not in Severity.values:
        raise ValidationFailed(_("隐患等级无效。"), {"severity": [_("隐患等级只能是一般或重大。")]})
    enterprise, parcel, grid = _unit(enterprise, parcel)
    _require_unit_visible(actor, enterprise, parcel)
    if category.level == CategoryLevel.PARCEL and parcel is None:
        raise ValidationFailed(
            _("宗地级隐患（%(name)s）必须关联宗地。") % {"name": category.name}, {"parcel": [_("请选择宗地。")]}
        )
    if inspection is not None and not (
        (enterprise is not None and inspection.enterprise_id == enterprise.pk)
        or (parcel is not None and inspection.parcel_id == parcel.pk)
    ):
        raise ValidationFailed(_("隐患与所选排查记录的单位不一致。"), {"inspection": [_("单位不一致。")]})
    _validate_photos(photos)

    # Lock the unit, then look for an open report of the same category on it.
    if enterprise is not None:
        Enterprise.objects.select_for_update().filter(pk=enterprise.pk).first()
    else:
        Parcel.objects.select_for_update().filter(pk=parcel.pk).first()
    fingerprint = _fingerprint(enterprise, parcel, category)
    existing = Hazard.objects.filter(fingerprint=fingerprint).first()

    hazard = Hazard(
        number=_next_number("YH"),
        inspection=inspection,
        enterprise=enterprise,
        parcel=parcel,
        grid=grid,
        zone_id=grid.zone_id,
        category=category,
        severity=severity,
        description=description,
        location_detail=location_detail or "",
        reporter=actor,
        reported_at=reported_at or timezone.now(),
        fingerprint=None if existing else fingerprint,
        likely_duplicate_of=existing,
    )
    try:
        with transaction.atomic():
            hazard.save()
    except IntegrityError:
        # Another report took the fingerprint between our check and our insert.
        hazard.pk = None
        hazard.fingerprint = None
        hazard.likely_duplicate_of = Hazard.objects.filter(fingerprint=fingerprint).first()
        hazard.save()
    previous_parcel_state = _turn_parcel_red(parcel) if parcel is not None else None
    _save_photos(photos, actor=actor, kind=PhotoKind.BEFORE, hazard=hazard)
    data = {"category": category.code, "severity": severity}
    if hazard.likely_duplicate_of_id:
        data["likely_duplicate_of"] = hazard.likely_duplicate_of_id
    if previous_parcel_state:
        data["parcel_state"] = [previous_parcel_state, CloseoutState.RED]
    append_event(
        kind="inspections.hazard.reported",
        actor=actor,
        hazard=hazard,
        parcel=parcel,
        to_status=HazardStatus.REPORTED,
        comment=description,
        data=data,
    )
    return hazard


@transaction.atomic
def mark_duplicate(hazard, *, actor, duplicate_of, comment=""):
    _require_role(actor, Role.MANAGER, Role.INSPECTOR)
    hazard = _locked(Hazard, hazard.pk)
    _require_visible(actor, hazard)
    _require_status(hazard, HazardStatus.REPORTED)
    if duplicate_of is None or duplicate_of.pk == hazard.pk:
        raise ValidationFailed(
            _("请选择它重复的那条隐患（不能是它自己）。"), {"duplicate_of": [_("请选择另一条隐患。")]}
        )
    _require_visible(actor, duplicate_of)
    if duplicate_of.status in (HazardStatus.DUPLICATE, HazardStatus.INVALID):
        raise ValidationFailed(_("所选隐患本身已标为重复或不属实。"), {"duplicate_of": [_("请选择有效的隐患。")]})
    _close_reported(hazard, HazardStatus.DUPLICATE, duplicate_of=duplicate_of)
    append_event(
        kind="inspections.hazard.marked_duplicate",
        actor=actor,
        hazard=hazard,
        parcel=hazard.parcel,
        from_status=HazardStatus.REPORTED,
        to_status=HazardStatus.DUPLICATE,
        comment=comment,
        data={"duplicate_of": duplicate_of.pk},
        internal=True,
    )
    return hazard


@transaction.atomic
def mark_invalid(hazard, *, actor, reason):
    _require_role(actor, Role.MANAGER, Role.INSPECTOR)
    hazard = _locked(Hazard, hazard.pk)
    _require_visible(actor, hazard)
    _require_status(hazard, HazardStatus.REPORTED)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("请填写核实不属实的原因。"), {"reason": [_("请填写原因。")]})
    _close_reported(hazard, HazardStatus.INVALID, invalid_reason=reason)
    append_event(
        kind="inspections.hazard.marked_invalid",
        actor=actor,
        hazard=hazard,
        parcel=hazard.parcel,
        from_status=HazardStatus.REPORTED,
        to_status=HazardStatus.INVALID,
        comment=reason,
    )
    return hazard


def _close_reported(hazard, status, **fields):
    """Close a reported hazard as duplicate or invalid; its fingerprint passes to the next open report."""
    released = hazard.fingerprint
    hazard.status = status
    hazard.fingerprint = None
    for name, value in fields.items():
        setattr(hazard, name, value)
    hazard.save(update_fields=["status", "fingerprint", "updated_at", *fields])
    if released:
        _pass_fingerprint_on(released)


def _pass_fingerprint_on(fingerprint):
    """When the holder of a fingerprint closes, the oldest open report of the same thing takes it over."""
    unit, code = fingerprint.split(":", 1)
    successors = Hazard.objects.select_for_update().filter(
        fingerprint__isnull=True, status__in=OPEN_HAZARD_STATUSES, category__code=code
    )
    if unit[0] == "e":
        successors = successors.filter(enterprise_id=int(unit[1:]))
    else:
        successors = successors.filter(enterprise__isnull=True, parcel_id=int(unit[1:]))
    successor = successors.order_by("reported_at", "pk").first()
    if successor is not None:
        successor.fingerprint = fingerprint
        successor.save(update_fields=["fingerprint"])


@transaction.atomic
def add_hazard_photos(hazard, *, actor, photos):
    """More 'before' photos on an open hazard (not a change of status), with one event."""
    _require_role(actor, Role.INSPECTOR, Role.MANAGER, Role.ENTERPRISE, Role.LANDLORD)
    if not photos:
        raise ValidationFailed(_("请至少上传一张照片。"), {"photos": [_("请至少上传一张照片。")]})
    _validate_photos(photos)  # every photo is checked before anything is written
    hazard = _locked(Hazard, hazard.pk)
    _require_visible(actor, hazard)
    if hazard.status not in OPEN_HAZARD_STATUSES:
        raise TransitionNotAllowed(
            _("当前状态为“%(status)s”，不能再添加照片。") % {"status": hazard.get_status_display()}
        )
    event = append_event(
        kind="inspections.hazard.photos_added",
        actor=actor,
        hazard=hazard,
        parcel=hazard.parcel,
        from_status=hazard.status,
        to_status=hazard.status,
        data={"photos": len(photos)},
    )
    return _save_photos(photos, actor=actor, kind=PhotoKind.BEFORE, hazard=hazard, event=event)


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
