"""The "焊有序" welding-control devices: registering a device at an enterprise and changing its entry.

Asked of the one policy (``Action.LEDGER_RECORD`` on the enterprise: its own users, its landlord, the
inspectors and managers whose scope it is in); a refusal raises a WorkflowError and nothing is saved."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.policy import Action, require
from core.dates import date_window_error
from core.errors import NotPermitted, ValidationFailed
from ledgers.choices import DeviceStatus
from ledgers.models import WeldingDevice

ENTRY_FIELDS = ("device_id", "installed_on", "welding_points", "status", "notes")
REQUIRED = ("device_id", "installed_on")
MAX_POINTS = 999


def _taken():
    message = _("设备编号已存在。")
    return ValidationFailed(message, {"device_id": [message]}, code="device_id_taken")


def _clean_entry(values, *, device=None):
    errors, entry = {}, {}
    for field in ENTRY_FIELDS:
        if field not in values:
            if device is None and field in REQUIRED:
                errors[field] = [_("此项为必填项。")]
            continue
        value = values[field]
        if field in ("device_id", "notes"):
            value = "" if value is None else str(value).strip()
            limit = 64 if field == "device_id" else 200
            if len(value) > limit:
                errors[field] = [_("最多 %(n)d 个字。") % {"n": limit}]
                continue
        if field in REQUIRED and value in (None, ""):
            errors[field] = [_("此项为必填项。")]
        elif field == "installed_on" and value > timezone.localdate():
            errors[field] = [_("安装日期不能晚于今天。")]
        elif field == "installed_on" and date_window_error(value):
            errors[field] = [date_window_error(value)]
        elif field == "welding_points" and (
            isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_POINTS
        ):
            errors[field] = [_("覆盖焊接点位应为 1 至 %(max)d 之间的整数。") % {"max": MAX_POINTS}]
        elif field == "status" and value not in DeviceStatus.values:
            errors[field] = [_("“%(value)s”不是有效的设备状态。") % {"value": value}]
        else:
            entry[field] = value
    if "device_id" in entry and "device_id" not in errors:
        others = WeldingDevice.objects.filter(device_id__iexact=entry["device_id"])
        if device is not None:
            others = others.exclude(pk=device.pk)
        if others.exists():
            errors["device_id"] = [_("设备编号已存在。")]
    if errors:
        code = "device_id_taken" if errors.get("device_id") == [_("设备编号已存在。")] else "invalid"
        raise ValidationFailed(
            _("请检查填写的内容：%(first)s") % {"first": next(iter(errors.values()))[0]}, errors, code=code
        )
    return entry


def _place(device, enterprise):
    device.enterprise = enterprise
    device.parcel = enterprise.parcel
    device.grid = enterprise.grid
    device.zone_id = enterprise.grid.zone_id


def _save(device):
    try:
        with transaction.atomic():
            device.save()
    except IntegrityError:  # the same id registered at the same moment
        raise _taken() from None


@transaction.atomic
def record_welding_device(*, actor, enterprise, **values):
    """Register a device at ``enterprise`` (its grid, zone and parcel follow the enterprise)."""
    if enterprise is None:
        message = _("请选择企业。")
        raise ValidationFailed(message, {"enterprise": [message]}, code="enterprise_required")
    require(actor, Action.LEDGER_RECORD, enterprise)
    entry = _clean_entry(values)
    device = WeldingDevice(recorded_by=actor, **entry)
    _place(device, enterprise)
    _save(device)
    return device


@transaction.atomic
def update_welding_device(device, *, actor, enterprise=None, **values):
    """Change a device's entry; moving it to another ``enterprise`` needs that one in scope too."""
    locked = WeldingDevice.objects.visible_to(actor).select_for_update().filter(pk=device.pk).first()
    if locked is None:
        raise NotPermitted(_("该对象不在您的管辖范围内。"), code="out_of_scope")
    require(actor, Action.LEDGER_RECORD, locked.enterprise)
    entry = _clean_entry(values, device=locked)
    if enterprise is not None and enterprise.pk != locked.enterprise_id:
        require(actor, Action.LEDGER_RECORD, enterprise)
        _place(locked, enterprise)
    for field, value in entry.items():
        setattr(locked, field, value)
    _save(locked)
    return locked
