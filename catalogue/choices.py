from django.db import models
from django.utils.translation import gettext_lazy as _


class Severity(models.TextChoices):
    GENERAL = "general", _("一般隐患")
    MAJOR = "major", _("重大隐患")


class ChecklistAnswer(models.TextChoices):
    """The answer to one checklist item: pass, fail (a hazard is reported) or not applicable (neither)."""

    PASS = "pass", _("合格")
    FAIL = "fail", _("不合格")
    NOT_APPLICABLE = "na", _("不涉及")


class CategoryLevel(models.TextChoices):
    PARCEL = "parcel", _("宗地级（房东负责）")
    ENTERPRISE = "enterprise", _("企业级")


class AccidentType(models.TextChoices):
    """The 20 accident kinds of GB 6441-1986 (企业职工伤亡事故分类)."""

    STRUCK_BY_OBJECT = "struck_by_object", _("物体打击")
    VEHICLE = "vehicle", _("车辆伤害")
    MACHINERY = "machinery", _("机械伤害")
    LIFTING = "lifting", _("起重伤害")
    ELECTROCUTION = "electrocution", _("触电")
    DROWNING = "drowning", _("淹溺")
    SCALD = "scald", _("灼烫")
    FIRE = "fire", _("火灾")
    FALL = "fall", _("高处坠落")
    COLLAPSE = "collapse", _("坍塌")
    ROOF_FALL = "roof_fall", _("冒顶片帮")
    WATER_INRUSH = "water_inrush", _("透水")
    BLASTING = "blasting", _("放炮")
    GAS_EXPLOSION = "gas_explosion", _("瓦斯爆炸")
    GUNPOWDER = "gunpowder", _("火药爆炸")
    BOILER = "boiler", _("锅炉爆炸")
    VESSEL = "vessel", _("容器爆炸")
    OTHER_EXPLOSION = "other_explosion", _("其它爆炸")
    POISONING = "poisoning", _("中毒和窒息")
    OTHER = "other", _("其它伤害")
