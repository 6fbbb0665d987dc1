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

This module holds the run (opening the file, finding the header, the transaction); the parts are in
``register/importing/``: ``columns`` (headers and words), ``tables`` (reading CSV and .xlsx),
``rows`` (checking one row), ``writing`` (batches of enterprises, parcels) and ``results``
(Problem, ImportFailed, ImportSummary).
"""

import logging
import os
from pathlib import Path

from django.db import DatabaseError, transaction
from django.utils.translation import gettext as _

from core.text import join_list
from register.choices import EnterpriseKind, RiskTag
from register.cleaning import clean_text
from register.importing.columns import (
    COLUMNS,
    COLUMNS_BY_KEY,
    HEADER_SEARCH_ROWS,
    KIND_WORDS,
    RISK_WORDS,
    choice_lookup,
    match_header,
    name_key,
)
from register.importing.results import ImportFailed, ImportSummary, Problem
from register.importing.rows import ParcelState, RowChecks
from register.importing.tables import SeekableCopy, csv_table, xlsx_table
from register.importing.writing import BatchWriting
from register.models import Grid, Parcel, RiskTagOption, Zone

BATCH_SIZE = 1000
PROGRESS_EVERY = 500

logger = logging.getLogger(__name__)

# What other modules import from here (the parts live in register/importing/).
__all__ = ["COLUMNS", "COLUMNS_BY_KEY", "ImportFailed", "ImportSummary", "Problem", "RegisterImporter", "match_header"]


class _Rollback(Exception):
    pass


class RegisterImporter(RowChecks, BatchWriting):
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
        One log line says what happened: INFO with the counts, WARNING when the file is refused.
        """
        what = "register import (dry run)" if dry_run else "register import"
        try:
            summary = self._run(dry_run)
        except ImportFailed as exc:
            logger.warning("%s of %s refused: %s (%d problems)", what, self.filename, exc.message, len(exc.problems))
            raise
        logger.info(
            "%s of %s: %d rows; %s",
            what,
            self.filename,
            summary.rows,
            "; ".join(
                f"{kind} {c['created']} created, {c['updated']} updated, {c['unchanged']} unchanged"
                for kind, c in summary.counts.items()
            ),
        )
        return summary

    def _run(self, dry_run):
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
        return SeekableCopy(source)

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
            return xlsx_table(binary)
        return csv_table(binary)

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
        self._kinds = choice_lookup(EnterpriseKind.choices, KIND_WORDS)
        self._risks = choice_lookup(RiskTag.choices, RISK_WORDS)
        for zone in Zone.objects.all():
            self._zones.setdefault(name_key(zone.name), zone)
            if zone.code:
                self._zone_by_code.setdefault(name_key(zone.code), zone)
        for grid in Grid.objects.all():
            self._grids_by_pk[grid.pk] = grid
            self._grids.setdefault((grid.zone_id, name_key(grid.name)), grid)
            if grid.code:
                self._grid_by_code.setdefault((grid.zone_id, name_key(grid.code)), grid)
        for pk, code, grid_id, name, address, landlord_name, landlord_phone in Parcel.objects.values_list(
            "pk", "code", "grid_id", "name", "address", "landlord_name", "landlord_phone"
        ):
            self._parcels[code] = ParcelState(pk, code, grid_id, [name, address, landlord_name, landlord_phone])
