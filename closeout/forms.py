from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.choices import Role
from accounts.models import User
from cases.field_forms import severity_field
from catalogue.forms import CategoryField
from closeout.choices import CrossCheckStatus
from core.forms import MultipleFileField
from register.models import Enterprise


def crosscheck_inspectors():
    """Active inspectors, with their grids (one query each, prefetched) to show and to exclude the parcel's."""
    return (
        User.objects.filter(role=Role.INSPECTOR, is_active=True)
        .prefetch_related("grids__zone")
        .order_by("first_name", "username")
    )


class CrossCheckRequestForm(forms.Form):
    """申请交叉检查: an inspector of another grid (the service refuses one of the parcel's grid)."""

    inspector = forms.ModelChoiceField(
        label=_("交叉检查人"),
        queryset=User.objects.none(),
        empty_label=_("选择其他网格的网格员"),
        error_messages={"required": _("请选择一名网格员。"), "invalid_choice": _("所选网格员不存在或已停用。")},
    )
    comment = forms.CharField(label=_("说明"), max_length=500, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["inspector"].queryset = User.objects.filter(role=Role.INSPECTOR, is_active=True)


# --- a cross-check result ------------------------------------------------------------------------


class CrossCheckResultForm(forms.Form):
    passed = forms.ChoiceField(
        label=_("检查结论"),
        widget=forms.RadioSelect,
        choices=[
            (CrossCheckStatus.PASSED, _("通过：未发现隐患，同意销号")),
            (CrossCheckStatus.FAILED, _("不通过：发现隐患，宗地保持红色")),
        ],
    )
    comment = forms.CharField(label=_("检查意见"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    photos = MultipleFileField(label=_("现场照片（可选，可多选）"), required=False)

    @property
    def is_pass(self):
        return self.cleaned_data["passed"] == CrossCheckStatus.PASSED


class CrossCheckHazardForm(forms.Form):
    """One new hazard found in a cross-check; a row left blank is ignored."""

    category = CategoryField(categories=[], required=False)
    description = forms.CharField(label=_("隐患描述"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    severity = severity_field()
    enterprise = forms.ModelChoiceField(
        label=_("涉及租户（可选）"),
        queryset=Enterprise.objects.none(),
        required=False,
        empty_label=_("（宗地公共部位 / 不指定）"),
    )
    location_detail = forms.CharField(label=_("具体位置"), max_length=255, required=False)

    def __init__(self, *args, parcel, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].set_categories(categories)
        self.fields["enterprise"].queryset = parcel.tenants.filter(active=True).order_by("name")

    @property
    def is_blank(self):
        data = getattr(self, "cleaned_data", {})
        return not data.get("category") and not (data.get("description") or "").strip()

    def clean(self):
        data = super().clean()
        if self.is_blank:
            return data
        if not data.get("category"):
            self.add_error("category", _("请选择隐患类别。"))
        if not (data.get("description") or "").strip():
            self.add_error("description", _("请填写隐患描述。"))
        return data

    def hazard_spec(self):
        data = self.cleaned_data
        return {
            "category": data["category"],
            "description": data["description"],
            "severity": data.get("severity") or None,
            "enterprise": data.get("enterprise"),
            "location_detail": data.get("location_detail", ""),
        }


class BaseCrossCheckHazardFormSet(forms.BaseFormSet):
    def __init__(self, *args, parcel, categories, **kwargs):
        self.parcel = parcel
        self.categories = categories
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "parcel": self.parcel, "categories": self.categories}

    def hazard_specs(self):
        return [form.hazard_spec() for form in self.forms if form.is_valid() and not form.is_blank]


CrossCheckHazardFormSet = forms.formset_factory(
    CrossCheckHazardForm, formset=BaseCrossCheckHazardFormSet, extra=2, max_num=30, validate_max=True
)
