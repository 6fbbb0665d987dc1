"""Forms of the field pages: the inspector's checklist inspection, hazard report and cross-check result,
the owner's self-check. They parse input; cases.services decides and changes.

Checklist items become one radio group per item (``item_<id>``: ``pass`` / ``fail`` / ``na`` 不涉及),
a note (``note_<id>``) and photos (``photos_<id>``: a failed item's photos are its hazard's evidence);
``results()`` gives the ``{item_id: (passed, note)}`` (passed None: not applicable) and
``item_photos()`` the ``{item_id: [files]}`` that ``record_inspection`` takes. Categories are offered grouped by level, each option carrying its default severity
(``data-severity``) so the page can prefill the severity.
"""

from django import forms
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from catalogue.choices import ChecklistAnswer, Severity
from catalogue.forms import CategoryField, active_categories
from catalogue.models import Checklist
from core.forms import photo_field
from register.models import Enterprise, Parcel

PASS, FAIL, NOT_APPLICABLE = ChecklistAnswer.PASS, ChecklistAnswer.FAIL, ChecklistAnswer.NOT_APPLICABLE
ITEM_CHOICES = ChecklistAnswer.choices
ANSWER_PASSED = {PASS: True, FAIL: False, NOT_APPLICABLE: None}


SEVERITY_CHOICES = [("", _("按类别默认"))] + list(Severity.choices)


def severity_field(**kwargs):
    """The hazard's severity; blank takes the category's default (the page prefills it)."""
    return forms.ChoiceField(
        label=_("隐患等级"),
        choices=SEVERITY_CHOICES,
        required=False,
        widget=forms.Select(attrs={"data-severity-select": ""}),
        **kwargs,
    )


# --- a checklist inspection (inspector) or a self-check (owner) ----------------------------------


class ChecklistResultsForm(forms.Form):
    """Every item of one checklist ticked pass, fail (a failed one reports a hazard, with the item's
    photos as its evidence) or not applicable; notes, photos of the visit."""

    notes = forms.CharField(label=_("检查情况说明"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    photos = photo_field(_("现场照片（可多张）"))

    def __init__(self, *args, checklist=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.checklist = checklist
        self.items = list(checklist.items.select_related("category").order_by("order", "pk")) if checklist else []
        self.item_rows = []
        for item in self.items:
            result_name, note_name = f"item_{item.pk}", f"note_{item.pk}"
            self.fields[result_name] = forms.ChoiceField(
                label=item.text,
                choices=ITEM_CHOICES,
                widget=forms.RadioSelect,
                error_messages={"required": _("请选择“合格”“不合格”或“不涉及”。")},
            )
            self.fields[f"photos_{item.pk}"] = photo_field(_("该项照片"))
            self.fields[note_name] = forms.CharField(
                label=_("问题说明"),
                max_length=500,
                required=False,
                widget=forms.TextInput(attrs={"placeholder": _("不合格时请说明具体情况")}),
            )
        # Order: the unit choice (self-check) first, then the items, then notes and photos.
        order = [
            name
            for name in self.fields
            if not name.startswith(("item_", "note_", "photos_")) and name not in ("notes", "photos")
        ]
        for item in self.items:
            order += [f"item_{item.pk}", f"note_{item.pk}", f"photos_{item.pk}"]
        self.order_fields(order + ["notes", "photos"])

    @property
    def rows(self):
        """(item, result, note, photos bound fields) for the template."""
        return [
            (item, self[f"item_{item.pk}"], self[f"note_{item.pk}"], self[f"photos_{item.pk}"]) for item in self.items
        ]

    def results(self):
        return {
            item.pk: (
                ANSWER_PASSED[self.cleaned_data[f"item_{item.pk}"]],
                self.cleaned_data.get(f"note_{item.pk}", ""),
            )
            for item in self.items
        }

    def item_photos(self):
        """{item id: [files]} of the items photographed."""
        return {
            item.pk: self.cleaned_data[f"photos_{item.pk}"]
            for item in self.items
            if self.cleaned_data.get(f"photos_{item.pk}")
        }

    @property
    def failed_count(self):
        return sum(1 for passed, _note in self.results().values() if passed is False)


class SelfCheckForm(ChecklistResultsForm):
    """自查自纠: the owner's unit (their enterprise or parcel) and the self-check form's items."""

    unit = forms.ChoiceField(label=_("自查单位"))

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.units = {self.unit_value(unit): unit for unit in units}
        self.fields["unit"].choices = [(value, self.unit_label(unit)) for value, unit in self.units.items()]
        if len(self.units) == 1:
            self.fields["unit"].initial = next(iter(self.units))
            self.fields["unit"].widget = forms.HiddenInput()

    @staticmethod
    def unit_value(unit):
        return f"{'e' if isinstance(unit, Enterprise) else 'p'}{unit.pk}"

    @staticmethod
    def unit_label(unit):
        return unit.name if isinstance(unit, Enterprise) else f"{unit.code} {unit.name}"

    def clean_unit(self):
        value = self.cleaned_data["unit"]
        if value not in self.units:
            raise forms.ValidationError(_("请选择您的单位。"))
        return self.units[value]

    def unit_kwargs(self):
        unit = self.cleaned_data["unit"]
        return {"enterprise": unit} if isinstance(unit, Enterprise) else {"parcel": unit}


class ChecklistChoiceForm(forms.Form):
    """Step one of an inspection: which checklist (or none: a visit without one)."""

    NONE = "0"

    checklist = forms.ChoiceField(label=_("检查表"), widget=forms.RadioSelect)

    def __init__(self, *args, recommended=(), others=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.checklists = {str(c.pk): c for c in (*recommended, *others)}
        choices = []
        if recommended:
            choices.append((_("推荐"), [(str(c.pk), c.name) for c in recommended]))
        if others:
            choices.append((_("其他检查表"), [(str(c.pk), c.name) for c in others]))
        choices.append((_("不使用检查表"), [(self.NONE, _("仅登记走访（不逐项检查）"))]))
        self.fields["checklist"].choices = choices
        if recommended and not self.is_bound:
            self.fields["checklist"].initial = str(recommended[0].pk)

    def clean_checklist(self):
        value = self.cleaned_data["checklist"]
        return None if value == self.NONE else self.checklists[value]

    def grouped(self):
        """[(group label, [(value, checklist or None, label, checked)])] for the template."""
        current = str(self["checklist"].value() or "")
        groups = []
        for group, options in self.fields["checklist"].choices:
            groups.append(
                (group, [(value, self.checklists.get(value), label, value == current) for value, label in options])
            )
        return groups


def active_checklists():
    return list(
        Checklist.objects.filter(active=True, is_self_check=False).annotate(item_count=Count("items")).order_by("name")
    )


def checklists_for(unit, checklists=None):
    """(recommended, others): the active checklists fitting the unit first, then the other ones of its sort.
    ``checklists``: the active checklists when the caller has already read them (one query for many units).

    A parcel: the parcel checklists. An enterprise: those of its kind or one of its risk tags, and
    general ones (no kind, no risk tag). The owner's self-check form is for owners only.
    """
    checklists = active_checklists() if checklists is None else checklists
    if isinstance(unit, Parcel):
        fits = [c for c in checklists if c.for_parcel]
    else:
        tags = {tag.pk for tag in unit.risk_tags.all()}
        fits = [
            c
            for c in checklists
            if not c.for_parcel
            and (
                (c.unit_kind and c.unit_kind == unit.kind)
                or (c.risk_tag_id and c.risk_tag_id in tags)
                or (not c.unit_kind and not c.risk_tag_id)
            )
        ]
        # Kind first, then risk tags, then general.
        fits.sort(key=lambda c: (0 if c.unit_kind == unit.kind else 1 if c.risk_tag_id else 2, c.name))
    fit_ids = {c.pk for c in fits}
    # Parcel and enterprise checklists do not mix: a parcel gets only parcel ones, an enterprise no parcel one.
    return fits, [c for c in checklists if c.pk not in fit_ids and c.for_parcel == isinstance(unit, Parcel)]


# --- a hazard report ---------------------------------------------------------------------------


class HazardReportForm(forms.Form):
    category = CategoryField(categories=[])
    severity = severity_field(help_text=_("选择类别后自动带出默认等级，可修改。"))
    description = forms.CharField(label=_("隐患描述"), widget=forms.Textarea(attrs={"rows": 3}))
    location_detail = forms.CharField(
        label=_("具体位置"),
        max_length=255,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("如：二楼喷涂车间东侧")}),
    )
    enterprise = forms.ModelChoiceField(
        label=_("涉及租户（可选）"),
        queryset=Enterprise.objects.none(),
        required=False,
        empty_label=_("（宗地公共部位 / 不指定）"),
    )
    photos = photo_field(_("现场照片（可多张）"), help_text=_("可直接用手机拍照，一次可选多张。"))
    fixed_on_spot = forms.BooleanField(
        label=_("当场整改"),
        required=False,
        help_text=_("检查时已当场整改完毕：上传整改后照片，隐患直接记为已整改，不再生成整改单。"),
    )
    after_photos = photo_field(_("整改后照片（当场整改时必传）"))

    def __init__(self, *args, parcel=None, categories=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].set_categories(categories if categories is not None else active_categories())
        if parcel is not None:
            self.fields["enterprise"].queryset = parcel.tenants.filter(active=True).order_by("name")
        else:
            del self.fields["enterprise"]

    def clean(self):
        data = super().clean()
        if data.get("fixed_on_spot") and not data.get("after_photos"):
            self.add_error("after_photos", _("当场整改须上传至少一张整改后照片。"))
        elif data.get("after_photos") and not data.get("fixed_on_spot"):
            self.add_error("fixed_on_spot", _("上传了整改后照片：如已当场整改，请勾选“当场整改”。"))
        return data
