"""The risk list (风险清单) as offices file it: one row per risk point, with its LEC assessment, grade,
control measures by type, control level and responsible person.

Like the ledgers (cases.exports), it takes the list page's query string through the same FilterSet on
``visible_to(request.user)`` and streams the rows into a write-only workbook (core.xlsx: text is never
a formula, the sheet prints on A4 with the header repeated).
"""

from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from catalogue.choices import AccidentType
from core.text import join_list, parens
from core.xlsx import CHUNK_SIZE, list_export
from register.choices import RiskLevel
from risk.choices import ControlLevel, RiskPointStatus
from risk.filtersets import RiskPointFilterSet
from risk.models import RiskPoint


def risk_list_headers():
    return [
        _("序号"),
        _("区块"),
        _("网格"),
        _("单位名称"),
        _("风险点名称"),
        _("所在位置"),
        _("可能导致的事故类型"),
        "L",
        "E",
        "C",
        "D",
        _("风险等级"),
        _("工程技术措施"),
        _("管理措施"),
        _("培训教育措施"),
        _("个体防护措施"),
        _("应急处置措施"),
        _("管控层级"),
        _("责任人"),
        _("联系电话"),
        _("状态"),
    ]


RISK_LIST_WIDTHS = (6, 10, 14, 24, 18, 16, 22, 6, 6, 6, 8, 10, 30, 30, 24, 24, 30, 10, 10, 14, 10)


def unit_name(point):
    """The enterprise's name, or the parcel's with "公共区域" for a point of its common areas."""
    if point.enterprise_id:
        return point.enterprise.name
    return f"{point.parcel.name}{parens(_('公共区域'))}"


def _number(value):
    return Decimal(value) if value else None


def risk_point_rows(queryset):
    queryset = queryset.select_related("zone", "grid", "enterprise", "parcel").defer("parcel__polygon")
    accidents = {value: str(label) for value, label in AccidentType.choices}
    levels = {value: str(label) for value, label in RiskLevel.choices}
    controls = {value: str(label) for value, label in ControlLevel.choices}
    statuses = {value: str(label) for value, label in RiskPointStatus.choices}
    retired = _("已停用")
    for index, point in enumerate(queryset.iterator(chunk_size=CHUNK_SIZE), start=1):
        status = statuses.get(point.status, point.status)
        yield [
            index,
            point.zone.name,
            point.grid.name,
            unit_name(point),
            point.name,
            point.place,
            join_list(accidents.get(kind, kind) for kind in point.accident_types or ()),
            _number(point.likelihood),
            _number(point.exposure),
            _number(point.consequence),
            point.score,
            levels.get(point.level, ""),
            point.measures_engineering,
            point.measures_management,
            point.measures_training,
            point.measures_ppe,
            point.measures_emergency,
            controls.get(point.control_level, point.control_level),
            point.responsible_person,
            point.responsible_phone,
            status if point.active else f"{status}{parens(retired)}",
        ]


risk_point_export = list_export(
    RiskPoint,
    RiskPointFilterSet,
    _lazy("风险清单"),
    risk_list_headers,
    risk_point_rows,
    RISK_LIST_WIDTHS,
    _lazy("风险清单-%(date)s.xlsx"),
)
