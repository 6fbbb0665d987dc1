"""The close-out API: cross-checks listed, requested for a parcel and recorded, through closeout.services.

The parcel or cross-check is looked up in the caller's scope first (404 outside it), the policy
answers the caller's role (403), the input is read (400), and the service answers the state
(409: the parcel is not red, or the cross-check is already done).
"""

from django.db.models import OuterRef
from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from accounts.api.permissions import require_permitted
from accounts.api.viewsets import ScopedViewSetMixin
from accounts.policy import Action
from cases.models import Hazard
from closeout import services
from closeout.api import serializers as s
from closeout.filtersets import CrossCheckFilterSet
from closeout.models import CrossCheck
from core.queries import SubqueryCount
from register.models import Parcel


def crosschecks():
    """Cross-checks with what their rows show: the parcel, its grid and zone, the people, the hazards found."""
    return (
        CrossCheck.objects.select_related("parcel__grid__zone", "requested_by", "inspector")
        .annotate(hazards_found=SubqueryCount(Hazard.objects.filter(inspection_id=OuterRef("inspection_id"))))
        .order_by("-requested_at", "-pk")
    )


def _validated(serializer_class, request, **context):
    serializer = serializer_class(data=request.data, context={"request": request, **context})
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _answer(request, crosscheck, code=status.HTTP_200_OK):
    """The cross-check as the caller sees it now (the cross-checker keeps seeing their own)."""
    fresh = crosschecks().visible_to(request.user).filter(pk=crosscheck.pk).first() or crosscheck
    return Response(s.CrossCheckSerializer(fresh, context={"request": request}).data, status=code)


class CrossCheckViewSet(ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """交叉检查: those of the caller's scope, and those sent to the caller (``?mine=true``)."""

    serializer_class = s.CrossCheckSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = CrossCheckFilterSet
    policy_actions = {"record": Action.CROSSCHECK_RECORD, "cancel": Action.CROSSCHECK_CANCEL}

    def base_queryset(self):
        return crosschecks()

    def filter_queryset(self, queryset):
        # The list's filters do not apply to the lookup of the cross-check an action works on.
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    @extend_schema(request=s.CrossCheckRecordSerializer, responses=s.CrossCheckSerializer)
    @action(detail=True, methods=["post"])
    def record(self, request, pk=None):
        """录入检查结果: passed → the parcel is closed out (green); not passed → the hazards found are
        reported and the parcel stays red. Only the inspector the cross-check was sent to."""
        crosscheck = self.get_object()
        data = _validated(s.CrossCheckRecordSerializer, request, crosscheck=crosscheck)
        services.record_crosscheck(crosscheck, actor=request.user, **data)
        return _answer(request, crosscheck)

    @extend_schema(request=s.CrossCheckCancelSerializer, responses=s.CrossCheckSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """撤销交叉检查申请: a request still open is withdrawn and the parcel waits for a new one.
        Only managers (who may request one); 409 when the cross-check is already done or cancelled."""
        crosscheck = self.get_object()
        data = _validated(s.CrossCheckCancelSerializer, request)
        services.cancel_crosscheck(crosscheck, actor=request.user, **data)
        return _answer(request, crosscheck)


class ParcelCrossCheckView(generics.GenericAPIView):
    """申请交叉检查: a red parcel whose hazards are all rectified goes to an inspector of another grid."""

    permission_classes = [IsAuthenticated]
    serializer_class = s.CrossCheckRequestSerializer
    queryset = Parcel.objects.none()  # the parcel is looked up in the caller's scope in post()

    @extend_schema(request=s.CrossCheckRequestSerializer, responses={201: s.CrossCheckSerializer})
    def post(self, request, pk):
        parcel = get_object_or_404(Parcel.objects.visible_to(request.user), pk=pk)
        require_permitted(request.user, Action.PARCEL_REQUEST_CROSSCHECK, parcel)
        data = _validated(s.CrossCheckRequestSerializer, request)
        crosscheck = services.request_crosscheck(parcel, actor=request.user, **data)
        return _answer(request, crosscheck, status.HTTP_201_CREATED)
