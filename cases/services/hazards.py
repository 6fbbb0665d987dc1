"""Hazards: report (with the duplicate fingerprint), mark duplicate or invalid, add photos."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import Role
from cases.choices import (
    OPEN_HAZARD_STATUSES,
    HazardStatus,
    PhotoKind,
)
from cases.models import Hazard
from cases.services.base import (
    _category,
    _fingerprint,
    _locked,
    _next_number,
    _require_role,
    _require_status,
    _require_unit_visible,
    _require_visible,
    _save_photos,
    _turn_parcel_red,
    _unit,
    _validate_photos,
)
from catalogue.choices import CategoryLevel, Severity
from core.errors import TransitionNotAllowed, ValidationFailed
from register.choices import CloseoutState
from register.models import Enterprise, Parcel
from timeline.chain import append_event


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
