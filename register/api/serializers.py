from rest_framework import serializers

from register.models import Enterprise, Grid, Parcel, Zone


class ZoneSerializer(serializers.ModelSerializer):
    class Meta:
        model = Zone
        fields = ["id", "name", "code", "order"]


class GridSerializer(serializers.ModelSerializer):
    zone_name = serializers.CharField(source="zone.name", read_only=True)

    class Meta:
        model = Grid
        fields = ["id", "name", "code", "zone", "zone_name"]


class ParcelSerializer(serializers.ModelSerializer):
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
            "closed_out_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class EnterpriseSerializer(serializers.ModelSerializer):
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
            "active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields
