"""Forms of the register pages: the spreadsheet upload and the close-out desk's cross-check request."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.choices import Role
from accounts.models import User

IMPORT_MAX_BYTES = 50 * 1024 * 1024


class RegisterImportForm(forms.Form):
    """The office's register (台账) as .xlsx or .csv; the importer checks everything else."""

    file = forms.FileField(
        label=_("台账文件"),
        help_text=_("Excel（.xlsx）或 CSV 文件，第一行（或标题下一行）为列名。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xlsm,.csv,.txt"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _("文件过大（%(size)s MB），不能超过 %(limit)s MB。"),
                params={"size": round(upload.size / 1024 / 1024, 1), "limit": IMPORT_MAX_BYTES // 1024 // 1024},
            )
        return upload


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
