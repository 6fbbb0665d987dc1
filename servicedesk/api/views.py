"""The service request API: scoped lists and every change through servicedesk.services.

Order of the answers, as for tickets (accounts.api.permissions): 401 without credentials, 404 for a
request outside the caller's scope, 403 when the policy refuses the caller, 400 for bad input, 409 when
the request's status does not allow the action (core.api.exceptions gives the body and its ``code``).
"""

from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.api.viewsets import PageByIdsMixin, ScopedViewSetMixin
from accounts.policy import Action
from core.api.pagination import StandardPagination
from servicedesk import services
from servicedesk.api import serializers as s
from servicedesk.filtersets import ServiceRequestFilterSet
from servicedesk.models import ServiceRequest
from timeline.models import Event


def _validated(serializer_class, request):
    serializer = serializer_class(data=request.data, context={"request": request})
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class ServiceRequestViewSet(
    PageByIdsMixin, ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """企业服务问题. Status ``open`` → ``dispatched`` → ``answered`` → ``closed`` (back to ``dispatched`` when
    the enterprise is not satisfied; a closed one reopened is ``open``). Every action answers the request as
    it is afterwards; 409 when its status does not allow the action."""

    serializer_class = s.ServiceRequestSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ServiceRequestFilterSet
    policy_actions = {
        "create": Action.SERVICE_REQUEST_RAISE,
        "dispatch_to": Action.SERVICE_REQUEST_DISPATCH,
        "answer": Action.SERVICE_REQUEST_ANSWER,
        "confirm": Action.SERVICE_REQUEST_CONFIRM,
        "reopen": Action.SERVICE_REQUEST_REOPEN,
        "escalate": Action.SERVICE_REQUEST_ESCALATE,
    }

    def base_queryset(self):
        return ServiceRequest.objects.select_related(
            "enterprise", "grid", "zone", "category", "department", "raised_by"
        )

    def filter_queryset(self, queryset):
        # The list's filters do not apply to the lookup of the request an action works on.
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    def _answer(self, obj, code=status.HTTP_200_OK):
        fresh = self.base_queryset().visible_to(self.request.user).filter(pk=obj.pk).first() or obj
        return Response(self.get_serializer(fresh).data, status=code)

    @extend_schema(request=s.ServiceRequestCreateSerializer, responses={201: s.ServiceRequestSerializer})
    def create(self, request):
        """提出服务问题: an enterprise for itself, the grid's inspector or the zone's manager for an enterprise
        in their scope (another enterprise answers 400, as one that does not exist)."""
        data = _validated(s.ServiceRequestCreateSerializer, request)
        created = services.raise_request(actor=request.user, **data)
        return self._answer(created, status.HTTP_201_CREATED)

    @extend_schema(request=s.ServiceRequestDispatchSerializer, responses=s.ServiceRequestSerializer)
    @action(detail=True, methods=["post"], url_path="dispatch", url_name="dispatch")
    def dispatch_to(self, request, pk=None):
        """分类派发: open or dispatched → dispatched, to a department (default: the category's) with a deadline
        (default: today + the category's time limit)."""
        obj = self.get_object()
        data = _validated(s.ServiceRequestDispatchSerializer, request)
        return self._answer(services.dispatch_request(obj, actor=request.user, **data))

    @extend_schema(request=s.ServiceRequestAnswerSerializer, responses=s.ServiceRequestSerializer)
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        """The department's answer: dispatched → answered."""
        obj = self.get_object()
        data = _validated(s.ServiceRequestAnswerSerializer, request)
        return self._answer(services.answer_request(obj, actor=request.user, **data))

    @extend_schema(request=s.ServiceRequestConfirmSerializer, responses=s.ServiceRequestSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        """事后跟踪 by the enterprise: ``satisfied: true`` with ``rating`` 1–5 closes it; ``satisfied: false``
        with ``feedback`` (the reason) sends it back to the department."""
        obj = self.get_object()
        data = _validated(s.ServiceRequestConfirmSerializer, request)
        return self._answer(services.confirm_request(obj, actor=request.user, **data))

    @extend_schema(request=s.ServiceRequestReopenSerializer, responses=s.ServiceRequestSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        """A closed request opened again (the problem came back): closed → open."""
        obj = self.get_object()
        data = _validated(s.ServiceRequestReopenSerializer, request)
        return self._answer(services.reopen_request(obj, actor=request.user, **data))

    @extend_schema(request=s.ServiceRequestCommentSerializer, responses=s.ServiceRequestSerializer)
    @action(detail=True, methods=["post"])
    def escalate(self, request, pk=None):
        """督办: one level up (409 ``escalation_at_maximum`` at 挂牌督办)."""
        obj = self.get_object()
        data = _validated(s.ServiceRequestCommentSerializer, request)
        return self._answer(services.escalate_request(obj, actor=request.user, **data))


class ServiceRequestEventListView(generics.ListAPIView):
    """The request's timeline (the events of its stream), oldest first."""

    serializer_class = s.ServiceRequestEventSerializer
    pagination_class = StandardPagination
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Event.objects.none()
        found = get_object_or_404(ServiceRequest.objects.visible_to(self.request.user), pk=self.kwargs["pk"])
        return Event.objects.filter(stream=found.stream).select_related("actor").order_by("created_at", "pk")
