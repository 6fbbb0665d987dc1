from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.scoping import through
from register.models import Enterprise, Parcel
from timeline.querysets import EventQuerySet

User = settings.AUTH_USER_MODEL


def event_scope_paths():
    """An event is seen by exactly who sees its subject: its ticket or hazard, or, for an event of a
    parcel alone (close-out), the parcel, scoped like the parcel itself."""
    cases = through("ticket", "hazard")
    parcel_paths = {
        "zone": lambda ids: Q(parcel__grid__zone_id__in=ids),
        "grid": lambda ids: Q(parcel__grid_id__in=ids),
        "enterprise": lambda ids: Q(parcel_id__in=Enterprise.objects.filter(pk__in=ids).values("parcel_id")),
        "parcel": lambda ids: Q(parcel_id__in=ids),
    }

    def make(key):
        def q(ids):
            return cases[key](ids) | (Q(ticket__isnull=True, hazard__isnull=True) & parcel_paths[key](ids))

        return q

    return {key: make(key) for key in parcel_paths}


class Event(models.Model):
    """One change of a ticket, hazard, inspection or parcel: append-only, chained by hash within its
    stream (timeline.chain)."""

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
    stream = models.CharField(_("事件流"), max_length=64, db_index=True, editable=False)
    prev_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, editable=False, unique=True)
    # The ledger key the hash was made with (timeline.keys); "" for the plain SHA-256 of before the keys.
    key_id = models.CharField(_("密钥编号"), max_length=32, blank=True, default="", editable=False)

    objects = EventQuerySet.as_manager()
    scope_paths = event_scope_paths()

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


class StreamHead(models.Model):
    """The newest hash of one event stream and how many events it holds. Each append locks this one row,
    so writers on different streams never wait on each other."""

    stream = models.CharField(_("事件流"), max_length=64, primary_key=True)
    head = models.CharField(_("链头哈希"), max_length=64)
    count = models.PositiveBigIntegerField(_("事件数"), default=0)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    class Meta:
        verbose_name = _("事件流链头")
        verbose_name_plural = _("事件流链头")

    def __str__(self):
        return f"{self.stream} #{self.count}"


class DailyAnchor(models.Model):
    """One day's anchor: a root hash over every stream as it stood at the end of the day, chained to the
    previous anchor. Written once by the nightly job (timeline.chain.anchor_day), never changed."""

    date = models.DateField(_("日期"), unique=True)
    root = models.CharField(_("根哈希"), max_length=64)
    streams = models.PositiveBigIntegerField(_("事件流数"))
    events = models.PositiveBigIntegerField(_("事件数"))
    prev_hash = models.CharField(max_length=64, unique=True, editable=False)  # the chain of anchors never forks
    hash = models.CharField(_("锚点哈希"), max_length=64, unique=True, editable=False)
    key_id = models.CharField(_("密钥编号"), max_length=32, blank=True, default="", editable=False)
    created_at = models.DateTimeField(_("生成时间"), default=timezone.now)

    class Meta:
        ordering = ["date"]
        verbose_name = _("每日锚点")
        verbose_name_plural = _("每日锚点")

    def __str__(self):
        return f"{self.date} {self.root[:12]}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Anchors are written once.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Anchors are written once.")


class LedgerSeal(models.Model):
    """The events and anchors chained before the ledger had keys (key id ""), sealed once by the migration
    that added the keys: the last such event and anchor, the listing of every stream as of that event
    (``root``, as an anchor's) and the last anchor's hash, under an HMAC with a ledger key. Plain SHA-256
    events and anchors are accepted only up to it (timeline.chain.verify_chain)."""

    key_id = models.CharField(_("密钥编号"), max_length=32)
    last_event = models.BigIntegerField(_("最后一条事件"))
    last_anchor = models.BigIntegerField(_("最后一个锚点"))
    root = models.CharField(_("根哈希"), max_length=64)
    streams = models.PositiveBigIntegerField(_("事件流数"))
    events = models.PositiveBigIntegerField(_("事件数"))
    anchor_head = models.CharField(max_length=64)
    hash = models.CharField(_("封存哈希"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("生成时间"), default=timezone.now)

    class Meta:
        verbose_name = _("旧链封存")
        verbose_name_plural = _("旧链封存")

    def __str__(self):
        return f"#{self.last_event} {self.hash[:12]}"
