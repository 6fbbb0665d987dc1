"""The period report (周报、月报、自定义时段) in the API: ``GET reports/period/?period=last_week`` or
``?start=YYYY-MM-DD&end=YYYY-MM-DD``, with ``scope`` (all, zone:<id>, grid:<id>; default: the widest the
user may read). The same data as the page (briefing.periods.period_report); a scope the user may not read
answers 404, a period that cannot be reported 400 with the reason."""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from briefing import periods
from briefing.api.views import SCOPE_PATTERN


class PeriodReportSerializer(serializers.Serializer):
    """The top-level keys; the rest (the briefing's figures with ``activity``, ``zones``, ``grids``,
    ``performance``) as briefing.periods documents them."""

    period = serializers.DictField(help_text=_("kind、start、end、days"))
    scope = serializers.CharField()
    found = serializers.IntegerField()
    rectification_rate = serializers.CharField(allow_null=True, help_text=_("整改率，两位小数，例如 99.21"))
    overdue = serializers.IntegerField()
    activity = serializers.DictField()
    performance = serializers.DictField()


class PeriodReportView(APIView):
    """周报、月报或自定义时段的问题整改报告：与每日简报相同的数字（本期合计、期末累计和状态），以及网格、网格员考核表。"""

    @extend_schema(
        parameters=[
            OpenApiParameter("period", OpenApiTypes.STR, enum=list(periods.PERIOD_KINDS)),
            OpenApiParameter("start", OpenApiTypes.DATE),
            OpenApiParameter("end", OpenApiTypes.DATE),
            OpenApiParameter(
                "scope", OpenApiTypes.STR, description="all, zone:<id> or grid:<id>", pattern=SCOPE_PATTERN.pattern
            ),
        ],
        responses={
            200: PeriodReportSerializer,
            400: OpenApiResponse(description="bad period"),
            404: OpenApiResponse(description="scope not visible"),
        },
    )
    def get(self, request):
        user = request.user
        if not periods.may_read_reports(user):
            raise PermissionDenied(_("您的角色不能查看简报和报告。"))
        params = request.query_params
        scope = params.get("scope") or None
        if scope is not None and not SCOPE_PATTERN.match(scope):
            raise ValidationError({"scope": [_("范围应为 all、zone:<id> 或 grid:<id>。")]})
        try:
            period = periods.Period.parse(params.get("period"), params.get("start"), params.get("end"))
        except periods.PeriodError as error:
            raise ValidationError({error.field: [str(error)]}) from None
        data = periods.period_report(period, scope, user=user)
        if data is None:
            raise NotFound(_("没有该范围的报告。"))
        return Response(data)
