"""The FilterSets of the drill and welding-device ledgers, shared by the pages, their .xlsx exports and the
API (``drills/``, ``welding-devices/``). Every id filter offers and accepts only the user's units."""

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ledgers.choices import DeviceStatus, DrillKind, LetterKind, LetterStatus
from ledgers.models import Drill, ResponsibilityLetter, WeldingDevice
from register.choices import RiskTag
from register.filtersets import UnitFilters
from register.models import Enterprise


class DrillFilterSet(UnitFilters):
    """Sessions by date range or year, kind, zone, grid and unit. ``enterprise_id`` also finds the park-wide
    sessions the unit took part in."""

    held_after = django_filters.DateFilter(field_name="held_on", lookup_expr="gte", label=_("日期从"))
    held_before = django_filters.DateFilter(field_name="held_on", lookup_expr="lte", label=_("日期至"))
    year = django_filters.NumberFilter(method="filter_year", min_value=2000, max_value=2100, label=_("年度"))
    kind = django_filters.MultipleChoiceFilter(choices=DrillKind.choices, label=_("类型"))
    enterprise_id = django_filters.ModelChoiceFilter(
        method="filter_enterprise",
        queryset=Enterprise.objects.all(),
        label=_("单位"),
        widget=django_filters.widgets.forms.NumberInput,
    )
    ordering = django_filters.OrderingFilter(
        fields=(("held_on", "held_on"), ("participants", "participants")), label=_("排序")
    )

    search_fields = ("title", "organiser", "trainer", "enterprise__name")

    class Meta:
        model = Drill
        fields = []

    def filter_year(self, queryset, name, value):
        if value is None:
            return queryset
        year = int(value)
        return queryset.filter(held_on__gte=f"{year:04d}-01-01", held_on__lte=f"{year:04d}-12-31")

    def filter_enterprise(self, queryset, name, value):
        if value is None:
            return queryset
        attended = Drill.units.through.objects.filter(enterprise_id=value.pk).values("drill_id")
        return queryset.filter(Q(enterprise=value) | Q(pk__in=attended))


class WeldingDeviceFilterSet(UnitFilters):
    """Devices by zone, grid, enterprise, status and the enterprise's risk tag."""

    status = django_filters.MultipleChoiceFilter(choices=DeviceStatus.choices, label=_("状态"))
    risk_tag = django_filters.MultipleChoiceFilter(
        method="filter_risk_tag", choices=RiskTag.choices, label=_("风险类型")
    )
    installed_after = django_filters.DateFilter(field_name="installed_on", lookup_expr="gte", label=_("安装日期从"))
    installed_before = django_filters.DateFilter(field_name="installed_on", lookup_expr="lte", label=_("安装日期至"))
    ordering = django_filters.OrderingFilter(
        fields=(("installed_on", "installed_on"), ("device_id", "device_id"), ("welding_points", "welding_points")),
        label=_("排序"),
    )

    search_fields = ("device_id", "enterprise__name", "notes")

    class Meta:
        model = WeldingDevice
        fields = []

    def filter_risk_tag(self, queryset, name, value):
        if not value:
            return queryset
        tagged = Enterprise.risk_tags.through.objects.filter(risktagoption_id__in=value).values("enterprise_id")
        return queryset.filter(enterprise_id__in=tagged)


# --- responsibility letters (ledgers.letters) ------------------------------------------------------------------


class LetterFilterSet(UnitFilters):
    """Letters of one year (``year``; this year when not given), by kind, status, zone, grid, parcel, enterprise.
    Shared by the letter list, its .xlsx export and the API (``letters/``)."""

    year = django_filters.NumberFilter(method="filter_year", min_value=2000, max_value=2100, label=_("年度"))
    kind = django_filters.MultipleChoiceFilter(choices=LetterKind.choices, label=_("类型"))
    status = django_filters.MultipleChoiceFilter(choices=LetterStatus.choices, label=_("状态"))
    ordering = django_filters.OrderingFilter(
        fields=(("signed_on", "signed_on"), ("issued_on", "issued_on"), ("updated_at", "updated_at")),
        label=_("排序"),
    )

    search_fields = ("enterprise__name", "parcel__code", "parcel__name", "parcel__landlord_name", "signatory")

    class Meta:
        model = ResponsibilityLetter
        fields = []

    def filter_year(self, queryset, name, value):
        return queryset  # applied in filter_queryset: "not given" means this year

    def chosen_year(self):
        value = self.form.cleaned_data.get("year") if self.is_bound and self.form.is_valid() else None
        return int(value) if value else timezone.localdate().year

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset).filter(year=self.chosen_year())

    @property
    def qs(self):
        # Without a query string django-filter runs no filter at all: the year is applied here then.
        if not hasattr(self, "_year_applied"):
            queryset = super().qs
            self._qs = queryset if self.is_bound else queryset.filter(year=self.chosen_year())
            self._year_applied = True
        return self._qs
