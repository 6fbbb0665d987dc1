from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Sequence(models.Model):
    """Counters taken under a row lock: ticket and hazard numbers per day (the event chains keep
    their heads in timeline.StreamHead)."""

    key = models.CharField(max_length=64, primary_key=True)
    value = models.BigIntegerField(default=0)
    text = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("序号")
        verbose_name_plural = _("序号")

    def __str__(self):
        return f"{self.key}={self.value}"


class IdempotencyKey(models.Model):
    """A request a client may send more than once (a phone's outbox, a double tap, a retry after a lost
    answer), named by a key the client made: the first answer is kept and every repeat gets it again.

    See core.idempotency. ``fingerprint`` is a digest of what was sent (fields and file contents), so a
    different request under a used key is refused rather than answered with another request's answer."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(_("请求标识"), max_length=64)
    scope = models.CharField(_("操作"), max_length=64)
    fingerprint = models.CharField(_("内容摘要"), max_length=64)
    status = models.PositiveSmallIntegerField(_("应答状态"), null=True)
    response = models.JSONField(_("应答"), default=dict)
    created_at = models.DateTimeField(_("接收时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("幂等请求")
        verbose_name_plural = _("幂等请求")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_per_user")]

    def __str__(self):
        return f"{self.scope} {self.key}"


class MetricCounter(models.Model):
    """A counter shared by every process and host (core.metrics): Celery task outcomes, briefing
    deliveries. Kept in the database so that a worker on its own machine counts where any app
    server's ``/metrics`` reads it, across restarts."""

    name = models.CharField(max_length=64)
    labels = models.CharField(max_length=255, blank=True)  # "key=value,key=value", keys sorted
    value = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["name", "labels"], name="metric_counter_unique")]
        verbose_name = _("计数器")
        verbose_name_plural = _("计数器")

    def __str__(self):
        return f"{self.name}{{{self.labels}}}={self.value}"


class CheckResult(models.Model):
    """The last result of a scheduled check (``verify_events``, core.checks): when, passed or not, and
    what failed. Shown on the admin index and, while it is a failure, to managers and leaders."""

    name = models.CharField(_("检查"), max_length=64, primary_key=True)
    ran_at = models.DateTimeField(_("检查时间"))
    ok = models.BooleanField(_("通过"))
    message = models.TextField(_("结果"), blank=True)

    class Meta:
        verbose_name = _("定时检查结果")
        verbose_name_plural = _("定时检查结果")

    def __str__(self):
        return f"{self.name}: {'ok' if self.ok else 'failed'} ({self.ran_at:%Y-%m-%d %H:%M})"
