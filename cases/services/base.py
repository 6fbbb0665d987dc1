"""What every case service shares: scope checks, row locks, numbers, photos, units.

Who may do an action (role, scope, party, grid, status) is accounts.policy's ``require``; the
rules of the case actions are in cases/policies.py.
"""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.policy import is_admin
from cases.choices import (
    ResponsibleKind,
)
from cases.models import Hazard
from catalogue.choices import CategoryLevel
from catalogue.models import HazardCategory
from core import dates
from core.errors import NotPermitted, ValidationFailed
from core.models import Sequence
from core.text import join_list
from register.choices import CloseoutState
from register.models import Parcel
from timeline.chain import append_event

# --- helpers -------------------------------------------------------------------------


def _require_visible(actor, obj):
    """The scope check alone, for an object an action names besides its subject (the unit of a
    report, the hazard one repeats) and for the admin's edits; a workflow action's subject is
    checked by ``require(actor, action, obj)`` (scope, role, party, status)."""
    if is_admin(actor):
        return
    if not type(obj).objects.visible_to(actor).filter(pk=obj.pk).exists():
        raise NotPermitted(_("该对象不在您的管辖范围内。"), code="out_of_scope")


def _locked(model, pk):
    return model.objects.select_for_update().get(pk=pk)


def next_number(prefix, day=None):
    """``prefix`` + date + four-digit sequence, taken under a row lock."""
    day = day or dates.today()
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
                code="photo_invalid",
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
                code="photo_invalid",
            )
        if hasattr(uploaded, "seek"):
            uploaded.seek(0)


def _unit(enterprise, parcel):
    """Resolve the unit of an inspection or hazard: (enterprise, parcel, grid)."""
    if enterprise is None and parcel is None:
        raise ValidationFailed(
            _("请指定被检查的单位或宗地。"), {"enterprise": [_("请指定单位或宗地。")]}, code="unit_required"
        )
    if enterprise is not None and parcel is None:
        parcel = enterprise.parcel
    if enterprise is not None and parcel is not None and enterprise.parcel_id not in (None, parcel.pk):
        raise ValidationFailed(
            _("该单位不在所选宗地上。"), {"parcel": [_("该单位不在所选宗地上。")]}, code="unit_not_on_parcel"
        )
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
        raise ValidationFailed(
            _("隐患类别“%(code)s”不存在。") % {"code": value},
            {"category": [_("隐患类别不存在。")]},
            code="category_unknown",
        )


def fingerprint_of(enterprise, parcel, category):
    """The likely-duplicate key of a report: one unit, one category (one open hazard holds it)."""
    unit = f"e{enterprise.pk}" if enterprise is not None else f"p{parcel.pk}"
    return f"{unit}:{category.code}"


def responsible_party(hazard):
    """(kind, enterprise, parcel) responsible for a hazard."""
    if hazard.category.level == CategoryLevel.PARCEL or hazard.enterprise_id is None:
        if hazard.parcel_id is None:
            raise ValidationFailed(_("宗地级隐患必须关联宗地。"), code="parcel_required")
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
    return Hazard.objects.open().filter(parcel=parcel).exists()


# --- corrections made in the admin -----------------------------------------------------------


def _edited_fields(obj, fields, editable):
    """``{name: (old, new)}`` for the fields whose value ``fields`` changes on the locked row ``obj``
    (text stripped); a field outside ``editable`` is refused."""
    unknown = sorted(set(fields) - set(editable))
    if unknown:
        raise ValidationFailed(
            _("这些字段不能在此修改：%(fields)s。") % {"fields": ", ".join(unknown)},
            {name: [_("不能在此修改。")] for name in unknown},
            code="not_editable",
        )
    changes = {}
    for name, value in fields.items():
        value = value.strip() if isinstance(value, str) else value
        if getattr(obj, name) != value:
            changes[name] = (getattr(obj, name), value)
    return changes


def _event_value(value):
    value = getattr(value, "pk", value)
    return value if value is None or isinstance(value, bool | int | float) else str(value)


def _save_edits(obj, changes, *, actor, kind, **subject):
    """Save only the changed columns of the locked row, and write one internal event naming them."""
    for name, (_old, new) in changes.items():
        setattr(obj, name, new)
    obj.save(update_fields=[*changes, "updated_at"])
    labels = [str(obj._meta.get_field(name).verbose_name) for name in changes]
    return append_event(
        kind=kind,
        actor=actor,
        internal=True,
        comment=_("管理后台修改：%(fields)s") % {"fields": join_list(labels)},
        data={"changes": {name: [_event_value(old), _event_value(new)] for name, (old, new) in changes.items()}},
        **subject,
    )
