from django.db import models
from django.utils.translation import gettext_lazy as _


class Severity(models.TextChoices):
    GENERAL = "general", _("一般隐患")
    MAJOR = "major", _("重大隐患")


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


class InspectionSource(models.TextChoices):
    GRID = "grid", _("网格日常排查")
    THIRD_PARTY = "third_party", _("第三方专业检查")
    CROSS_CHECK = "cross_check", _("交叉检查")
    SELF_CHECK = "self_check", _("企业自查")
    CAMPAIGN = "campaign", _("专项行动")


class InspectionResult(models.TextChoices):
    PASSED = "passed", _("未发现隐患")
    HAZARDS_FOUND = "hazards_found", _("发现隐患")


class HazardStatus(models.TextChoices):
    REPORTED = "reported", _("已上报")
    AGGREGATED = "aggregated", _("已汇总交办")
    RECTIFIED = "rectified", _("已整改")
    DUPLICATE = "duplicate", _("重复上报")
    INVALID = "invalid", _("核实不属实")


OPEN_HAZARD_STATUSES = (HazardStatus.REPORTED, HazardStatus.AGGREGATED)
COUNTED_HAZARD_STATUSES = (HazardStatus.REPORTED, HazardStatus.AGGREGATED, HazardStatus.RECTIFIED)


class TicketStatus(models.TextChoices):
    PENDING = "pending", _("汇总待交办")
    ASSIGNED = "assigned", _("整改中")
    SUBMITTED = "submitted", _("待验收")
    CLOSED = "closed", _("已销号")


OPEN_TICKET_STATUSES = (TicketStatus.PENDING, TicketStatus.ASSIGNED, TicketStatus.SUBMITTED)


class ResponsibleKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("企业")
    LANDLORD = "landlord", _("房东")


class EscalationLevel(models.IntegerChoices):
    NONE = 0, _("未督办")
    SUPERVISED = 1, _("督办")
    LISTED = 2, _("挂牌督办")


class CrossCheckStatus(models.TextChoices):
    REQUESTED = "requested", _("待检查")
    PASSED = "passed", _("通过")
    FAILED = "failed", _("未通过")


class PhotoKind(models.TextChoices):
    BEFORE = "before", _("整改前")
    AFTER = "after", _("整改后")
    INSPECTION = "inspection", _("检查现场")
    OTHER = "other", _("其他")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")
