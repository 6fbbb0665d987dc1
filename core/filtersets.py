"""The FilterSet base of every list: choices scoped to the user, widgets tuned for the filter bars.

Pages (FilterView), the API (DjangoFilterBackend) and the xlsx exports (``core.xlsx.filtered``)
all build a FilterSet with the request, so each gets the same scoping from the FilterSet itself.
"""

import django_filters
from django import forms
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q
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
from django_filters.constants import EMPTY_VALUES

from core.dates import day_bounds, sane_date
from core.forms import CheckboxDropdown, DateInput


class AnyYesNoSelect(forms.NullBooleanSelect):
    """全部 / 是 / 否 for a yes-or-no filter (Django's reads 未知 / 是 / 否)."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = (("", gettext_lazy("全部")), ("true", gettext_lazy("是")), ("false", gettext_lazy("否")))


def _use_widget(field, widget):
    """Give one form field (of one form instance) another widget, wired as the field's own would be."""
    widget.is_required = field.required
    widget.attrs.update(field.widget_attrs(widget))
    if hasattr(field, "choices"):
        widget.choices = field.choices
    field.widget = widget


def _tune_field(filter_, field):
    """Native date pickers, fold-out tick boxes for multiple choices, 全部 for "no filter".

    A widget the FilterSet declares for a filter (``widget=…``) is kept as declared."""
    if "widget" in filter_.extra:
        return
    if isinstance(filter_, DateFilter):
        _use_widget(field, DateInput())
        if sane_date not in field.validators:  # a date filter within the window of core.dates
            field.validators.append(sane_date)
    elif isinstance(filter_, BooleanFilter):
        _use_widget(field, AnyYesNoSelect())
    elif isinstance(filter_, MultipleChoiceFilter | ModelMultipleChoiceFilter):
        _use_widget(field, CheckboxDropdown())
    elif isinstance(filter_, OrderingFilter | ChoiceFilter | ModelChoiceFilter) and hasattr(field, "empty_label"):
        field.empty_label = gettext_lazy("默认排序") if isinstance(filter_, OrderingFilter) else gettext_lazy("全部")
        field.widget.choices = field.choices


class LocalDayFilter(DateFilter):
    """A local day (Asia/Shanghai) on a datetime column, matched as a range on the column itself.

    ``lookup_expr`` is ``gte`` (from that day on), ``lte`` (up to and including that day) or ``exact``
    (that day). Django's ``created_at__date__gte`` compiles to ``(created_at AT TIME ZONE …)::date``,
    which no index serves; here the day's bounds are aware datetimes computed in Python
    (core.dates.day_bounds) and the query reads ``created_at >= %s`` / ``created_at < %s``, so the
    column's index serves the lists, the API and the exports alike."""

    LOOKUPS = ("gte", "lte", "exact")

    def __init__(self, *args, lookup_expr="exact", **kwargs):
        if lookup_expr not in self.LOOKUPS:
            raise ImproperlyConfigured(f"LocalDayFilter: lookup_expr must be one of {self.LOOKUPS}.")
        super().__init__(*args, lookup_expr=lookup_expr, **kwargs)

    def filter(self, qs, value):
        if value in EMPTY_VALUES:
            return qs
        start, end = day_bounds(value)
        bounds = {
            "gte": {f"{self.field_name}__gte": start},
            "lte": {f"{self.field_name}__lt": end},
            "exact": {f"{self.field_name}__gte": start, f"{self.field_name}__lt": end},
        }[self.lookup_expr]
        if self.distinct:
            qs = qs.distinct()
        return self.get_method(qs)(**bounds)


class ScopedFilterSetMixin:
    """A FilterSet whose model choices offer, and accept, only what the request's user may see.

    An id outside the user's scope is then refused exactly like an id that does not exist (the
    same "not a valid choice" error), on pages, in the API and in exports alike. Everything is
    done on this instance's form: the class-level filters are shared by every request (and by
    the API schema generator, which builds and caches their fields), so they are never changed.
    A FilterSet built without a request (a script, a test of the filters alone) is not scoped.
    """

    @property
    def form(self):
        if not hasattr(self, "_form"):
            form = super().form
            user = getattr(self.request, "user", None)
            for name, filter_ in self.filters.items():
                field = form.fields.get(name)
                if field is None:
                    continue
                queryset = getattr(field, "queryset", None)
                if user is not None and queryset is not None and hasattr(queryset, "visible_to"):
                    field.queryset = queryset.visible_to(user)
                _tune_field(filter_, field)
        return self._form


def require_scoped(filterset_class):
    """``filterset_class`` itself, if it scopes its choices; a list or export must never use one that does not."""
    if not issubclass(filterset_class, ScopedFilterSetMixin):
        raise ImproperlyConfigured(f"{filterset_class.__name__} must scope its choices (ScopedFilterSetMixin).")
    return filterset_class


class ScopedFilterSet(ScopedFilterSetMixin, django_filters.FilterSet):
    """The base of every list's FilterSet: scoped choices and a free-text ``q`` over ``search_fields``."""

    q = django_filters.CharFilter(method="search", label=gettext_lazy("搜索"))

    search_fields = ()

    def search(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        return queryset.filter(self.search_q(value))

    def search_q(self, value):
        """``value`` in any of ``search_fields`` (``icontains``)."""
        q = Q()
        for field in self.search_fields:
            q |= Q(**{f"{field}__icontains": value})
        return q
