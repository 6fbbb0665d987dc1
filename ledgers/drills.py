"""Fire training and drills (消防培训演练): recording a session and changing it, with its checks.

An enterprise (or a landlord, for a parcel) records its own sessions; inspectors and managers record
park-wide ones for a grid or zone of their scope, optionally naming the units that took part. Every
record is asked of the one policy (``Action.LEDGER_RECORD``) and checked here; a refusal raises a
WorkflowError (400 bad input, 403 role or scope) and nothing is saved.
"""

import os

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.policy import Action, check, is_admin, require
from core.dates import date_window_error
from core.errors import NotPermitted, ValidationFailed
from core.images import pixel_error
from ledgers.choices import DrillKind
from ledgers.models import Drill, DrillPhoto
from register.models import Enterprise, Grid, Zone

MAX_PARTICIPANTS = 100000
MAX_PHOTOS = 12
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp", ".gif")
SHEET_EXTENSIONS = (".pdf", *IMAGE_EXTENSIONS)
# The fields a recorder fills in (the unit is chosen once, when the session is recorded).
ENTRY_FIELDS = ("kind", "held_on", "title", "organiser", "trainer", "participants", "notes")
TEXT_LIMITS = {"title": 200, "organiser": 100, "trainer": 100, "notes": 4000}
REQUIRED = ("kind", "held_on", "title", "organiser", "participants")
PARK_WIDE_ROLES = (Role.INSPECTOR, Role.MANAGER)


def max_upload_bytes():
    return int(settings.PHOTO_MAX_BYTES)


# --- files ---------------------------------------------------------------------------------------------


def _size_error(upload):
    if upload.size is not None and upload.size > max_upload_bytes():
        return _("文件“%(name)s”超过 %(mb)d MB。") % {"name": upload.name, "mb": max_upload_bytes() // (1024 * 1024)}
    return None


def _is_image(upload):
    from PIL import Image, UnidentifiedImageError

    try:
        upload.seek(0)
        with Image.open(upload) as image:
            image.verify()
        return True
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return False
    finally:
        upload.seek(0)


def photo_error(upload):
    """Why ``upload`` is not an acceptable photo (JPEG, PNG, WebP or GIF within the size and pixel limits), or
    None."""
    error = _size_error(upload) or pixel_error(upload)
    if error:
        return error
    if os.path.splitext(upload.name or "")[1].lower() not in IMAGE_EXTENSIONS or not _is_image(upload):
        return _("“%(name)s”不是可识别的图片（支持 JPG、PNG、WebP、GIF）。") % {"name": upload.name}
    return None


def signin_sheet_error(upload):
    """Why ``upload`` is not an acceptable sign-in sheet scan (a PDF or an image), or None."""
    error = _size_error(upload)
    if error:
        return error
    extension = os.path.splitext(upload.name or "")[1].lower()
    if extension == ".pdf":
        upload.seek(0)
        head = upload.read(5)
        upload.seek(0)
        if head == b"%PDF-":
            return None
    elif extension in IMAGE_EXTENSIONS and _is_image(upload):
        return pixel_error(upload)
    return _("签到表应为 PDF 文件或图片（JPG、PNG、WebP、GIF）。")


# --- checks -----------------------------------------------------------------------------------------------


def _clean_entry(values, *, partial=False):
    """The entry's values checked, every problem at once: a ValidationFailed names each field."""
    errors, entry = {}, {}
    for field in ENTRY_FIELDS:
        if field not in values:
            if not partial and field in REQUIRED:
                errors[field] = [_("此项为必填项。")]
            continue
        value = values[field]
        if field in TEXT_LIMITS:
            value = "" if value is None else str(value).strip()
            if len(value) > TEXT_LIMITS[field]:
                errors[field] = [_("最多 %(n)d 个字。") % {"n": TEXT_LIMITS[field]}]
                continue
        if field in REQUIRED and value in (None, ""):
            errors[field] = [_("此项为必填项。")]
            continue
        if field == "kind" and value not in DrillKind.values:
            errors[field] = [_("“%(value)s”不是有效的培训演练类型。") % {"value": value}]
            continue
        if field == "held_on" and value > timezone.localdate():
            errors[field] = [_("日期不能晚于今天。")]
            continue
        if field == "held_on" and date_window_error(value):
            errors[field] = [date_window_error(value)]
            continue
        if field == "participants" and (
            isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_PARTICIPANTS
        ):
            errors[field] = [_("参加人次应为 1 至 %(max)d 之间的整数。") % {"max": MAX_PARTICIPANTS}]
            continue
        entry[field] = value
    if errors:
        raise ValidationFailed(_("请检查填写的内容：%(first)s") % {"first": next(iter(errors.values()))[0]}, errors)
    return entry


def _clean_files(signin_sheet, photos, *, existing_photos=0):
    errors = {}
    if signin_sheet:
        error = signin_sheet_error(signin_sheet)
        if error:
            errors["signin_sheet"] = [error]
    photo_errors = [error for error in (photo_error(photo) for photo in photos or ()) if error]
    if photo_errors:
        errors["photos"] = photo_errors
    elif existing_photos + len(photos or ()) > MAX_PHOTOS:
        errors["photos"] = [_("每次培训演练最多 %(n)d 张照片。") % {"n": MAX_PHOTOS}]
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], errors, code="file_invalid")


def _out_of_scope():
    return NotPermitted(_("该对象不在您的管辖范围内。"), code="out_of_scope")


def _place(actor, *, zone, grid, enterprise, parcel):
    """The session's unit: (zone, grid, enterprise, parcel), checked against the actor's role and scope."""
    if enterprise is not None:
        require(actor, Action.LEDGER_RECORD, enterprise)
        grid = enterprise.grid
        return grid.zone, grid, enterprise, enterprise.parcel
    if parcel is not None:
        require(actor, Action.LEDGER_RECORD, parcel)
        return parcel.grid.zone, parcel.grid, None, parcel
    require(actor, Action.LEDGER_RECORD)
    if not (is_admin(actor) or actor.role in PARK_WIDE_ROLES):
        raise NotPermitted(_("企业和房东只能录入本单位的培训演练。"), code="park_wide_not_permitted")
    if grid is not None:
        if not Grid.objects.visible_to(actor).filter(pk=grid.pk).exists():
            raise _out_of_scope()
        if zone is not None and zone.pk != grid.zone_id:
            message = _("所选网格不属于所选区块。")
            raise ValidationFailed(message, {"grid": [message]}, code="grid_not_in_zone")
        return grid.zone, grid, None, None
    if zone is None:
        message = _("请选择区块或网格。")
        raise ValidationFailed(message, {"zone": [message]}, code="unit_required")
    if not Zone.objects.visible_to(actor).filter(pk=zone.pk).exists():
        raise _out_of_scope()
    if not (actor.sees_everything or zone.pk in actor.scope_zone_ids):
        # An inspector's scope is their grids: a zone-wide session would not be theirs to see.
        message = _("请选择您负责的网格。")
        raise ValidationFailed(message, {"grid": [message]}, code="grid_required")
    return zone, None, None, None


def _clean_units(actor, units, *, zone, grid):
    """The participating units: enterprises of the actor's scope, inside the session's zone (and grid)."""
    units = list(dict.fromkeys(units or ()))
    if not units:
        return []
    visible = set(
        Enterprise.objects.visible_to(actor).filter(pk__in=[u.pk for u in units]).values_list("pk", flat=True)
    )
    if len(visible) < len(units):
        raise _out_of_scope()
    outside = [u for u in units if u.grid.zone_id != zone.pk or (grid is not None and u.grid_id != grid.pk)]
    if outside:
        message = _("参加单位“%(name)s”不在本次培训演练的区块或网格内。") % {"name": outside[0].name}
        raise ValidationFailed(message, {"units": [message]}, code="unit_outside")
    return units


def _add_photos(drill, photos):
    for photo in photos or ():
        DrillPhoto.objects.create(drill=drill, image=photo)


# --- the services ------------------------------------------------------------------------------------------


@transaction.atomic
def record_drill(
    *,
    actor,
    zone=None,
    grid=None,
    enterprise=None,
    parcel=None,
    units=(),
    signin_sheet=None,
    photos=(),
    **values,
):
    """Record one session: at a unit (``enterprise``, or a landlord's ``parcel``) or park-wide for a
    ``grid`` or ``zone`` (inspectors and managers), with the participating ``units`` of a park-wide one."""
    zone, grid, enterprise, parcel = _place(actor, zone=zone, grid=grid, enterprise=enterprise, parcel=parcel)
    entry = _clean_entry(values)
    units = [] if (enterprise or parcel) else _clean_units(actor, units, zone=zone, grid=grid)
    _clean_files(signin_sheet, photos)
    drill = Drill(zone=zone, grid=grid, enterprise=enterprise, parcel=parcel, recorded_by=actor, **entry)
    if signin_sheet:
        drill.signin_sheet = signin_sheet
    drill.save()
    if units:
        drill.units.set(units)
    _add_photos(drill, photos)
    return drill


def edit_refusal(user, drill):
    """None when ``user`` may change ``drill``, else the refusal (the rule: ledgers.policies, DRILL_EDIT).
    The caller found ``drill`` through ``visible_to(user)``."""
    return check(user, Action.DRILL_EDIT, drill, in_scope=True).error


@transaction.atomic
def edit_drill(drill, *, actor, units=None, signin_sheet=None, photos=(), **values):
    """Change a session's entry; a new sign-in sheet replaces the old one, photos are added."""
    locked = Drill.objects.visible_to(actor).select_for_update().filter(pk=drill.pk).first()
    if locked is None:
        raise _out_of_scope()
    error = edit_refusal(actor, locked)
    if error is not None:
        raise error
    entry = _clean_entry(values, partial=True)
    park_wide = not (locked.enterprise_id or locked.parcel_id)
    if units is not None and park_wide:
        units = _clean_units(actor, units, zone=locked.zone, grid=locked.grid)
    _clean_files(signin_sheet, photos, existing_photos=locked.photos.count())
    for field, value in entry.items():
        setattr(locked, field, value)
    if signin_sheet:
        locked.signin_sheet = signin_sheet
    locked.save()
    if units is not None and park_wide:
        locked.units.set(units)
    _add_photos(locked, photos)
    return locked
