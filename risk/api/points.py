"""API: risk points (``risk-points/``). Read scoped lists; every change goes through risk.services.

A point outside the caller's scope answers 404 like a missing one; the policy (accounts.policy) answers
403 for a role that may not act; the services' refusals become 400 with their code (core.api.exceptions).
"""

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.api.viewsets import ScopedViewSetMixin
from accounts.policy import Action
from risk import services
from risk.api import serializers as s
from risk.filtersets import RiskPointFilterSet
from risk.models import RiskPoint


class RiskPointViewSet(ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """风险点. The list takes the risk list's filters (``level=red``, ``status``, ``zone_id``, ``enterprise_id`` …;
    retired points only with ``retired=true``). ``POST`` declares one (申报; the enterprise's, or a parcel's
    common areas with ``parcel`` alone); ``PATCH`` changes its entry (a party's change sends it back to
    review); ``review/`` confirms or changes the grade (a changed grade needs a ``reason``); ``retire/``."""

    serializer_class = s.RiskPointSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = RiskPointFilterSet
    policy_actions = {
        "create": Action.RISK_POINT_DECLARE,
        "partial_update": Action.RISK_POINT_EDIT,
        "review": Action.RISK_POINT_REVIEW,
        "retire": Action.RISK_POINT_EDIT,
    }

    def base_queryset(self):
        return RiskPoint.objects.select_related(
            "enterprise", "parcel", "grid", "zone", "declared_by", "reviewed_by"
        ).defer("parcel__polygon")

    def filter_queryset(self, queryset):
        # The list's filters (and its "active only" default) do not apply to the point an action works on.
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    @extend_schema(request=s.RiskPointCreateSerializer, responses={201: s.RiskPointSerializer})
    def create(self, request):
        data = _validated(s.RiskPointCreateSerializer, request)
        point = services.declare_risk_point(actor=request.user, **data)
        return _answer(self, point, status.HTTP_201_CREATED)

    @extend_schema(request=s.RiskPointUpdateSerializer, responses=s.RiskPointSerializer)
    def partial_update(self, request, pk=None):
        point = self.get_object()
        data = _validated(s.RiskPointUpdateSerializer, request)
        services.update_risk_point(point, actor=request.user, **data)
        return _answer(self, point)

    @extend_schema(request=s.RiskPointReviewSerializer, responses=s.RiskPointSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        """审核: confirm the grade (no ``level``, or the same one) or set another (``level``: a colour word or
        1–4) with a ``reason`` (400 ``reason_required`` without one). The point becomes 已审核."""
        point = self.get_object()
        data = _validated(s.RiskPointReviewSerializer, request)
        services.review_risk_point(point, actor=request.user, **data)
        return _answer(self, point)

    @extend_schema(request=s.RiskPointRetireSerializer, responses=s.RiskPointSerializer)
    @action(detail=True, methods=["post"])
    def retire(self, request, pk=None):
        """停用: the point no longer exists; it stays in the history (and in lists with ``retired=true``)."""
        point = self.get_object()
        data = _validated(s.RiskPointRetireSerializer, request)
        services.retire_risk_point(point, actor=request.user, **data)
        return _answer(self, point)


def _validated(serializer_class, request):
    serializer = serializer_class(data=request.data, context={"request": request})
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _answer(view, point, code=status.HTTP_200_OK):
    """The point as the caller sees it now (through the scoped queryset, with its relations)."""
    fresh = view.base_queryset().visible_to(view.request.user).filter(pk=point.pk).first() or point
    return Response(view.get_serializer(fresh).data, status=code)


ROUTES = [("risk-points", RiskPointViewSet, "risk-point")]
PATHS = []
