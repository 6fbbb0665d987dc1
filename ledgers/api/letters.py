"""API: safety responsibility letters (``letters/``). Read scoped lists; every change goes through ledgers.letters.

A letter outside the caller's scope answers 404 like a missing one; a unit outside it in the input 403 (the
service's scope check); the policy answers 403 for a role that may not record (and for a party that would
issue or expire: the office's acts); bad input 400; a status the letter cannot move to 409."""

from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from accounts.api.viewsets import ScopedViewSetMixin
from accounts.policy import Action
from core.api.parsers import JSONParser
from core.api.serializers import user_name
from ledgers import letters
from ledgers.choices import LetterKind, LetterStatus
from ledgers.filtersets import LetterFilterSet
from ledgers.models import LetterTemplate, ResponsibilityLetter
from register.models import Enterprise, Parcel

TARGETS = [(value, label) for value, label in LetterStatus.choices if value != LetterStatus.NOT_ISSUED]


class LetterSerializer(serializers.ModelSerializer):
    """A letter as the caller sees it: its year and kind, the party (``party_name``; ``parcel`` of a landlord
    letter, ``enterprise`` of an enterprise letter or agreement), status and dates. ``scan_url`` is served only
    to whoever may see the letter."""

    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    party_name = serializers.CharField(read_only=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True, allow_null=True)
    parcel_code = serializers.CharField(source="parcel.code", read_only=True, allow_null=True)
    parcel_name = serializers.CharField(source="parcel.name", read_only=True, allow_null=True)
    grid_name = serializers.CharField(source="grid.name", read_only=True)
    zone_name = serializers.CharField(source="zone.name", read_only=True)
    has_scan = serializers.SerializerMethodField()
    scan_url = serializers.SerializerMethodField()
    updated_by_name = serializers.SerializerMethodField()

    class Meta:
        model = ResponsibilityLetter
        fields = [
            "id",
            "year",
            "kind",
            "kind_label",
            "party_name",
            "enterprise",
            "enterprise_name",
            "parcel",
            "parcel_code",
            "parcel_name",
            "grid",
            "grid_name",
            "zone",
            "zone_name",
            "template",
            "status",
            "status_label",
            "issued_on",
            "signatory",
            "signed_on",
            "has_scan",
            "scan_url",
            "notes",
            "updated_by",
            "updated_by_name",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_has_scan(self, obj) -> bool:
        return bool(obj.scan)

    def get_scan_url(self, obj) -> str | None:
        if not obj.scan:
            return None
        from django.urls import reverse

        return reverse("ledgers:letter_scan", args=[obj.pk])

    def get_updated_by_name(self, obj) -> str | None:
        return user_name(obj.updated_by)


class LetterChangeSerializer(serializers.Serializer):
    """What moves a letter: the status it goes to, with that step's values (ledgers.letters checks them)."""

    status = serializers.ChoiceField(
        choices=TARGETS, label=_("状态"), help_text="issued (下发), signed (签订: signatory, signed_on), expired"
    )
    issued_on = serializers.DateField(required=False, allow_null=True, label=_("下发日期"))
    signatory = serializers.CharField(required=False, allow_blank=True, max_length=100, label=_("签订人"))
    signed_on = serializers.DateField(
        required=False, allow_null=True, label=_("签订日期"), help_text="not after today; in the letter's year"
    )
    scan = serializers.FileField(required=False, allow_null=True, label=_("扫描件"), help_text="PDF, JPEG or PNG")
    notes = serializers.CharField(required=False, allow_blank=True, max_length=2000, label=_("备注"))

    def service_kwargs(self):
        data = dict(self.validated_data)
        return {key: value for key, value in data.items() if value is not None}


class LetterCreateSerializer(LetterChangeSerializer):
    """A party's letter of a year: ``parcel`` for a landlord letter, ``enterprise`` for the others."""

    year = serializers.IntegerField(min_value=2000, max_value=2100, label=_("年度"))
    kind = serializers.ChoiceField(choices=LetterKind.choices, label=_("类型"))
    parcel = serializers.PrimaryKeyRelatedField(
        queryset=Parcel.objects.all(), required=False, allow_null=True, label=_("宗地")
    )
    enterprise = serializers.PrimaryKeyRelatedField(
        queryset=Enterprise.objects.all(), required=False, allow_null=True, label=_("企业")
    )
    template = serializers.PrimaryKeyRelatedField(
        queryset=LetterTemplate.objects.filter(active=True), required=False, allow_null=True, label=_("模板")
    )


class LetterViewSet(ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """安全生产责任书. The list takes the ledger's filters (``year`` — this year when not given —, ``kind``,
    ``status``, ``zone_id``, ``grid_id``, ``parcel_id``, ``enterprise_id``, ``q``). ``POST`` records a party's
    letter of a year at a status (``issued``: 下发; ``signed``: 签订 with ``signatory``, ``signed_on`` and an
    optional ``scan`` sent as multipart); ``PATCH`` moves an existing letter on (``signed``, ``expired`` …)."""

    serializer_class = LetterSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = LetterFilterSet
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    http_method_names = ["get", "post", "patch", "head", "options"]
    policy_actions = {"create": Action.LEDGER_RECORD, "partial_update": Action.LEDGER_RECORD}

    def base_queryset(self):
        return ResponsibilityLetter.objects.select_related(
            "zone", "grid", "parcel", "enterprise", "template", "updated_by"
        ).defer("parcel__polygon")

    def filter_queryset(self, queryset):
        # The list's filters (and its "this year" default) do not apply to the letter an action works on.
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    @extend_schema(request=LetterCreateSerializer, responses={201: LetterSerializer})
    def create(self, request):
        serializer = LetterCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        letter = letters.record_letter(actor=request.user, **serializer.service_kwargs())
        return self._answer(letter, status.HTTP_201_CREATED)

    @extend_schema(request=LetterChangeSerializer, responses=LetterSerializer)
    def partial_update(self, request, pk=None):
        letter = self.get_object()
        serializer = LetterChangeSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        letters.change_letter(letter, actor=request.user, **serializer.service_kwargs())
        return self._answer(letter)

    def _answer(self, letter, code=status.HTTP_200_OK):
        fresh = self.base_queryset().visible_to(self.request.user).filter(pk=letter.pk).first() or letter
        return Response(self.get_serializer(fresh).data, status=code)


ROUTES = [("letters", LetterViewSet, "letter")]
