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


class CloseoutState(models.TextChoices):
    """Red/green map state of a parcel (宗地销号)."""

    GREEN = "green", _("绿（无未整改隐患）")
    RED = "red", _("红（有未整改隐患）")
    CROSSCHECK = "crosscheck", _("待交叉检查")
