"""The words of risk grading (安全风险分级管控): the LEC value tables, control levels and measures.

LEC (作业条件危险性分析, Graham–Kinney): D = L × E × C, with L, E and C taken from the standard's tables
below; the grade of D is ``level_of_score`` (重大 D > 320, 较大 160 < D ≤ 320, 一般 70 < D ≤ 160, 低 D ≤ 70).
"""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from register.choices import RiskLevel


class Likelihood(models.TextChoices):
    """L: how likely the accident is."""

    CERTAIN = "10", _("10 完全可以预料")
    QUITE_POSSIBLE = "6", _("6 相当可能")
    UNUSUAL = "3", _("3 可能，但不经常")
    REMOTE = "1", _("1 可能性小，完全意外")
    CONCEIVABLE = "0.5", _("0.5 很不可能，可以设想")
    PRACTICALLY_IMPOSSIBLE = "0.2", _("0.2 极不可能")
    VIRTUALLY_IMPOSSIBLE = "0.1", _("0.1 实际不可能")


class Exposure(models.TextChoices):
    """E: how often people are exposed to the hazardous setting."""

    CONTINUOUS = "10", _("10 连续暴露")
    DAILY = "6", _("6 每天工作时间内暴露")
    WEEKLY = "3", _("3 每周一次或偶然暴露")
    MONTHLY = "2", _("2 每月一次暴露")
    YEARLY = "1", _("1 每年几次暴露")
    RARE = "0.5", _("0.5 非常罕见地暴露")


class Consequence(models.TextChoices):
    """C: how bad the consequence would be."""

    CATASTROPHE = "100", _("100 大灾难，许多人死亡")
    DISASTER = "40", _("40 灾难，数人死亡")
    VERY_SERIOUS = "15", _("15 非常严重，一人死亡")
    SERIOUS = "7", _("7 严重，重伤")
    IMPORTANT = "3", _("3 重大，致残")
    NOTICEABLE = "1", _("1 引人注目，需要救护")


class ControlLevel(models.TextChoices):
    """管控层级: who controls the risk point."""

    COMPANY = "company", _("公司级")
    WORKSHOP = "workshop", _("车间级")
    TEAM = "team", _("班组级")
    POST = "post", _("岗位级")


class RiskPointStatus(models.TextChoices):
    DECLARED = "declared", _("待审核")
    REVIEWED = "reviewed", _("已审核")


# The control measures of a risk point, by type: (field name, label). Offices file them in these columns.
MEASURE_TYPES = (
    ("measures_engineering", _("工程技术措施")),
    ("measures_management", _("管理措施")),
    ("measures_training", _("培训教育措施")),
    ("measures_ppe", _("个体防护措施")),
    ("measures_emergency", _("应急处置措施")),
)

# Upper bounds of D for the grades below red (inclusive): D ≤ 70 blue, ≤ 160 yellow, ≤ 320 orange, else red.
LEC_BOUNDS = ((Decimal(70), RiskLevel.BLUE), (Decimal(160), RiskLevel.YELLOW), (Decimal(320), RiskLevel.ORANGE))


def lec_score(likelihood, exposure, consequence):
    """D = L × E × C, exact (decimal)."""
    return Decimal(str(likelihood)) * Decimal(str(exposure)) * Decimal(str(consequence))


def level_of_score(score):
    """The grade of an LEC score D."""
    score = Decimal(str(score))
    for bound, level in LEC_BOUNDS:
        if score <= bound:
            return level
    return RiskLevel.RED
