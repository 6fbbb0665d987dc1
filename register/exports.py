from django.contrib.auth.decorators import login_required
from django.utils.translation import gettext as _
from django.utils.translation import override

from core.xlsx import CHUNK_SIZE, _bad_filters, _date, _stamp, _yes_no, filtered, write_workbook, xlsx_response
from register.filtersets import EnterpriseFilterSet, ParcelFilterSet
from register.importer import COLUMNS_BY_KEY
from register.importing.columns import ENTERPRISE_ONLY_COLUMNS, PARCEL_IMPORT_KEYS
from register.models import Enterprise, Parcel

# --- the register -----------------------------------------------------------------------------------

ENTERPRISE_IMPORT_KEYS = (*PARCEL_IMPORT_KEYS, "name", *ENTERPRISE_ONLY_COLUMNS)


def _import_headers(keys):
    return [COLUMNS_BY_KEY[key].header for key in keys]


def parcel_rows(queryset):
    queryset = queryset.select_related("grid__zone").with_tenant_counts().order_by("code")
    for parcel in queryset.iterator(chunk_size=CHUNK_SIZE):
        yield [
            parcel.grid.zone.name,
            parcel.grid.name,
            parcel.code,
            parcel.name,
            parcel.address,
            parcel.landlord_name,
            parcel.landlord_phone,
            parcel.area,
            parcel.tenant_count,
            _yes_no(parcel.tenant_count > 1),
            parcel.get_closeout_state_display(),
            _date(parcel.closed_out_at),
            parcel.latitude,
            parcel.longitude,
        ]


@login_required
def parcel_export(request):
    queryset = filtered(request, ParcelFilterSet, Parcel.objects.visible_to(request.user))
    if queryset is None:
        return _bad_filters()
    # The importer's columns are in Chinese whatever the page language, so the file can be imported again.
    with override("zh-hans"):
        headers = _import_headers(PARCEL_IMPORT_KEYS) + [
            _("面积（平方米）"),
            _("在营租户数"),
            _("一厂多租"),
            _("销号状态"),
            _("销号时间"),
            _("纬度"),
            _("经度"),
        ]
        handle = write_workbook(
            _("宗地"), headers, parcel_rows(queryset), (10, 14, 14, 20, 28, 10, 14, 10, 8, 8, 18, 12, 10, 10)
        )
    return xlsx_response(handle, _("宗地台账-%(date)s.xlsx") % {"date": _stamp()})


def enterprise_rows(queryset):
    queryset = (
        queryset.select_related("grid__zone", "parcel")
        .prefetch_related("risk_tags")
        .order_by("grid__zone__name", "grid__name", "parcel__code", "name", "pk")
    )
    for enterprise in queryset.iterator(chunk_size=CHUNK_SIZE):
        parcel = enterprise.parcel
        yield [
            enterprise.grid.zone.name,
            enterprise.grid.name,
            parcel.code if parcel else "",
            parcel.name if parcel else "",
            parcel.address if parcel else "",
            parcel.landlord_name if parcel else "",
            parcel.landlord_phone if parcel else "",
            enterprise.name,
            enterprise.credit_code or "",
            enterprise.get_kind_display(),
            enterprise.legal_representative,
            enterprise.safety_contact,
            enterprise.phone,
            enterprise.employee_count,
            _yes_no(enterprise.above_scale),
            "、".join(str(tag) for tag in enterprise.risk_tags.all()),  # Chinese, like the importer's headers
            _yes_no(enterprise.active),
        ]


@login_required
def enterprise_export(request):
    queryset = filtered(request, EnterpriseFilterSet, Enterprise.objects.visible_to(request.user))
    if queryset is None:
        return _bad_filters()
    with override("zh-hans"):
        headers = _import_headers(ENTERPRISE_IMPORT_KEYS) + [_("在营")]
        widths = (10, 14, 14, 20, 28, 10, 14, 28, 22, 10, 10, 10, 14, 8, 8, 24, 6)
        handle = write_workbook(_("生产经营单位"), headers, enterprise_rows(queryset), widths)
    return xlsx_response(handle, _("企业台账-%(date)s.xlsx") % {"date": _stamp()})


# --- the import template ------------------------------------------------------------------------------

# One example row, in COLUMNS order (register/importing/columns.py): it imports as it is.
IMPORT_EXAMPLE = {
    "zone": "示例区块",
    "grid": "示例区块一网格",
    "parcel_code": "SL-001",
    "parcel_name": "示例1号厂房",
    "parcel_address": "示例路1号",
    "landlord_name": "王五",
    "landlord_phone": "13812345678",
    "name": "示例五金有限公司",
    "credit_code": "91330100799655058B",
    "kind": "工业企业",
    "legal_representative": "张三",
    "safety_contact": "李四",
    "phone": "0579-87654321",
    "employee_count": "25",
    "above_scale": "否",
    "risk_tags": "喷涂喷塑、焊接与热切割",
}


@login_required
def import_template(request):
    """下载导入模板: every column the import recognises, under its Chinese header, and one example row."""
    with override("zh-hans"):
        headers = [column.header for column in COLUMNS_BY_KEY.values()]
        example = [IMPORT_EXAMPLE.get(key, "") for key in COLUMNS_BY_KEY]
        widths = [max(10, 2 * len(header) + 4) for header in headers]
        handle = write_workbook(_("台账"), headers, [example], widths)
    return xlsx_response(handle, _("台账导入模板.xlsx"))
