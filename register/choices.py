from django.db import models
from django.utils.translation import gettext_lazy as _


class EnterpriseKind(models.TextChoices):
    INDUSTRIAL = "industrial", _("工业企业")
    SMALL_PREMISES = "small_premises", _("两房一店")
    MARKET = "market", _("菜场")
    SUPERMARKET = "supermarket", _("商超")
    OTHER = "other", _("其他")


class RiskTag(models.TextChoices):
    SPRAYING = "spraying", _("涉喷涂喷塑")
    METAL_DUST = "metal_dust", _("涉爆金属粉尘")
    CONFINED_SPACE = "confined_space", _("有限空间")
    LITHIUM = "lithium", _("锂电池")
    WELDING = "welding", _("焊接与热切割")
    OLD_WIRING = "old_wiring", _("老旧厂房电气线路")


class RiskLevel(models.IntegerChoices):
    """A unit's or a risk point's grade (安全风险四色): stored as 1–4 so that "the highest" and "one
    step up" are SQL (``Greatest``, ``+ 1``); the API and the map speak the colour words."""

    BLUE = 1, _("低风险")
    YELLOW = 2, _("一般风险")
    ORANGE = 3, _("较大风险")
    RED = 4, _("重大风险")


RISK_COLOURS = {RiskLevel.BLUE: "blue", RiskLevel.YELLOW: "yellow", RiskLevel.ORANGE: "orange", RiskLevel.RED: "red"}
COLOUR_LEVELS = {colour: level for level, colour in RISK_COLOURS.items()}


def risk_colour(level):
    """The colour word of a level (``None`` → "")."""
    return RISK_COLOURS.get(level, "") if level is not None else ""


class CloseoutState(models.TextChoices):
    """Where a parcel's close-out (宗地销号) stands, as stored: nothing to close out (or closed out),
    hazards found since the last close-out, or a cross-check under way. What people see — 未排查 / 红 /
    待复核 / 绿 — also needs the parcel's hazards and inspections: ``cases.parcel_states``."""

    GREEN = "green", _("已销号或无需销号")
    RED = "red", _("发现隐患，未销号")
    CROSSCHECK = "crosscheck", _("交叉检查中")
