"""Serializers of today's patrol, coverage and check-ins (巡更打卡). Input serializers only parse: a check-in
is recorded by ``cases.services.record_checkin``; units in input are looked up in the caller's scope."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cases.api.serializers import UNIT_FIELDS, UnitFieldsMixin
from cases.choices import CheckInFlag
from cases.models import CheckIn
from core.api.serializers import ScopedInputMixin, user_name
from register.choices import RISK_COLOURS
from register.models import Enterprise, Parcel

COLOURS = list(RISK_COLOURS.values())


def _absolute(request, path):
    return request.build_absolute_uri(path) if request is not None else path


class DueUnitSerializer(serializers.Serializer):
    """One unit of today's patrol (a ``risk.patrols.DueUnit``)."""

    kind = serializers.ChoiceField(choices=["enterprise", "parcel"], read_only=True)
    id = serializers.IntegerField(source="unit.pk", read_only=True)
    name = serializers.CharField(source="unit.name", read_only=True)
    code = serializers.SerializerMethodField()
    grid = serializers.IntegerField(source="unit.grid_id", read_only=True)
    grid_name = serializers.CharField(source="unit.grid.name", read_only=True)
    zone = serializers.IntegerField(source="unit.grid.zone_id", read_only=True)
    zone_name = serializers.CharField(source="unit.grid.zone.name", read_only=True)
    risk_level = serializers.ChoiceField(choices=COLOURS, source="colour", read_only=True)
    cycle_days = serializers.IntegerField(source="cycle", read_only=True)
    last_visit = serializers.DateTimeField(read_only=True, allow_null=True)
    never_visited = serializers.BooleanField(read_only=True)
    days_overdue = serializers.IntegerField(
        read_only=True, allow_null=True, help_text=_("超期天数（0：今日到期；空：从未巡查）")
    )
    score = serializers.IntegerField(read_only=True)
    reasons = serializers.ListField(child=serializers.CharField(), read_only=True)
    plate_url = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    @extend_schema_field({"type": "string", "nullable": True})
    def get_code(self, row):
        return row.unit.code if row.kind == "parcel" else None

    @extend_schema_field(OpenApiTypes.URI)
    def get_plate_url(self, row):
        return _absolute(self.context.get("request"), row.unit.plate_url)

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, row):
        return _absolute(self.context.get("request"), row.unit.get_absolute_url())


class CoverageFiguresSerializer(serializers.Serializer):
    units = serializers.IntegerField()
    covered = serializers.IntegerField(help_text=_("周期内已巡查"))
    rate = serializers.CharField(allow_null=True, help_text=_("覆盖率（百分数），如 87.50；无单位时为空"))
    never_visited = serializers.IntegerField()
    overdue = serializers.IntegerField(help_text=_("周期内未巡查（含从未巡查）"))


class CoverageGridSerializer(CoverageFiguresSerializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    zone = serializers.IntegerField()


class CoverageZoneSerializer(CoverageFiguresSerializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class PlanSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True, help_text=_("空：系统默认设置"))
    valid_from = serializers.DateTimeField(allow_null=True)
    red_days = serializers.IntegerField()
    orange_days = serializers.IntegerField()
    yellow_days = serializers.IntegerField()
    blue_days = serializers.IntegerField()


class CoverageSerializer(serializers.Serializer):
    date = serializers.DateField()
    plan = PlanSerializer()
    total = CoverageFiguresSerializer()
    zones = CoverageZoneSerializer(many=True)
    grids = CoverageGridSerializer(many=True)


class CheckInSerializer(UnitFieldsMixin, serializers.ModelSerializer):
    inspector_name = serializers.SerializerMethodField()
    flag = serializers.ChoiceField(choices=CheckInFlag.choices, read_only=True)
    proves_presence = serializers.BooleanField(read_only=True)

    class Meta:
        model = CheckIn
        fields = [
            "id",
            "inspector",
            "inspector_name",
            *UNIT_FIELDS,
            "checked_in_at",
            "latitude",
            "longitude",
            "accuracy",
            "distance",
            "flag",
            "proves_presence",
        ]
        read_only_fields = fields

    @extend_schema_field({"type": "string", "nullable": True})
    def get_inspector_name(self, checkin):
        return user_name(checkin.inspector)


class CheckInCreateSerializer(ScopedInputMixin, serializers.Serializer):
    scoped_fields = {"enterprise": Enterprise, "parcel": Parcel}

    enterprise = serializers.PrimaryKeyRelatedField(
        queryset=Enterprise.objects.none(), required=False, allow_null=True, label=_("单位")
    )
    parcel = serializers.PrimaryKeyRelatedField(
        queryset=Parcel.objects.none(), required=False, allow_null=True, label=_("宗地")
    )
    latitude = serializers.FloatField(required=False, allow_null=True, label=_("纬度"))
    longitude = serializers.FloatField(required=False, allow_null=True, label=_("经度"))
    accuracy = serializers.FloatField(required=False, allow_null=True, label=_("定位精度（米）"))

    def validate(self, attrs):
        if bool(attrs.get("enterprise")) == bool(attrs.get("parcel")):
            raise serializers.ValidationError({"enterprise": [_("请指定一个单位或宗地。")]})
        return attrs
