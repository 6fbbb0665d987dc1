"""Hazards: report (with the duplicate fingerprint), mark duplicate or invalid, add photos."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.policy import Action, require
from cases import payloads
from cases.choices import (
    HazardStatus,
    PhotoKind,
)
from cases.models import Hazard
from cases.services.base import (
    _category,
    _edited_fields,
    _locked,
    _require_unit_visible,
    _require_visible,
    _save_edits,
    _save_photos,
    _turn_parcel_red,
    _unit,
    _validate_photos,
    fingerprint_of,
    next_number,
)
from catalogue.choices import CategoryLevel, Severity
from core import dates
from core.errors import ValidationFailed
from register.choices import CloseoutState
from register.models import Enterprise, Parcel
from timeline.chain import append_event
from timeline.kinds import EventKind


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
    fixed_on_spot=False,
    after_photos=(),
):
    """Report one hazard on a unit. A second open report of the same category on the same unit is
    saved and flagged as a likely duplicate of the first.

    ``fixed_on_spot`` (当场整改): the hazard was fixed during the visit; with ``after_photos`` (at
    least one) it is recorded as rectified at once, by a second event, without a ticket."""
    require(actor, Action.HAZARD_REPORT)  # the unit's scope is checked once it is resolved
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
        fixed_on_spot=fixed_on_spot,
        after_photos=after_photos,
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
    fixed_on_spot=False,
    after_photos=(),
):
    category = _category(category)
    description = (description or "").strip()
    if not description:
        raise ValidationFailed(
            _("请填写隐患描述。"), {"description": [_("请填写隐患描述。")]}, code="description_required"
        )
    severity = severity or category.default_severity
    if severity not in Severity.values:
        raise ValidationFailed(
            _("隐患等级无效。"), {"severity": [_("隐患等级只能是一般或重大。")]}, code="severity_invalid"
        )
    enterprise, parcel, grid = _unit(enterprise, parcel)
    _require_unit_visible(actor, enterprise, parcel)
    if category.level == CategoryLevel.PARCEL and parcel is None:
        raise ValidationFailed(
            _("宗地级隐患（%(name)s）必须关联宗地。") % {"name": category.name},
            {"parcel": [_("请选择宗地。")]},
            code="parcel_required",
        )
    if inspection is not None and not (
        (enterprise is not None and inspection.enterprise_id == enterprise.pk)
        or (parcel is not None and inspection.parcel_id == parcel.pk)
    ):
        raise ValidationFailed(
            _("隐患与所选排查记录的单位不一致。"), {"inspection": [_("单位不一致。")]}, code="inspection_mismatch"
        )
    _validate_photos(photos)
    if fixed_on_spot:
        if not after_photos:
            message = _("当场整改须上传至少一张整改后照片。")
            raise ValidationFailed(message, {"after_photos": [message]}, code="after_photo_required")
        _validate_photos(after_photos)
    elif after_photos:
        message = _("只有勾选“当场整改”时才上传整改后照片。")
        raise ValidationFailed(message, {"after_photos": [message]}, code="after_photos_without_fix")

    # Lock the unit, then look for an open report of the same category on it.
    if enterprise is not None:
        Enterprise.objects.select_for_update().filter(pk=enterprise.pk).first()
    else:
        Parcel.objects.select_for_update().filter(pk=parcel.pk).first()
    fingerprint = fingerprint_of(enterprise, parcel, category)
    existing = None if fixed_on_spot else Hazard.objects.filter(fingerprint=fingerprint).first()
    if fixed_on_spot:
        fingerprint = None  # nothing stays open: the fingerprint is left to the next open report

    hazard = Hazard(
        number=next_number("YH"),
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
        reported_at=reported_at or dates.now(),
        fingerprint=None if existing else fingerprint,
        likely_duplicate_of=existing,
        fixed_on_spot=bool(fixed_on_spot),
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
    # A hazard fixed on the spot leaves nothing open on the parcel: it does not turn it red.
    previous_parcel_state = _turn_parcel_red(parcel) if parcel is not None and not fixed_on_spot else None
    _save_photos(photos, actor=actor, kind=PhotoKind.BEFORE, hazard=hazard)
    data = payloads.hazard_reported(
        category=category.code,
        severity=severity,
        likely_duplicate_of=hazard.likely_duplicate_of_id,
        previous_parcel_state=previous_parcel_state,
    )
    append_event(
        kind=EventKind.HAZARD_REPORTED,
        actor=actor,
        hazard=hazard,
        parcel=parcel,
        to_status=HazardStatus.REPORTED,
        comment=description,
        data=data,
    )
    if fixed_on_spot:
        _rectify_on_spot(hazard, actor=actor, after_photos=after_photos)
    return hazard


def _rectify_on_spot(hazard, *, actor, after_photos):
    """当场整改: reported → rectified at once (counted and rectified, no ticket), the 'after' photos
    on the event."""
    now = dates.now()
    hazard.status = HazardStatus.RECTIFIED
    hazard.rectified_at = now
    hazard.save(update_fields=["status", "rectified_at", "updated_at"])
    event = append_event(
        kind=EventKind.HAZARD_RECTIFIED_ON_SPOT,
        actor=actor,
        hazard=hazard,
        parcel=hazard.parcel,
        from_status=HazardStatus.REPORTED,
        to_status=HazardStatus.RECTIFIED,
        comment=_("检查时当场整改完毕。"),
        data=payloads.rectified_on_spot(photos=len(after_photos)),
    )
    _save_photos(after_photos, actor=actor, kind=PhotoKind.AFTER, hazard=hazard, event=event)


@transaction.atomic
def mark_duplicate(hazard, *, actor, duplicate_of, comment=""):
    require(actor, Action.HAZARD_MARK_DUPLICATE)
    hazard = _locked(Hazard, hazard.pk)
    require(actor, Action.HAZARD_MARK_DUPLICATE, hazard)
    if duplicate_of is None or duplicate_of.pk == hazard.pk:
        raise ValidationFailed(
            _("请选择它重复的那条隐患（不能是它自己）。"),
            {"duplicate_of": [_("请选择另一条隐患。")]},
            code="duplicate_of_required",
        )
    _require_visible(actor, duplicate_of)
    if duplicate_of.status in (HazardStatus.DUPLICATE, HazardStatus.INVALID):
        raise ValidationFailed(
            _("所选隐患本身已标为重复或不属实。"),
            {"duplicate_of": [_("请选择有效的隐患。")]},
            code="duplicate_of_closed",
        )
    _close_reported(hazard, HazardStatus.DUPLICATE, duplicate_of=duplicate_of)
    append_event(
        kind=EventKind.HAZARD_MARKED_DUPLICATE,
        actor=actor,
        hazard=hazard,
        parcel=hazard.parcel,
        from_status=HazardStatus.REPORTED,
        to_status=HazardStatus.DUPLICATE,
        comment=comment,
        data=payloads.hazard_marked_duplicate(duplicate_of=duplicate_of.pk),
        internal=True,
    )
    return hazard


@transaction.atomic
def mark_invalid(hazard, *, actor, reason):
    require(actor, Action.HAZARD_MARK_INVALID)
    hazard = _locked(Hazard, hazard.pk)
    require(actor, Action.HAZARD_MARK_INVALID, hazard)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("请填写核实不属实的原因。"), {"reason": [_("请填写原因。")]}, code="reason_required")
    _close_reported(hazard, HazardStatus.INVALID, invalid_reason=reason)
    append_event(
        kind=EventKind.HAZARD_MARKED_INVALID,
        actor=actor,
        hazard=hazard,
        parcel=hazard.parcel,
        from_status=HazardStatus.REPORTED,
        to_status=HazardStatus.INVALID,
        comment=reason,
    )
    return hazard


@transaction.atomic
def restore_hazard(hazard, *, actor, reason):
    """Undo a wrong 重复 / 不属实 mark: the hazard is reported again (a new event; the ledger keeps
    the mark and its undoing). It takes its fingerprint back unless another open report holds it."""
    require(actor, Action.HAZARD_RESTORE)
    hazard = _locked(Hazard, hazard.pk)
    require(actor, Action.HAZARD_RESTORE, hazard)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("请填写恢复的原因。"), {"reason": [_("请填写原因。")]}, code="reason_required")
    previous = hazard.status
    data = payloads.hazard_restored(
        from_status=previous, duplicate_of=hazard.duplicate_of_id, invalid_reason=hazard.invalid_reason
    )
    if hazard.enterprise_id is not None:
        Enterprise.objects.select_for_update().filter(pk=hazard.enterprise_id).first()
    else:
        Parcel.objects.select_for_update().filter(pk=hazard.parcel_id).first()
    fingerprint = fingerprint_of(hazard.enterprise, hazard.parcel, hazard.category)
    holder = Hazard.objects.filter(fingerprint=fingerprint).exclude(pk=hazard.pk).first()
    hazard.status = HazardStatus.REPORTED
    hazard.duplicate_of = None
    hazard.invalid_reason = ""
    hazard.fingerprint = None if holder else fingerprint
    hazard.likely_duplicate_of = holder
    hazard.save(
        update_fields=["status", "duplicate_of", "invalid_reason", "fingerprint", "likely_duplicate_of", "updated_at"]
    )
    if hazard.parcel_id is not None:
        previous_parcel_state = _turn_parcel_red(hazard.parcel)
        if previous_parcel_state:
            data["parcel_state"] = [previous_parcel_state, CloseoutState.RED]
    append_event(
        kind=EventKind.HAZARD_RESTORED,
        actor=actor,
        hazard=hazard,
        parcel=hazard.parcel,
        from_status=previous,
        to_status=HazardStatus.REPORTED,
        comment=reason,
        data=data,
        internal=previous == HazardStatus.DUPLICATE,
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
    successors = Hazard.objects.select_for_update().open().filter(fingerprint__isnull=True, category__code=code)
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
    require(actor, Action.HAZARD_ADD_PHOTOS)
    if not photos:
        raise ValidationFailed(
            _("请至少上传一张照片。"), {"photos": [_("请至少上传一张照片。")]}, code="photo_required"
        )
    _validate_photos(photos)  # every photo is checked before anything is written
    hazard = _locked(Hazard, hazard.pk)
    require(actor, Action.HAZARD_ADD_PHOTOS, hazard)  # in scope, the reporter or office staff, still open
    event = append_event(
        kind=EventKind.HAZARD_PHOTOS_ADDED,
        actor=actor,
        hazard=hazard,
        parcel=hazard.parcel,
        from_status=hazard.status,
        to_status=hazard.status,
        data=payloads.photos_added(photos=len(photos)),
    )
    return _save_photos(photos, actor=actor, kind=PhotoKind.BEFORE, hazard=hazard, event=event)


# Corrected in the admin: the wording. Status, category and severity (which drive the duplicate
# fingerprint and the ticket's 五落实 plan) change only through the workflow above.
HAZARD_EDITABLE = ("description", "location_detail")


def hazard_changes(hazard, fields):
    """``{name: (old, new)}``: what ``fields`` change in the wording of ``hazard``, or the refusal
    (ValidationFailed). The admin's form asks this first; edit_hazard asks again on the locked row."""
    changes = _edited_fields(hazard, fields, HAZARD_EDITABLE)
    if "description" in changes and not changes["description"][1]:
        message = _("请填写隐患描述。")
        raise ValidationFailed(message, {"description": [message]}, code="description_required")
    return changes


@transaction.atomic
def edit_hazard(hazard, *, actor, **fields):
    """Correct a hazard's wording (``HAZARD_EDITABLE``) on the locked row: only the changed columns are
    saved (a concurrent transition is kept), with one internal event naming them."""
    hazard = _locked(Hazard, hazard.pk)
    _require_visible(actor, hazard)
    changes = hazard_changes(hazard, fields)
    if changes:
        _save_edits(hazard, changes, actor=actor, kind=EventKind.HAZARD_EDITED_IN_ADMIN, hazard=hazard)
    return hazard
