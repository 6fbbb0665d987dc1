"""What an import reports: its problems (row, column, value, reason), the refusal, and the summary of counts."""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from core.text import join_list


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


KINDS = ("zone", "grid", "parcel", "enterprise")


@dataclass
class ImportSummary:
    rows: int = 0
    dry_run: bool = False
    counts: dict = field(default_factory=lambda: {kind: {"created": 0, "updated": 0, "unchanged": 0} for kind in KINDS})
    ignored_columns: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    new_zones: list = field(default_factory=list)  # names of the zones the import creates
    new_grids: list = field(default_factory=list)  # "zone / grid" of the grids it creates

    def new_unit_lines(self):
        """将新建区块：… / 将新建网格：… (a typo in a name adds a zone or grid: the preview names them)."""
        lines = []
        if self.new_zones:
            template = _("将新建区块：%(names)s") if self.dry_run else _("新建区块：%(names)s")
            lines.append(template % {"names": join_list(self.new_zones)})
        if self.new_grids:
            template = _("将新建网格：%(names)s") if self.dry_run else _("新建网格：%(names)s")
            lines.append(template % {"names": join_list(self.new_grids)})
        return lines

    def lines(self):
        labels = {"zone": _("区块"), "grid": _("网格"), "parcel": _("宗地"), "enterprise": _("企业")}
        if self.dry_run:
            template = _("%(kind)s：将新增 %(created)d，将更新 %(updated)d，不变 %(unchanged)d")
        else:
            template = _("%(kind)s：新增 %(created)d，更新 %(updated)d，不变 %(unchanged)d")
        return [template % {"kind": labels[kind], **self.counts[kind]} for kind in KINDS]


# --- reading the file -------------------------------------------------------------------------
