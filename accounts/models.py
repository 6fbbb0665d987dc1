from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from rest_framework.authtoken.models import TokenProxy

from accounts.choices import Role


class Department(models.Model):
    """A department of the administration that answers enterprise service requests (供电所, 交通建设,
    审批服务, 消防救援 …): data, kept in the admin. Its users (role ``department``) see only the
    requests dispatched to it."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    code = models.SlugField(_("代码"), max_length=32, unique=True)
    phone = models.CharField(_("电话"), max_length=32, blank=True)
    order = models.PositiveIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("职能部门")
        verbose_name_plural = _("职能部门")

    def __str__(self):
        return self.name


class User(AbstractUser):
    """A person using the tracker: a role and the units they are scoped to.

    Scope by role (see accounts.scoping): inspectors their grids, managers and
    leaders their zones (or the whole area when ``whole_area`` is set), enterprise
    users their enterprises, landlords their parcels. Scope fails closed: no zones
    and no ``whole_area`` is nothing.
    """

    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, blank=True, db_index=True)
    phone = models.CharField(_("电话"), max_length=32, blank=True)
    whole_area = models.BooleanField(
        _("负责全区域"),
        default=False,
        help_text=_("仅对交办人员和领导有效：勾选后可查看全部区块；未勾选时只能查看所选区块。"),
    )
    zones = models.ManyToManyField("register.Zone", blank=True, related_name="users", verbose_name=_("区块"))
    grids = models.ManyToManyField("register.Grid", blank=True, related_name="inspectors", verbose_name=_("网格"))
    enterprises = models.ManyToManyField(
        "register.Enterprise", blank=True, related_name="users", verbose_name=_("企业")
    )
    parcels = models.ManyToManyField("register.Parcel", blank=True, related_name="users", verbose_name=_("宗地"))
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("职能部门"),
        help_text=_("仅对职能部门用户有效：只能查看派发给本部门的企业服务问题。"),
    )
    language = models.CharField(
        _("界面语言"), max_length=10, blank=True, choices=[("zh-hans", "中文"), ("en", "English")]
    )
    receives_daily_report = models.BooleanField(
        _("接收每日简报"), default=False, help_text=_("领导默认接收；交办人员勾选后接收。")
    )

    # Who a scoped staff user sees in the admin: the accounts whose units lie in their scope;
    # never a superuser or a whole-area account (those are above every zone).
    scope_paths = {
        "zone": lambda ids: _accounts(
            Q(zones__in=ids)
            | Q(grids__zone__in=ids)
            | Q(enterprises__grid__zone__in=ids)
            | Q(parcels__grid__zone__in=ids)
            | Q(owned_parcels__grid__zone__in=ids)
        ),
        "grid": lambda ids: _accounts(
            Q(grids__in=ids) | Q(enterprises__grid__in=ids) | Q(parcels__grid__in=ids) | Q(owned_parcels__grid__in=ids)
        ),
        "enterprise": lambda ids: _accounts(Q(enterprises__in=ids)),
        "parcel": lambda ids: _accounts(Q(parcels__in=ids) | Q(owned_parcels__in=ids)),
    }

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self):
        full = self.get_full_name()
        return f"{full} ({self.username})" if full else self.username

    @property
    def sees_everything(self):
        """Active superusers, and managers/leaders marked ``whole_area``, see the whole area.

        Nobody else does: staff status alone opens the Django admin, not the data, and a
        manager or leader with no zones sees nothing.
        """
        if not self.is_active:
            return False
        return self.is_superuser or (self.whole_area and self.role in (Role.MANAGER, Role.LEADER))

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


class ApiToken(TokenProxy):
    """An API token as the admin shows it: whose and since when, never the key.

    The key is shown once, by the API call that creates it (``POST /api/v1/auth/token/``);
    a token's name here is its user's, so no page, log entry or confirmation prints the key.
    """

    class Meta:
        proxy = True
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")

    def __str__(self):
        return str(_("%(user)s 的 API 令牌") % {"user": self.user})


def _accounts(units):
    """Accounts linked to the given units (one subquery: no duplicate rows), except superusers and
    whole-area accounts."""
    return Q(pk__in=User.objects.filter(units).values("pk"), is_superuser=False, whole_area=False)


class ActivationCode(models.Model):
    """The one-time code of an account that has no password yet (a party's account opened from the register).

    Only a hash is kept: the code is shown once, to the manager who opened the account (or sent by SMS).
    The first sign-in (mobile number + code) sets the password and deletes the code; too many wrong
    codes delete it too (a new one is issued by opening the account again).
    """

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="activation", verbose_name=_("用户"))
    code_hash = models.CharField(_("激活码（散列）"), max_length=128)
    failed_attempts = models.PositiveSmallIntegerField(_("错误次数"), default=0)
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("生成人"),
    )

    class Meta:
        verbose_name = _("激活码")
        verbose_name_plural = _("激活码")

    def __str__(self):
        return str(self.user)
