"""The form of a party's responsibility letter (下发, 签订, 过期). It reads the input; ledgers.letters checks it
again and decides (its refusals are put on the form)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import DateInput
from ledgers.choices import LetterStatus
from ledgers.models import LetterTemplate

ACTIONS = (
    (LetterStatus.ISSUED, _("下发")),
    (LetterStatus.SIGNED, _("登记签订")),
    (LetterStatus.EXPIRED, _("标记过期")),
)


class LetterRecordForm(forms.Form):
    status = forms.ChoiceField(label=_("操作"), choices=ACTIONS, widget=forms.RadioSelect)
    template = forms.ModelChoiceField(
        label=_("模板"), queryset=LetterTemplate.objects.filter(active=True), required=False, empty_label=_("默认模板")
    )
    issued_on = forms.DateField(label=_("下发日期"), required=False, widget=DateInput())
    signatory = forms.CharField(label=_("签订人"), max_length=100, required=False)
    signed_on = forms.DateField(label=_("签订日期"), required=False, widget=DateInput())
    scan = forms.FileField(
        label=_("扫描件"),
        required=False,
        help_text=_("PDF、JPG 或 PNG，不超过 10 MB。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}),
    )
    notes = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, kind=None, allowed=(), **kwargs):
        super().__init__(*args, **kwargs)
        if kind:
            self.fields["template"].queryset = LetterTemplate.objects.filter(active=True, kind=kind)
        if allowed:
            self.fields["status"].choices = [(value, label) for value, label in ACTIONS if value in allowed]
            if len(self.fields["status"].choices) == 1:
                self.fields["status"].initial = self.fields["status"].choices[0][0]

    def service_kwargs(self):
        data = self.cleaned_data
        values = {"status": data["status"], "notes": data.get("notes") or ""}
        if data["status"] == LetterStatus.ISSUED:
            values["issued_on"] = data.get("issued_on")
        elif data["status"] == LetterStatus.SIGNED:
            values.update(signatory=data.get("signatory") or "", signed_on=data.get("signed_on"), scan=data.get("scan"))
        return values


class CoverageForm(forms.Form):
    """The year of the coverage page (this year when not given)."""

    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100, required=False)
