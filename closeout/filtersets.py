"""The cross-check list's FilterSet, shared by the API (and any page or export that lists them)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from closeout.choices import CrossCheckStatus
from closeout.models import CrossCheck
from core.filtersets import ScopedFilterSet
from register.models import Parcel, Zone


class CrossCheckFilterSet(ScopedFilterSet):
    status = django_filters.MultipleChoiceFilter(choices=CrossCheckStatus.choices, label=_("状态"))
    parcel_id = django_filters.ModelChoiceFilter(field_name="parcel", queryset=Parcel.objects.all(), label=_("宗地"))
    zone_id = django_filters.ModelMultipleChoiceFilter(
        field_name="parcel__grid__zone", queryset=Zone.objects.all(), label=_("区块")
    )
    mine = django_filters.BooleanFilter(method="filter_mine", label=_("交给我的"))

    search_fields = ("parcel__code", "parcel__name")

    class Meta:
        model = CrossCheck
        fields = ["q", "status", "parcel_id", "zone_id", "mine"]

    def filter_mine(self, queryset, name, value):
        if value is None:
            return queryset
        user = getattr(self.request, "user", None)
        pk = getattr(user, "pk", None)
        return queryset.filter(inspector_id=pk) if value else queryset.exclude(inspector_id=pk)
