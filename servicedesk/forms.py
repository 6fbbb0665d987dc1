"""The forms of the service request pages: they parse; servicedesk.services decides."""

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Department
from cases.deadlines import validate_deadline
from core.errors import ValidationFailed
from core.forms import DateInput
from servicedesk.choices import RATINGS
from servicedesk.models import ServiceCategory

TEXTAREA = {"rows": 3}


class RaiseForm(forms.Form):
    """提出服务问题. ``enterprises``: the enterprises the user may raise for; with one, it is not asked."""

    enterprise = forms.ModelChoiceField(
        label=_("企业"),
        queryset=None,
        error_messages={"required": _("请选择企业。"), "invalid_choice": _("请选择管辖范围内的企业。")},
    )
    category = forms.ModelChoiceField(
        label=_("问题类别"),
        queryset=ServiceCategory.objects.filter(active=True),
        error_messages={"required": _("请选择问题类别。"), "invalid_choice": _("请选择问题类别。")},
    )
    title = forms.CharField(label=_("问题"), max_length=200, error_messages={"required": _("请填写问题。")})
    description = forms.CharField(
        label=_("详细描述"), required=False, max_length=5000, widget=forms.Textarea(attrs=TEXTAREA)
    )

    def __init__(self, *args, enterprises, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["enterprise"]
        field.queryset = enterprises
        choices = list(enterprises[:2])
        if len(choices) == 1:
            field.initial = choices[0].pk
            field.widget = forms.HiddenInput()


class DispatchForm(forms.Form):
    """分类派发: the category's department and time limit are the defaults."""

    department = forms.ModelChoiceField(
        label=_("承办部门"),
        queryset=Department.objects.filter(active=True),
        error_messages={"required": _("请选择承办部门。"), "invalid_choice": _("请选择承办部门。")},
    )
    deadline = forms.DateField(
        label=_("办结期限"), widget=DateInput(), error_messages={"invalid": _("请输入有效的日期。")}
    )
    comment = forms.CharField(
        label=_("派发说明"), required=False, max_length=5000, widget=forms.Textarea(attrs=TEXTAREA)
    )

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, **kwargs)
        category = request.category
        self.initial.setdefault("department", request.department_id or category.department_id)
        today = timezone.localdate()
        kept = request.deadline if request.deadline and request.deadline >= today else None
        self.initial.setdefault("deadline", kept or today + timedelta(days=category.time_limit_days))

    def clean_deadline(self):
        deadline = self.cleaned_data["deadline"]
        try:
            validate_deadline(deadline)
        except ValidationFailed as exc:
            raise forms.ValidationError(_("办结期限不能早于今天。"), code=exc.code) from None
        return deadline


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("办理答复"),
        max_length=10000,
        widget=forms.Textarea(attrs=TEXTAREA),
        error_messages={"required": _("请填写办理答复。")},
    )


SATISFIED, NOT_SATISFIED = "satisfied", "not_satisfied"


class ConfirmForm(forms.Form):
    """事后跟踪: satisfied with a rating (1–5), or not satisfied with the reason."""

    decision = forms.ChoiceField(
        label=_("办理结果"),
        choices=((SATISFIED, _("满意，确认办结")), (NOT_SATISFIED, _("不满意，退回办理"))),
        widget=forms.RadioSelect,
        initial=SATISFIED,
        error_messages={"required": _("请选择是否满意。"), "invalid_choice": _("请选择是否满意。")},
    )
    rating = forms.TypedChoiceField(
        label=_("满意度评分"),
        choices=[("", "—"), *RATINGS],
        coerce=int,
        empty_value=None,
        required=False,
        error_messages={"invalid_choice": _("请为办理结果评分（1–5 分）。")},
    )
    feedback = forms.CharField(
        label=_("评价或不满意的原因"), required=False, max_length=5000, widget=forms.Textarea(attrs=TEXTAREA)
    )

    @property
    def satisfied(self):
        return self.cleaned_data.get("decision") == SATISFIED

    def clean(self):
        data = super().clean()
        if data.get("decision") == SATISFIED and not data.get("rating"):
            self.add_error("rating", _("请为办理结果评分（1–5 分）。"))
        if data.get("decision") == NOT_SATISFIED and not (data.get("feedback") or "").strip():
            self.add_error("feedback", _("请说明不满意的原因。"))
        return data


class ReopenForm(forms.Form):
    comment = forms.CharField(
        label=_("重新打开的原因"),
        max_length=5000,
        widget=forms.Textarea(attrs=TEXTAREA),
        error_messages={"required": _("请说明重新打开的原因。")},
    )


class EscalateForm(forms.Form):
    comment = forms.CharField(
        label=_("督办意见"), required=False, max_length=5000, widget=forms.Textarea(attrs=TEXTAREA)
    )
