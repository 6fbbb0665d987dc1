"""The forms of the risk point pages: the entry (申报 and 修改), the review (审核) and the retirement (停用).

They read the input only; risk.services checks it again and decides (its refusals are put on the form)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from catalogue.choices import AccidentType
from register.choices import RiskLevel
from risk.choices import MEASURE_TYPES, Consequence, ControlLevel, Exposure, Likelihood
from risk.models import RiskPoint
from risk.services import ENTRY_FIELDS

CHOOSE = [("", _("请选择"))]


def _label(name):
    return RiskPoint._meta.get_field(name).verbose_name


def _text(name, *, required=False, max_length=None, rows=None):
    widget = forms.Textarea(attrs={"rows": rows}) if rows else forms.TextInput()
    return forms.CharField(label=_label(name), required=required, max_length=max_length, widget=widget)


def _lec(name, choices, help_text):
    # The labels carry the standard's meaning ("6 相当可能"); data-value lets the page show D as it is chosen.
    return forms.ChoiceField(
        label=_label(name),
        choices=CHOOSE + list(choices),
        help_text=help_text,
        widget=forms.Select(attrs={"data-lec": name}),
    )


class RiskPointForm(forms.Form):
    """A risk point's entry: name and place, accident kinds, L/E/C, measures by type, control level, who."""

    name = _text("name", required=True, max_length=100)
    place = _text("place", max_length=200)
    accident_types = forms.MultipleChoiceField(
        label=_label("accident_types"),
        choices=AccidentType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "check-grid"}),
        help_text=_("按 GB 6441 事故类别，可多选。"),
    )
    likelihood = _lec("likelihood", Likelihood.choices, _("L：事故发生的可能性。"))
    exposure = _lec("exposure", Exposure.choices, _("E：人员暴露于危险环境的频繁程度。"))
    consequence = _lec("consequence", Consequence.choices, _("C：一旦发生事故可能造成的后果。"))
    measures_engineering = _text("measures_engineering", rows=2)
    measures_management = _text("measures_management", rows=2)
    measures_training = _text("measures_training", rows=2)
    measures_ppe = _text("measures_ppe", rows=2)
    measures_emergency = _text("measures_emergency", rows=2)
    control_level = forms.ChoiceField(
        label=_label("control_level"), choices=ControlLevel.choices, initial=ControlLevel.WORKSHOP
    )
    responsible_person = _text("responsible_person", required=True, max_length=100)
    responsible_phone = _text("responsible_phone", max_length=32)

    measure_fields = tuple(field for field, _name in MEASURE_TYPES)

    @classmethod
    def for_point(cls, point, data=None):
        """The form of an existing point, filled in with its entry."""
        initial = {field: getattr(point, field) for field in ENTRY_FIELDS}
        return cls(data, initial=initial)

    def service_kwargs(self):
        return {field: self.cleaned_data[field] for field in ENTRY_FIELDS if field in self.cleaned_data}

    def measure_boxes(self):
        return [self[field] for field in self.measure_fields]


class RiskPointReviewForm(forms.Form):
    """审核: confirm the grade in force, or choose another one with a reason."""

    level = forms.TypedChoiceField(
        label=_("风险等级"), choices=RiskLevel.choices[::-1], coerce=int, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=_("调整等级理由"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("与评估等级不同时必须填写。"),
    )


class RiskPointRetireForm(forms.Form):
    reason = forms.CharField(
        label=_("停用理由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}), help_text=_("如：车间已拆除。")
    )
