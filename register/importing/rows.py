"""Checking one row of the file: its cleaned cells, its zone, grid and parcel, the enterprise it describes,
and the duplicates across the file. Every problem is collected; nothing is written here.
"""

from django.utils.translation import gettext as _

from core.parsing import parse_int
from core.text import join_list
from register.choices import EnterpriseKind, RiskTag
from register.cleaning import clean_code, clean_text, parse_bool
from register.importing.columns import (
    COLUMNS_BY_KEY,
    ENTERPRISE_ONLY_COLUMNS,
    ENTERPRISE_TEXT_FIELDS,
    PARCEL_FIELDS,
    PARCEL_MODEL_FIELDS,
    RISK_SEPARATORS,
    name_key,
)
from register.models import Grid, Zone
from register.validators import credit_code_error, normalize_credit_code, phone_error

MAX_EMPLOYEES = 2_147_483_647
PHONE_COLUMNS = ("landlord_phone", "phone")


# --- the import -------------------------------------------------------------------------------


class ParcelState:
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


class RowChecks:
    """The row-by-row checks of RegisterImporter (mixed into it; the state is set up by its ``_reset``)."""

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

        for key in PHONE_COLUMNS:
            if text.get(key) and (error := phone_error(text[key])):
                self._problem(number, key, text[key], error)
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
        grid_key = name_key(grid_name)
        seen = self._grid_zone_in_file.get(grid_key)
        if seen is None:
            self._grid_zone_in_file[grid_key] = (zone_name, number)
        elif name_key(seen[0]) != name_key(zone_name):
            self._problem(
                number,
                "grid",
                grid_name,
                _("网格“%(grid)s”在第%(row)d行属于区块“%(other)s”，这里却属于区块“%(zone)s”。")
                % {"grid": grid_name, "row": seen[1], "other": seen[0], "zone": zone_name},
            )
            return None
        zone = self._zones.get(name_key(zone_name)) or self._zone_by_code.get(name_key(zone_name))
        if zone is None:
            zone = Zone.objects.create(name=zone_name)
            self._zones[name_key(zone_name)] = zone
            self._zones_created.add(zone.pk)
            self.summary.new_zones.append(zone.name)
        self._zones_seen.add(zone.pk)
        grid = self._grids.get((zone.pk, grid_key)) or self._grid_by_code.get((zone.pk, grid_key))
        if grid is None:
            grid = Grid.objects.create(zone=zone, name=grid_name)
            self._grids[(zone.pk, grid_key)] = grid
            self._grids_by_pk[grid.pk] = grid
            self._grids_created.add(grid.pk)
            self.summary.new_grids.append(f"{zone.name} / {grid.name}")
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
            state = ParcelState(None, code, grid.pk, [""] * len(PARCEL_FIELDS), created=True)
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
        """The enterprise's fields given in the row (an empty cell is not given); problems for the wrong ones."""
        data = {"name": text["name"]}
        if text.get("credit_code"):
            code = self._credit_code(number, self._cell(values, "credit_code"), text["credit_code"])
            if code:
                data["credit_code"] = code
        if kind_text := text.get("kind"):
            kind = self._kinds.get(name_key(kind_text))
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
            count = parse_count(raw_count)
            if count is None:
                self._problem(number, "employee_count", raw_count, _("从业人数应为不小于0的整数。"))
            data["employee_count"] = count
        if bool_text := text.get("above_scale"):
            above = parse_bool(bool_text)
            if above is None:
                self._problem(number, "above_scale", bool_text, _("应填写“是”或“否”。"))
            data["above_scale"] = above
        if tags_text := text.get("risk_tags"):
            data["risk_tags"] = self._risk_tags(number, tags_text)
        return data

    def _credit_code(self, number, raw_code, code_text):
        """The normalised credit code ("" when there is none); a problem when Excel cut it or it is invalid."""
        code = normalize_credit_code(raw_code)
        if not code:
            return ""
        if isinstance(raw_code, int | float) and len(code) > 15:
            self._problem(
                number,
                "credit_code",
                code_text,
                _("Excel 把统一社会信用代码存成了数字，后几位已丢失：请把该列设为“文本”格式后重新填写。"),
            )
        elif error := credit_code_error(code):
            self._problem(number, "credit_code", code_text, error)
        return code

    def _risk_tags(self, number, tags_text):
        """The risk tags named in a cell (separated as people type them); a problem for each unknown word."""
        tags = set()
        for word in RISK_SEPARATORS.split(tags_text):
            if not word:
                continue
            tag = self._risks.get(name_key(word))
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
        return tags

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


def parse_count(value):
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
        count = parse_int(text)
        if count is None:
            return None
    return count if 0 <= count <= MAX_EMPLOYEES else None
