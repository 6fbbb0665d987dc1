"""Every change of a risk point or of the patrol plan happens here (asked of the one policy first, written
with an event on the point's own stream, ``riskpoint:<id>``, so the unit's risk history is append-only)."""

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.policy import PARTY_ROLES, Action, require
from catalogue.choices import AccidentType
from core import dates
from core.errors import ValidationFailed
from register.choices import RiskLevel
from risk.choices import MEASURE_TYPES, Consequence, ControlLevel, Exposure, Likelihood, RiskPointStatus
from risk.models import PatrolPlan, RiskPoint
from timeline.chain import append_event
from timeline.kinds import EventKind

# The fields of a risk point its declarer fills in.
ENTRY_FIELDS = (
    "name",
    "place",
    "accident_types",
    "likelihood",
    "exposure",
    "consequence",
    *(field for field, _label in MEASURE_TYPES),
    "control_level",
    "responsible_person",
    "responsible_phone",
)
REQUIRED = ("name", "likelihood", "exposure", "consequence", "responsible_person")


def _invalid(field, message, code):
    raise ValidationFailed(message, {field: [message]}, code=code)


def _clean_entry(values):
    """The entry's values checked: required ones present, L/E/C from the tables, known accident kinds."""
    entry = {}
    for field in ENTRY_FIELDS:
        if field not in values:
            continue
        value = values[field]
        if field == "accident_types":
            kinds = [str(kind) for kind in (value or [])]
            unknown = [kind for kind in kinds if kind not in AccidentType.values]
            if unknown:
                _invalid(field, _("未知的事故类型：%(kind)s。") % {"kind": unknown[0]}, "accident_type_invalid")
            entry[field] = list(dict.fromkeys(kinds))
            continue
        value = "" if value is None else str(value).strip()
        choices = {
            "likelihood": Likelihood,
            "exposure": Exposure,
            "consequence": Consequence,
            "control_level": ControlLevel,
        }.get(field)
        if choices is not None and value and value not in choices.values:
            _invalid(field, _("“%(value)s”不是有效的取值。") % {"value": value}, f"{field}_invalid")
        entry[field] = value
    for field in REQUIRED:
        if field in entry and not entry[field]:
            _invalid(field, _("此项为必填项。"), f"{field}_required")
    return entry


def _point_event(point, kind, actor, *, comment="", data=None, from_status="", to_status=""):
    append_event(
        kind=kind,
        actor=actor,
        parcel=point.parcel,
        comment=comment,
        from_status=from_status,
        to_status=to_status,
        data={"risk_point": point.pk, "enterprise": point.enterprise_id, **(data or {})},
        stream=point.stream,
    )


@transaction.atomic
def declare_risk_point(*, actor, enterprise=None, parcel=None, **values):
    """Add a risk point to a unit (an enterprise, or a parcel's common areas when no enterprise)."""
    unit = enterprise if enterprise is not None else parcel
    if unit is None:
        _invalid("enterprise", _("请指定单位或宗地。"), "unit_required")
    require(actor, Action.RISK_POINT_DECLARE, unit)
    missing = [field for field in REQUIRED if not values.get(field)]
    if missing:
        _invalid(missing[0], _("此项为必填项。"), f"{missing[0]}_required")
    entry = _clean_entry(values)
    if enterprise is not None:
        parcel = enterprise.parcel
    grid = enterprise.grid if enterprise is not None else parcel.grid
    point = RiskPoint(enterprise=enterprise, parcel=parcel, grid=grid, zone_id=grid.zone_id, declared_by=actor, **entry)
    point.level = None
    point.save()
    _point_event(
        point, EventKind.RISK_POINT_DECLARED, actor, to_status=str(point.level), data={"score": str(point.score)}
    )
    return point


@transaction.atomic
def update_risk_point(point, *, actor, **values):
    """Change a point's entry. A party's change sends it back for review and drops a reviewer's grade."""
    require(actor, Action.RISK_POINT_EDIT, point)
    point = RiskPoint.objects.select_for_update().get(pk=point.pk)
    require(actor, Action.RISK_POINT_EDIT, point)
    entry = _clean_entry(values)
    changes = {
        field: [str(getattr(point, field)), str(value)]
        for field, value in entry.items()
        if getattr(point, field) != value
    }
    if not changes:
        return point
    before = point.level
    for field, value in entry.items():
        setattr(point, field, value)
    if actor.role in PARTY_ROLES:
        point.status = RiskPointStatus.DECLARED
        point.level_reason = ""
        point.level = None
    point.save()
    _point_event(
        point,
        EventKind.RISK_POINT_CHANGED,
        actor,
        from_status=str(before),
        to_status=str(point.level),
        data={"changes": changes},
    )
    return point


@transaction.atomic
def review_risk_point(point, *, actor, level=None, reason=""):
    """审核: confirm the point's grade, or set another one, which needs a reason (kept on the timeline)."""
    require(actor, Action.RISK_POINT_REVIEW, point)
    point = RiskPoint.objects.select_for_update().get(pk=point.pk)
    require(actor, Action.RISK_POINT_REVIEW, point)
    reason = (reason or "").strip()
    before = point.level
    if level in (None, ""):
        level = point.level
    try:
        level = RiskLevel(int(level))
    except (TypeError, ValueError):
        _invalid("level", _("风险等级无效。"), "level_invalid")
    if level != point.assessed_level and not reason:
        _invalid("reason", _("调整风险等级须说明理由。"), "reason_required")
    point.level = level
    point.level_reason = reason if level != point.assessed_level else ""
    point.status = RiskPointStatus.REVIEWED
    point.reviewed_by = actor
    point.reviewed_at = dates.now()
    point.save()
    kind = EventKind.RISK_POINT_REGRADED if level != before else EventKind.RISK_POINT_REVIEWED
    _point_event(point, kind, actor, comment=reason, from_status=str(before), to_status=str(level))
    return point


@transaction.atomic
def retire_risk_point(point, *, actor, reason=""):
    """停用: the point no longer exists (the workshop closed); it stays in the history."""
    require(actor, Action.RISK_POINT_EDIT, point)
    point = RiskPoint.objects.select_for_update().get(pk=point.pk)
    if not point.active:
        return point
    reason = (reason or "").strip()
    if not reason:
        _invalid("reason", _("停用风险点须说明理由。"), "reason_required")
    point.active = False
    point.save()
    _point_event(point, EventKind.RISK_POINT_RETIRED, actor, comment=reason)
    return point


@transaction.atomic
def change_patrol_plan(*, actor, red_days, orange_days, yellow_days, blue_days, reason=""):
    """A new plan from now on; the plans before it stay (a past day's coverage reads the one then in force)."""
    require(actor, Action.PATROL_PLAN_CHANGE)
    days = {}
    for field, value in (
        ("red_days", red_days),
        ("orange_days", orange_days),
        ("yellow_days", yellow_days),
        ("blue_days", blue_days),
    ):
        try:
            number = int(value)
        except (TypeError, ValueError):
            number = 0
        if not 1 <= number <= 366:
            _invalid(field, _("巡查周期须为 1 至 366 天。"), "cycle_invalid")
        days[field] = number
    if not days["red_days"] <= days["orange_days"] <= days["yellow_days"] <= days["blue_days"]:
        _invalid("red_days", _("风险越高，巡查周期应越短（红 ≤ 橙 ≤ 黄 ≤ 蓝）。"), "cycle_order")
    plan = PatrolPlan.objects.create(valid_from=dates.now(), created_by=actor, reason=(reason or "").strip(), **days)
    append_event(
        kind=EventKind.PATROL_PLAN_CHANGED,
        actor=actor,
        comment=plan.reason,
        data={"patrol_plan": plan.pk, **days},
        stream="patrol_plan",
    )
    return plan
