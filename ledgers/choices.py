from django.db import models
from django.utils.translation import gettext_lazy as _


class DrillKind(models.TextChoices):
    TRAINING = "training", _("消防安全培训")
    DRILL = "drill", _("应急演练")
    EVACUATION = "evacuation", _("疏散演练")
    EXTINGUISHER = "extinguisher", _("灭火器实操")
    EMERGENCY_TEAM = "emergency_team", _("微型消防站/应急队伍演练")


class LetterKind(models.TextChoices):
    """Who signs: the landlord of a parcel, an enterprise, or landlord and tenant together (一厂多租)."""

    LANDLORD = "landlord", _("房东安全生产责任书")
    ENTERPRISE = "enterprise", _("企业安全生产承诺书")
    TENANT_AGREEMENT = "tenant_agreement", _("租赁厂房安全管理协议")


class LetterStatus(models.TextChoices):
    NOT_ISSUED = "not_issued", _("未下发")
    ISSUED = "issued", _("已下发")
    SIGNED = "signed", _("已签订")
    EXPIRED = "expired", _("已过期")


class DeviceStatus(models.TextChoices):
    IN_USE = "in_use", _("在用")
    OFFLINE = "offline", _("离线")
    REMOVED = "removed", _("已拆除")
