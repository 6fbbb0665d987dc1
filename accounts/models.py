from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.choices import Role


class User(AbstractUser):
    """A person using the tracker: a role and the units they are scoped to.

    Scope by role (see accounts.scoping): inspectors their grids, managers and
    leaders their zones (none: the whole area), enterprise users their
    enterprises, landlords their parcels.
    """

    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, blank=True, db_index=True)
    phone = models.CharField(_("电话"), max_length=32, blank=True)
    zones = models.ManyToManyField("register.Zone", blank=True, related_name="users", verbose_name=_("区块"))
    grids = models.ManyToManyField("register.Grid", blank=True, related_name="inspectors", verbose_name=_("网格"))
    enterprises = models.ManyToManyField(
        "register.Enterprise", blank=True, related_name="users", verbose_name=_("企业")
    )
    parcels = models.ManyToManyField("register.Parcel", blank=True, related_name="users", verbose_name=_("宗地"))
    language = models.CharField(
        _("界面语言"), max_length=10, blank=True, choices=[("zh-hans", "中文"), ("en", "English")]
    )
    receives_daily_report = models.BooleanField(
        _("接收每日简报"), default=False, help_text=_("领导默认接收；交办人员勾选后接收。")
    )

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self):
        full = self.get_full_name()
        return f"{full} ({self.username})" if full else self.username

    @property
    def sees_everything(self):
        """Superusers, staff without a role, and managers/leaders without zones see all."""
        if self.is_superuser or (self.is_staff and not self.role):
            return True
        return self.role in (Role.MANAGER, Role.LEADER) and not self.scope_zone_ids

    @property
    def scope_zone_ids(self):
        if not hasattr(self, "_scope_zone_ids"):
            self._scope_zone_ids = frozenset(self.zones.values_list("id", flat=True)) if self.pk else frozenset()
        return self._scope_zone_ids

    @property
    def scope_grid_ids(self):
        if not hasattr(self, "_scope_grid_ids"):
            self._scope_grid_ids = frozenset(self.grids.values_list("id", flat=True)) if self.pk else frozenset()
        return self._scope_grid_ids

    def is_role(self, *roles):
        return self.role in roles
