"""Serializers of the ledgers API (``drills/``, ``welding-devices/``): the row as the caller sees it, and the
input of each change (checked again by ledgers.drills and ledgers.welding)."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.serializers import user_name
from ledgers.choices import DeviceStatus, DrillKind
from ledgers.drills import MAX_PARTICIPANTS
from ledgers.models import Drill, WeldingDevice
from register.models import Enterprise, Grid, Parcel, Zone


class LedgerUnitMixin(serializers.Serializer):
    zone_name = serializers.CharField(source="zone.name", read_only=True)
    grid_name = serializers.SerializerMethodField()
    enterprise_name = serializers.SerializerMethodField()

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_grid_name(self, obj):
        return obj.grid.name if obj.grid_id else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_enterprise_name(self, obj):
        return obj.enterprise.name if obj.enterprise_id else None


class DrillSerializer(LedgerUnitMixin, serializers.ModelSerializer):
    """A session: its unit (an enterprise or parcel, or park-wide for a grid or zone with the participating
    ``units``), what was done, and links to its files (served to who sees the session)."""

    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    units = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    recorded_by_name = serializers.SerializerMethodField()
    signin_sheet_url = serializers.SerializerMethodField()
    photo_urls = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Drill
        fields = [
            "id",
            "kind",
            "kind_label",
            "held_on",
            "title",
            "zone",
            "zone_name",
            "grid",
            "grid_name",
            "enterprise",
            "enterprise_name",
            "parcel",
            "units",
            "organiser",
            "trainer",
            "participants",
            "notes",
            "signin_sheet_url",
            "photo_urls",
            "recorded_by_name",
            "created_at",
            "url",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_recorded_by_name(self, obj):
        return user_name(obj.recorded_by)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_signin_sheet_url(self, obj):
        return reverse("ledgers:drill_signin_sheet", args=[obj.pk]) if obj.signin_sheet else None

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_photo_urls(self, obj):
        return [reverse("ledgers:drill_photo", args=[obj.pk, photo.pk]) for photo in obj.photos.all()]

    def get_url(self, obj) -> str:
        return reverse("ledgers:drill_detail", args=[obj.pk])


class DrillCreateSerializer(serializers.Serializer):
    """Record a session: ``enterprise`` (or a landlord's ``parcel``) for a unit's own, or ``grid`` / ``zone``
    for a park-wide one (inspectors and managers) with the participating ``units``. A unit outside the
    caller's scope answers 403. The sign-in sheet and photos are uploaded on the session's page."""

    kind = serializers.ChoiceField(choices=DrillKind.choices)
    held_on = serializers.DateField(help_text="not after today")
    title = serializers.CharField(max_length=200)
    enterprise = serializers.PrimaryKeyRelatedField(queryset=Enterprise.objects.all(), required=False)
    parcel = serializers.PrimaryKeyRelatedField(queryset=Parcel.objects.all(), required=False)
    zone = serializers.PrimaryKeyRelatedField(queryset=Zone.objects.all(), required=False)
    grid = serializers.PrimaryKeyRelatedField(queryset=Grid.objects.all(), required=False)
    units = serializers.PrimaryKeyRelatedField(queryset=Enterprise.objects.all(), many=True, required=False)
    organiser = serializers.CharField(max_length=100)
    trainer = serializers.CharField(max_length=100, required=False, allow_blank=True)
    participants = serializers.IntegerField(min_value=1, max_value=MAX_PARTICIPANTS)
    notes = serializers.CharField(max_length=4000, required=False, allow_blank=True)


class WeldingDeviceSerializer(LedgerUnitMixin, serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    recorded_by_name = serializers.SerializerMethodField()

    class Meta:
        model = WeldingDevice
        fields = [
            "id",
            "device_id",
            "zone",
            "zone_name",
            "grid",
            "grid_name",
            "enterprise",
            "enterprise_name",
            "parcel",
            "installed_on",
            "welding_points",
            "status",
            "status_label",
            "notes",
            "recorded_by_name",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_recorded_by_name(self, obj):
        return user_name(obj.recorded_by)


class WeldingDeviceInputSerializer(serializers.Serializer):
    """Register a device (``enterprise``, ``device_id`` and ``installed_on`` required) or change some of its
    fields (``PATCH``). A device id already registered answers 400 ``device_id_taken``."""

    enterprise = serializers.PrimaryKeyRelatedField(queryset=Enterprise.objects.all())
    device_id = serializers.CharField(max_length=64)
    installed_on = serializers.DateField(help_text="not after today")
    welding_points = serializers.IntegerField(min_value=1, max_value=999, required=False)
    status = serializers.ChoiceField(choices=DeviceStatus.choices, required=False)
    notes = serializers.CharField(max_length=200, required=False, allow_blank=True)
