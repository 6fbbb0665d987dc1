import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from register.choices import CloseoutState, EnterpriseKind, RiskTag
from register.models import Enterprise, Grid, Parcel, Zone


class ParcelFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("搜索"))
    zone_id = django_filters.ModelMultipleChoiceFilter(
        field_name="grid__zone", queryset=Zone.objects.all(), label=_("区块")
    )
    zone = django_filters.CharFilter(field_name="grid__zone__name", label=_("区块名称"))
    grid_id = django_filters.ModelMultipleChoiceFilter(field_name="grid", queryset=Grid.objects.all(), label=_("网格"))
    grid = django_filters.CharFilter(field_name="grid__name", label=_("网格名称"))
    closeout_state = django_filters.MultipleChoiceFilter(choices=CloseoutState.choices, label=_("销号状态"))
    multi_tenant = django_filters.BooleanFilter(method="filter_multi_tenant", label=_("一厂多租"))

    class Meta:
        model = Parcel
        fields = ["q", "zone_id", "zone", "grid_id", "grid", "closeout_state", "multi_tenant"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(code__icontains=value)
            | Q(name__icontains=value)
            | Q(address__icontains=value)
            | Q(landlord_name__icontains=value)
        )

    def filter_multi_tenant(self, queryset, name, value):
        if value is None:
            return queryset
        queryset = queryset.with_tenant_counts()
        return queryset.filter(tenant_count__gt=1) if value else queryset.filter(tenant_count__lte=1)


class EnterpriseFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("搜索"))
    zone_id = django_filters.ModelMultipleChoiceFilter(
        field_name="grid__zone", queryset=Zone.objects.all(), label=_("区块")
    )
    zone = django_filters.CharFilter(field_name="grid__zone__name", label=_("区块名称"))
    grid_id = django_filters.ModelMultipleChoiceFilter(field_name="grid", queryset=Grid.objects.all(), label=_("网格"))
    grid = django_filters.CharFilter(field_name="grid__name", label=_("网格名称"))
    parcel_id = django_filters.NumberFilter(field_name="parcel_id", label=_("宗地"))
    parcel = django_filters.CharFilter(field_name="parcel__code", label=_("宗地编号"))
    kind = django_filters.MultipleChoiceFilter(choices=EnterpriseKind.choices, label=_("单位类型"))
    risk_tag = django_filters.MultipleChoiceFilter(
        field_name="risk_tags", choices=RiskTag.choices, distinct=True, label=_("风险类型")
    )
    above_scale = django_filters.BooleanFilter(label=_("规上企业"))
    active = django_filters.BooleanFilter(label=_("在营"))

    class Meta:
        model = Enterprise
        fields = [
            "q",
            "zone_id",
            "zone",
            "grid_id",
            "grid",
            "parcel_id",
            "parcel",
            "kind",
            "risk_tag",
            "above_scale",
            "active",
        ]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value)
            | Q(credit_code__icontains=value)
            | Q(legal_representative__icontains=value)
            | Q(safety_contact__icontains=value)
            | Q(parcel__code__icontains=value)
        )
