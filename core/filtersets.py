from django import forms
from django.utils.translation import gettext_lazy
from django_filters import (
    BooleanFilter,
    ChoiceFilter,
    DateFilter,
    ModelChoiceFilter,
    ModelMultipleChoiceFilter,
    MultipleChoiceFilter,
    OrderingFilter,
)

from core.forms import CheckboxDropdown, DateInput


def scope_filter_choices(filterset, user):
    """Offer, and accept, only the objects ``user`` may see in every model filter of ``filterset``.

    An id outside the user's scope is then refused exactly like an id that does not exist.
    """
    for filter_ in filterset.filters.values():
        queryset = getattr(filter_, "queryset", None)
        if queryset is not None and not callable(queryset) and hasattr(queryset, "visible_to"):
            filter_.queryset = queryset.visible_to(user)
    return filterset


class ScopedFilterSetMixin:
    """A FilterSet whose model choices are scoped to the request's user (pages, API and exports alike)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = getattr(self.request, "user", None)
        if user is not None:
            scope_filter_choices(self, user)


class AnyYesNoSelect(forms.NullBooleanSelect):
    """全部 / 是 / 否 for a yes-or-no filter (Django's reads 未知 / 是 / 否)."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = (("", gettext_lazy("全部")), ("true", gettext_lazy("是")), ("false", gettext_lazy("否")))


def tune_filter_widgets(filterset):
    """Native date pickers, fold-out tick boxes for multiple choices, 全部 for "no filter"."""
    for filter_ in filterset.filters.values():
        if isinstance(filter_, DateFilter):
            filter_.extra["widget"] = DateInput()
        elif isinstance(filter_, BooleanFilter):
            filter_.extra["widget"] = AnyYesNoSelect
        elif isinstance(filter_, MultipleChoiceFilter | ModelMultipleChoiceFilter):
            filter_.extra["widget"] = CheckboxDropdown
        elif isinstance(filter_, OrderingFilter):
            filter_.extra["empty_label"] = gettext_lazy("默认排序")
        elif isinstance(filter_, ChoiceFilter | ModelChoiceFilter):
            filter_.extra["empty_label"] = gettext_lazy("全部")
