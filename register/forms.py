"""Forms of the register pages: the spreadsheet upload and the close-out desk's cross-check request."""

from django import forms
from django.utils.translation import gettext_lazy as _

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
