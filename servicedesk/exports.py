"""The service requests' ledger (企业服务问题台账): the list's rows for the same query string, as .xlsx."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from cases.choices import EscalationLevel
from cases.deadlines import days_overdue
from core.xlsx import CHUNK_SIZE, _date, list_export, person
from servicedesk.filtersets import ServiceRequestFilterSet
from servicedesk.models import ServiceRequest


def headers():
    return [
        _("序号"),
        _("编号"),
        _("提出日期"),
        _("区块"),
        _("网格"),
        _("企业"),
        _("问题类别"),
        _("问题"),
        _("详细描述"),
        _("提出人"),
        _("承办部门"),
        _("办结期限"),
        _("办理答复"),
        _("状态"),
        _("督办级别"),
        _("逾期天数"),
        _("退回次数"),
        _("满意度评分"),
        _("企业评价"),
        _("办结日期"),
    ]


WIDTHS = (6, 18, 12, 10, 14, 24, 12, 30, 40, 10, 16, 12, 40, 10, 10, 8, 8, 8, 30, 12)


def rows(queryset):
    queryset = queryset.select_related("zone", "grid", "enterprise", "category", "department", "raised_by")
    levels = dict(EscalationLevel.choices)
    today = timezone.localdate()
    for index, sr in enumerate(queryset.iterator(chunk_size=CHUNK_SIZE), start=1):
        yield [
            index,
            sr.number,
            _date(sr.created_at),
            sr.zone.name,
            sr.grid.name,
            sr.enterprise.name,
            sr.category.name,
            sr.title,
            sr.description,
            person(sr.raised_by),
            sr.department.name if sr.department_id else "",
            sr.deadline,
            sr.answer,
            sr.get_status_display(),
            str(levels.get(sr.escalation_level, "")),
            days_overdue(sr, today) or None,
            sr.return_count,
            sr.rating,
            sr.feedback,
            _date(sr.closed_at),
        ]


request_export = list_export(
    ServiceRequest,
    ServiceRequestFilterSet,
    _lazy("企业服务问题台账"),
    headers,
    rows,
    WIDTHS,
    _lazy("企业服务问题台账-%(date)s.xlsx"),
)
