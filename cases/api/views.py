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
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from accounts.api.permissions import require_permitted
from accounts.api.viewsets import PageByIdsMixin, ScopedViewSetMixin
from accounts.policy import Action
from cases import services
from cases.api import serializers as s
from cases.api import ticket_actions as ta
from cases.filtersets import HazardFilterSet, InspectionFilterSet, TicketFilterSet
from cases.models import ExtensionRequest, Hazard, Inspection, InspectionItem, Photo, Ticket
from cases.policies import TICKET_ACTIONS
from cases.services.closing import assessment_content_type
from core.api.idempotency import IDEMPOTENCY_HEADER, once
from core.api.pagination import CappedPagination, StandardPagination
from core.api.parsers import JSONParser
from timeline.models import Event

UPLOAD_PARSERS = [MultiPartParser, FormParser, JSONParser]


# --- inspections ---------------------------------------------------------------------------


class InspectionViewSet(
    PageByIdsMixin, ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """排查记录 (one visit each). ``POST`` records a visit, with checklist results (``passed: null``:
    不涉及) and photos; each item's photos as multipart ``item_photos_<item id>`` (a failed item's
    photos are the 'before' photos of the hazard it reports)."""

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

    @extend_schema(
        request=s.InspectionCreateSerializer, responses={201: s.InspectionSerializer}, parameters=[IDEMPOTENCY_HEADER]
    )
    def create(self, request):
        def record():
            data = _validated(s.InspectionCreateSerializer, request)
            return _created(self, services.record_inspection(actor=request.user, **data))

        return once(request, "api.inspections.create", record)


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
        "restore": Action.HAZARD_RESTORE,
    }

    def base_queryset(self):
        return (
            Hazard.objects.select_related("enterprise", "parcel", "grid", "zone", "category", "reporter")
            .only(*_own_fields(Hazard), *UNIT_NAMES, "category__code", "category__name", *_user_names("reporter"))
            .prefetch_related(_photos(self))
        )

    @extend_schema(
        request=s.HazardCreateSerializer, responses={201: s.HazardSerializer}, parameters=[IDEMPOTENCY_HEADER]
    )
    def create(self, request):
        def report():
            data = _validated(s.HazardCreateSerializer, request)
            return _created(self, services.report_hazard(actor=request.user, **data))

        return once(request, "api.hazards.create", report)

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

    @extend_schema(request=s.HazardRestoreSerializer, responses=s.HazardSerializer)
    @action(detail=True, methods=["post"])
    def restore(self, request, pk=None):
        """撤销误标: a manager returns a hazard marked duplicate or invalid to reported, with the reason
        (a new event; the mark stays in the ledger)."""
        hazard = self.get_object()
        data = _validated(s.HazardRestoreSerializer, request)
        services.restore_hazard(hazard, actor=request.user, **data)
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
    pagination_class = CappedPagination  # count no more than 1000 ("count_capped"): core.paging

    @property
    def policy_actions(self):
        actions = {"create": Action.TICKET_CREATE, "aggregate": Action.TICKET_CREATE, **TICKET_ACTIONS}
        if self.action == "submit" and _flag(self.request.data.get("on_behalf")):
            actions["submit"] = Action.TICKET_SUBMIT_ON_BEHALF  # 代为提交: staff record the party's fix
        return actions

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
            extensions = ExtensionRequest.objects.select_related("requested_by", "decided_by")
            queryset = queryset.prefetch_related(_photos(self), Prefetch("extension_requests", queryset=extensions))
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

    @extend_schema(
        request={"multipart/form-data": s.TicketSubmitSerializer},
        responses=s.TicketDetailSerializer,
        parameters=[IDEMPOTENCY_HEADER],
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def submit(self, request, pk=None):
        """提交整改: assigned → submitted, with a comment and one or more photos (multipart ``photos``).
        ``on_behalf=true``: the grid's inspector or the zone's manager records the party's fix (代为提交)."""
        ticket = self.get_object()

        def submit():
            data = _validated(s.TicketSubmitSerializer, request)
            services.submit_rectification(ticket, actor=request.user, **data)
            return _answer(self, ticket)

        return once(request, "api.tickets.submit", submit)

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

    @extend_schema(request=ta.TicketExtensionSerializer, responses={201: s.TicketDetailSerializer})
    @action(detail=True, methods=["post"])
    def extension(self, request, pk=None):
        """延期申请: the responsible party (or the grid's inspector / the zone's manager on its behalf) asks
        for a later deadline for an assigned ticket, with a reason. One pending request per ticket (409
        ``extension_pending``); the date must be later than the deadline in force (400 ``deadline_not_later``)."""
        ticket = self.get_object()
        data = _validated(ta.TicketExtensionSerializer, request)
        services.request_extension(ticket, actor=request.user, **data)
        return _created(self, ticket)

    @extend_schema(request=ta.DecisionSerializer, responses=s.TicketDetailSerializer)
    @action(detail=True, methods=["post"], url_path="extension/decide")
    def decide_extension(self, request, pk=None):
        """A manager of the zone approves the pending extension request (the deadline becomes the date asked
        for; ``original_deadline`` keeps the first) or refuses it (``comment`` required)."""
        ticket = self.get_object()
        data = _validated(ta.DecisionSerializer, request)
        services.decide_extension(ticket, actor=request.user, **data)
        return _answer(self, ticket)

    @extend_schema(request=ta.TicketReassignSerializer, responses=s.TicketDetailSerializer)
    @action(detail=True, methods=["post"])
    def reassign(self, request, pk=None):
        """调整交办: a manager of the zone changes the deadline, the assignee or 整改责任人 of an assigned
        ticket, with a reason (400 ``nothing_changed`` when nothing differs)."""
        ticket = self.get_object()
        data = _validated(ta.TicketReassignSerializer, request)
        services.reassign_ticket(ticket, actor=request.user, **data)
        return _answer(self, ticket)

    @extend_schema(request=ta.TicketPartySerializer, responses=s.TicketDetailSerializer)
    @action(detail=True, methods=["post"], url_path="party")
    def change_party(self, request, pk=None):
        """变更责任方: a manager of the zone makes another enterprise on the parcel (``enterprise``) or the
        parcel's landlord (``enterprise: null``) responsible for an assigned ticket, with a reason. The old
        party no longer sees the ticket."""
        ticket = self.get_object()
        data = _validated(ta.TicketPartySerializer, request)
        services.change_responsible_party(ticket, actor=request.user, **data)
        return _answer(self, ticket)

    @extend_schema(request=ta.DecisionSerializer, responses=s.TicketDetailSerializer)
    @action(detail=True, methods=["post"])
    def closeout(self, request, pk=None):
        """销号审批: a manager of the zone, other than the verifier (403 ``same_as_verifier``), approves the
        close-out of a major hazard's ticket awaiting it (→ closed) or sends it back (→ assigned, ``comment``
        required)."""
        ticket = self.get_object()
        data = _validated(ta.DecisionSerializer, request)
        services.decide_closeout(ticket, actor=request.user, **data)
        return _answer(self, ticket)

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY, (200, "image/*"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], renderer_classes=[JSONRenderer, FileRenderer])
    def assessment(self, request, pk=None):
        """The assessment report (治理情况评估报告) submitted with a major hazard's ticket."""
        ticket = self.get_object()
        if not ticket.assessment_report:
            raise NotFound(_("该整改单没有治理情况评估报告。"))
        try:
            handle = ticket.assessment_report.open("rb")
        except FileNotFoundError:
            raise NotFound(_("文件不存在。")) from None
        response = FileResponse(handle, content_type=assessment_content_type(ticket))
        response["Cache-Control"] = "private, max-age=86400"
        return response

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


def _flag(value):
    """A boolean sent as JSON or as a form field ("true", "1", "on")."""
    if isinstance(value, list | tuple):
        value = value[-1] if value else None
    return value is True or (isinstance(value, str) and value.strip().lower() in ("true", "1", "on", "yes"))


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
