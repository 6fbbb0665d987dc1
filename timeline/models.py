from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.scoping import through
from register.models import Parcel
from timeline.querysets import EventQuerySet

User = settings.AUTH_USER_MODEL


class Event(models.Model):
    """One change of a ticket, hazard or parcel: append-only, chained by hash."""

    kind = models.CharField(_("事件类型"), max_length=64, db_index=True)
    ticket = models.ForeignKey(
        "cases.Ticket", on_delete=models.PROTECT, null=True, blank=True, related_name="events", verbose_name=_("整改单")
    )
    hazard = models.ForeignKey(
        "cases.Hazard", on_delete=models.PROTECT, null=True, blank=True, related_name="events", verbose_name=_("隐患")
    )
    parcel = models.ForeignKey(
        Parcel, on_delete=models.PROTECT, null=True, blank=True, related_name="events", verbose_name=_("宗地")
    )
    actor = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="events", verbose_name=_("操作人")
    )
    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    from_status = models.CharField(_("原状态"), max_length=32, blank=True)
    to_status = models.CharField(_("新状态"), max_length=32, blank=True)
    comment = models.TextField(_("说明"), blank=True)
    internal = models.BooleanField(_("仅内部可见"), default=False)
    data = models.JSONField(_("变更内容"), default=dict, blank=True)
    prev_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, editable=False, unique=True)

    objects = EventQuerySet.as_manager()
    scope_paths = through("ticket", "hazard")

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("事件")
        verbose_name_plural = _("事件")

    def __str__(self):
        return f"{self.kind} {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Events are append-only.")
