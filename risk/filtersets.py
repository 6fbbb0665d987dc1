"""The risk list's FilterSet, shared by the page (风险点), its export (风险清单) and the API (``risk-points/``)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from cases.filtersets import UnitFilters
from register.filtersets import RiskLevelFilter
from risk.choices import ControlLevel, RiskPointStatus
from risk.models import RiskPoint


class RiskPointFilterSet(UnitFilters):
    """The unit filters (zone, grid, parcel, enterprise, in id and name pairs), the grade by colour word
    (``?level=red``), the review status, the control level. Retired points (停用) are left out unless
    ``retired=true`` asks for them."""

    level = RiskLevelFilter(field_name="level", label=_("风险等级"))
    status = django_filters.MultipleChoiceFilter(choices=RiskPointStatus.choices, label=_("审核状态"))
    control_level = django_filters.MultipleChoiceFilter(choices=ControlLevel.choices, label=_("管控层级"))
    retired = django_filters.BooleanFilter(method="filter_retired", label=_("已停用"))
    ordering = django_filters.OrderingFilter(
        fields=(("score", "score"), ("level", "level"), ("updated_at", "updated_at"), ("name", "name")),
        label=_("排序"),
    )

    search_fields = ("name", "place", "enterprise__name", "parcel__code", "parcel__name", "responsible_person")

    class Meta:
        model = RiskPoint
        fields = []

    def filter_retired(self, queryset, name, value):
        return queryset  # applied in filter_queryset, where "not given" also has a meaning

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        return queryset.filter(active=not self.form.cleaned_data.get("retired"))

    @property
    def qs(self):
        # Without a query string django-filter runs no filter at all: the retired points are left out here.
        if not hasattr(self, "_active_only"):
            queryset = super().qs
            self._qs = queryset if self.is_bound else queryset.filter(active=True)
            self._active_only = True
        return self._qs
