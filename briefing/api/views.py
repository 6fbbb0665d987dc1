import datetime
import re

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.permissions import has_role
from accounts.choices import Role
from briefing.api import serializers as s
from briefing.models import DailyReport
from cases.models import Hazard

# --- the daily briefing ---------------------------------------------------------------------

SCOPE_PATTERN = re.compile(r"^(all|zone:[0-9]{1,18}|grid:[0-9]{1,18})$")


class DailyReportView(APIView):
    """每日简报 of one day as stored (generated on first request when the day has none yet)."""

    @extend_schema(
        parameters=[
            OpenApiParameter("date", OpenApiTypes.DATE, OpenApiParameter.PATH),
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
        try:
            day = datetime.date.fromisoformat(date)
        except ValueError:
            raise ValidationError({"date": [_("日期格式应为 YYYY-MM-DD。")]})
        scope = request.query_params.get("scope") or default_scope(user)
        if not SCOPE_PATTERN.match(scope):
            raise ValidationError({"scope": [_("范围应为 all、zone:<id> 或 grid:<id>。")]})
        reports = DailyReport.objects.visible_to(user)
        report = reports.filter(date=day, scope=scope).first()
        if report is None and self.may_generate(day):
            from briefing.reports import get_or_generate

            get_or_generate(day, scope)
            report = reports.filter(date=day, scope=scope).first()
        if report is None:
            raise NotFound(_("没有该日期的简报。"))
        return Response(
            {
                **report.data,
                "date": report.date.isoformat(),
                "scope": report.scope,
                "generated_at": serializers.DateTimeField().to_representation(report.generated_at),
            }
        )

    @staticmethod
    def may_generate(day):
        """Only past days since the ledger began: a briefing of nothing is not made up."""
        if day >= timezone.localdate():
            return False
        first = Hazard.objects.order_by("reported_at").values_list("reported_at", flat=True).first()
        return first is not None and day >= timezone.localdate(first)


def default_scope(user):
    """The whole area for those who see it all, else the first of the user's zones (or grids)."""
    if user.sees_everything:
        return "all"
    if user.role == Role.INSPECTOR and user.scope_grid_ids:
        return f"grid:{min(user.scope_grid_ids)}"
    if user.scope_zone_ids:
        return f"zone:{min(user.scope_zone_ids)}"
    return "all"
