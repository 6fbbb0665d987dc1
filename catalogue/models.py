from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from catalogue.choices import AccidentType, CategoryLevel, Severity
from register.choices import EnterpriseKind
from register.models import RiskTagOption

User = settings.AUTH_USER_MODEL


class HazardCategory(models.Model):
    code = models.CharField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=200)
    level = models.CharField(
        _("责任层级"), max_length=16, choices=CategoryLevel.choices, default=CategoryLevel.ENTERPRISE
    )
    default_severity = models.CharField(
        _("默认等级"), max_length=16, choices=Severity.choices, default=Severity.GENERAL
    )
    deadline_days = models.PositiveIntegerField(_("默认整改期限（天）"), default=15)
    accident_type = models.CharField(_("可能导致的事故类型"), max_length=32, choices=AccidentType.choices, blank=True)
    legal_basis = models.TextField(_("依据"), blank=True)
    standard_measures = models.TextField(_("标准整改措施"), blank=True)
    risk_tag = models.ForeignKey(
        RiskTagOption,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="categories",
        verbose_name=_("关联风险类型"),
    )
    active = models.BooleanField(_("启用"), default=True)
    order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("隐患类别")
        verbose_name_plural = _("隐患类别")

    def __str__(self):
        return f"{self.code} {self.name}"


class Campaign(models.Model):
    name = models.CharField(_("名称"), max_length=200)
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"), null=True, blank=True)
    risk_tags = models.ManyToManyField(
        RiskTagOption, blank=True, related_name="campaigns", verbose_name=_("目标风险类型")
    )
    description = models.TextField(_("说明"), blank=True)
    # Deactivated, never deleted: inspections made for a campaign keep pointing to it.
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["-start_date"]
        verbose_name = _("专项行动")
        verbose_name_plural = _("专项行动")

    def __str__(self):
        return self.name


class Checklist(models.Model):
    code = models.SlugField(_("代码"), max_length=64, unique=True)
    name = models.CharField(_("名称"), max_length=200)
    unit_kind = models.CharField(_("适用单位类型"), max_length=20, choices=EnterpriseKind.choices, blank=True)
    risk_tag = models.ForeignKey(
        RiskTagOption,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="checklists",
        verbose_name=_("适用风险类型"),
    )
    for_parcel = models.BooleanField(_("用于宗地检查"), default=False)
    is_self_check = models.BooleanField(_("企业自查表"), default=False)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("检查表")
        verbose_name_plural = _("检查表")

    def __str__(self):
        return self.name


class ChecklistItem(models.Model):
    checklist = models.ForeignKey(Checklist, on_delete=models.CASCADE, related_name="items", verbose_name=_("检查表"))
    order = models.PositiveIntegerField(_("序号"), default=0)
    text = models.CharField(_("检查内容"), max_length=500)
    category = models.ForeignKey(
        HazardCategory, on_delete=models.PROTECT, related_name="checklist_items", verbose_name=_("不合格时的隐患类别")
    )

    class Meta:
        ordering = ["checklist", "order", "pk"]
        verbose_name = _("检查项")
        verbose_name_plural = _("检查项")

    def __str__(self):
        return self.text
