"""The ledgers as offices file them (.xlsx): training and drills (消防培训演练台账) and the "焊有序" devices.

Like every export (core.xlsx), each takes its list page's query string through the same FilterSet on
``visible_to(request.user)`` and streams the rows into a write-only, printable workbook."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from core.text import join_list
from core.xlsx import CHUNK_SIZE, list_export
from ledgers.choices import DeviceStatus, DrillKind
from ledgers.filtersets import DrillFilterSet, WeldingDeviceFilterSet
from ledgers.models import Drill, WeldingDevice


def drill_headers():
    return [
        _("序号"),
        _("日期"),
        _("类型"),
        _("主题"),
        _("区块"),
        _("网格"),
        _("单位"),
        _("组织单位"),
        _("授课/指导人"),
        _("参加人次"),
        _("备注"),
    ]


DRILL_WIDTHS = (6, 12, 16, 28, 10, 14, 28, 18, 14, 10, 30)


def drill_unit(drill):
    """The unit the session was held at; for a park-wide one, the units that took part (or the whole area)."""
    if drill.enterprise_id:
        return drill.enterprise.name
    if drill.parcel_id:
        return drill.parcel.name
    names = [unit.name for unit in drill.units.all()]
    if names:
        return join_list(names)
    return _("全网格") if drill.grid_id else _("全区块")


def drill_rows(queryset):
    queryset = queryset.select_related("zone", "grid", "enterprise", "parcel").defer("parcel__polygon")
    queryset = queryset.prefetch_related("units")
    kinds = {value: str(label) for value, label in DrillKind.choices}
    for index, drill in enumerate(queryset.iterator(chunk_size=CHUNK_SIZE), start=1):
        yield [
            index,
            drill.held_on,
            kinds.get(drill.kind, drill.kind),
            drill.title,
            drill.zone.name,
            drill.grid.name if drill.grid_id else "",
            drill_unit(drill),
            drill.organiser,
            drill.trainer,
            drill.participants,
            drill.notes,
        ]


drill_export = list_export(
    Drill,
    DrillFilterSet,
    _lazy("消防培训演练台账"),
    drill_headers,
    drill_rows,
    DRILL_WIDTHS,
    _lazy("消防培训演练台账-%(date)s.xlsx"),
)


def welding_headers():
    return [
        _("序号"),
        _("区块"),
        _("网格"),
        _("企业"),
        _("宗地"),
        _("设备编号"),
        _("安装日期"),
        _("覆盖焊接点位"),
        _("状态"),
        _("备注"),
    ]


WELDING_WIDTHS = (6, 10, 14, 28, 20, 18, 12, 10, 8, 30)


def welding_rows(queryset):
    queryset = queryset.select_related("zone", "grid", "enterprise", "parcel").defer("parcel__polygon")
    statuses = {value: str(label) for value, label in DeviceStatus.choices}
    for index, device in enumerate(queryset.iterator(chunk_size=CHUNK_SIZE), start=1):
        yield [
            index,
            device.zone.name,
            device.grid.name,
            device.enterprise.name,
            f"{device.parcel.code} {device.parcel.name}" if device.parcel_id else "",
            device.device_id,
            device.installed_on,
            device.welding_points,
            statuses.get(device.status, device.status),
            device.notes,
        ]


welding_export = list_export(
    WeldingDevice,
    WeldingDeviceFilterSet,
    _lazy("焊有序设备台账"),
    welding_headers,
    welding_rows,
    WELDING_WIDTHS,
    _lazy("焊有序设备台账-%(date)s.xlsx"),
)
