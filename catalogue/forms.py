import re

from django import forms
from django.utils.translation import gettext_lazy as _

from catalogue.choices import AccidentType, CategoryLevel
from catalogue.models import HazardCategory
from register.choices import RiskTag

ACCIDENT_ORDER = {value: index for index, value in enumerate(AccidentType.values)}
RISK_TAG_ORDER = {value: index for index, value in enumerate(RiskTag.values)}


class CategorySelect(forms.Select):
    """A select whose options carry the category's default severity (``data-severity``)."""

    def __init__(self, *args, severities=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.severities = severities or {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex=subindex, attrs=attrs)
        severity = self.severities.get(str(value))
        if severity:
            option["attrs"]["data-severity"] = severity
        return option


def code_key(code):
    """Codes in natural order: E2 before E10."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", code)]


def category_group(category):
    """The picker's group of a category, as (sort key, label): the parcel's (landlord's) categories
    first; then an enterprise's by special risk (粉尘涉爆, 有限空间 …) when the category has one, else
    by the accident it could lead to (GB 6441: 火灾, 触电 …), the commonest kinds first."""
    if category.level == CategoryLevel.PARCEL:
        return (0, 0), CategoryLevel(category.level).label
    if category.risk_tag_id:
        return (2, RISK_TAG_ORDER.get(category.risk_tag_id, 99)), RiskTag(category.risk_tag_id).label
    kind = category.accident_type or AccidentType.OTHER
    return (1, ACCIDENT_ORDER.get(kind, 99)), AccidentType(kind).label


class CategoryField(forms.ChoiceField):
    """An active hazard category, offered in groups a finder can scan (the landlord's, then an
    enterprise's by accident kind and special risk; ``category_group``), codes in natural order, with a
    search box on the page (field.js); cleans to the instance."""

    def __init__(self, *args, categories=None, **kwargs):
        kwargs.setdefault("label", _("隐患类别"))
        kwargs.setdefault("error_messages", {"invalid_choice": _("请选择有效的隐患类别。")})
        super().__init__(*args, **kwargs)
        self.set_categories(categories if categories is not None else active_categories())

    def set_categories(self, categories):
        self.by_value = {str(c.pk): c for c in categories}
        grouped = {}
        for category in sorted(categories, key=lambda c: code_key(c.code)):
            key, label = category_group(category)
            grouped.setdefault((key, str(label)), []).append((str(category.pk), f"{category.code} {category.name}"))
        groups = [(label, options) for (_key, label), options in sorted(grouped.items())]
        self.choices = [("", _("请选择隐患类别"))] + groups
        self.widget = CategorySelect(
            attrs={"data-category-select": "", "data-search-placeholder": _("搜索类别：名称、代码或事故类型")},
            choices=self.choices,
            severities={value: c.default_severity for value, c in self.by_value.items()},
        )

    def clean(self, value):
        value = super().clean(value)
        return self.by_value.get(str(value)) if value not in (None, "") else None


def active_categories():
    return list(HazardCategory.objects.filter(active=True).order_by("level", "order", "code"))
