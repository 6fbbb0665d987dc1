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
