from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.api.serializers import UserBriefSerializer
from accounts.choices import Role
from accounts.models import User
from catalogue.choices import Severity
from catalogue.models import HazardCategory
from closeout.choices import CrossCheckStatus
from closeout.models import CrossCheck
from register.models import Enterprise


class CrossCheckSerializer(serializers.ModelSerializer):
    """A cross-check: the parcel, who asked, the inspector sent, and the result once recorded."""

    parcel_code = serializers.CharField(source="parcel.code", read_only=True)
    parcel_name = serializers.CharField(source="parcel.name", read_only=True)
    closeout_state = serializers.CharField(source="parcel.closeout_state", read_only=True)
    grid = serializers.IntegerField(source="parcel.grid_id", read_only=True)
    grid_name = serializers.CharField(source="parcel.grid.name", read_only=True)
    zone = serializers.IntegerField(source="parcel.grid.zone_id", read_only=True)
    zone_name = serializers.CharField(source="parcel.grid.zone.name", read_only=True)
    status = serializers.ChoiceField(choices=CrossCheckStatus.choices, read_only=True)
    requested_by = UserBriefSerializer(read_only=True)
    inspector = UserBriefSerializer(read_only=True)
    hazards_found = serializers.IntegerField(read_only=True, help_text=_("检查发现的新隐患数"))

    class Meta:
        model = CrossCheck
        fields = [
            "id",
            "parcel",
            "parcel_code",
            "parcel_name",
            "closeout_state",
            "grid",
            "grid_name",
            "zone",
            "zone_name",
            "status",
            "requested_by",
            "requested_at",
            "inspector",
            "completed_at",
            "comment",
            "inspection",
            "hazards_found",
        ]
        read_only_fields = fields


class CrossCheckRequestSerializer(serializers.Serializer):
    """申请交叉检查: an active inspector of another grid (the service refuses one of the parcel's grid)."""

    inspector = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(role=Role.INSPECTOR, is_active=True), label=_("交叉检查人")
    )
    comment = serializers.CharField(required=False, allow_blank=True, max_length=500, default="", label=_("说明"))


class CrossCheckHazardSerializer(serializers.Serializer):
    """One new hazard found in the cross-check."""

    category = serializers.SlugRelatedField(
        slug_field="code", queryset=HazardCategory.objects.filter(active=True), label=_("隐患类别")
    )
    description = serializers.CharField(max_length=5000, label=_("隐患描述"))
    severity = serializers.ChoiceField(choices=Severity.choices, required=False, allow_null=True, label=_("隐患等级"))
    enterprise = serializers.PrimaryKeyRelatedField(
        queryset=Enterprise.objects.none(), required=False, allow_null=True, label=_("涉及租户")
    )
    location_detail = serializers.CharField(
        required=False, allow_blank=True, max_length=255, default="", label=_("具体位置")
    )

    def get_fields(self):
        # Read when the fields are first used, once this serializer is bound to the request's context.
        fields = super().get_fields()
        crosscheck = self.context.get("crosscheck")
        if crosscheck is not None:  # an active tenant of the parcel checked, and only those
            fields["enterprise"].queryset = Enterprise.objects.filter(parcel_id=crosscheck.parcel_id, active=True)
        return fields


class CrossCheckCancelSerializer(serializers.Serializer):
    """撤销交叉检查申请: an optional reason."""

    comment = serializers.CharField(required=False, allow_blank=True, max_length=500, default="", label=_("撤销原因"))


class CrossCheckRecordSerializer(serializers.Serializer):
    """录入检查结果: passed (the parcel is closed out, green) or not, with the new hazards found."""

    passed = serializers.BooleanField(label=_("通过"))
    comment = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="", label=_("检查意见"))
    hazards = CrossCheckHazardSerializer(many=True, required=False, default=list, label=_("发现的隐患"))

    def validate_hazards(self, value):
        if len(value) > 30:
            raise serializers.ValidationError(_("一次最多登记 30 条隐患。"))
        return value
