"""What every case service shares: role and scope checks, row locks, numbers, photos, units."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import Role
from cases.choices import (
    OPEN_HAZARD_STATUSES,
    ResponsibleKind,
)
from cases.models import Hazard
from catalogue.choices import CategoryLevel
from catalogue.models import HazardCategory
from core.errors import NotPermitted, TransitionNotAllowed, ValidationFailed
from core.models import Sequence
from register.choices import CloseoutState
from register.models import Parcel

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
