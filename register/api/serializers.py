from rest_framework import serializers

from register.choices import RISK_COLOURS
from register.models import Enterprise, Grid, Parcel, Zone


class UnitRiskFieldsMixin(serializers.Serializer):
    """The unit's risk colour (安全风险四色, as risk.levels last computed it) and its plate's address (挂牌)."""

    risk_level = serializers.ChoiceField(
        choices=list(RISK_COLOURS.values()),
        source="risk_colour",
        read_only=True,
        help_text="red 重大风险, orange 较大风险, yellow 一般风险, blue 低风险",
    )
    plate_url = serializers.CharField(
        read_only=True, help_text="path of the unit's plate page (/p/<token>/), the address its QR code holds"
    )


class ZoneSerializer(serializers.ModelSerializer):
    class Meta:
        model = Zone
        fields = ["id", "name", "code", "order"]


class GridSerializer(serializers.ModelSerializer):
    zone_name = serializers.CharField(source="zone.name", read_only=True)

    class Meta:
        model = Grid
        fields = ["id", "name", "code", "zone", "zone_name"]


class ParcelSerializer(UnitRiskFieldsMixin, serializers.ModelSerializer):
    grid_name = serializers.CharField(source="grid.name", read_only=True)
    zone = serializers.IntegerField(source="grid.zone_id", read_only=True)
    zone_name = serializers.CharField(source="grid.zone.name", read_only=True)
    tenant_count = serializers.IntegerField(read_only=True)
    is_multi_tenant = serializers.BooleanField(read_only=True)
    map_colour = serializers.ChoiceField(choices=["green", "red"], read_only=True)

    class Meta:
        model = Parcel
        fields = [
            "id",
            "code",
            "name",
            "address",
            "grid",
            "grid_name",
            "zone",
            "zone_name",
            "landlord_name",
            "landlord_phone",
            "area",
            "latitude",
            "longitude",
            "polygon",
            "tenant_count",
            "is_multi_tenant",
            "closeout_state",
            "map_colour",
            "risk_level",
            "plate_url",
            "closed_out_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class EnterpriseSerializer(UnitRiskFieldsMixin, serializers.ModelSerializer):
    parcel_code = serializers.CharField(source="parcel.code", read_only=True, allow_null=True)
    grid_name = serializers.CharField(source="grid.name", read_only=True)
    zone = serializers.IntegerField(source="grid.zone_id", read_only=True)
    zone_name = serializers.CharField(source="grid.zone.name", read_only=True)
    risk_tags = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Enterprise
        fields = [
            "id",
            "name",
            "credit_code",
            "kind",
            "parcel",
            "parcel_code",
            "grid",
            "grid_name",
            "zone",
            "zone_name",
            "legal_representative",
            "safety_contact",
            "phone",
            "employee_count",
            "above_scale",
            "risk_tags",
            "risk_level",
            "plate_url",
            "active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields
