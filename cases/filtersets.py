"""One FilterSet per model, shared by the web lists, their exports and the API viewsets."""

import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from drf_spectacular.utils import extend_schema_field

from cases.choices import (
    EscalationLevel,
    ExtensionStatus,
    HazardStatus,
    InspectionSource,
    ResponsibleKind,
    TicketStatus,
)
from cases.models import ExtensionRequest, Hazard, Inspection, Ticket
from cases.querysets import counted_hazard_q, overdue_q
from cases.search import IndexedSearchMixin
from catalogue.choices import Severity
from catalogue.models import HazardCategory
from core.filtersets import LocalDayFilter
from register.filtersets import UnitFilters  # noqa: F401  (re-exported: the case FilterSets' base)

# A hazard category chosen by its code: a string in the OpenAPI schema (drf-spectacular cannot tell the type
# of a model choice by code, and warned in `check --deploy`).
CATEGORY_CODE = extend_schema_field({"type": "string", "description": _("隐患类别")})


class CaseDeadlineFilters(UnitFilters):
    """Filters of any case with a deadline (a ticket, a service request: cases.deadlines' one rule)."""

    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("已逾期"))
    escalation_level = django_filters.MultipleChoiceFilter(
        choices=EscalationLevel.choices, distinct=False, label=_("督办级别")
    )
    escalated = django_filters.BooleanFilter(method="filter_escalated", label=_("督办中"))

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        overdue = overdue_q(timezone.localdate())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

    def filter_escalated(self, queryset, name, value):
        if value is None:
            return queryset
        escalated = Q(escalation_level__gt=EscalationLevel.NONE)
        return queryset.filter(escalated) if value else queryset.exclude(escalated)


class TicketFilterSet(IndexedSearchMixin, CaseDeadlineFilters):
    status = django_filters.MultipleChoiceFilter(choices=TicketStatus.choices, distinct=False, label=_("状态"))
    responsible_kind = django_filters.ChoiceFilter(choices=ResponsibleKind.choices, label=_("责任方类型"))
    severity = django_filters.ChoiceFilter(method="filter_severity", choices=Severity.choices, label=_("隐患等级"))
    category = CATEGORY_CODE(
        django_filters.ModelChoiceFilter(
            method="filter_category", queryset=HazardCategory.objects.all(), to_field_name="code", label=_("隐患类别")
        )
    )
    extension_pending = django_filters.BooleanFilter(method="filter_extension_pending", label=_("有待审批的延期申请"))
    created_after = LocalDayFilter(field_name="created_at", lookup_expr="gte", label=_("汇总日期从"))
    created_before = LocalDayFilter(field_name="created_at", lookup_expr="lte", label=_("汇总日期至"))
    deadline_after = django_filters.DateFilter(field_name="deadline", lookup_expr="gte", label=_("期限从"))
    deadline_before = django_filters.DateFilter(field_name="deadline", lookup_expr="lte", label=_("期限至"))
    assignee = django_filters.NumberFilter(field_name="assignee_id", label=_("整改人"))
    ordering = django_filters.OrderingFilter(
        fields=(
            ("created_at", "created_at"),
            ("deadline", "deadline"),
            ("number", "number"),
            ("status", "status"),
            ("escalation_level", "escalation_level"),
            ("zone__name", "zone"),
        ),
        label=_("排序"),
    )

    # Not ``measures``: a long text of every ticket. The search grams (cases.search) hold these texts: a change
    # here needs one of cases_case_grams (a migration); tests/cases/test_search_index.py tells.
    search_fields = (
        "number",
        "enterprise__name",
        "enterprise__credit_code",
        "parcel__code",
        "parcel__name",
        "parcel__landlord_name",
    )

    class Meta:
        model = Ticket
        fields = []

    def filter_severity(self, queryset, name, value):
        if value == Severity.MAJOR:
            return queryset.filter(is_major=True)
        if value == Severity.GENERAL:
            return queryset.filter(is_major=False)
        return queryset

    def filter_category(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(pk__in=Hazard.objects.filter(category=value).values("ticket_id"))

    def filter_extension_pending(self, queryset, name, value):
        if value is None:
            return queryset
        pending = Exists(ExtensionRequest.objects.filter(ticket=OuterRef("pk"), status=ExtensionStatus.PENDING))
        return queryset.filter(pending) if value else queryset.exclude(pending)


class HazardFilterSet(IndexedSearchMixin, UnitFilters):
    status = django_filters.MultipleChoiceFilter(choices=HazardStatus.choices, distinct=False, label=_("状态"))
    severity = django_filters.ChoiceFilter(choices=Severity.choices, label=_("隐患等级"))
    # Chosen by code in the URL (?category=TE01); matched on the code, since the predicate
    # django-filter builds is {field_name: chosen.code}.
    category = CATEGORY_CODE(
        django_filters.ModelMultipleChoiceFilter(
            field_name="category__code",
            queryset=HazardCategory.objects.all(),
            to_field_name="code",
            distinct=False,
            label=_("隐患类别"),
        )
    )
    ticket = django_filters.NumberFilter(field_name="ticket_id", label=pgettext_lazy("singular", "整改单"))
    likely_duplicate = django_filters.BooleanFilter(
        field_name="likely_duplicate_of", lookup_expr="isnull", exclude=True, label=_("疑似重复")
    )
    # what the figures count as found (cases.querysets.counted): not duplicate, not invalid, not withdrawn
    counted = django_filters.BooleanFilter(method="filter_counted", label=_("计入统计"))
    reported_after = LocalDayFilter(field_name="reported_at", lookup_expr="gte", label=_("发现日期从"))
    reported_before = LocalDayFilter(field_name="reported_at", lookup_expr="lte", label=_("发现日期至"))
    ordering = django_filters.OrderingFilter(
        fields=(("reported_at", "reported_at"), ("number", "number"), ("severity", "severity"), ("status", "status")),
        label=_("排序"),
    )

    # The search grams (cases.search) hold these texts: a change here needs one of cases_case_grams (a migration).
    search_fields = (
        "number",
        "description",
        "location_detail",
        "enterprise__name",
        "enterprise__credit_code",
        "parcel__code",
        "parcel__name",
    )

    class Meta:
        model = Hazard
        fields = []

    def filter_counted(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(counted_hazard_q()) if value else queryset.exclude(counted_hazard_q())


class InspectionFilterSet(UnitFilters):
    source = django_filters.MultipleChoiceFilter(choices=InspectionSource.choices, label=_("来源"))
    inspector = django_filters.NumberFilter(field_name="inspector_id", label=_("检查人"))
    inspected_after = LocalDayFilter(field_name="inspected_at", lookup_expr="gte", label=_("检查日期从"))
    inspected_before = LocalDayFilter(field_name="inspected_at", lookup_expr="lte", label=_("检查日期至"))
    ordering = django_filters.OrderingFilter(fields=(("inspected_at", "inspected_at"),), label=_("排序"))

    search_fields = ("enterprise__name", "parcel__code", "parcel__name", "notes")

    class Meta:
        model = Inspection
        fields = []
