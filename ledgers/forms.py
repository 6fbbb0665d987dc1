"""The forms of the drill and welding-device pages. They read the input; ledgers.drills and
ledgers.welding check it again and decide (their refusals are put on the form).

The unit choices show only the user's own units, but accept any existing id: a unit outside the
user's scope is then refused by the service (403), as the API refuses it, not passed off as a typo."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.choices import Role
from accounts.policy import is_admin
from core.forms import DateInput, photo_field
from ledgers.choices import DeviceStatus, DrillKind
from ledgers.drills import ENTRY_FIELDS, MAX_PARTICIPANTS, PARK_WIDE_ROLES
from ledgers.models import Drill, WeldingDevice
from register.models import Enterprise, Grid, Parcel, Zone


def _label(model, name):
    return model._meta.get_field(name).verbose_name


def _offer(field, visible):
    """Show ``visible`` as the field's choices; the field still accepts any row (the service judges scope)."""
    if isinstance(field, forms.ModelMultipleChoiceField):
        field.widget.choices = forms.ModelMultipleChoiceField(queryset=visible).choices
    else:
        field.widget.choices = forms.ModelChoiceField(queryset=visible, empty_label=field.empty_label).choices


class DrillForm(forms.Form):
    """A session's entry. When recording: the unit (a party's own enterprise or parcel; for inspectors and
    managers a zone or grid and the participating units). When editing, the unit stays as recorded."""

    kind = forms.ChoiceField(label=_label(Drill, "kind"), choices=[("", _("请选择")), *DrillKind.choices])
    held_on = forms.DateField(label=_label(Drill, "held_on"), widget=DateInput())
    title = forms.CharField(label=_label(Drill, "title"), max_length=200)
    enterprise = forms.ModelChoiceField(label=_("单位"), queryset=Enterprise.objects.all(), empty_label=None)
    parcel = forms.ModelChoiceField(label=_("宗地"), queryset=Parcel.objects.all(), empty_label=None)
    zone = forms.ModelChoiceField(label=_("区块"), queryset=Zone.objects.all(), required=False)
    grid = forms.ModelChoiceField(
        label=_("网格"), queryset=Grid.objects.select_related("zone"), required=False, help_text=_("不选则为全区块。")
    )
    units = forms.ModelMultipleChoiceField(
        label=_label(Drill, "units"),
        queryset=Enterprise.objects.all(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("可多选（按住 Ctrl 或 Command）。"),
    )
    organiser = forms.CharField(label=_label(Drill, "organiser"), max_length=100)
    trainer = forms.CharField(label=_label(Drill, "trainer"), max_length=100, required=False)
    participants = forms.IntegerField(
        label=_label(Drill, "participants"),
        min_value=1,
        max_value=MAX_PARTICIPANTS,
        error_messages={
            "min_value": _("参加人次至少为 1。"),
            "max_value": _("参加人次不能超过 %(limit_value)s。"),
            "invalid": _("请输入整数。"),
        },
    )
    signin_sheet = forms.FileField(
        label=_label(Drill, "signin_sheet"),
        required=False,
        widget=forms.FileInput(attrs={"accept": ".pdf,image/*"}),
        help_text=_("签到表扫描件：PDF 或图片。"),
    )
    photos = photo_field(_("现场照片"), help_text=_("可选择多张。"))
    notes = forms.CharField(label=_label(Drill, "notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    unit_fields = ("enterprise", "parcel", "zone", "grid")

    def __init__(self, *args, user, drill=None, **kwargs):
        if drill is not None:
            kwargs.setdefault("initial", {name: getattr(drill, name) for name in ENTRY_FIELDS})
            kwargs["initial"].setdefault("units", list(drill.units.all()))
        super().__init__(*args, **kwargs)
        self.user, self.drill = user, drill
        park_wide = is_admin(user) or user.role in PARK_WIDE_ROLES
        if drill is not None:
            for name in self.unit_fields:
                del self.fields[name]
            if drill.enterprise_id or drill.parcel_id:
                del self.fields["units"]
            else:
                _offer(self.fields["units"], self._units_in(drill.zone_id, drill.grid_id))
            return
        if park_wide:
            del self.fields["enterprise"], self.fields["parcel"]
            _offer(self.fields["zone"], Zone.objects.visible_to(user))
            _offer(self.fields["grid"], Grid.objects.visible_to(user).select_related("zone"))
            self.fields["zone"].required = user.role != Role.INSPECTOR or is_admin(user)
            if user.role == Role.INSPECTOR and not is_admin(user):
                self.fields["grid"].required = True
                self.fields["grid"].help_text = ""
            _offer(self.fields["units"], Enterprise.objects.visible_to(user).only("pk", "name"))
            return
        del self.fields["zone"], self.fields["grid"], self.fields["units"]
        if user.role == Role.LANDLORD:
            del self.fields["enterprise"]
            _offer(self.fields["parcel"], Parcel.objects.visible_to(user).defer("polygon"))
        else:
            del self.fields["parcel"]
            _offer(self.fields["enterprise"], Enterprise.objects.visible_to(user).only("pk", "name"))

    def _units_in(self, zone_id, grid_id):
        units = Enterprise.objects.visible_to(self.user).filter(grid__zone_id=zone_id).only("pk", "name")
        return units.filter(grid_id=grid_id) if grid_id else units

    def unit_boxes(self):
        return [self[name] for name in (*self.unit_fields, "units") if name in self.fields]

    def service_kwargs(self):
        data = dict(self.cleaned_data)
        data["photos"] = data.get("photos") or []
        data["signin_sheet"] = data.get("signin_sheet") or None
        if "units" not in self.fields:
            data.pop("units", None)
        return data


class WeldingDeviceForm(forms.Form):
    enterprise = forms.ModelChoiceField(label=_label(WeldingDevice, "enterprise"), queryset=Enterprise.objects.all())
    device_id = forms.CharField(label=_label(WeldingDevice, "device_id"), max_length=64)
    installed_on = forms.DateField(label=_label(WeldingDevice, "installed_on"), widget=DateInput())
    welding_points = forms.IntegerField(
        label=_label(WeldingDevice, "welding_points"),
        min_value=1,
        max_value=999,
        initial=1,
        error_messages={"invalid": _("请输入整数。")},
    )
    status = forms.ChoiceField(
        label=_label(WeldingDevice, "status"), choices=DeviceStatus.choices, initial=DeviceStatus.IN_USE
    )
    notes = forms.CharField(label=_label(WeldingDevice, "notes"), max_length=200, required=False)

    def __init__(self, *args, user, device=None, **kwargs):
        if device is not None:
            kwargs.setdefault(
                "initial",
                {
                    "enterprise": device.enterprise_id,
                    **{name: getattr(device, name) for name in ("device_id", "installed_on", "welding_points")},
                    "status": device.status,
                    "notes": device.notes,
                },
            )
        super().__init__(*args, **kwargs)
        _offer(self.fields["enterprise"], Enterprise.objects.visible_to(user).only("pk", "name"))

    def service_kwargs(self):
        return dict(self.cleaned_data)
