"""The case API: read scoped lists; every change goes through cases.services.

A view parses the input, looks objects up in the caller's scope (404 outside it), calls the
service and answers the object as the caller now sees it. Refusals from the services
(WorkflowError) become 400/403/409 in core.api.exceptions.
"""

import json

from django.db.models import Prefetch, Q
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from accounts.api.permissions import require_permitted
from accounts.api.viewsets import PageByIdsMixin, ScopedViewSetMixin
from accounts.policy import Action
from cases import services
from cases.api import serializers as s
from cases.filtersets import HazardFilterSet, InspectionFilterSet, TicketFilterSet
from cases.models import Hazard, Inspection, InspectionItem, Photo, Ticket
from cases.policies import TICKET_ACTIONS
from core.api.pagination import StandardPagination
from timeline.models import Event

UPLOAD_PARSERS = [MultiPartParser, FormParser, JSONParser]


# --- inspections ---------------------------------------------------------------------------


class InspectionViewSet(
    PageByIdsMixin, ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """排查记录 (one visit each). ``POST`` records a visit, with checklist results and photos."""

    serializer_class = s.InspectionSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = InspectionFilterSet
    parser_classes = UPLOAD_PARSERS
    policy_actions = {"create": Action.INSPECTION_RECORD}

    def base_queryset(self):
        return (
            Inspection.objects.select_related("inspector", "enterprise", "parcel", "grid", "zone")
            .only(*_own_fields(Inspection), *UNIT_NAMES, *_user_names("inspector"))
            .prefetch_related(
                Prefetch("items", queryset=InspectionItem.objects.select_related("checklist_item")),
                Prefetch("hazards", queryset=Hazard.objects.only("pk", "inspection_id").order_by("pk")),
                "photos",
            )
        )

    @extend_schema(request=s.InspectionCreateSerializer, responses={201: s.InspectionSerializer})
    def create(self, request):
        data = _validated(s.InspectionCreateSerializer, request)
        inspection = services.record_inspection(actor=request.user, **data)
        return _created(self, inspection)


# --- hazards -------------------------------------------------------------------------------


class HazardViewSet(
    PageByIdsMixin, ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """隐患. ``POST`` reports one (status ``reported``), with photos as multipart ``photos``."""

    serializer_class = s.HazardSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = HazardFilterSet
    parser_classes = UPLOAD_PARSERS
    policy_actions = {
        "create": Action.HAZARD_REPORT,
        "duplicate": Action.HAZARD_MARK_DUPLICATE,
        "invalid": Action.HAZARD_MARK_INVALID,
    }

    def base_queryset(self):
        return (
            Hazard.objects.select_related("enterprise", "parcel", "grid", "zone", "category", "reporter")
            .only(*_own_fields(Hazard), *UNIT_NAMES, "category__code", "category__name", *_user_names("reporter"))
            .prefetch_related(_photos(self))
        )

    @extend_schema(request=s.HazardCreateSerializer, responses={201: s.HazardSerializer})
    def create(self, request):
        data = _validated(s.HazardCreateSerializer, request)
        hazard = services.report_hazard(actor=request.user, **data)
        return _created(self, hazard)

    @extend_schema(request=s.HazardDuplicateSerializer, responses=s.HazardSerializer)
    @action(detail=True, methods=["post"])
    def duplicate(self, request, pk=None):
        """重复上报: mark a reported hazard as a repeat of another one."""
        hazard = self.get_object()
        data = _validated(s.HazardDuplicateSerializer, request)
        services.mark_duplicate(hazard, actor=request.user, **data)
        return _answer(self, hazard)

    @extend_schema(request=s.HazardInvalidSerializer, responses=s.HazardSerializer)
    @action(detail=True, methods=["post"])
    def invalid(self, request, pk=None):
        """核实不属实: close a reported hazard as not real, with the reason."""
        hazard = self.get_object()
        data = _validated(s.HazardInvalidSerializer, request)
        services.mark_invalid(hazard, actor=request.user, **data)
        return _answer(self, hazard)


class HazardPhotoListView(generics.ListAPIView):
    """A hazard's photos; ``POST`` adds photos (multipart ``photos``) to an open hazard."""

    serializer_class = s.PhotoSerializer
    pagination_class = StandardPagination
    filter_backends = []
    parser_classes = [MultiPartParser, FormParser]

    def get_hazard(self):
        return get_object_or_404(Hazard.objects.visible_to(self.request.user), pk=self.kwargs["pk"])

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Photo.objects.none()
        hazard = self.get_hazard()
        return Photo.objects.visible_to(self.request.user).filter(hazard=hazard).order_by("created_at", "pk")

    @extend_schema(request=s.PhotoUploadSerializer, responses={201: s.PhotoSerializer(many=True)})
    def post(self, request, pk):
        hazard = self.get_hazard()
        user = request.user
        require_permitted(user, Action.HAZARD_ADD_PHOTOS, hazard)
        data = _validated(s.PhotoUploadSerializer, request)
        saved = services.add_hazard_photos(hazard, actor=user, photos=data["photos"])
        return Response(
            s.PhotoSerializer(saved, many=True, context={"request": request}).data, status=status.HTTP_201_CREATED
        )


# --- photos ---------------------------------------------------------------------------------


class FileRenderer(BaseRenderer):
    """Lets a client that asks for an image get one; the view answers the file itself."""

    media_type = "image/*"
    format = "image"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return json.dumps(data, ensure_ascii=False).encode() if isinstance(data, dict) else (data or b"")


class PhotoViewSet(ScopedViewSetMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """A photo's record, and its file (``image/``) and thumbnail (``thumbnail/``) for token clients;
    served only to those who may see the hazard, ticket or inspection it belongs to."""

    serializer_class = s.PhotoSerializer
    filter_backends = []

    def base_queryset(self):
        return Photo.objects.all()

    def _file(self, fieldfile, content_type):
        if not fieldfile:
            raise NotFound(_("该照片没有缩略图。"))
        try:
            handle = fieldfile.open("rb")
        except FileNotFoundError:
            raise NotFound(_("照片文件不存在。"))
        response = FileResponse(handle, content_type=content_type)
        response["Cache-Control"] = "private, max-age=86400"
        return response

    @extend_schema(responses={(200, "image/*"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], renderer_classes=[JSONRenderer, FileRenderer])
    def image(self, request, pk=None):
        """The photo as uploaded (kept unchanged as evidence)."""
        photo = self.get_object()
        return self._file(photo.image, photo.content_type)

    @extend_schema(responses={(200, "image/jpeg"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], renderer_classes=[JSONRenderer, FileRenderer])
    def thumbnail(self, request, pk=None):
        """A JPEG of at most 400 px."""
        photo = self.get_object()
        return self._file(photo.thumbnail, "image/jpeg")


# --- tickets -------------------------------------------------------------------------------


@extend_schema_view(retrieve=extend_schema(responses=s.TicketDetailSerializer))
class TicketViewSet(
    PageByIdsMixin, ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """整改单. Every action answers the ticket as it is afterwards; 409 when the ticket's status
    does not allow the action (someone else may have acted first)."""

    filter_backends = [DjangoFilterBackend]
    filterset_class = TicketFilterSet
    parser_classes = UPLOAD_PARSERS
    policy_actions = {
        "create": Action.TICKET_CREATE,
        "aggregate": Action.TICKET_CREATE,
        **TICKET_ACTIONS,
    }

    def get_serializer_class(self):
        return s.TicketSerializer if self.action == "list" else s.TicketDetailSerializer

    def base_queryset(self):
        brief = Hazard.objects.select_related("category").only(*HAZARD_BRIEF_FIELDS).order_by("pk")
        queryset = (
            Ticket.objects.select_related("enterprise", "parcel", "grid", "zone", "assignee")
            .only(*_own_fields(Ticket), *UNIT_NAMES, "parcel__landlord_name", *_user_names("assignee"))
            .prefetch_related(Prefetch("hazards", queryset=brief))
        )
        if self.action != "list":
            queryset = queryset.prefetch_related(_photos(self))
        return queryset

    def filter_queryset(self, queryset):
        # The list's filters do not apply to the lookup of the ticket an action works on.
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    @extend_schema(request=s.TicketCreateSerializer, responses={201: s.TicketDetailSerializer})
    def create(self, request):
        """汇总: one pending ticket from reported hazards of one responsible party."""
        data = _validated(s.TicketCreateSerializer, request)
        ticket = services.create_ticket(data.pop("hazards"), actor=request.user, **data)
        return _created(self, ticket)

    @extend_schema(request=s.TicketCreateSerializer, responses={201: s.TicketSerializer(many=True)})
    @action(detail=False, methods=["post"])
    def aggregate(self, request):
        """汇总 by responsible party: one pending ticket per party."""
        data = _validated(s.TicketCreateSerializer, request)
        tickets = services.aggregate_hazards(data.pop("hazards"), actor=request.user, **data)
        fresh = self.get_queryset().filter(pk__in=[t.pk for t in tickets]).order_by("pk")
        return Response(
            s.TicketSerializer(fresh, many=True, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=s.TicketAssignSerializer, responses=s.TicketDetailSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        """交办: pending → assigned. Major hazards need measures, funds, deadline, responsible person
        and contingency (五落实)."""
        ticket = self.get_object()
        data = _validated(s.TicketAssignSerializer, request)
        services.assign_ticket(ticket, actor=request.user, **data)
        return _answer(self, ticket)

    @extend_schema(request={"multipart/form-data": s.TicketSubmitSerializer}, responses=s.TicketDetailSerializer)
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def submit(self, request, pk=None):
        """提交整改: assigned → submitted, with a comment and one or more photos (multipart ``photos``)."""
        ticket = self.get_object()
        data = _validated(s.TicketSubmitSerializer, request)
        services.submit_rectification(ticket, actor=request.user, **data)
        return _answer(self, ticket)

    @extend_schema(request=s.TicketVerifySerializer, responses=s.TicketDetailSerializer)
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        """验收: submitted → closed (passed) or back to assigned (not passed; a comment is required)."""
        ticket = self.get_object()
        data = _validated(s.TicketVerifySerializer, request)
        services.verify_ticket(ticket, actor=request.user, **data)
        return _answer(self, ticket)

    @extend_schema(request=s.TicketEscalateSerializer, responses=s.TicketDetailSerializer)
    @action(detail=True, methods=["post"])
    def escalate(self, request, pk=None):
        """督办: raise the escalation level of an open ticket (1 督办, 2 挂牌督办)."""
        ticket = self.get_object()
        data = _validated(s.TicketEscalateSerializer, request)
        services.escalate_ticket(ticket, actor=request.user, **data)
        return _answer(self, ticket)

    @extend_schema(request=s.TicketReopenSerializer, responses={201: s.TicketDetailSerializer})
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        """事后跟踪: the follow-up re-check found the hazards back; answers the new linked pending ticket."""
        ticket = self.get_object()
        data = _validated(s.TicketReopenSerializer, request)
        return _created(self, services.reopen_ticket(ticket, actor=request.user, **data))

    @extend_schema(request=s.TicketCommentSerializer, responses={201: s.EventSerializer})
    @action(detail=True, methods=["post"])
    def comment(self, request, pk=None):
        """A note on the ticket's timeline (internal notes are hidden from the responsible party)."""
        ticket = self.get_object()
        data = _validated(s.TicketCommentSerializer, request)
        event = services.comment_ticket(ticket, actor=request.user, **data)
        event = Event.objects.select_related("actor").prefetch_related("photos").get(pk=event.pk)
        return Response(
            s.EventSerializer(event, context=self.get_serializer_context()).data, status=status.HTTP_201_CREATED
        )


class EventListView(generics.ListAPIView):
    """The timeline in order; the responsible party sees neither internal events nor their photos."""

    serializer_class = s.EventSerializer
    pagination_class = StandardPagination
    filter_backends = []
    parent_model = None

    def get_parent(self):
        return get_object_or_404(self.parent_model.objects.visible_to(self.request.user), pk=self.kwargs["pk"])

    def events_of(self, parent):
        raise NotImplementedError

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Event.objects.none()
        user = self.request.user
        events = Event.objects.visible_to(user).filter(self.events_of(self.get_parent()))
        photos = Prefetch("photos", queryset=Photo.objects.shown_to(user))
        return events.select_related("actor").prefetch_related(photos).order_by("created_at", "pk")


class TicketEventListView(EventListView):
    """The ticket's timeline, with the events of its hazards (from their report on)."""

    parent_model = Ticket

    def events_of(self, ticket):
        return Q(ticket=ticket) | Q(hazard__ticket=ticket)


class HazardEventListView(EventListView):
    parent_model = Hazard

    def events_of(self, hazard):
        q = Q(hazard=hazard)
        if hazard.ticket_id:
            q |= Q(ticket_id=hazard.ticket_id)
        return q


# --- helpers ---------------------------------------------------------------------------------

# The columns of related rows that the serializers show (a page need not load a parcel's polygon).
UNIT_NAMES = ("enterprise__name", "parcel__code", "parcel__name", "grid__name", "zone__name")
HAZARD_BRIEF_FIELDS = (
    *("id", "number", "status", "category", "category__code", "category__name", "severity", "description"),
    *("location_detail", "enterprise", "parcel", "reported_at", "ticket"),
)


def _photos(view):
    """A parent's photos as the caller may see them: an internal note's photos only for office staff."""
    return Prefetch("photos", queryset=Photo.objects.shown_to(view.request.user))


def _own_fields(model):
    return [field.name for field in model._meta.concrete_fields]


def _user_names(relation):
    return [f"{relation}__{name}" for name in ("username", "first_name", "last_name")]


def _validated(serializer_class, request):
    serializer = serializer_class(data=request.data, context={"request": request})
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _fresh(view, obj):
    """The object as the caller sees it now (through the scoped queryset, with its relations)."""
    found = view.base_queryset().visible_to(view.request.user).filter(pk=obj.pk).first()
    return found if found is not None else obj


def _answer(view, obj, code=status.HTTP_200_OK):
    serializer = view.get_serializer(_fresh(view, obj))
    return Response(serializer.data, status=code)


def _created(view, obj):
    return _answer(view, obj, status.HTTP_201_CREATED)
