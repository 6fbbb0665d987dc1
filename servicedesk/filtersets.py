"""The FilterSet of the service requests: the list page, its export and the API share it."""

import django_filters
from django.utils.translation import gettext_lazy as _

from accounts.models import Department
from cases.filtersets import CaseDeadlineFilters
from core.filtersets import LocalDayFilter
from servicedesk.choices import ServiceRequestStatus
from servicedesk.models import ServiceCategory, ServiceRequest


class ServiceRequestFilterSet(CaseDeadlineFilters):
    status = django_filters.MultipleChoiceFilter(choices=ServiceRequestStatus.choices, label=_("状态"))
    category = django_filters.ModelChoiceFilter(
        field_name="category", queryset=ServiceCategory.objects.all(), label=_("问题类别")
    )
    department = django_filters.ModelChoiceFilter(
        field_name="department", queryset=Department.objects.all(), label=_("承办部门")
    )
    created_after = LocalDayFilter(field_name="created_at", lookup_expr="gte", label=_("提出日期从"))
    created_before = LocalDayFilter(field_name="created_at", lookup_expr="lte", label=_("提出日期至"))
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
