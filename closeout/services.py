from django.db import transaction
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.policy import Action, require
from cases import payloads
from cases.choices import InspectionResult, InspectionSource, PhotoKind
from cases.models import Inspection
from cases.services.base import _locked, _parcel_has_open_hazards, _save_photos, _validate_photos
from cases.services.hazards import _report_hazard
from closeout.choices import CrossCheckStatus
from closeout.models import CrossCheck
from core import dates
from core.errors import TransitionNotAllowed, ValidationFailed
from register.choices import CloseoutState
from register.models import Parcel
from timeline.chain import append_event
from timeline.kinds import EventKind

# --- parcel close-out ----------------------------------------------------------------


@transaction.atomic
def request_crosscheck(parcel, *, actor, inspector, comment=""):
    """A red parcel whose hazards are all rectified is sent to an inspector of another grid."""
    require(actor, Action.PARCEL_REQUEST_CROSSCHECK)
    parcel = _locked(Parcel, parcel.pk)
    require(actor, Action.PARCEL_REQUEST_CROSSCHECK, parcel)  # in scope, red, every hazard rectified
    if inspector is None or inspector.role != Role.INSPECTOR or not inspector.is_active:
        raise ValidationFailed(
            _("请选择一名网格员进行交叉检查。"), {"inspector": [_("请选择网格员。")]}, code="inspector_required"
        )
    if parcel.grid_id in inspector.scope_grid_ids:
        raise ValidationFailed(
            _("交叉检查须由其他网格的网格员进行。"),
            {"inspector": [_("须为其他网格的网格员。")]},
            code="inspector_same_grid",
        )
    crosscheck = CrossCheck.objects.create(
        parcel=parcel, requested_by=actor, inspector=inspector, comment=comment or "", requested_at=dates.now()
    )
    parcel.closeout_state = CloseoutState.CROSSCHECK
    parcel.save(update_fields=["closeout_state", "updated_at"])
    append_event(
        kind=EventKind.PARCEL_CROSSCHECK_REQUESTED,
        actor=actor,
        parcel=parcel,
        from_status=CloseoutState.RED,
        to_status=CloseoutState.CROSSCHECK,
        comment=comment or "",
        data=payloads.crosscheck_requested(crosscheck=crosscheck.pk, inspector=inspector.pk),
    )
    return crosscheck


@transaction.atomic
def cancel_crosscheck(crosscheck, *, actor, comment=""):
    """A manager withdraws a cross-check request still open: the cross-check is marked cancelled and
    the parcel goes back to waiting for a request (its stored state red again, pending on the map)."""
    require(actor, Action.CROSSCHECK_CANCEL)
    crosscheck = _locked(CrossCheck, crosscheck.pk)
    require(actor, Action.CROSSCHECK_CANCEL, crosscheck)  # in scope; still requested
    parcel = _locked(Parcel, crosscheck.parcel_id)
    comment = (comment or "").strip()
    crosscheck.status = CrossCheckStatus.CANCELLED
    crosscheck.completed_at = dates.now()
    if comment:
        crosscheck.comment = comment
    crosscheck.save(update_fields=["status", "completed_at", "comment"])
    previous = parcel.closeout_state
    if previous == CloseoutState.CROSSCHECK:
        parcel.closeout_state = CloseoutState.RED
        parcel.save(update_fields=["closeout_state", "updated_at"])
    append_event(
        kind=EventKind.PARCEL_CROSSCHECK_CANCELLED,
        actor=actor,
        parcel=parcel,
        from_status=previous,
        to_status=parcel.closeout_state,
        comment=comment,
        data=payloads.crosscheck_requested(crosscheck=crosscheck.pk, inspector=crosscheck.inspector_id),
    )
    return crosscheck


@transaction.atomic
def record_crosscheck(crosscheck, *, actor, passed, comment="", hazards=(), photos=()):
    """The cross-checking inspector's result: pass → green and closed out (销号); fail → the new
    hazards (dicts with category, description, optional severity/enterprise/location_detail) are
    reported and the parcel stays red. ``photos``: the parcel as found, kept on its inspection and
    the close-out event (the evidence of a 销号)."""
    require(actor, Action.CROSSCHECK_RECORD)
    crosscheck = _locked(CrossCheck, crosscheck.pk)
    require(actor, Action.CROSSCHECK_RECORD, crosscheck)  # the inspector sent, of another grid; still open
    parcel = _locked(Parcel, crosscheck.parcel_id)
    comment = (comment or "").strip()
    if passed and hazards:
        raise ValidationFailed(
            _("发现隐患时不能判定为通过。"), {"passed": [_("发现隐患时不能判定为通过。")]}, code="hazards_on_pass"
        )
    if not passed and not hazards and not comment:
        raise ValidationFailed(
            _("不通过时请登记发现的隐患或填写原因。"), {"comment": [_("请填写原因。")]}, code="reason_required"
        )
    if passed and _parcel_has_open_hazards(parcel):
        raise TransitionNotAllowed(_("宗地仍有未整改的隐患，不能销号。"), code="open_hazards_remain")
    _validate_photos(photos)
    inspection = Inspection.objects.create(
        inspector=actor,
        parcel=parcel,
        grid=parcel.grid,
        zone_id=parcel.grid.zone_id,
        source=InspectionSource.CROSS_CHECK,
        notes=comment,
        result=InspectionResult.PASSED if passed else InspectionResult.HAZARDS_FOUND,
    )
    new_hazards = []
    for spec in hazards:
        new_hazards.append(
            _report_hazard(
                actor=actor,
                category=spec["category"],
                description=spec.get("description", ""),
                enterprise=spec.get("enterprise"),
                parcel=parcel,
                severity=spec.get("severity"),
                inspection=inspection,
                location_detail=spec.get("location_detail", ""),
                photos=spec.get("photos", ()),
            )
        )
    now = dates.now()
    crosscheck.status = CrossCheckStatus.PASSED if passed else CrossCheckStatus.FAILED
    crosscheck.completed_at = now
    crosscheck.inspection = inspection
    if comment:
        crosscheck.comment = comment
    crosscheck.save()
    parcel.refresh_from_db()
    previous = parcel.closeout_state
    if passed:
        parcel.closeout_state = CloseoutState.GREEN
        parcel.closed_out_at = now
    else:
        parcel.closeout_state = CloseoutState.RED
    parcel.save(update_fields=["closeout_state", "closed_out_at", "updated_at"])
    event = append_event(
        kind=EventKind.PARCEL_CLOSED_OUT if passed else EventKind.PARCEL_CROSSCHECK_FAILED,
        actor=actor,
        parcel=parcel,
        from_status=previous,
        to_status=parcel.closeout_state,
        comment=comment,
        data=payloads.crosscheck_recorded(
            crosscheck=crosscheck.pk, inspection=inspection.pk, hazards=[h.pk for h in new_hazards]
        ),
    )
    _save_photos(photos, actor=actor, kind=PhotoKind.INSPECTION, inspection=inspection, event=event)
    return crosscheck
