from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Inspection
from closeout.choices import CrossCheckStatus
from closeout.querysets import CrossCheckQuerySet
from register.models import Parcel

User = settings.AUTH_USER_MODEL


class CrossCheck(models.Model):
    """A request that an inspector of another grid checks a parcel before close-out."""

    parcel = models.ForeignKey(Parcel, on_delete=models.PROTECT, related_name="crosschecks", verbose_name=_("宗地"))
    requested_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="requested_crosschecks", verbose_name=_("申请人")
    )
    requested_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    inspector = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="crosschecks", verbose_name=_("交叉检查人")
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=CrossCheckStatus.choices, default=CrossCheckStatus.REQUESTED
    )
    inspection = models.OneToOneField(
        Inspection,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="crosscheck",
        verbose_name=_("检查记录"),
    )
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    comment = models.TextField(_("意见"), blank=True)

    objects = CrossCheckQuerySet.as_manager()
    scope_paths = {
        "zone": "parcel__grid__zone_id",
        "grid": "parcel__grid_id",
        "enterprise": lambda ids: Q(parcel__tenants__in=ids),
        "parcel": "parcel_id",
        # the cross-checking inspector keeps seeing the cross-checks sent to them, open or done
        "assigned_inspector": "inspector_id",
    }

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("交叉检查")
        verbose_name_plural = _("交叉检查")
        constraints = [
            models.UniqueConstraint(
                fields=["parcel"], condition=Q(status="requested"), name="crosscheck_one_open_per_parcel"
            )
        ]

    def __str__(self):
        return f"{self.parcel} {self.get_status_display()}"
