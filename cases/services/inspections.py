"""Inspections: one visit (一家次) with its checklist results."""

from collections import OrderedDict
from datetime import timedelta

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.policy import PARTY_ROLES, Action, require
from cases import payloads
from cases.choices import (
    InspectionResult,
    InspectionSource,
    PhotoKind,
)
from cases.models import Inspection, InspectionItem
from cases.services.base import _save_photos, _unit, _validate_photos
from cases.services.checkins import proving_checkin
from cases.services.hazards import _report_hazard
from catalogue.models import ChecklistItem
from core import dates
from core.errors import ValidationFailed
from timeline.chain import append_event
from timeline.kinds import EventKind

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
    item_photos=None,
):
    """Record one visit (一家次). ``results`` maps checklist item ids to passed or (passed, note):
    True 合格, False 不合格, None 不涉及 (not applicable: counted as neither).

    A failed item reports a hazard of the item's category; a passed one is recorded as checked.
    ``item_photos`` maps item ids to the photos taken of that item: a failed item's photos are its
    hazard's 'before' evidence (one Photo row, linked to both the inspection and the hazard).
    """
    require(actor, Action.INSPECTION_RECORD)
    if actor.role in PARTY_ROLES:
        source = InspectionSource.SELF_CHECK
    elif source not in INSPECTOR_SOURCES:
        raise ValidationFailed(_("检查来源无效。"), {"source": [_("检查来源无效。")]}, code="source_invalid")
    enterprise, parcel, grid = _unit(enterprise, parcel)
    require(actor, Action.INSPECTION_RECORD, enterprise if enterprise is not None else parcel)
    if inspected_at and inspected_at > dates.now() + timedelta(minutes=5):
        raise ValidationFailed(
            _("检查时间不能晚于现在。"), {"inspected_at": [_("检查时间不能晚于现在。")]}, code="inspected_in_future"
        )
    dates.check_date_window(inspected_at, "inspected_at")

    parsed = OrderedDict()
    items = {}
    if results:
        if checklist is None:
            raise ValidationFailed(
                _("填写检查项结果时须选择检查表。"), {"checklist": [_("请选择检查表。")]}, code="checklist_required"
            )
        items = {item.pk: item for item in ChecklistItem.objects.filter(checklist=checklist).select_related("category")}
        for key, value in results.items():
            item_id = int(key)
            if item_id not in items:
                raise ValidationFailed(
                    _("检查项 %(id)s 不属于检查表“%(name)s”。") % {"id": item_id, "name": checklist.name},
                    {"results": [_("检查项不属于该检查表。")]},
                    code="item_not_in_checklist",
                )
            passed, note = (value, "") if value is None or isinstance(value, bool) else (value[0], value[1])
            parsed[item_id] = (None if passed is None else bool(passed), str(note or ""))
    item_photos = {int(key): list(files) for key, files in (item_photos or {}).items() if files}
    unknown = sorted(set(item_photos) - set(parsed))
    if unknown:
        raise ValidationFailed(
            _("照片所属的检查项 %(id)s 不在本次检查结果中。") % {"id": unknown[0]},
            {"item_photos": [_("照片所属的检查项不在本次检查结果中。")]},
            code="item_not_in_results",
        )
    _validate_photos(photos)
    for files in item_photos.values():
        _validate_photos(files)

    inspected_at = inspected_at or dates.now()
    checkin = None
    if source != InspectionSource.SELF_CHECK:  # 现场核验: a check-in at the unit's plate shortly before
        checkin = proving_checkin(inspector=actor, enterprise=enterprise, parcel=parcel, at=inspected_at)
    inspection = Inspection.objects.create(
        inspector=actor,
        enterprise=enterprise,
        parcel=parcel,
        grid=grid,
        zone_id=grid.zone_id,
        checkin=checkin,
        inspected_at=inspected_at,
        source=source,
        campaign=campaign,
        checklist=checklist,
        notes=notes or "",
    )
    failed = 0
    for item_id, (passed, note) in parsed.items():
        item = items[item_id]
        hazard = None
        if passed is False:
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
        if hazard is not None:  # the item's photos are the hazard's evidence, and stay the inspection's too
            _save_photos(
                item_photos.get(item_id), actor=actor, kind=PhotoKind.BEFORE, inspection=inspection, hazard=hazard
            )
        else:
            _save_photos(item_photos.get(item_id), actor=actor, kind=PhotoKind.INSPECTION, inspection=inspection)
    if failed:
        inspection.result = InspectionResult.HAZARDS_FOUND
        inspection.save(update_fields=["result"])
    _save_photos(photos, actor=actor, kind=PhotoKind.INSPECTION, inspection=inspection)
    append_event(
        kind=EventKind.INSPECTION_RECORDED,
        actor=actor,
        parcel=parcel,
        to_status=inspection.result,
        comment=notes or "",
        data=payloads.inspection_recorded(
            inspection=inspection.pk,
            enterprise=getattr(enterprise, "pk", None),
            source=source,
            items=len(parsed),
            failed=failed,
        ),
    )
    return inspection
