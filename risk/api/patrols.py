"""API: today's patrol (``patrols/today/``), coverage (``patrols/coverage/``), check-ins (``checkins/``).

The same figures as the pages (``risk.patrols``), in the same scope: an inspector's own grids, anyone
else's visible ones; a ``zone_id`` or ``grid_id`` outside them answers 404. Check-ins are listed through
``CheckIn.objects.visible_to`` and recorded by ``cases.services.record_checkin``.
"""

import django_filters
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, mixins, status, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response

from accounts.api.viewsets import ScopedViewSetMixin
from accounts.policy import Action, is_staff_user
from cases.choices import CheckInFlag
from cases.filtersets import UnitFilters
from cases.models import CheckIn
from cases.services import record_checkin
from core import dates
from core.api.pagination import StandardPagination
from core.filtersets import LocalDayFilter
from register.choices import RiskLevel
from register.models import Enterprise
from risk import patrols
from risk.api import patrol_serializers as s

SCOPE_PARAMETERS = [
    OpenApiParameter("zone_id", OpenApiTypes.INT, description=_("区块 id（须在本人范围内，否则 404）")),
    OpenApiParameter("grid_id", OpenApiTypes.INT, description=_("网格 id（须在本人范围内，否则 404）")),
]


class StaffOnly(BasePermission):
    """Patrols and check-ins are the office's business: inspectors, managers, leaders (and admins)."""

    message = _("只有网格员、交办人员和领导可以使用巡查接口。")

    def has_permission(self, request, view):
        return is_staff_user(request.user)


def _grids(request):
    """(the caller's patrol grids, the ids chosen by ?zone_id/?grid_id); 404 for a foreign zone or grid."""
    grids = patrols.patrol_grids(request.user)
    try:
        ids = patrols.narrow_grids(
            grids, zone_id=request.query_params.get("zone_id"), grid_id=request.query_params.get("grid_id")
        )
    except patrols.OutOfScope:
        raise NotFound from None
    return grids, ids


class PatrolTodayView(generics.GenericAPIView):
    """今日巡查: the caller's due and overdue units (an inspector's grids; a manager's or leader's scope),
    highest risk score first, each with the reasons that put it on the list."""

    permission_classes = [IsAuthenticated, StaffOnly]
    pagination_class = StandardPagination
    serializer_class = s.DueUnitSerializer
    queryset = Enterprise.objects.none()  # read by the schema generator only: the rows are risk.patrols.DueUnit

    @extend_schema(
        parameters=[
            *SCOPE_PARAMETERS,
            OpenApiParameter("kind", OpenApiTypes.STR, enum=["enterprise", "parcel"], description=_("单位类型")),
        ],
        responses=s.DueUnitSerializer(many=True),
    )
    def get(self, request):
        _all, ids = _grids(request)
        kind = request.query_params.get("kind", "")
        kinds = (kind,) if kind in ("enterprise", "parcel") else ("enterprise", "parcel")
        rows = patrols.due_units(request.user, grids=ids, kinds=kinds) if ids else []
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


def _figures(coverage, **extra):
    return {**extra, **coverage.as_dict()}


class PatrolCoverageView(generics.GenericAPIView):
    """巡查覆盖 today: per grid and zone of the caller's scope, units visited within their cycle, never
    visited and overdue, and the plan in force."""

    permission_classes = [IsAuthenticated, StaffOnly]
    serializer_class = s.CoverageSerializer

    @extend_schema(parameters=SCOPE_PARAMETERS, responses=s.CoverageSerializer)
    def get(self, request):
        grids, ids = _grids(request)
        shown = [grid for grid in grids if grid.pk in ids]
        table = patrols.coverage_of(request.user, shown)
        plan = table.plan
        zones = {}
        for grid in shown:
            zones.setdefault(grid.zone_id, grid.zone)
        data = {
            "date": dates.today(),
            "plan": {
                "id": plan.plan.pk if plan.plan else None,
                "valid_from": plan.plan.valid_from if plan.plan else None,
                **{f"{RiskLevel(level).name.lower()}_days": plan.days_for(level) for level in RiskLevel},
            },
            "total": table.total.as_dict(),
            "zones": [_figures(table.zones[pk], id=pk, name=zone.name) for pk, zone in zones.items()],
            "grids": [_figures(table.grids[grid.pk], id=grid.pk, name=grid.name, zone=grid.zone_id) for grid in shown],
        }
        return Response(s.CoverageSerializer(data).data)


class CheckInFilterSet(UnitFilters):
    inspector = django_filters.NumberFilter(field_name="inspector_id", label=_("打卡人"))
    date = LocalDayFilter(field_name="checked_in_at", lookup_expr="exact", label=_("打卡日期"))
    date_after = LocalDayFilter(field_name="checked_in_at", lookup_expr="gte", label=_("打卡日期从"))
    date_before = LocalDayFilter(field_name="checked_in_at", lookup_expr="lte", label=_("打卡日期至"))
    flag = django_filters.ChoiceFilter(
        method="filter_flag",
        choices=[("ok", CheckInFlag.NONE.label), *((c.value, c.label) for c in CheckInFlag if c.value)],
        label=_("核对结果"),
    )
    flagged = django_filters.BooleanFilter(method="filter_flagged", label=_("有异常"))

    search_fields = ("enterprise__name", "parcel__code", "parcel__name")

    class Meta:
        model = CheckIn
        fields = []

    def filter_flag(self, queryset, name, value):
        return queryset.filter(flag="" if value == "ok" else value)

    def filter_flagged(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.exclude(flag="") if value else queryset.filter(flag="")


class CheckInViewSet(ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """巡更打卡. ``POST`` records one at a unit (``enterprise`` or ``parcel``) with the phone's position;
    the answer's ``flag`` is empty when the position matches the unit, and ``distance`` is in metres."""

    permission_classes = [*ScopedViewSetMixin.permission_classes, StaffOnly]
    serializer_class = s.CheckInSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = CheckInFilterSet
    policy_actions = {"create": Action.CHECKIN_RECORD}

    def base_queryset(self):
        return CheckIn.objects.select_related("inspector", "enterprise", "parcel", "grid", "zone").order_by(
            "-checked_in_at", "-pk"
        )

    @extend_schema(request=s.CheckInCreateSerializer, responses={201: s.CheckInSerializer})
    def create(self, request):
        serializer = s.CheckInCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        checkin = record_checkin(actor=request.user, **serializer.validated_data)
        fresh = self.base_queryset().get(pk=checkin.pk)
        return Response(self.get_serializer(fresh).data, status=status.HTTP_201_CREATED)


ROUTES = [("checkins", CheckInViewSet, "checkin")]
PATHS = [
    path("patrols/today/", PatrolTodayView.as_view(), name="patrol-today"),
    path("patrols/coverage/", PatrolCoverageView.as_view(), name="patrol-coverage"),
]
