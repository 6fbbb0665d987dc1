from django import forms
from django.utils.translation import gettext_lazy as _

from catalogue.choices import CategoryLevel
from catalogue.models import HazardCategory


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


class CategoryField(forms.ChoiceField):
    """An active hazard category, offered grouped by level (宗地级 / 企业级); cleans to the instance."""

    def __init__(self, *args, categories=None, **kwargs):
        kwargs.setdefault("label", _("隐患类别"))
        kwargs.setdefault("error_messages", {"invalid_choice": _("请选择有效的隐患类别。")})
        super().__init__(*args, **kwargs)
        self.set_categories(categories if categories is not None else active_categories())

    def set_categories(self, categories):
        self.by_value = {str(c.pk): c for c in categories}
        groups = []
        for level, label in CategoryLevel.choices:
            options = [(str(c.pk), f"{c.code} {c.name}") for c in categories if c.level == level]
            if options:
                groups.append((label, options))
        self.choices = [("", _("请选择隐患类别"))] + groups
        self.widget = CategorySelect(
            attrs={"data-category-select": ""},
            choices=self.choices,
            severities={value: c.default_severity for value, c in self.by_value.items()},
        )

    def clean(self, value):
        value = super().clean(value)
        return self.by_value.get(str(value)) if value not in (None, "") else None


def active_categories():
    return list(HazardCategory.objects.filter(active=True).order_by("level", "order", "code"))
