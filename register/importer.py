"""Import the register (台账) from the spreadsheets offices keep: .xlsx or .csv.

    importer = RegisterImporter(path_or_file, filename="台账.xlsx")
    problems = importer.validate()        # [] when the file can be imported as it is
    summary = importer.run(dry_run=False)  # raises ImportFailed(problems) when anything is wrong

The management command ``import_register`` and the web upload page both use this class.

Rules, as offices expect them:

- The header row is the first of the first ten rows that holds at least two recognised column
  names (a title row above it is skipped). Chinese names as offices write them and English
  aliases are recognised (see COLUMNS); other columns are ignored and reported.
- Values are cleaned as people type them: full-width letters and digits, stray spaces, 是/否.
- Zones and grids are matched by name (or code) and created when new; a grid belongs to the zone
  of its row. Parcels are matched by 宗地编号. Enterprises are matched by credit code, or, when
  the row has none, by name on the same parcel (or in the same grid when there is no parcel).
  A row without 企业名称 creates or updates its parcel only.
- An empty cell never erases what the register holds: it means "not given". A new enterprise
  gets the model defaults (工业企业, not above scale).
- All or nothing: the whole file runs in one transaction; when any row is wrong, nothing is
  written and every problem is listed (row, column, value, reason). Importing the same file
  twice changes nothing the second time.
- The file is never held in memory: rows are streamed (openpyxl ``read_only``, csv reader) and
  written in batches of BATCH_SIZE; zones, grids and parcels are preloaded by key, enterprises
  are looked up one batch at a time. What grows with the file is only what finds duplicates
  across it: the credit codes and names already seen and one small record per parcel (about
  0.5 KB per row; bench/bench_import.py measures it).
- A row may leave 区块 and 网格 empty when its 宗地编号 is known: it takes the parcel's grid.
"""

import codecs
import contextlib
import csv
import io
import os
import re
import shutil
import tempfile
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from core.text import join_list
from register.choices import EnterpriseKind, RiskTag
from register.cleaning import clean_code, clean_text, parse_bool
from register.models import Enterprise, Grid, Parcel, RiskTagOption, Zone
from register.validators import credit_code_error, normalize_credit_code

BATCH_SIZE = 1000
HEADER_SEARCH_ROWS = 10
PROGRESS_EVERY = 500
MAX_EMPLOYEES = 2_147_483_647
IN_CHUNK = 900  # ids per "IN (...)": below the oldest SQLite limit of 999 query parameters


def _chunks(items, size=IN_CHUNK):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


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


def _key(text):
    """How names are compared: half-width, case-insensitive."""
    return clean_code(text).lower()


def _header_key(text):
    text = clean_code(text).lower()
    text = re.sub(r"[\s*_\-:：]", "", text)
    return text


def _header_lookup():
    lookup = {}
    for column in COLUMNS:
        for word in (column.header, *column.aliases):
            lookup[_header_key(word)] = column.key
    return lookup


HEADER_LOOKUP = _header_lookup()


def match_header(text):
    """The column key a header cell stands for, or None."""
    key = _header_key(text)
    if not key:
        return None
    if key in HEADER_LOOKUP:
        return HEADER_LOOKUP[key]
    bare = re.sub(r"\([^)]*\)", "", key)  # 从业人数(人), 企业名称(必填)
    return HEADER_LOOKUP.get(bare)


def _choice_lookup(choices, words):
    lookup = {_key(word): value for word, value in words.items()}
    for value, label in choices:
        lookup[_key(value)] = value
        lookup[_key(str(label))] = value
        with override("en"):
            lookup.setdefault(_key(str(label)), value)
    return lookup


@dataclass(frozen=True)
class Problem:
    """Something wrong in the file. ``row`` is the row number as the spreadsheet shows it (None: the file)."""

    row: int | None
    column: str
    value: str
    reason: str

    def __str__(self):
        parts = [_("第%(row)d行") % {"row": self.row} if self.row else _("文件")]
        if self.column:
            parts.append(self.column)
        if self.value:
            parts.append(f"“{self.value}”")
        return " · ".join(parts) + _("：") + self.reason


class ImportFailed(Exception):
    """Nothing was written. ``problems`` lists every problem; ``message`` says it in one sentence."""

    def __init__(self, message, problems=()):
        super().__init__(message)
        self.message = message
        self.problems = list(problems)


class _Rollback(Exception):
    pass


KINDS = ("zone", "grid", "parcel", "enterprise")


@dataclass
class ImportSummary:
    rows: int = 0
    dry_run: bool = False
    counts: dict = field(default_factory=lambda: {kind: {"created": 0, "updated": 0, "unchanged": 0} for kind in KINDS})
    ignored_columns: list = field(default_factory=list)
    problems: list = field(default_factory=list)

    def lines(self):
        labels = {"zone": _("区块"), "grid": _("网格"), "parcel": _("宗地"), "enterprise": _("企业")}
        if self.dry_run:
            template = _("%(kind)s：将新增 %(created)d，将更新 %(updated)d，不变 %(unchanged)d")
        else:
            template = _("%(kind)s：新增 %(created)d，更新 %(updated)d，不变 %(unchanged)d")
        return [template % {"kind": labels[kind], **self.counts[kind]} for kind in KINDS]


# --- reading the file -------------------------------------------------------------------------


class _Table:
    """Rows of the first recognisable sheet: ``total`` (an estimate, or None) and ``rows()``."""

    def __init__(self, total, rows, close=None):
        self.total = total
        self._rows = rows
        self._close = close

    def rows(self):
        """(row number, tuple of cell values), numbered as the spreadsheet shows them."""
        return self._rows

    def close(self):
        self._rows.close()
        if self._close:
            self._close()


def _detect_encoding(binary):
    """The text encoding of a CSV and its line count, reading in chunks (constant memory)."""
    head = binary.read(4)
    binary.seek(0)
    if head.startswith(codecs.BOM_UTF16_LE) or head.startswith(codecs.BOM_UTF16_BE):
        encoding = "utf-16"
    else:
        encoding = "utf-8-sig"
    lines = 0
    for candidate in (encoding, "gb18030") if encoding != "utf-16" else (encoding,):
        binary.seek(0)
        decoder = codecs.getincrementaldecoder(candidate)()
        lines = 0
        try:
            while chunk := binary.read(1 << 16):
                lines += decoder.decode(chunk).count("\n")
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        binary.seek(0)
        return candidate, lines
    raise ImportFailed(_("无法识别 CSV 文件的编码：请另存为 UTF-8 或 GB18030（Excel 的“CSV（逗号分隔）”）。"))


def _csv_table(binary):
    encoding, lines = _detect_encoding(binary)
    text = io.TextIOWrapper(binary, encoding=encoding, newline="")
    sample = text.read(8192)
    text.seek(0)
    if not sample.strip():
        text.detach()  # leave the caller's file open
        raise ImportFailed(_("文件是空的。"))
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(text, delimiter=delimiter)

    def rows():
        try:
            yield from enumerate(reader, start=1)
        except (csv.Error, UnicodeDecodeError) as exc:
            raise ImportFailed(_("CSV 文件第%(row)d行无法读取：%(error)s") % {"row": reader.line_num, "error": exc})

    return _Table(lines or None, rows(), close=text.detach)  # detach: leave the caller's file open


XLSX_ERRORS = (zipfile.BadZipFile, ElementTree.ParseError, KeyError, OSError, ValueError, TypeError, IndexError)


def _xlsx_table(binary):
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    unreadable = ImportFailed(_("无法读取 Excel 文件：文件已损坏、加了密码，或不是 .xlsx 格式。"))
    try:
        workbook = openpyxl.load_workbook(binary, read_only=True, data_only=True)
    except (*XLSX_ERRORS, InvalidFileException):
        raise unreadable
    sheets = [ws for ws in workbook.worksheets if hasattr(ws, "iter_rows")]
    if not sheets:
        raise ImportFailed(_("Excel 文件中没有工作表。"))

    def total_of(ws):
        max_row = ws.max_row
        return max_row if max_row and max_row > 1 else None

    def rows_of(ws):
        ws.reset_dimensions()  # some writers record wrong dimensions; read to the real end
        try:
            yield from enumerate(ws.iter_rows(values_only=True), start=1)
        except XLSX_ERRORS:
            raise unreadable
        finally:
            workbook.close()

    # The first sheet whose first rows hold a recognisable header; else the first sheet (to report it).
    try:
        for ws in sheets:
            for _number, values in zip(range(HEADER_SEARCH_ROWS), ws.iter_rows(values_only=True), strict=False):
                if sum(1 for v in values if v is not None and match_header(v)) >= 2:
                    return _Table(total_of(ws), rows_of(ws))
    except XLSX_ERRORS:
        workbook.close()
        raise unreadable
    return _Table(total_of(sheets[0]), rows_of(sheets[0]))


# --- the import -------------------------------------------------------------------------------


class _ParcelState:
    """What the import knows about one parcel, kept small (one per parcel): values in PARCEL_FIELDS order."""

    __slots__ = ("pk", "code", "grid_id", "values", "original", "created", "first_row", "set_rows", "grid_row")

    def __init__(self, pk, code, grid_id, values, created=False):
        self.pk = pk
        self.code = code
        self.grid_id = grid_id
        self.values = values
        self.original = None if created else (grid_id, *values)  # as in the database
        self.created = created
        self.first_row = None  # the first row of the file naming the parcel
        self.set_rows = None  # per field, the row of the file that gave its value
        self.grid_row = None  # (grid, row) that placed the parcel in this file

    def changed(self):
        return self.original != (self.grid_id, *self.values)

    def model_values(self):
        return {PARCEL_MODEL_FIELDS[key]: value for key, value in zip(PARCEL_FIELDS, self.values, strict=True)}


class RegisterImporter:
    """Import zones, grids, parcels and enterprises from one .xlsx or .csv file."""

    extensions = {".xlsx": "xlsx", ".xlsm": "xlsx", ".csv": "csv", ".txt": "csv"}

    def __init__(self, source, *, filename=None, progress=None, batch_size=BATCH_SIZE, progress_every=PROGRESS_EVERY):
        """``source``: a path or a binary file (an upload); ``filename`` gives the type when the file has no name.

        ``progress(rows_read, rows_expected_or_None)`` is called every ``progress_every`` rows and at the end.
        """
        self.source = source
        self.filename = filename or getattr(source, "name", None) or str(source)
        self.progress = progress
        self.batch_size = batch_size
        self.progress_every = progress_every

    # public API

    def validate(self):
        """Every problem in the file (an empty list when it imports cleanly). Writes nothing."""
        try:
            return self.run(dry_run=True).problems
        except ImportFailed as exc:
            return exc.problems or [Problem(None, "", "", exc.message)]

    def run(self, *, dry_run=False):
        """Import the file in one transaction and return an ImportSummary.

        Raises ImportFailed (nothing written) when the file cannot be read or any row is wrong.
        With ``dry_run`` everything is checked and counted, then rolled back.
        """
        self._reset(dry_run)
        with self._open() as binary:
            table = self._table(binary)
            try:
                with transaction.atomic():
                    self._import(table)
                    if self.problems or dry_run:
                        raise _Rollback
            except _Rollback:
                pass
            except DatabaseError as exc:
                raise ImportFailed(
                    _("写入时与登记簿中已有数据冲突（可能有人同时在导入或编辑）：%(error)s") % {"error": exc}
                )
            finally:
                table.close()
        self.summary.problems = sorted(self.problems, key=lambda p: (p.row or 0, self._column_order(p.column)))
        if self.summary.problems:
            raise ImportFailed(
                _("共发现 %(n)d 个问题，未写入任何数据。") % {"n": len(self.summary.problems)}, self.summary.problems
            )
        return self.summary

    # opening

    def _open(self):
        source = self.source
        if isinstance(source, str | os.PathLike):
            path = Path(source)
            if not path.exists():
                raise ImportFailed(_("文件不存在：%(path)s") % {"path": path})
            if not path.is_file():
                raise ImportFailed(_("不是文件：%(path)s") % {"path": path})
            self._kind()
            try:
                return open(path, "rb")  # noqa: SIM115 - closed by the caller's with
            except OSError as exc:
                raise ImportFailed(_("无法打开文件：%(error)s") % {"error": exc.strerror or exc})
        self._kind()
        return _SeekableCopy(source)

    def _kind(self):
        suffix = Path(str(self.filename)).suffix.lower()
        kind = self.extensions.get(suffix)
        if kind is None:
            if suffix == ".xls":
                raise ImportFailed(_("不支持旧版 .xls 文件：请在 Excel 中另存为 .xlsx 后再导入。"))
            raise ImportFailed(
                _("不支持的文件类型“%(suffix)s”：请导入 .xlsx 或 .csv 文件。") % {"suffix": suffix or _("无扩展名")}
            )
        return kind

    def _table(self, binary):
        if self._kind() == "xlsx":
            return _xlsx_table(binary)
        return _csv_table(binary)

    # state

    def _reset(self, dry_run):
        self.problems = []
        self.summary = ImportSummary(dry_run=dry_run)
        self.columns = {}  # key -> index
        self.headers = {}  # key -> header text as written
        self.header_row = None
        self._zones = {}
        self._zone_by_code = {}
        self._grids = {}
        self._grid_by_code = {}
        self._grids_by_pk = {}
        self._zones_seen = set()
        self._grids_seen = set()
        self._zones_created = set()
        self._grids_created = set()
        self._grid_zone_in_file = {}  # grid name -> (zone name, row)
        self._parcels = {}
        self._codes_in_file = {}  # credit code -> row
        self._names_in_file = {}  # (name, parcel code or grid id) -> row, for rows without a credit code
        self._coded_names = {}  # hash((name, parcel code or grid id)) -> row, for rows with one
        self._matched = {}  # enterprise pk -> row, for enterprises matched by name (by code: _codes_in_file)
        self._batch = []
        self._new_parcels = []

    def _column_order(self, header):
        for key, text in self.headers.items():
            if text == header:
                return list(COLUMNS_BY_KEY).index(key)
        return -1

    def _problem(self, row, key, value, reason):
        column = self.headers.get(key, COLUMNS_BY_KEY[key].header) if key else ""
        self.problems.append(Problem(row, column, clean_text(value)[:100], reason))

    # the run

    def _import(self, table):
        rows = table.rows()
        data_rows = self._find_header(rows)
        self._load()
        total = table.total
        done = 0
        for number, values in data_rows:
            done += 1
            if self.progress and done % self.progress_every == 0:
                self.progress(done, max(total - self.header_row, done) if total else None)
            if not any(v is not None and str(v).strip() for v in values):
                continue
            self.summary.rows += 1
            self._row(number, values)
            if len(self._batch) >= self.batch_size:
                self._flush()
        self._flush()
        self._finish_parcels()
        if self.progress:
            self.progress(done, done)

    def _find_header(self, rows):
        """The header is the first row with two recognised names; the rows after it are returned."""
        buffered = []
        single = None  # the first row with one recognised name: a header missing the required columns
        for number, values in rows:
            buffered.append((number, values))
            matches = {}
            for index, value in enumerate(values):
                key = match_header(value) if value is not None else None
                if key:
                    matches.setdefault(key, []).append(index)
            if len(matches) >= 2:
                self._set_header(number, values, matches)
                return rows
            if matches and single is None:
                single = (number, values, matches)
            if len(buffered) >= HEADER_SEARCH_ROWS:
                break
        if not any(any(v not in (None, "") for v in values) for _n, values in buffered):
            raise ImportFailed(_("文件是空的。"))
        if single is not None:
            self._set_header(*single)  # raises: required columns are missing
        raise ImportFailed(
            _("未找到表头：前%(n)d行中没有可识别的列名。可识别的列名有：%(names)s。")
            % {"n": HEADER_SEARCH_ROWS, "names": join_list(c.header for c in COLUMNS)}
        )

    def _set_header(self, number, values, matches):
        self.header_row = number
        for key, indexes in matches.items():
            if len(indexes) > 1:
                raise ImportFailed(
                    _("列“%(name)s”出现了%(n)d次，请只保留一列。")
                    % {"name": COLUMNS_BY_KEY[key].header, "n": len(indexes)}
                )
            self.columns[key] = indexes[0]
            self.headers[key] = clean_text(values[indexes[0]])
        missing = [COLUMNS_BY_KEY[k].header for k in ("zone", "grid") if k not in self.columns]
        if "parcel_code" not in self.columns and "name" not in self.columns:
            missing.append(_("宗地编号或企业名称"))
        if missing:
            raise ImportFailed(_("缺少必需的列：%(names)s。") % {"names": join_list(missing)})
        self.summary.ignored_columns = [
            clean_text(v) for i, v in enumerate(values) if v not in (None, "") and i not in self.columns.values()
        ]

    def _load(self):
        RiskTagOption.objects.bulk_create([RiskTagOption(code=c) for c in RiskTag.values], ignore_conflicts=True)
        self._kinds = _choice_lookup(EnterpriseKind.choices, KIND_WORDS)
        self._risks = _choice_lookup(RiskTag.choices, RISK_WORDS)
        for zone in Zone.objects.all():
            self._zones.setdefault(_key(zone.name), zone)
            if zone.code:
                self._zone_by_code.setdefault(_key(zone.code), zone)
        for grid in Grid.objects.all():
            self._grids_by_pk[grid.pk] = grid
            self._grids.setdefault((grid.zone_id, _key(grid.name)), grid)
            if grid.code:
                self._grid_by_code.setdefault((grid.zone_id, _key(grid.code)), grid)
        for pk, code, grid_id, name, address, landlord_name, landlord_phone in Parcel.objects.values_list(
            "pk", "code", "grid_id", "name", "address", "landlord_name", "landlord_phone"
        ):
            self._parcels[code] = _ParcelState(pk, code, grid_id, [name, address, landlord_name, landlord_phone])

    # one row

    def _cell(self, values, key):
        index = self.columns.get(key)
        if index is None or index >= len(values):
            return None
        return values[index]

    def _text(self, number, values, key):
        """The cleaned text of a cell ("" when empty); a problem when it is too long."""
        column = COLUMNS_BY_KEY[key]
        text = (clean_code if column.code else clean_text)(self._cell(values, key))
        limit = column.max_length
        if limit and len(text) > limit:
            self._problem(
                number, key, text, _("内容过长：最多%(max)d个字，实际%(n)d个字。") % {"max": limit, "n": len(text)}
            )
        return text

    def _row(self, number, values):
        before = len(self.problems)
        text = {key: self._text(number, values, key) for key in self.columns}
        too_long = {p.column for p in self.problems[before:]}
        parcel_code = text.get("parcel_code", "")
        name = text.get("name", "")

        if not name and not parcel_code:
            self._problem(
                number, "name" if "name" in self.columns else "parcel_code", "", _("企业名称和宗地编号不能都为空。")
            )
            return
        if not name and any(text.get(k) for k in ENTERPRISE_ONLY_COLUMNS):
            self._problem(number, "name", "", _("填写了企业信息，但企业名称为空。"))

        enterprise = self._parse_enterprise(number, values, text) if name else None
        if too_long & {self.headers.get(k) for k in ("zone", "grid", "parcel_code")}:
            return
        for key in PARCEL_FIELDS:  # a value too long for the database is a problem already; do not write it
            if self.headers.get(key) in too_long:
                text[key] = ""
        grid = self._resolve_grid(number, text.get("zone", ""), text.get("grid", ""), parcel_code)
        parcel = self._resolve_parcel(number, parcel_code, grid, text) if parcel_code and grid else None
        if enterprise is None or grid is None or (parcel_code and parcel is None):
            return
        enterprise["grid_id"] = grid.pk
        enterprise["parcel_state"] = parcel
        self._check_duplicate(number, enterprise, parcel, grid)
        if len(self.problems) == before:
            self._batch.append((number, enterprise))

    def _resolve_grid(self, number, zone_name, grid_name, parcel_code):
        if not zone_name and not grid_name and parcel_code:
            state = self._parcels.get(parcel_code)
            if state is not None and state.grid_id is not None:
                return self._grid_by_pk(state.grid_id)
        if not zone_name:
            self._problem(number, "zone", "", _("区块不能为空。"))
        if not grid_name:
            self._problem(number, "grid", "", _("网格不能为空。"))
        if not zone_name or not grid_name:
            return None
        grid_key = _key(grid_name)
        seen = self._grid_zone_in_file.get(grid_key)
        if seen is None:
            self._grid_zone_in_file[grid_key] = (zone_name, number)
        elif _key(seen[0]) != _key(zone_name):
            self._problem(
                number,
                "grid",
                grid_name,
                _("网格“%(grid)s”在第%(row)d行属于区块“%(other)s”，这里却属于区块“%(zone)s”。")
                % {"grid": grid_name, "row": seen[1], "other": seen[0], "zone": zone_name},
            )
            return None
        zone = self._zones.get(_key(zone_name)) or self._zone_by_code.get(_key(zone_name))
        if zone is None:
            zone = Zone.objects.create(name=zone_name)
            self._zones[_key(zone_name)] = zone
            self._zones_created.add(zone.pk)
        self._zones_seen.add(zone.pk)
        grid = self._grids.get((zone.pk, grid_key)) or self._grid_by_code.get((zone.pk, grid_key))
        if grid is None:
            grid = Grid.objects.create(zone=zone, name=grid_name)
            self._grids[(zone.pk, grid_key)] = grid
            self._grids_by_pk[grid.pk] = grid
            self._grids_created.add(grid.pk)
        self._grids_seen.add(grid.pk)
        return grid

    def _grid_by_pk(self, pk):
        grid = self._grids_by_pk[pk]
        self._grids_seen.add(grid.pk)
        self._zones_seen.add(grid.zone_id)
        return grid

    def _resolve_parcel(self, number, code, grid, text):
        state = self._parcels.get(code)
        if state is None:
            state = _ParcelState(None, code, grid.pk, [""] * len(PARCEL_FIELDS), created=True)
            self._parcels[code] = state
            self._new_parcels.append(state)
        if state.first_row is None:
            state.first_row = number
        # The grid: the first row of the file that names the parcel places it; later rows must agree.
        if state.grid_row is None:
            state.grid_row = (grid, number)
            state.grid_id = grid.pk
        elif state.grid_row[0].pk != grid.pk:
            other, row = state.grid_row
            self._problem(
                number,
                "grid",
                text.get("grid", grid.name),
                _("宗地“%(code)s”在第%(row)d行属于“%(other)s”，这里却是“%(grid)s”。")
                % {"code": code, "row": row, "other": other, "grid": grid},
            )
            return None
        for index, key in enumerate(PARCEL_FIELDS):
            value = text.get(key)
            if not value:
                continue
            row = state.set_rows[index] if state.set_rows else None
            if row is None:
                state.values[index] = value
                if state.set_rows is None:
                    state.set_rows = [None] * len(PARCEL_FIELDS)
                state.set_rows[index] = number
            elif state.values[index] != value:
                self._problem(
                    number,
                    key,
                    value,
                    _("与第%(row)d行给同一宗地填写的“%(other)s”不一致。") % {"row": row, "other": state.values[index]},
                )
        return state

    def _parse_enterprise(self, number, values, text):
        data = {"name": text["name"]}
        raw_code = self._cell(values, "credit_code")
        code = normalize_credit_code(raw_code) if text.get("credit_code") else ""
        if code:
            if isinstance(raw_code, int | float) and len(code) > 15:
                self._problem(
                    number,
                    "credit_code",
                    text["credit_code"],
                    _("Excel 把统一社会信用代码存成了数字，后几位已丢失：请把该列设为“文本”格式后重新填写。"),
                )
            elif error := credit_code_error(code):
                self._problem(number, "credit_code", text["credit_code"], error)
            data["credit_code"] = code
        if kind_text := text.get("kind"):
            kind = self._kinds.get(_key(kind_text))
            if kind is None:
                self._problem(
                    number,
                    "kind",
                    kind_text,
                    _("无法识别的企业类型，应为：%(choices)s。")
                    % {"choices": join_list(c.label for c in EnterpriseKind)},
                )
            data["kind"] = kind
        for key in ENTERPRISE_TEXT_FIELDS:
            if text.get(key):
                data[key] = text[key]
        raw_count = self._cell(values, "employee_count")
        if text.get("employee_count"):
            count = _parse_count(raw_count)
            if count is None:
                self._problem(number, "employee_count", raw_count, _("从业人数应为不小于0的整数。"))
            data["employee_count"] = count
        if bool_text := text.get("above_scale"):
            above = parse_bool(bool_text)
            if above is None:
                self._problem(number, "above_scale", bool_text, _("应填写“是”或“否”。"))
            data["above_scale"] = above
        if tags_text := text.get("risk_tags"):
            tags = set()
            for word in RISK_SEPARATORS.split(tags_text):
                if not word:
                    continue
                tag = self._risks.get(_key(word))
                if tag is None:
                    self._problem(
                        number,
                        "risk_tags",
                        word,
                        _("无法识别的风险类型，应为：%(choices)s（多个用顿号、逗号、分号或空格分隔）。")
                        % {"choices": join_list(t.label for t in RiskTag)},
                    )
                else:
                    tags.add(str(tag))
            data["risk_tags"] = tags
        return data

    def _check_duplicate(self, number, enterprise, parcel, grid):
        """Each enterprise once: by credit code; by name on its parcel (or grid) unless both rows have a code.

        Rows with a code are remembered by a 64-bit hash of (name, place) to keep memory small (a false
        match is as likely as 1 in 10^10 for a 50,000-row file); rows without one by the name itself.
        """
        code = enterprise.get("credit_code")
        if code:
            row = self._codes_in_file.setdefault(code, number)
            if row != number:
                self._problem(number, "credit_code", code, _("统一社会信用代码与第%(row)d行重复。") % {"row": row})
                return
        key = (enterprise["name"], parcel.code if parcel else grid.pk)
        row = self._names_in_file.get(key)  # the first row without a code with this name here
        if code:
            self._coded_names.setdefault(hash(key), number)
        elif row is None:
            self._names_in_file[key] = number
            row = self._coded_names.get(hash(key))
        if row is not None and row != number:
            where = _("同一宗地") if parcel else _("同一网格")
            self._problem(
                number,
                "name",
                enterprise["name"],
                _("与第%(row)d行是%(where)s上的同名企业：同名企业须各自填写统一社会信用代码才能区分。")
                % {"row": row, "where": where},
            )

    # writing a batch

    def _flush(self):
        if self._new_parcels:
            parcels = [Parcel(code=s.code, grid_id=s.grid_id, **s.model_values()) for s in self._new_parcels]
            Parcel.objects.bulk_create(parcels, batch_size=self.batch_size)
            for state, parcel in zip(self._new_parcels, parcels, strict=True):
                state.pk = parcel.pk
                state.original = (state.grid_id, *state.values)  # later rows may still fill in values
            self._new_parcels = []
        batch, self._batch = self._batch, []
        if not batch:
            return
        for _number, data in batch:
            state = data.pop("parcel_state")
            if state is not None:  # no 宗地编号: an enterprise keeps the parcel it has
                data["parcel_id"] = state.pk

        by_code, by_place = self._existing(batch)
        tags_of = defaultdict(set)
        through = Enterprise.risk_tags.through
        known_pks = [e.pk for e in by_code.values()] + [e.pk for es in by_place.values() for e in es]
        for chunk in _chunks(known_pks):
            for enterprise_id, tag in through.objects.filter(enterprise_id__in=chunk).values_list(
                "enterprise_id", "risktagoption_id"
            ):
                tags_of[enterprise_id].add(tag)

        now = timezone.now()
        to_create, new_tags, to_update, changed_tags = [], [], [], {}
        counts = self.summary.counts["enterprise"]
        for number, data in batch:
            existing = self._match(number, data, by_code, by_place)
            if existing is False:
                continue
            tags = data.pop("risk_tags", None)
            if existing is None:
                enterprise = Enterprise(**data)
                to_create.append(enterprise)
                new_tags.append(tags or ())
                counts["created"] += 1
                continue
            changed = False
            for name, value in data.items():
                if getattr(existing, name) != value:
                    setattr(existing, name, value)
                    changed = True
            if tags is not None and tags != tags_of[existing.pk]:
                changed_tags[existing.pk] = tags
                changed = True
            if changed:
                existing.updated_at = now
                to_update.append(existing)
                counts["updated"] += 1
            else:
                counts["unchanged"] += 1

        Enterprise.objects.bulk_create(to_create, batch_size=self.batch_size)
        if to_update:
            Enterprise.objects.bulk_update(to_update, ENTERPRISE_UPDATE_FIELDS, batch_size=self.batch_size)
        for chunk in _chunks(changed_tags):
            through.objects.filter(enterprise_id__in=chunk).delete()
        links = [
            through(enterprise_id=e.pk, risktagoption_id=t)
            for e, tags in zip(to_create, new_tags, strict=True)
            for t in tags
        ]
        links += [through(enterprise_id=pk, risktagoption_id=t) for pk, tags in changed_tags.items() for t in tags]
        through.objects.bulk_create(links, batch_size=self.batch_size * 5)

    def _existing(self, batch):
        """Enterprises of the register this batch may refer to: by credit code and by (name, place)."""
        codes = {data["credit_code"] for _n, data in batch if data.get("credit_code")}
        by_code = {}
        for chunk in _chunks(codes):
            by_code.update((e.credit_code, e) for e in Enterprise.objects.filter(credit_code__in=chunk))
        names = {data["name"] for _n, data in batch if data.get("credit_code") not in by_code}
        by_place = defaultdict(list)
        for chunk in _chunks(names):
            for enterprise in Enterprise.objects.filter(name__in=chunk).order_by("pk"):
                by_place[self._place(enterprise.name, enterprise.parcel_id, enterprise.grid_id)].append(enterprise)
        return by_code, by_place

    @staticmethod
    def _place(name, parcel_id, grid_id):
        return (name, "parcel", parcel_id) if parcel_id else (name, "grid", grid_id)

    def _match(self, number, data, by_code, by_place):
        """The enterprise this row updates, None for a new one, False when the row is a problem."""
        code = data.get("credit_code")
        existing = by_code.get(code) if code else None
        by_name = existing is None
        if by_name:
            candidates = by_place.get(self._place(data["name"], data.get("parcel_id"), data["grid_id"]), [])
            if code:  # a new code may fill in the one an enterprise registered without a code lacks
                candidates = [e for e in candidates if not e.credit_code]
            if len(candidates) > 1:
                self._problem(
                    number,
                    "name",
                    data["name"],
                    _("登记簿中此处有%(n)d家同名企业，无法确定是哪一家：请填写统一社会信用代码。")
                    % {"n": len(candidates)},
                )
                return False
            existing = candidates[0] if candidates else None
        if existing is None:
            return None
        # Two rows must not update one enterprise: one matched by name, the other by name or by its code.
        if by_name:
            row = self._codes_in_file.get(existing.credit_code, number) if existing.credit_code else number
            if row == number:
                row = self._matched.setdefault(existing.pk, number)
        else:
            row = self._matched.get(existing.pk, number)
        if row != number:
            self._problem(number, "name", data["name"], _("与第%(row)d行指向登记簿中的同一家企业。") % {"row": row})
            return False
        return existing

    def _finish_parcels(self):
        counts = self.summary.counts
        to_update = []
        moved = defaultdict(list)  # new grid id -> parcels moved there
        now = timezone.now()
        for state in self._parcels.values():
            if state.first_row is None:
                continue
            if state.created and not state.values[0]:
                self._problem(state.first_row, "parcel_code", state.code, _("新宗地须填写宗地名称。"))
                continue
            changed = state.changed()
            counts["parcel"]["created" if state.created else "updated" if changed else "unchanged"] += 1
            if changed:
                if state.grid_id != state.original[0]:
                    moved[state.grid_id].append(state.pk)
                to_update.append(Parcel(pk=state.pk, grid_id=state.grid_id, updated_at=now, **state.model_values()))
        if to_update:
            Parcel.objects.bulk_update(
                to_update,
                ["grid", "name", "address", "landlord_name", "landlord_phone", "updated_at"],
                batch_size=self.batch_size,
            )
        for grid_id, pks in moved.items():  # tenants follow their parcel into its new grid
            Enterprise.objects.filter(parcel_id__in=pks).exclude(grid_id=grid_id).update(
                grid_id=grid_id, updated_at=now
            )
        counts["zone"]["created"] = len(self._zones_created)
        counts["zone"]["unchanged"] = len(self._zones_seen - self._zones_created)
        counts["grid"]["created"] = len(self._grids_created)
        counts["grid"]["unchanged"] = len(self._grids_seen - self._grids_created)


def _parse_count(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        if isinstance(value, float) and not value.is_integer():
            return None
        count = int(value)
    else:
        text = clean_code(value).removesuffix("人").strip()
        if text.endswith(".0"):
            text = text[:-2]
        if not text.isdigit():
            return None
        count = int(text)
    return count if 0 <= count <= MAX_EMPLOYEES else None


class _SeekableCopy:
    """A seekable binary file for an uploaded file, copied to a temporary file when it cannot seek."""

    def __init__(self, source):
        self.source = source
        self.copy = None

    def __enter__(self):
        source = self.source
        if hasattr(source, "open") and getattr(source, "closed", False):
            source.open("rb")
        stream = getattr(source, "file", source)
        try:
            seekable = stream.seekable()
        except (AttributeError, ValueError):
            seekable = False
        if seekable and isinstance(stream.read(0), bytes):
            stream.seek(0)
            return stream
        self.copy = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)
        if hasattr(source, "chunks"):
            for chunk in source.chunks():
                self.copy.write(chunk)
        else:
            shutil.copyfileobj(source, self.copy)
        self.copy.seek(0)
        return self.copy

    def __exit__(self, *exc):
        if self.copy is not None:
            self.copy.close()
        elif hasattr(self.source, "seek"):
            with contextlib.suppress(OSError, ValueError):
                self.source.seek(0)
        return False
