from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from briefing.choices import DeliveryStatus
from briefing.querysets import DailyReportQuerySet
from cases.models import Ticket
from register.models import Grid, Zone

User = settings.AUTH_USER_MODEL


class DailyReport(models.Model):
    """每日问题整改简报: one per date and scope ('all', 'zone:<id>', 'grid:<id>')."""

    date = models.DateField(_("日期"), db_index=True)
    scope = models.CharField(_("范围"), max_length=32, default="all")
    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, null=True, blank=True, related_name="reports")
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, null=True, blank=True, related_name="reports")
    data = models.JSONField(_("内容"), default=dict)
    generated_at = models.DateTimeField(_("生成时间"), default=timezone.now)

    objects = DailyReportQuerySet.as_manager()
    scope_paths = {"zone": "zone_id", "grid": "grid_id", "enterprise": None, "parcel": None}

    class Meta:
        ordering = ["-date", "scope"]
        verbose_name = _("每日简报")
        verbose_name_plural = _("每日简报")
        constraints = [models.UniqueConstraint(fields=["date", "scope"], name="daily_report_once_per_scope")]

    def __str__(self):
        return f"{self.date} {self.scope}"


class Delivery(models.Model):
    """One message on one channel (a mail to one address, one webhook, one reminder): sent once."""

    key = models.CharField(_("唯一键"), max_length=255, unique=True)
    report = models.ForeignKey(
        DailyReport, on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries", verbose_name=_("简报")
    )
    ticket = models.ForeignKey(
        Ticket, on_delete=models.PROTECT, null=True, blank=True, related_name="deliveries", verbose_name=_("整改单")
    )
    channel = models.CharField(_("渠道"), max_length=32)
    recipient = models.CharField(_("接收方"), max_length=500)
    status = models.CharField(_("状态"), max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    last_error = models.TextField(_("最近错误"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    claimed_at = models.DateTimeField(_("认领时间"), null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("发送记录")
        verbose_name_plural = _("发送记录")

    def __str__(self):
        return self.key
