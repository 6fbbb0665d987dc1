"""Read serializers for cases, and input serializers for the workflow actions.

Input serializers only parse: every change is made by a service in cases.services. Related
objects in input (units, inspections, hazards) are looked up in the caller's scope, so an id
outside it reads as one that does not exist.
"""

import json

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import User
from cases.choices import EscalationLevel, InspectionSource
from cases.deadlines import validate_deadline
from cases.models import ExtensionRequest, Hazard, Inspection, InspectionItem, Photo, Ticket
from catalogue.choices import Severity
from catalogue.models import Campaign, Checklist, HazardCategory
from core.api.serializers import ScopedInputMixin, user_name
from core.dates import check_captured_at
from core.errors import ValidationFailed
from core.parsing import parse_id
from register.models import Enterprise, Parcel
from timeline.models import Event

# --- read -------------------------------------------------------------------------------------


class PhotoSerializer(serializers.ModelSerializer):
    """A photo's record; ``image`` and ``thumbnail`` are API URLs that token clients can fetch."""

    image = serializers.SerializerMethodField()
    thumbnail = serializers.SerializerMethodField()

    class Meta:
        model = Photo
        fields = [
            "id",
            "kind",
            "image",
            "thumbnail",
            "content_type",
            "width",
            "height",
            "size",
            "taken_at",
            "gps_latitude",
            "gps_longitude",
            "original_name",
            "created_at",
        ]
        read_only_fields = fields

    def _url(self, photo, name):
        path = reverse(f"api:photo-{name}", args=[photo.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path

    @extend_schema_field(OpenApiTypes.URI)
    def get_image(self, photo):
        return self._url(photo, "image")

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_thumbnail(self, photo):
        return self._url(photo, "thumbnail") if photo.thumbnail else None


# The unit's ids with their names, in the order every serializer of a unit's record lists them.
UNIT_FIELDS = [
    "enterprise",
    "enterprise_name",
    "parcel",
    "parcel_code",
    "parcel_name",
    "grid",
    "grid_name",
    "zone",
    "zone_name",
]


class UnitFieldsMixin(serializers.Serializer):
    """Names beside the ids of the unit a case belongs to (``UNIT_FIELDS``)."""

    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True, allow_null=True)
    parcel_code = serializers.CharField(source="parcel.code", read_only=True, allow_null=True)
    parcel_name = serializers.CharField(source="parcel.name", read_only=True, allow_null=True)
    grid_name = serializers.CharField(source="grid.name", read_only=True)
    zone_name = serializers.CharField(source="zone.name", read_only=True)


class InspectionItemSerializer(serializers.ModelSerializer):
    item = serializers.IntegerField(source="checklist_item_id", read_only=True)
    text = serializers.CharField(source="checklist_item.text", read_only=True)

    class Meta:
        model = InspectionItem
        fields = ["item", "text", "passed", "note", "hazard"]
        read_only_fields = fields


class InspectionSerializer(UnitFieldsMixin, serializers.ModelSerializer):
    inspector_name = serializers.SerializerMethodField()
    checkin = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    verified_on_site = serializers.BooleanField(
        read_only=True, help_text="现场核验: made shortly after an unflagged check-in at the unit's plate"
    )
    items = InspectionItemSerializer(many=True, read_only=True)
    hazards = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    photos = PhotoSerializer(many=True, read_only=True)

    class Meta:
        model = Inspection
        fields = [
            "id",
            "inspector",
            "inspector_name",
            *UNIT_FIELDS,
            "inspected_at",
            "source",
            "campaign",
            "checklist",
            "checkin",
            "verified_on_site",
            "result",
            "notes",
            "items",
            "hazards",
            "photos",
            "created_at",
        ]
        read_only_fields = fields

    def get_inspector_name(self, obj) -> str:
        return user_name(obj.inspector)


class HazardSerializer(UnitFieldsMixin, serializers.ModelSerializer):
    category = serializers.SlugRelatedField(slug_field="code", read_only=True)
    category_name = serializers.CharField(source="category.name", read_only=True)
    reporter_name = serializers.SerializerMethodField()
    photos = PhotoSerializer(many=True, read_only=True)

    class Meta:
        model = Hazard
        fields = [
            "id",
            "number",
            "status",
            "category",
            "category_name",
            "severity",
            "description",
            "location_detail",
            *UNIT_FIELDS,
            "inspection",
            "ticket",
            "reporter",
            "reporter_name",
            "reported_at",
            "rectified_at",
            "duplicate_of",
            "likely_duplicate_of",
            "invalid_reason",
            "withdrawn",
            "fixed_on_spot",
            "photos",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_reporter_name(self, obj) -> str:
        return user_name(obj.reporter)


class HazardBriefSerializer(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(slug_field="code", read_only=True)
    category_name = serializers.CharField(source="category.name", read_only=True)

    class Meta:
        model = Hazard
        fields = [
            "id",
            "number",
            "status",
            "category",
            "category_name",
            "severity",
            "description",
            "location_detail",
            "enterprise",
            "parcel",
            "reported_at",
        ]
        read_only_fields = fields


class TicketSerializer(UnitFieldsMixin, serializers.ModelSerializer):
    responsible_name = serializers.CharField(read_only=True)
    is_overdue = serializers.BooleanField(read_only=True)
    days_overdue = serializers.IntegerField(read_only=True)
    assignee_name = serializers.SerializerMethodField()
    hazards = HazardBriefSerializer(many=True, read_only=True)

    class Meta:
        model = Ticket
        fields = [
            "id",
            "number",
            "status",
            "is_overdue",
            "days_overdue",
            "escalation_level",
            "escalated_at",
            "deadline",
            "responsible_kind",
            "responsible_name",
            "enterprise",
            "enterprise_name",
            "parcel",
            "parcel_code",
            "parcel_name",
            "landlord_copied",
            "grid",
            "grid_name",
            "zone",
            "zone_name",
            "is_major",
            "measures",
            "funds",
            "responsible_person",
            "contingency",
            "assignee",
            "assignee_name",
            "rework_count",
            "created_by",
            "created_at",
            "assigned_at",
            "submitted_at",
            "closed_at",
            "verified_by",
            "verification_comment",
            "followup_date",
            "original_deadline",
            "closeout_approved_by",
            "reopened_from",
            "hazards",
            "updated_at",
        ]
        read_only_fields = fields

    def get_assignee_name(self, obj) -> str | None:
        return user_name(obj.assignee)


class ExtensionRequestSerializer(serializers.ModelSerializer):
    """延期申请: the deadline in force when asked, the date asked for, and the manager's answer."""

    requested_by_name = serializers.SerializerMethodField()
    decided_by_name = serializers.SerializerMethodField()

    class Meta:
        model = ExtensionRequest
        fields = [
            "id",
            "status",
            "reason",
            "current_deadline",
            "requested_deadline",
            "requested_by",
            "requested_by_name",
            "on_behalf",
            "requested_at",
            "decided_by",
            "decided_by_name",
            "decided_at",
            "decision_comment",
        ]
        read_only_fields = fields

    def get_requested_by_name(self, obj) -> str | None:
        return user_name(obj.requested_by)

    def get_decided_by_name(self, obj) -> str | None:
        return user_name(obj.decided_by)


class TicketDetailSerializer(TicketSerializer):
    """A ticket with its evidence photos, its extension requests (newest first) and, for a major
    hazard's ticket, the link to its assessment report (治理情况评估报告)."""

    photos = PhotoSerializer(many=True, read_only=True)
    extension_requests = ExtensionRequestSerializer(many=True, read_only=True)
    assessment = serializers.SerializerMethodField()

    class Meta(TicketSerializer.Meta):
        fields = [*TicketSerializer.Meta.fields, "photos", "extension_requests", "assessment"]
        read_only_fields = fields

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_assessment(self, ticket):
        if not ticket.assessment_report:
            return None
        path = reverse("api:ticket-assessment", args=[ticket.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class EventSerializer(serializers.ModelSerializer):
    actor_name = serializers.SerializerMethodField()
    photos = PhotoSerializer(many=True, read_only=True)
    data = serializers.JSONField(read_only=True)

    class Meta:
        model = Event
        fields = [
            "id",
            "kind",
            "created_at",
            "actor",
            "actor_name",
            "ticket",
            "hazard",
            "parcel",
            "from_status",
            "to_status",
            "comment",
            "internal",
            "data",
            "photos",
        ]
        read_only_fields = fields

    def get_actor_name(self, obj) -> str | None:
        return user_name(obj.actor)


# --- input ------------------------------------------------------------------------------------


class PhotoListField(serializers.ListField):
    """One or more image files, sent as repeated multipart parts named ``photos``."""

    child = serializers.FileField(allow_empty_file=False, use_url=False)

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)


class ChecklistResultSerializer(serializers.Serializer):
    item = serializers.IntegerField(min_value=1, label=_("检查项"))
    passed = serializers.BooleanField(allow_null=True, label=_("合格"), help_text=_("null：不涉及"))
    note = serializers.CharField(required=False, allow_blank=True, max_length=500, default="", label=_("说明"))


class ChecklistResultsField(serializers.ListField):
    """A list of ``{item, passed, note}``; in a multipart form, the same list as one JSON string."""

    child = ChecklistResultSerializer()

    def to_internal_value(self, data):
        if isinstance(data, list) and len(data) == 1 and isinstance(data[0], str):
            data = data[0]
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except ValueError:
                raise serializers.ValidationError(_("检查项结果须为列表（JSON）。"))
        return super().to_internal_value(data)


class InspectionCreateSerializer(ScopedInputMixin, serializers.Serializer):
    scoped_fields = {"enterprise": Enterprise, "parcel": Parcel}

    enterprise = serializers.PrimaryKeyRelatedField(
        queryset=Enterprise.objects.none(), required=False, allow_null=True, label=_("单位")
    )
    parcel = serializers.PrimaryKeyRelatedField(
        queryset=Parcel.objects.none(), required=False, allow_null=True, label=_("宗地")
    )
    source = serializers.ChoiceField(choices=InspectionSource.choices, default=InspectionSource.GRID, label=_("来源"))
    checklist = serializers.PrimaryKeyRelatedField(
        queryset=Checklist.objects.filter(active=True), required=False, allow_null=True, label=_("检查表")
    )
    campaign = serializers.PrimaryKeyRelatedField(
        queryset=Campaign.objects.all(), required=False, allow_null=True, label=_("专项行动")
    )
    inspected_at = serializers.DateTimeField(required=False, allow_null=True, label=_("检查时间"))
    notes = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="", label=_("备注"))
    results = ChecklistResultsField(required=False, label=_("检查项结果"))
    photos = PhotoListField(label=_("现场照片"))

    ITEM_PHOTOS_PREFIX = "item_photos_"

    def validate_results(self, value):
        items = [row["item"] for row in value]
        if len(items) != len(set(items)):
            raise serializers.ValidationError(_("同一检查项只能填写一次。"))
        return {row["item"]: (row["passed"], row.get("note", "")) for row in value}

    def validate(self, attrs):
        """Each item's photos as multipart parts ``item_photos_<item id>`` (repeated): a failed item's
        photos are the 'before' evidence of the hazard it reports."""
        attrs = super().validate(attrs)
        data = self.initial_data
        item_photos = {}
        for key in list(getattr(data, "keys", lambda: ())()):
            if not isinstance(key, str) or not key.startswith(self.ITEM_PHOTOS_PREFIX):
                continue
            suffix = key[len(self.ITEM_PHOTOS_PREFIX) :]
            files = data.getlist(key) if hasattr(data, "getlist") else [data[key]]
            if not parse_id(suffix) or not all(hasattr(f, "read") for f in files):
                raise serializers.ValidationError({key: [_("检查项照片须以 item_photos_<检查项 id> 上传图片文件。")]})
            if len(files) > 20:
                raise serializers.ValidationError({key: [_("每个检查项最多 20 张照片。")]})
            item_photos[parse_id(suffix)] = files
        if item_photos:
            attrs["item_photos"] = item_photos
        return attrs


def captured_time(value):
    """A time of capture sent by a field app (core.dates.check_captured_at) or None."""
    if value is None:
        return None
    try:
        return check_captured_at(value)
    except ValidationFailed as exc:
        raise serializers.ValidationError(exc.message) from None


class HazardCreateSerializer(ScopedInputMixin, serializers.Serializer):
    scoped_fields = {"enterprise": Enterprise, "parcel": Parcel, "inspection": Inspection}

    enterprise = serializers.PrimaryKeyRelatedField(
        queryset=Enterprise.objects.none(), required=False, allow_null=True, label=_("单位")
    )
    parcel = serializers.PrimaryKeyRelatedField(
        queryset=Parcel.objects.none(), required=False, allow_null=True, label=_("宗地")
    )
    category = serializers.SlugRelatedField(
        slug_field="code", queryset=HazardCategory.objects.filter(active=True), label=_("隐患类别")
    )
    severity = serializers.ChoiceField(choices=Severity.choices, required=False, allow_null=True, label=_("隐患等级"))
    description = serializers.CharField(max_length=5000, label=_("隐患描述"))
    location_detail = serializers.CharField(
        required=False, allow_blank=True, max_length=255, default="", label=_("具体位置")
    )
    inspection = serializers.PrimaryKeyRelatedField(
        queryset=Inspection.objects.none(), required=False, allow_null=True, label=_("排查记录")
    )
    photos = PhotoListField(label=_("照片"))
    fixed_on_spot = serializers.BooleanField(default=False, label=_("当场整改"))
    after_photos = PhotoListField(label=_("整改后照片（当场整改时必传）"))
    reported_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        label=_("发现时间"),
        help_text=_(
            "离线记录后补发时为现场记录的时间（不晚于现在，不早于 CAPTURE_MAX_AGE_DAYS 天前）；省略为接收时间。"
        ),
    )

    def validate_reported_at(self, value):
        return captured_time(value)


class PhotoUploadSerializer(serializers.Serializer):
    photos = PhotoListField(required=True, allow_empty=False, label=_("照片"))


class HazardDuplicateSerializer(ScopedInputMixin, serializers.Serializer):
    scoped_fields = {"duplicate_of": Hazard}

    duplicate_of = serializers.PrimaryKeyRelatedField(queryset=Hazard.objects.none(), label=_("重复于"))
    comment = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="", label=_("说明"))


class HazardInvalidSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=5000, label=_("不属实原因"))


class HazardRestoreSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=5000, label=_("恢复原因"))


class DeadlineMixin:
    """The deadline checked early by the services' own rule (cases.deadlines.validate_deadline). Its
    refusal is raised as it is: the API answers with the same body and code as when the service refuses."""

    def validate_deadline(self, value):
        return validate_deadline(value)


class TicketCreateSerializer(DeadlineMixin, ScopedInputMixin, serializers.Serializer):
    scoped_fields = {"hazards": Hazard}

    hazards = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Hazard.objects.none(), allow_empty=False, label=_("隐患")
    )
    measures = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, max_length=10000, label=_("整改措施")
    )
    deadline = serializers.DateField(required=False, allow_null=True, label=_("整改期限"))

    def validate_hazards(self, value):
        if len(value) > 500:
            raise serializers.ValidationError(_("一次最多汇总 500 条隐患。"))
        return value


class TicketAssignSerializer(DeadlineMixin, serializers.Serializer):
    deadline = serializers.DateField(required=False, allow_null=True, label=_("整改期限"))
    assignee = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=2**63 - 1, label=_("整改人")
    )
    measures = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, max_length=10000, label=_("整改措施")
    )
    funds = serializers.DecimalField(
        required=False, allow_null=True, max_digits=14, decimal_places=2, min_value=0, label=_("整改资金（元）")
    )
    responsible_person = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, max_length=100, label=_("整改责任人")
    )
    contingency = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, max_length=10000, label=_("应急预案/防范措施")
    )
    comment = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="", label=_("说明"))

    def validate_assignee(self, pk):
        """The service checks that the user is an account of the responsible party; an id that does
        not exist gets the same answer as another person's, so the field reveals nothing."""
        if pk is None:
            return None
        user = User.objects.filter(pk=pk, is_active=True).first()
        if user is None:
            raise serializers.ValidationError(_("整改人必须是责任方的账号。"))
        return user


class TicketSubmitSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=5000, label=_("整改说明"))
    photos = PhotoListField(required=True, allow_empty=False, label=_("整改后照片"))
    assessment = serializers.FileField(
        required=False,
        allow_empty_file=False,
        use_url=False,
        label=_("治理情况评估报告"),
        help_text=_("含重大隐患的整改单必须上传（PDF 或 JPG、PNG 图片）。"),
    )
    on_behalf = serializers.BooleanField(
        default=False, label=_("代为提交"), help_text=_("网格员或交办人员代责任方提交整改（代为提交整改）。")
    )


class TicketVerifySerializer(serializers.Serializer):
    passed = serializers.BooleanField(label=_("验收通过"))
    comment = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="", label=_("验收意见"))
    photos = PhotoListField(required=False, default=list, label=_("验收现场照片"))


class TicketReopenSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=5000, label=_("复查情况"))


class TicketEscalateSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="", label=_("督办意见"))
    level = serializers.ChoiceField(
        choices=[c for c in EscalationLevel.choices if c[0] > 0], required=False, allow_null=True, label=_("督办级别")
    )


class TicketCommentSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=5000, label=_("内容"))
    internal = serializers.BooleanField(default=False, label=_("仅内部可见"))
    photos = PhotoListField(label=_("附件照片"))
