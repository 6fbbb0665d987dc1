"""One FilterSet per register model, shared by the register lists, their exports and the API viewsets."""

import django_filters
from django.utils.translation import gettext_lazy as _

from core.filtersets import ScopedFilterSet
from register.choices import COLOUR_LEVELS, CloseoutState, EnterpriseKind, RiskLevel, RiskTag, risk_colour
from register.models import Enterprise, Grid, Parcel, Zone
from register.querysets import active_tenants_of


class UnitFilters(ScopedFilterSet):
    """Filters in pairs (id and name/code) for the unit a row belongs to (a case, a risk point, a ledger row:
    any model with ``zone``, ``grid``, ``parcel`` and ``enterprise``), and a free-text ``q``.
    The multiple choices add no ``DISTINCT`` (django-filter's default): a row has one zone and one grid.

    Every id filter offers and accepts only the user's units (core.filtersets.ScopedFilterSetMixin)."""

    zone_id = django_filters.ModelMultipleChoiceFilter(
        field_name="zone", queryset=Zone.objects.all(), distinct=False, label=_("区块")
    )
    zone = django_filters.CharFilter(field_name="zone__name", label=_("区块名称"))
    grid_id = django_filters.ModelMultipleChoiceFilter(
        field_name="grid", queryset=Grid.objects.select_related("zone"), distinct=False, label=_("网格")
    )
    grid = django_filters.CharFilter(field_name="grid__name", label=_("网格名称"))
    parcel_id = django_filters.ModelChoiceFilter(
        field_name="parcel",
        queryset=Parcel.objects.all(),
        label=_("宗地"),
        widget=django_filters.widgets.forms.NumberInput,
    )
    parcel = django_filters.CharFilter(field_name="parcel__code", label=_("宗地编号"))
    enterprise_id = django_filters.ModelChoiceFilter(
        field_name="enterprise",
        queryset=Enterprise.objects.all(),
        label=_("单位"),
        widget=django_filters.widgets.forms.NumberInput,
    )
    enterprise = django_filters.CharFilter(field_name="enterprise__name", lookup_expr="icontains", label=_("单位名称"))


# The four colours (安全风险四色) as filter choices: the colour word in the URL, the level's name shown.
RISK_COLOUR_CHOICES = [(risk_colour(level), label) for level, label in reversed(RiskLevel.choices)]


class RiskLevelFilter(django_filters.MultipleChoiceFilter):
    """A risk level chosen by its colour word (``?risk_level=red&risk_level=orange``), matched on the stored 1–4."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("choices", RISK_COLOUR_CHOICES)
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if not value:
            return qs
        levels = [COLOUR_LEVELS[colour] for colour in value if colour in COLOUR_LEVELS]
        return qs.filter(**{f"{self.field_name}__in": levels})


class GridFilters(ScopedFilterSet):
    """The zone and grid a unit lies in, by id (a choice of the user's own) or by name."""

    zone_id = django_filters.ModelMultipleChoiceFilter(
        field_name="grid__zone", queryset=Zone.objects.all(), distinct=False, label=_("区块")
    )
    zone = django_filters.CharFilter(field_name="grid__zone__name", label=_("区块名称"))
    grid_id = django_filters.ModelMultipleChoiceFilter(
        field_name="grid", queryset=Grid.objects.select_related("zone"), distinct=False, label=_("网格")
    )
    grid = django_filters.CharFilter(field_name="grid__name", label=_("网格名称"))


class ParcelFilterSet(GridFilters):
    closeout_state = django_filters.MultipleChoiceFilter(choices=CloseoutState.choices, label=_("销号状态"))
    multi_tenant = django_filters.BooleanFilter(method="filter_multi_tenant", label=_("一厂多租"))
    risk_level = RiskLevelFilter(field_name="risk_level", label=_("风险等级"))

    search_fields = ("code", "name", "address", "landlord_name")

    class Meta:
        model = Parcel
        fields = ["q", "zone_id", "zone", "grid_id", "grid", "closeout_state", "multi_tenant", "risk_level"]

    def filter_multi_tenant(self, queryset, name, value):
        if value is None:
            return queryset
        if "tenant_count" not in queryset.query.annotations:
            # A sub-select, not a join and GROUP BY over the whole list.
            queryset = queryset.annotate(tenant_count=active_tenants_of())
        return queryset.filter(tenant_count__gt=1) if value else queryset.filter(tenant_count__lte=1)


class EnterpriseFilterSet(GridFilters):
    parcel_id = django_filters.NumberFilter(field_name="parcel_id", label=_("宗地"))
    parcel = django_filters.CharFilter(field_name="parcel__code", label=_("宗地编号"))
    kind = django_filters.MultipleChoiceFilter(choices=EnterpriseKind.choices, label=_("单位类型"))
    risk_tag = django_filters.MultipleChoiceFilter(
        field_name="risk_tags", choices=RiskTag.choices, distinct=True, label=_("风险类型")
    )
    risk_level = RiskLevelFilter(field_name="risk_level", label=_("风险等级"))
    above_scale = django_filters.BooleanFilter(label=_("规上企业"))
    active = django_filters.BooleanFilter(label=_("在营"))

    search_fields = ("name", "credit_code", "legal_representative", "safety_contact", "parcel__code")

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
            "risk_level",
            "above_scale",
            "active",
        ]
