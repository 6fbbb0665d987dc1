from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

# --- the daily briefing ----------------------------------------------------------------------------


class BriefingFiguresSerializer(serializers.Serializer):
    found = serializers.IntegerField()
    rectified_general = serializers.IntegerField()
    rectified_major = serializers.IntegerField()
    rectification_rate = serializers.CharField(allow_null=True, help_text=_("整改率，两位小数，例如 99.21"))
    overdue = serializers.IntegerField()


class ZoneBriefingSerializer(BriefingFiguresSerializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class DailyReportSerializer(BriefingFiguresSerializer):
    """The stored briefing: these keys, and the rest of what the generator stores."""

    date = serializers.DateField()
    scope = serializers.CharField()
    generated_at = serializers.DateTimeField()
    zones = ZoneBriefingSerializer(many=True)
    stored = serializers.BooleanField(help_text=_("false：该日简报尚未生成，内容为按当前台账即时计算的结果，未保存。"))


class RegeneratedSerializer(serializers.Serializer):
    """The briefings of one day, generated again and stored."""

    date = serializers.DateField()
    generated_at = serializers.DateTimeField(allow_null=True)
    scopes = serializers.ListField(child=serializers.CharField())
