from rest_framework import serializers

from catalogue.choices import AccidentType
from catalogue.models import Campaign, Checklist, ChecklistItem, HazardCategory
from register.choices import EnterpriseKind

# --- catalogue --------------------------------------------------------------------------------


class HazardCategorySerializer(serializers.ModelSerializer):
    accident_type = serializers.ChoiceField(choices=AccidentType.choices, allow_blank=True, read_only=True)

    class Meta:
        model = HazardCategory
        fields = [
            "id",
            "code",
            "name",
            "level",
            "default_severity",
            "deadline_days",
            "accident_type",
            "legal_basis",
            "standard_measures",
            "risk_tag",
            "active",
            "order",
        ]
        read_only_fields = fields


class ChecklistItemSerializer(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = ChecklistItem
        fields = ["id", "order", "text", "category"]
        read_only_fields = fields


class ChecklistSerializer(serializers.ModelSerializer):
    unit_kind = serializers.ChoiceField(choices=EnterpriseKind.choices, allow_blank=True, read_only=True)
    items = ChecklistItemSerializer(many=True, read_only=True)

    class Meta:
        model = Checklist
        fields = ["id", "code", "name", "unit_kind", "risk_tag", "for_parcel", "is_self_check", "active", "items"]
        read_only_fields = fields


class CampaignSerializer(serializers.ModelSerializer):
    risk_tags = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Campaign
        fields = ["id", "name", "start_date", "end_date", "risk_tags", "description"]
        read_only_fields = fields
