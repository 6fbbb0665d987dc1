"""API of the campaign ledgers: training and drills (``drills/``) and the "焊有序" devices
(``welding-devices/``). Read scoped lists; every change goes through ledgers.drills / ledgers.welding.

A row outside the caller's scope answers 404 like a missing one; a unit outside it in the input 403;
the policy answers 403 for a role that may not record; bad input 400 (core.api.exceptions)."""

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from accounts.api.viewsets import ScopedViewSetMixin
from accounts.policy import Action
from ledgers import drills, welding
from ledgers.api import serializers as s
from ledgers.filtersets import DrillFilterSet, WeldingDeviceFilterSet
from ledgers.models import Drill, WeldingDevice


def _validated(serializer_class, request, **kwargs):
    serializer = serializer_class(data=request.data, context={"request": request}, **kwargs)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class DrillViewSet(ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """消防培训演练. The list takes the ledger's filters (``held_after``, ``held_before``, ``year``, ``kind``,
    ``zone_id``, ``grid_id``, ``enterprise_id`` — which also finds the park-wide sessions it took part in — ``q``).
    ``POST`` records a session (no date after today; 1–100000 participants)."""

    serializer_class = s.DrillSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = DrillFilterSet
    policy_actions = {"create": Action.LEDGER_RECORD}

    def base_queryset(self):
        return Drill.objects.select_related("zone", "grid", "enterprise", "recorded_by").prefetch_related(
            "units", "photos"
        )

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    @extend_schema(request=s.DrillCreateSerializer, responses={201: s.DrillSerializer})
    def create(self, request):
        data = _validated(s.DrillCreateSerializer, request)
        drill = drills.record_drill(actor=request.user, **data)
        fresh = self.base_queryset().get(pk=drill.pk)
        return Response(self.get_serializer(fresh).data, status=status.HTTP_201_CREATED)


class WeldingDeviceViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """焊有序设备. The list takes the register's filters (``zone_id``, ``grid_id``, ``enterprise_id``, ``status``,
    ``risk_tag`` of the enterprise, ``installed_after``/``installed_before``, ``q``). ``POST`` registers one;
    ``PATCH`` changes it."""

    serializer_class = s.WeldingDeviceSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = WeldingDeviceFilterSet
    policy_actions = {"create": Action.LEDGER_RECORD, "partial_update": Action.LEDGER_RECORD}

    def base_queryset(self):
        return WeldingDevice.objects.select_related("zone", "grid", "enterprise", "recorded_by")

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    @extend_schema(request=s.WeldingDeviceInputSerializer, responses={201: s.WeldingDeviceSerializer})
    def create(self, request):
        data = _validated(s.WeldingDeviceInputSerializer, request)
        device = welding.record_welding_device(actor=request.user, **data)
        fresh = self.base_queryset().get(pk=device.pk)
        return Response(self.get_serializer(fresh).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.WeldingDeviceInputSerializer(partial=True), responses=s.WeldingDeviceSerializer)
    def partial_update(self, request, pk=None):
        device = self.get_object()
        data = _validated(s.WeldingDeviceInputSerializer, request, partial=True)
        device = welding.update_welding_device(device, actor=request.user, **data)
        fresh = self.base_queryset().get(pk=device.pk)
        return Response(self.get_serializer(fresh).data)


ROUTES = [("drills", DrillViewSet, "drill"), ("welding-devices", WeldingDeviceViewSet, "welding-device")]
