"""Serializers of the risk API. A grade travels as its colour word (``red``, ``orange``, ``yellow``,
``blue``) with its label beside it; input accepts the colour word or the stored 1–4."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cases.api.serializers import UNIT_FIELDS, UnitFieldsMixin
from catalogue.choices import AccidentType
from core.api.serializers import ScopedInputMixin, user_name
from register.choices import COLOUR_LEVELS, RISK_COLOURS, RiskLevel, risk_colour
from register.models import Enterprise, Parcel
from risk.choices import MEASURE_TYPES, Consequence, ControlLevel, Exposure, Likelihood
from risk.models import RiskPoint

COLOURS = list(RISK_COLOURS.values())


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string", "enum": COLOURS},
            {"type": "integer", "minimum": 1, "maximum": 4},
        ],
        "description": "red / orange / yellow / blue, or 4 / 3 / 2 / 1",
    }
)
class RiskLevelField(serializers.Field):
    """A grade given as its colour word or as 1–4 (4 = red); read as the colour word."""

    default_error_messages = {"invalid": _("风险等级应为 red、orange、yellow、blue 或 1–4。")}

    def to_internal_value(self, data):
        if isinstance(data, str) and data.strip().lower() in COLOUR_LEVELS:
            return COLOUR_LEVELS[data.strip().lower()]
        if isinstance(data, bool):
            self.fail("invalid")
        try:
            number = int(data)
        except (TypeError, ValueError):
            self.fail("invalid")
        if number not in RiskLevel.values or str(number) != str(data).strip():
            self.fail("invalid")
        return RiskLevel(number)

    def to_representation(self, value):
        return risk_colour(value)


class RiskPointSerializer(UnitFieldsMixin, serializers.ModelSerializer):
    """A risk point as the caller sees it: its unit, the LEC assessment, the grade in force (``level``,
    set by a reviewer with ``level_reason`` when it differs from ``assessed_level``), the measures."""

    accident_types = serializers.ListField(
        child=serializers.ChoiceField(choices=AccidentType.choices), read_only=True, help_text="GB 6441 codes"
    )
    accident_type_labels = serializers.SerializerMethodField()
    level = serializers.ChoiceField(choices=COLOURS, source="colour", read_only=True)
    level_label = serializers.CharField(source="get_level_display", read_only=True)
    assessed_level = serializers.SerializerMethodField()
    assessed_level_label = serializers.CharField(source="get_assessed_level_display", read_only=True)
    control_level_label = serializers.CharField(source="get_control_level_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    declared_by_name = serializers.SerializerMethodField()
    reviewed_by_name = serializers.SerializerMethodField()
    url = serializers.CharField(source="get_absolute_url", read_only=True, help_text="the point's page")

    class Meta:
        model = RiskPoint
        fields = [
            "id",
            *UNIT_FIELDS,
            "name",
            "place",
            "accident_types",
            "accident_type_labels",
            "likelihood",
            "exposure",
            "consequence",
            "score",
            "level",
            "level_label",
            "assessed_level",
            "assessed_level_label",
            "level_reason",
            *(field for field, _label in MEASURE_TYPES),
            "control_level",
            "control_level_label",
            "responsible_person",
            "responsible_phone",
            "status",
            "status_label",
            "active",
            "declared_by",
            "declared_by_name",
            "reviewed_by",
            "reviewed_by_name",
            "reviewed_at",
            "created_at",
            "updated_at",
            "url",
        ]
        read_only_fields = fields

    def get_accident_type_labels(self, obj) -> list[str]:
        labels = dict(AccidentType.choices)
        return [str(labels.get(kind, kind)) for kind in obj.accident_types or ()]

    @extend_schema_field({"type": "string", "enum": COLOURS})
    def get_assessed_level(self, obj):
        return risk_colour(obj.assessed_level)

    def get_declared_by_name(self, obj) -> str | None:
        return user_name(obj.declared_by)

    def get_reviewed_by_name(self, obj) -> str | None:
        return user_name(obj.reviewed_by)


def _text(max_length, label, **kwargs):
    return serializers.CharField(max_length=max_length, label=label, **kwargs)


class RiskPointEntrySerializer(serializers.Serializer):
    """The fields a declarer fills in (risk.services checks them again)."""

    name = _text(100, _("风险点名称"))
    place = _text(200, _("所在位置"), required=False, allow_blank=True)
    accident_types = serializers.ListField(
        child=serializers.ChoiceField(choices=AccidentType.choices),
        required=False,
        label=_("可能导致的事故类型"),
        help_text="GB 6441 codes (catalogue AccidentType)",
    )
    likelihood = serializers.ChoiceField(choices=Likelihood.choices, label=_("L 事故发生的可能性"))
    exposure = serializers.ChoiceField(choices=Exposure.choices, label=_("E 暴露于危险环境的频繁程度"))
    consequence = serializers.ChoiceField(choices=Consequence.choices, label=_("C 发生事故产生的后果"))
    measures_engineering = _text(5000, _("工程技术措施"), required=False, allow_blank=True)
    measures_management = _text(5000, _("管理措施"), required=False, allow_blank=True)
    measures_training = _text(5000, _("培训教育措施"), required=False, allow_blank=True)
    measures_ppe = _text(5000, _("个体防护措施"), required=False, allow_blank=True)
    measures_emergency = _text(5000, _("应急处置措施"), required=False, allow_blank=True)
    control_level = serializers.ChoiceField(choices=ControlLevel.choices, required=False, label=_("管控层级"))
    responsible_person = _text(100, _("责任人"))
    responsible_phone = _text(32, _("责任人电话"), required=False, allow_blank=True)


class RiskPointCreateSerializer(ScopedInputMixin, RiskPointEntrySerializer):
    """申报: ``enterprise``, or ``parcel`` alone for a point of the parcel's common areas."""

    scoped_fields = {"enterprise": Enterprise, "parcel": Parcel}

    enterprise = serializers.PrimaryKeyRelatedField(
        queryset=Enterprise.objects.none(), required=False, allow_null=True, label=_("单位")
    )
    parcel = serializers.PrimaryKeyRelatedField(
        queryset=Parcel.objects.none(), required=False, allow_null=True, label=_("宗地")
    )

    def validate(self, attrs):
        if attrs.get("enterprise") is None:
            attrs.pop("enterprise", None)
            if attrs.get("parcel") is None:
                raise serializers.ValidationError({"enterprise": [_("请指定单位或宗地。")]})
        else:
            attrs.pop("parcel", None)  # an enterprise's point stands on the enterprise's parcel
        return attrs


class RiskPointUpdateSerializer(RiskPointEntrySerializer):
    """修改: any of the entry's fields. A party's change sends the point back for review."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False


class RiskPointReviewSerializer(serializers.Serializer):
    level = RiskLevelField(
        required=False, label=_("风险等级"), help_text="the grade in force; omitted: confirm the current one"
    )
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        default="",
        label=_("调整等级理由"),
        help_text="required when the level differs from the LEC grade (400 reason_required)",
    )


class RiskPointRetireSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, label=_("停用理由"))
