"""Forms for the case pages: they parse input; the services decide and change.

A refused action comes back from the services as a WorkflowError whose ``errors`` map field names
to messages; ``add_workflow_errors`` puts them on the form beside the field they concern.
"""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.choices import Role
from accounts.models import User
from cases.choices import EscalationLevel, ResponsibleKind
from cases.deadlines import validate_deadline
from cases.models import Hazard, Ticket
from core.errors import ValidationFailed
from core.forms import DateInput, MultipleFileField
from core.parsing import parse_id


def party_users(ticket):
    """Accounts of the ticket's responsible party: who may be named as assignee."""
    users = User.objects.filter(is_active=True)
    if ticket.responsible_kind == ResponsibleKind.ENTERPRISE:
        return users.filter(role=Role.ENTERPRISE, enterprises=ticket.enterprise_id).distinct()
    return (
        users.filter(role=Role.LANDLORD)
        .filter(Q(owned_parcels=ticket.parcel_id) | Q(parcels=ticket.parcel_id))
        .distinct()
    )


class DeadlineMixin:
    """The deadline checked early by the services' own rule (cases.deadlines.validate_deadline)."""

    def clean_deadline(self):
        try:
            return validate_deadline(self.cleaned_data["deadline"])
        except ValidationFailed as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from exc


class AssignForm(DeadlineMixin, forms.Form):
    """交办: deadline, measures and, for a ticket with a major hazard, the whole 五落实 plan."""

    deadline = forms.DateField(label=_("整改期限"), widget=DateInput())
    measures = forms.CharField(label=_("整改措施"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    funds = forms.DecimalField(label=_("整改资金（元）"), min_value=0, max_digits=14, decimal_places=2, required=False)
    responsible_person = forms.CharField(label=_("整改责任人"), max_length=100, required=False)
    contingency = forms.CharField(
        label=_("应急预案/防范措施"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    assignee = forms.ModelChoiceField(
        label=_("整改人（责任方账号）"), queryset=User.objects.none(), required=False, empty_label=_("（不指定）")
    )
    comment = forms.CharField(label=_("交办说明"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    PLAN_FIELDS = ("measures", "funds", "deadline", "responsible_person", "contingency")

    def __init__(self, *args, ticket, **kwargs):
        self.ticket = ticket
        kwargs.setdefault("initial", {})
        kwargs["initial"] = {
            "deadline": ticket.deadline,
            "measures": ticket.measures,
            "funds": ticket.funds,
            "responsible_person": ticket.responsible_person,
            "contingency": ticket.contingency,
            "assignee": ticket.assignee_id,
            **kwargs["initial"],
        }
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = party_users(ticket)
        if ticket.is_major:
            # The service is the judge; the marks tell the manager up front what the plan needs.
            for name in self.PLAN_FIELDS:
                self.fields[name].widget.attrs["required"] = True
                self.fields[name].help_text = _("重大隐患须填写（五落实）")

    def service_kwargs(self):
        data = self.cleaned_data
        return {
            "deadline": data["deadline"],
            "measures": data["measures"],
            "funds": data["funds"],
            "responsible_person": data["responsible_person"],
            "contingency": data["contingency"],
            "assignee": data["assignee"],
            "comment": data["comment"],
        }


class AssessmentMixin:
    """A ticket with a major hazard is submitted with its assessment report (治理情况评估报告); the
    field is shown only then (the service checks that it came, and its type and size)."""

    def __init__(self, *args, major=False, **kwargs):
        super().__init__(*args, **kwargs)
        if major:
            self.fields["assessment"] = forms.FileField(
                label=_("治理情况评估报告（PDF 或图片）"),
                required=True,
                error_messages={"required": _("含重大隐患的整改单须上传治理情况评估报告。")},
                widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
            )

    def service_kwargs(self):
        data = self.cleaned_data
        return {"comment": data["comment"], "photos": data["photos"], "assessment": data.get("assessment")}


class SubmitForm(AssessmentMixin, forms.Form):
    """The responsible party's evidence: what was done, and photos after the fix."""

    comment = forms.CharField(label=_("整改情况说明"), widget=forms.Textarea(attrs={"rows": 3}))
    photos = MultipleFileField(label=_("整改后照片（可多选）"))


class VerifyForm(forms.Form):
    """验收: the button pressed (pass or reject) and a comment (required by the service on reject)."""

    PASS, REJECT = "pass", "reject"

    decision = forms.ChoiceField(
        label=_("验收结论"), choices=[(PASS, _("验收通过")), (REJECT, _("退回整改"))], widget=forms.HiddenInput
    )
    comment = forms.CharField(
        label=_("验收意见"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("退回整改时必须写明原因。"),
    )
    photos = MultipleFileField(label=_("验收现场照片（可选，可多选）"), required=False)

    @property
    def passed(self):
        return self.cleaned_data["decision"] == self.PASS


class DecisionForm(forms.Form):
    """An approval: the button pressed (approve or not) and a comment (required by the service when not)."""

    APPROVE, REFUSE = "approve", "refuse"

    decision = forms.ChoiceField(choices=[(APPROVE, APPROVE), (REFUSE, REFUSE)], widget=forms.HiddenInput)
    comment = forms.CharField(label=_("审批意见"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    @property
    def approved(self):
        return self.cleaned_data["decision"] == self.APPROVE


class ExtensionRequestForm(DeadlineMixin, forms.Form):
    """延期申请: the date asked for and why."""

    deadline = forms.DateField(label=_("申请延期至"), widget=DateInput())
    reason = forms.CharField(label=_("延期理由"), widget=forms.Textarea(attrs={"rows": 2}))


class ExtensionDecisionForm(DecisionForm):
    comment = forms.CharField(
        label=_("审批意见"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("不同意时必须写明原因。"),
    )


class CloseoutForm(DecisionForm):
    comment = forms.CharField(
        label=_("销号审批意见"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("退回整改时必须写明原因。"),
    )


class ReassignForm(DeadlineMixin, forms.Form):
    """调整交办: the deadline, the assignee and 整改责任人 of an assigned ticket, with the reason."""

    deadline = forms.DateField(label=_("整改期限"), widget=DateInput())
    assignee = forms.ModelChoiceField(
        label=_("整改人（责任方账号）"), queryset=User.objects.none(), required=False, empty_label=_("（不指定）")
    )
    responsible_person = forms.CharField(label=_("整改责任人"), max_length=100, required=False)
    reason = forms.CharField(label=_("调整原因"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, ticket, **kwargs):
        kwargs["initial"] = {
            "deadline": ticket.deadline,
            "assignee": ticket.assignee_id,
            "responsible_person": ticket.responsible_person,
            **kwargs.get("initial", {}),
        }
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = party_users(ticket)

    def service_kwargs(self):
        return dict(self.cleaned_data)


class ChangePartyForm(forms.Form):
    """变更责任方: another active enterprise on the ticket's parcel, or the parcel's landlord."""

    LANDLORD = "landlord"

    party = forms.ChoiceField(label=_("新的责任方"), choices=())
    reason = forms.CharField(label=_("变更原因"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, ticket, enterprises, **kwargs):
        super().__init__(*args, **kwargs)
        self.enterprises = {str(e.pk): e for e in enterprises}
        choices = [(pk, e.name) for pk, e in self.enterprises.items()]
        if ticket.responsible_kind == ResponsibleKind.ENTERPRISE and ticket.parcel_id:
            choices.append((self.LANDLORD, _("宗地房东")))
        self.fields["party"].choices = choices

    def service_kwargs(self):
        party = self.cleaned_data["party"]
        return {
            "enterprise": None if party == self.LANDLORD else self.enterprises[party],
            "reason": self.cleaned_data["reason"],
        }


class EscalateForm(forms.Form):
    level = forms.TypedChoiceField(label=_("督办级别"), coerce=int, choices=(), required=False)
    comment = forms.CharField(label=_("督办意见"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, ticket, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = [
            (value, label) for value, label in EscalationLevel.choices if value > ticket.escalation_level
        ]
        if self.fields["level"].choices:
            self.initial.setdefault("level", self.fields["level"].choices[0][0])


class ReopenForm(forms.Form):
    comment = forms.CharField(label=_("复查情况"), widget=forms.Textarea(attrs={"rows": 2}))


class CommentForm(forms.Form):
    comment = forms.CharField(label=_("备注"), widget=forms.Textarea(attrs={"rows": 2}))
    internal = forms.BooleanField(label=_("仅内部可见（责任方看不到）"), required=False)

    def __init__(self, *args, staff=True, **kwargs):
        super().__init__(*args, **kwargs)
        if not staff:
            del self.fields["internal"]


class HazardSelectionField(forms.ModelMultipleChoiceField):
    """Hazard ids from checkboxes named ``hazards``; the queryset is the user's reported hazards."""

    widget = forms.MultipleHiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Hazard.objects.none())
        kwargs.setdefault("label", _("隐患"))
        kwargs.setdefault(
            "error_messages",
            {
                "required": _("请至少选择一条隐患。"),
                "invalid_choice": _("所选隐患不存在或已被处理，请刷新后重试。"),
                "invalid_pk_value": _("所选隐患不存在。"),
            },
        )
        super().__init__(**kwargs)


def reported_hazards(user):
    return Hazard.objects.visible_to(user).awaiting_aggregation()


class AggregateForm(DeadlineMixin, forms.Form):
    """One responsible party's group on the aggregation page: its hazards, the ticket's measures and
    deadline (prefilled from the categories) and whether to assign at once."""

    hazards = HazardSelectionField()
    measures = forms.CharField(label=_("整改措施"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    deadline = forms.DateField(label=_("整改期限"), widget=DateInput())
    assign = forms.BooleanField(label=_("汇总后立即交办"), required=False, initial=True)
    funds = forms.DecimalField(label=_("整改资金（元）"), min_value=0, max_digits=14, decimal_places=2, required=False)
    responsible_person = forms.CharField(label=_("整改责任人"), max_length=100, required=False)
    contingency = forms.CharField(
        label=_("应急预案/防范措施"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hazards"].queryset = reported_hazards(user)


class BaseAggregateFormSet(forms.BaseFormSet):
    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "user": self.user}

    def clean(self):
        seen = set()
        for form in self.forms:
            for hazard in form.cleaned_data.get("hazards", ()):
                if hazard.pk in seen:
                    raise forms.ValidationError(_("同一条隐患不能汇总进两张整改单。"))
                seen.add(hazard.pk)


AggregateFormSet = forms.formset_factory(
    AggregateForm, formset=BaseAggregateFormSet, extra=0, min_num=1, validate_min=True, max_num=200, validate_max=True
)


class BulkAssignForm(DeadlineMixin, forms.Form):
    """Several pending tickets, one deadline (blank: each ticket's own or its categories' default)."""

    tickets = forms.ModelMultipleChoiceField(
        label=_("整改单"),
        queryset=Ticket.objects.none(),
        widget=forms.MultipleHiddenInput,
        error_messages={
            "required": _("请至少选择一张整改单。"),
            "invalid_choice": _("所选整改单不存在，请刷新后重试。"),
        },
    )
    deadline = forms.DateField(
        label=_("统一整改期限"),
        widget=DateInput(),
        required=False,
        help_text=_("留空则按各整改单的期限或隐患类别的默认期限。"),
    )
    comment = forms.CharField(label=_("交办说明"), required=False, max_length=500)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tickets"].queryset = Ticket.objects.visible_to(user)


def confirm_field(label):
    """The confirmation an action that closes a hazard asks for (checked in the form, without JS too)."""
    return forms.BooleanField(label=label, required=True, error_messages={"required": _("请勾选确认后再提交。")})


class DuplicateForm(forms.Form):
    duplicate_of = forms.CharField(label=_("重复于（隐患编号）"), max_length=32)
    comment = forms.CharField(
        label=_("原因"),
        max_length=500,
        error_messages={"required": _("请填写标为重复的原因。")},
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    confirm = confirm_field(_("确认标为重复上报（该隐患将关闭，交办人员可撤销）"))

    def __init__(self, *args, user, hazard, **kwargs):
        self.user = user
        self.hazard = hazard
        super().__init__(*args, **kwargs)
        if hazard.likely_duplicate_of_id and not self.is_bound:
            self.initial["duplicate_of"] = hazard.likely_duplicate_of.number

    def clean_duplicate_of(self):
        value = self.cleaned_data["duplicate_of"].strip()
        visible = Hazard.objects.visible_to(self.user)
        found = visible.filter(number=value).first()
        if found is None and parse_id(value):
            found = visible.filter(pk=parse_id(value)).first()
        if found is None:
            raise forms.ValidationError(_("找不到编号为 %(number)s 的隐患。"), params={"number": value})
        return found


class InvalidForm(forms.Form):
    reason = forms.CharField(label=_("核实不属实的原因"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
    confirm = confirm_field(_("确认核实不属实（该隐患将关闭，交办人员可撤销）"))


class RestoreForm(forms.Form):
    reason = forms.CharField(
        label=_("恢复原因"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("请填写恢复的原因。")},
    )
    confirm = confirm_field(_("确认撤销标记，隐患恢复为“已上报”"))


class SubmitOnBehalfForm(AssessmentMixin, forms.Form):
    """代为提交整改: staff record the party's fix (what was done, photos after the fix)."""

    comment = forms.CharField(label=_("整改情况说明"), widget=forms.Textarea(attrs={"rows": 3}))
    photos = MultipleFileField(label=_("整改后照片（可多选）"))
