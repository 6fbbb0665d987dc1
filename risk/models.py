"""Risk points (风险点) and the patrol plan (巡查频次) in force.

A unit's level is stored on the unit (``register``'s ``risk_level``) and computed by ``risk.levels``;
check-ins (巡更打卡) are visits and live with the inspections (``cases.CheckIn``).
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.scoping import UNIT_SCOPE_PATHS
from register.choices import RiskLevel, risk_colour
from register.models import Enterprise, Grid, Parcel, Zone
from risk.choices import (
    MEASURE_TYPES,
    Consequence,
    ControlLevel,
    Exposure,
    Likelihood,
    RiskPointStatus,
    lec_score,
    level_of_score,
)
from risk.querysets import RiskPointQuerySet

User = settings.AUTH_USER_MODEL


class RiskPoint(models.Model):
    """One risk point of a unit: an enterprise's, or (no enterprise) a parcel's common areas.

    ``assessed_level`` is the grade of the LEC score; ``level`` is the grade in force: the assessed
    one, or the one a reviewer set, with ``level_reason`` (risk.services.review_risk_point)."""

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, null=True, blank=True, related_name="risk_points", verbose_name=_("单位")
    )
    parcel = models.ForeignKey(
        Parcel, on_delete=models.PROTECT, null=True, blank=True, related_name="risk_points", verbose_name=_("宗地")
    )
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="risk_points", verbose_name=_("网格"))
    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, related_name="risk_points", verbose_name=_("区块"))
    name = models.CharField(_("风险点名称"), max_length=100)
    place = models.CharField(_("所在位置"), max_length=200, blank=True)
    accident_types = models.JSONField(_("可能导致的事故类型"), default=list, blank=True)
    likelihood = models.CharField(_("L 事故发生的可能性"), max_length=8, choices=Likelihood.choices)
    exposure = models.CharField(_("E 暴露于危险环境的频繁程度"), max_length=8, choices=Exposure.choices)
    consequence = models.CharField(_("C 发生事故产生的后果"), max_length=8, choices=Consequence.choices)
    score = models.DecimalField(_("D 风险值"), max_digits=8, decimal_places=2, editable=False)
    assessed_level = models.PositiveSmallIntegerField(_("评估等级"), choices=RiskLevel.choices, editable=False)
    level = models.PositiveSmallIntegerField(_("风险等级"), choices=RiskLevel.choices, db_index=True)
    level_reason = models.TextField(_("调整等级理由"), blank=True)
    measures_engineering = models.TextField(_("工程技术措施"), blank=True)
    measures_management = models.TextField(_("管理措施"), blank=True)
    measures_training = models.TextField(_("培训教育措施"), blank=True)
    measures_ppe = models.TextField(_("个体防护措施"), blank=True)
    measures_emergency = models.TextField(_("应急处置措施"), blank=True)
    control_level = models.CharField(
        _("管控层级"), max_length=16, choices=ControlLevel.choices, default=ControlLevel.WORKSHOP
    )
    responsible_person = models.CharField(_("责任人"), max_length=100)
    responsible_phone = models.CharField(_("责任人电话"), max_length=32, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=RiskPointStatus.choices, default=RiskPointStatus.DECLARED, db_index=True
    )
    active = models.BooleanField(_("在用"), default=True)
    declared_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="declared_risk_points", verbose_name=_("申报人")
    )
    reviewed_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reviewed_risk_points",
        verbose_name=_("审核人"),
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("申报时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = RiskPointQuerySet.as_manager()
    scope_paths = UNIT_SCOPE_PATHS

    class Meta:
        ordering = ["zone", "grid", "-level", "pk"]
        verbose_name = _("风险点")
        verbose_name_plural = _("风险点")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(enterprise__isnull=False) | models.Q(parcel__isnull=False),
                name="riskpoint_has_unit",
            )
        ]
        indexes = [
            models.Index(fields=["enterprise", "active", "level"], name="riskpoint_enterprise_level"),
            models.Index(fields=["parcel", "active", "level"], name="riskpoint_parcel_level"),
        ]

    def __str__(self):
        return f"{self.unit_name} · {self.name}"

    def save(self, *args, **kwargs):
        self.score = lec_score(self.likelihood, self.exposure, self.consequence)
        self.assessed_level = level_of_score(self.score)
        if self.level is None or not self.level_reason:
            self.level = self.assessed_level
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("risk:point_detail", args=[self.pk])

    @property
    def stream(self):
        """Its timeline's stream: every change of the point is an event there."""
        return f"riskpoint:{self.pk}"

    @property
    def unit(self):
        return self.enterprise if self.enterprise_id else self.parcel

    @property
    def unit_name(self):
        return self.enterprise.name if self.enterprise_id else self.parcel.name

    @property
    def colour(self):
        return risk_colour(self.level)

    @property
    def measures(self):
        """[(label, text)] of the measures filled in."""
        return [(label, getattr(self, field)) for field, label in MEASURE_TYPES if getattr(self, field)]


class PatrolPlan(models.Model):
    """The visit frequency per risk level (巡查频次) from ``valid_from`` on. A change adds a plan; the
    plans before it stay, so a past day's coverage reads the plan then in force (``plan_on``)."""

    valid_from = models.DateTimeField(_("生效时间"), db_index=True)
    red_days = models.PositiveSmallIntegerField(_("重大风险（红）巡查周期（天）"))
    orange_days = models.PositiveSmallIntegerField(_("较大风险（橙）巡查周期（天）"))
    yellow_days = models.PositiveSmallIntegerField(_("一般风险（黄）巡查周期（天）"))
    blue_days = models.PositiveSmallIntegerField(_("低风险（蓝）巡查周期（天）"))
    reason = models.TextField(_("调整理由"), blank=True)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="patrol_plans", verbose_name=_("调整人")
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        ordering = ["-valid_from", "-pk"]
        get_latest_by = "valid_from"
        verbose_name = _("巡查计划")
        verbose_name_plural = _("巡查计划")

    def __str__(self):
        return f"{self.valid_from:%Y-%m-%d} {self.red_days}/{self.orange_days}/{self.yellow_days}/{self.blue_days}"

    def days_for(self, level):
        return {
            RiskLevel.RED: self.red_days,
            RiskLevel.ORANGE: self.orange_days,
            RiskLevel.YELLOW: self.yellow_days,
            RiskLevel.BLUE: self.blue_days,
        }[RiskLevel(level)]

    @property
    def cycles(self):
        """{level: days}."""
        return {level: self.days_for(level) for level in RiskLevel}
