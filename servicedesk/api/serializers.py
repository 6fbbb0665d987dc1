"""The service request API's serializers: read ones, and input ones that only parse (servicedesk.services
decides). Related ids in input are looked up in the caller's scope: one outside reads as one that does not exist."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.models import Department
from cases.deadlines import days_overdue, is_overdue, validate_deadline
from core.api.serializers import ScopedInputMixin, user_name
from register.models import Enterprise
from servicedesk.models import ServiceCategory, ServiceRequest
from timeline.kinds import event_label


class ServiceRequestSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    grid_name = serializers.CharField(source="grid.name", read_only=True)
    zone_name = serializers.CharField(source="zone.name", read_only=True)
    category_name = serializers.CharField(source="category.name", read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True, allow_null=True)
    is_overdue = serializers.SerializerMethodField()
    days_overdue = serializers.SerializerMethodField()
    raised_by_name = serializers.SerializerMethodField()

    class Meta:
        model = ServiceRequest
        fields = [
            "id",
            "number",
            "status",
            "is_overdue",
            "days_overdue",
            "escalation_level",
            "escalated_at",
            "enterprise",
            "enterprise_name",
            "parcel",
            "grid",
            "grid_name",
            "zone",
            "zone_name",
            "category",
            "category_name",
            "title",
            "description",
            "raised_by",
            "raised_by_name",
            "department",
            "department_name",
            "deadline",
            "dispatched_by",
            "dispatched_at",
            "answer",
            "answered_by",
            "answered_at",
            "rating",
            "feedback",
            "return_count",
            "closed_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_is_overdue(self, obj) -> bool:
        return is_overdue(obj, timezone.localdate())

    def get_days_overdue(self, obj) -> int:
        return days_overdue(obj, timezone.localdate())

    def get_raised_by_name(self, obj) -> str | None:
        return user_name(obj.raised_by)


class ServiceRequestCreateSerializer(ScopedInputMixin, serializers.Serializer):
    scoped_fields = {"enterprise": Enterprise}

    enterprise = serializers.PrimaryKeyRelatedField(queryset=Enterprise.objects.none(), label=_("企业"))
    category = serializers.PrimaryKeyRelatedField(
        queryset=ServiceCategory.objects.filter(active=True), label=_("问题类别"), help_text=_("类别代码，如 power。")
    )
    title = serializers.CharField(max_length=200, label=_("问题"))
    description = serializers.CharField(
        required=False, allow_blank=True, max_length=5000, default="", label=_("详细描述")
    )


class ServiceRequestDispatchSerializer(serializers.Serializer):
    department = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.filter(active=True),
        required=False,
        allow_null=True,
        default=None,
        label=_("承办部门"),
        help_text=_("不填则派发至类别的默认部门。"),
    )
    deadline = serializers.DateField(
        required=False, allow_null=True, default=None, label=_("办结期限"), help_text=_("不填则按类别的办理时限。")
    )
    comment = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="", label=_("派发说明"))

    def validate_deadline(self, value):
        return validate_deadline(value)


class ServiceRequestAnswerSerializer(serializers.Serializer):
    answer = serializers.CharField(max_length=10000, label=_("办理答复"))


class ServiceRequestConfirmSerializer(serializers.Serializer):
    satisfied = serializers.BooleanField(label=_("满意"))
    rating = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        max_value=5,
        label=_("满意度评分"),
        help_text=_("满意时必填（1–5）。"),
    )
    feedback = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=5000,
        default="",
        label=_("评价"),
        help_text=_("不满意时必填：原因。"),
    )


class ServiceRequestCommentSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="", label=_("说明"))


class ServiceRequestReopenSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=5000, label=_("重新打开的原因"))


class ServiceRequestEventSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    kind = serializers.CharField(read_only=True)
    label = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField(read_only=True)
    actor = serializers.IntegerField(source="actor_id", read_only=True, allow_null=True)
    actor_name = serializers.SerializerMethodField()
    from_status = serializers.CharField(read_only=True)
    to_status = serializers.CharField(read_only=True)
    comment = serializers.CharField(read_only=True)
    data = serializers.JSONField(read_only=True)

    def get_label(self, obj) -> str:
        return str(event_label(obj.kind))

    def get_actor_name(self, obj) -> str | None:
        return user_name(obj.actor)
