from django.db import models
from django.utils.translation import gettext_lazy as _


class DemoStamp(models.Model):
    """What the last ``seed_demo`` built: the highest id of each kind of register row and account.

    ``seed_demo --reset`` empties the database only when every account and unit in it is the demo's
    (ids up to these, and no stamp-less data): anything added since is real data (demo.reset.real_data).
    """

    scale = models.CharField(_("规模"), max_length=16)
    built_at = models.DateTimeField(_("生成时间"), auto_now_add=True)
    max_ids = models.JSONField(_("最大编号"), default=dict)

    class Meta:
        verbose_name = _("演示数据记录")
        verbose_name_plural = _("演示数据记录")

    def __str__(self):
        return f"{self.scale} {self.built_at:%Y-%m-%d %H:%M}"
