"""The register's columns: their Chinese headers and aliases, how a header cell is recognised, and the words
offices write for an enterprise's kind and risk types.
"""

import re
from dataclasses import dataclass

from django.utils.translation import override

from register.choices import EnterpriseKind, RiskTag
from register.cleaning import clean_code

HEADER_SEARCH_ROWS = 10  # the header is one of the first ten rows


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # the canonical Chinese header
    aliases: tuple = ()
    max_length: int | None = None
    code: bool = False  # codes and phone numbers: every full-width character to half-width (NFKC)


COLUMNS = [
    Column("zone", "区块", ("所属区块", "片区", "zone"), 64),
    Column("grid", "网格", ("所属网格", "grid"), 64),
    Column("parcel_code", "宗地编号", ("宗地代码", "宗地号", "parcel_code", "parcel"), 64, code=True),
    Column("parcel_name", "宗地名称", ("厂房名称", "parcel_name"), 200),
    Column("parcel_address", "宗地地址", ("地址", "厂房地址", "address", "parcel_address"), 255),
    Column("landlord_name", "房东", ("房东姓名", "出租方", "landlord", "landlord_name"), 100),
    Column("landlord_phone", "房东电话", ("房东联系电话", "landlord_phone"), 32, code=True),
    Column("name", "企业名称", ("单位名称", "企业", "enterprise", "enterprise_name", "name"), 200),
    Column("credit_code", "统一社会信用代码", ("信用代码", "社会信用代码", "credit_code", "uscc"), code=True),
    Column("kind", "企业类型", ("单位类型", "类型", "kind", "type", "enterprise_type")),
    Column("legal_representative", "法定代表人", ("法人代表", "法人", "legal_representative"), 100),
    Column("safety_contact", "安全负责人", ("安全员", "safety_contact"), 100),
    Column("phone", "联系电话", ("电话", "企业电话", "phone", "contact_phone"), 32, code=True),
    Column("employee_count", "从业人数", ("员工人数", "职工人数", "人数", "employees", "employee_count"), code=True),
    Column("above_scale", "规上企业", ("规上", "是否规上", "是否规上企业", "above_scale")),
    Column("risk_tags", "风险类型", ("风险类别", "重点风险", "risk_tags", "risk")),
]
COLUMNS_BY_KEY = {c.key: c for c in COLUMNS}
PARCEL_FIELDS = ("parcel_name", "parcel_address", "landlord_name", "landlord_phone")
PARCEL_IMPORT_KEYS = ("zone", "grid", "parcel_code", *PARCEL_FIELDS)  # a parcel sheet's columns, in order
PARCEL_MODEL_FIELDS = {
    "parcel_name": "name",
    "parcel_address": "address",
    "landlord_name": "landlord_name",
    "landlord_phone": "landlord_phone",
}
ENTERPRISE_TEXT_FIELDS = ("legal_representative", "safety_contact", "phone")
ENTERPRISE_ONLY_COLUMNS = (
    "credit_code",
    "kind",
    "legal_representative",
    "safety_contact",
    "phone",
    "employee_count",
    "above_scale",
    "risk_tags",
)
ENTERPRISE_UPDATE_FIELDS = [
    "name",
    "credit_code",
    "kind",
    "parcel",
    "grid",
    "legal_representative",
    "safety_contact",
    "phone",
    "employee_count",
    "above_scale",
    "updated_at",
]

KIND_WORDS = {
    "工业企业": EnterpriseKind.INDUSTRIAL,
    "工业": EnterpriseKind.INDUSTRIAL,
    "两房一店": EnterpriseKind.SMALL_PREMISES,
    "菜场": EnterpriseKind.MARKET,
    "菜市场": EnterpriseKind.MARKET,
    "农贸市场": EnterpriseKind.MARKET,
    "商超": EnterpriseKind.SUPERMARKET,
    "超市": EnterpriseKind.SUPERMARKET,
    "大型商超": EnterpriseKind.SUPERMARKET,
    "其他": EnterpriseKind.OTHER,
    "其它": EnterpriseKind.OTHER,
}
RISK_WORDS = {
    "涉喷涂喷塑": RiskTag.SPRAYING,
    "喷涂喷塑": RiskTag.SPRAYING,
    "喷涂": RiskTag.SPRAYING,
    "喷塑": RiskTag.SPRAYING,
    "涉爆金属粉尘": RiskTag.METAL_DUST,
    "金属粉尘": RiskTag.METAL_DUST,
    "涉爆粉尘": RiskTag.METAL_DUST,
    "粉尘涉爆": RiskTag.METAL_DUST,
    "有限空间": RiskTag.CONFINED_SPACE,
    "有限空间作业": RiskTag.CONFINED_SPACE,
    "锂电池": RiskTag.LITHIUM,
    "锂电": RiskTag.LITHIUM,
    "焊接与热切割": RiskTag.WELDING,
    "焊接和热切割": RiskTag.WELDING,
    "焊接及热切割": RiskTag.WELDING,
    "焊接": RiskTag.WELDING,
    "热切割": RiskTag.WELDING,
    "老旧厂房电气线路": RiskTag.OLD_WIRING,
    "老旧电气线路": RiskTag.OLD_WIRING,
    "电气线路": RiskTag.OLD_WIRING,
}
RISK_SEPARATORS = re.compile(r"[、,，;；/|\s]+")


def name_key(text):
    """How names are compared: half-width, case-insensitive."""
    return clean_code(text).lower()


def _headername_key(text):
    text = clean_code(text).lower()
    text = re.sub(r"[\s*_\-:：]", "", text)
    return text


def _header_lookup():
    lookup = {}
    for column in COLUMNS:
        for word in (column.header, *column.aliases):
            lookup[_headername_key(word)] = column.key
    return lookup


HEADER_LOOKUP = _header_lookup()


def match_header(text):
    """The column key a header cell stands for, or None."""
    key = _headername_key(text)
    if not key:
        return None
    if key in HEADER_LOOKUP:
        return HEADER_LOOKUP[key]
    bare = re.sub(r"\([^)]*\)", "", key)  # 从业人数(人), 企业名称(必填)
    return HEADER_LOOKUP.get(bare)


def choice_lookup(choices, words):
    lookup = {name_key(word): value for word, value in words.items()}
    for value, label in choices:
        lookup[name_key(value)] = value
        lookup[name_key(str(label))] = value
        with override("en"):
            lookup.setdefault(name_key(str(label)), value)
    return lookup
