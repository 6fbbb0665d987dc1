import datetime
import re

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.choices import Role
from accounts.policy import has_role
from briefing import archive
from briefing.api import serializers as s
from core.dates import ReportDateError

# --- the daily briefing ---------------------------------------------------------------------

SCOPE_PATTERN = re.compile(r"^(all|zone:[0-9]{1,18}|grid:[0-9]{1,18})$")
DATE_PARAMETER = OpenApiParameter("date", OpenApiTypes.DATE, OpenApiParameter.PATH)


def _day(value):
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise ValidationError({"date": [_("日期格式应为 YYYY-MM-DD。")]})


class DailyReportView(APIView):
    """每日简报 of one day: the stored briefing, or, when that day's has not been generated yet, the
    same briefing computed for the asked scope and not stored (``stored`` is false). Reading never
    changes a stored briefing."""

    @extend_schema(
        parameters=[
            DATE_PARAMETER,
            OpenApiParameter(
                "scope", OpenApiTypes.STR, description="all, zone:<id> or grid:<id>", pattern=SCOPE_PATTERN.pattern
            ),
        ],
        responses={200: s.DailyReportSerializer, 404: OpenApiResponse(description="no briefing for that day")},
    )
    def get(self, request, date):
        user = request.user
        if not has_role(user, (Role.LEADER, Role.MANAGER, Role.INSPECTOR)) and not user.sees_everything:
            raise PermissionDenied(_("您的角色不能查看每日简报。"))
        day = _day(date)
        scope = request.query_params.get("scope") or default_scope(user)
        if not SCOPE_PATTERN.match(scope):
            raise ValidationError({"scope": [_("范围应为 all、zone:<id> 或 grid:<id>。")]})
        try:
            report = archive.read_report(user, day, scope)
        except ReportDateError:
            report = None
        if report is None:
            raise NotFound(_("没有该日期的简报。"))
        return Response(
            {
                **report.data,
                "date": report.date.isoformat(),
                "scope": report.scope,
                "generated_at": serializers.DateTimeField().to_representation(report.generated_at),
                "stored": report.pk is not None,
            }
        )


class DailyReportRegenerateView(APIView):
    """Regenerate and store every scope's briefing of one day: office administrators only (a superuser
    or a manager responsible for the whole area). The daily job does this every morning; this is the
    one other way a stored briefing changes."""

    @extend_schema(
        request=None,
        parameters=[DATE_PARAMETER],
        responses={200: s.RegeneratedSerializer, 403: OpenApiResponse(description="not an office administrator")},
    )
    def post(self, request, date):
        day = _day(date)
        try:
            stored = archive.regenerate_daily_reports(day, actor=request.user)
        except ReportDateError as exc:
            raise ValidationError({"date": [str(exc)]})
        body = {
            "date": day.isoformat(),
            "generated_at": stored[0].generated_at if stored else None,
            "scopes": [report.scope for report in stored],
        }
        return Response(s.RegeneratedSerializer(body).data, status=status.HTTP_200_OK)


def default_scope(user):
    """The whole area for those who see it all, else the first of the user's zones (or grids)."""
    if user.sees_everything:
        return "all"
    if user.role == Role.INSPECTOR and user.scope_grid_ids:
        return f"grid:{min(user.scope_grid_ids)}"
    if user.scope_zone_ids:
        return f"zone:{min(user.scope_zone_ids)}"
    return "all"
