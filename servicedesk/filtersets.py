"""The FilterSet of the service requests: the list page, its export and the API share it."""

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Department
from cases.choices import EscalationLevel
from cases.deadlines import overdue_q
from cases.filtersets import UnitFilters
from servicedesk.choices import ServiceRequestStatus
from servicedesk.models import ServiceCategory, ServiceRequest


class ServiceRequestFilterSet(UnitFilters):
    status = django_filters.MultipleChoiceFilter(choices=ServiceRequestStatus.choices, label=_("状态"))
    category = django_filters.ModelChoiceFilter(
        field_name="category", queryset=ServiceCategory.objects.all(), label=_("问题类别")
    )
    department = django_filters.ModelChoiceFilter(
        field_name="department", queryset=Department.objects.all(), label=_("承办部门")
    )
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("已逾期"))
    escalated = django_filters.BooleanFilter(method="filter_escalated", label=_("督办中"))
    created_after = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte", label=_("提出日期从"))
    created_before = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte", label=_("提出日期至"))
    ordering = django_filters.OrderingFilter(
        fields=(
            ("created_at", "created_at"),
            ("deadline", "deadline"),
            ("number", "number"),
            ("status", "status"),
            ("escalation_level", "escalation_level"),
        ),
        label=_("排序"),
    )

    search_fields = ("number", "title", "enterprise__name")

    class Meta:
        model = ServiceRequest
        fields = []

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        overdue = overdue_q(timezone.localdate())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

    def filter_escalated(self, queryset, name, value):
        if value is None:
            return queryset
        if value:
            return queryset.filter(escalation_level__gt=EscalationLevel.NONE)
        return queryset.filter(escalation_level=EscalationLevel.NONE)
