from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from register.choices import CloseoutState, EnterpriseKind, RiskLevel, RiskTag, risk_colour
from register.querysets import EnterpriseQuerySet, GridQuerySet, ParcelQuerySet, ZoneQuerySet
from register.validators import validate_credit_code


class UnitMixin:
    """What a parcel and an enterprise share as units of the register: the risk colour and the plate."""

    plate_kind = ""

    @property
    def risk_colour(self):
        return risk_colour(self.risk_level)

    @property
    def plate_token(self):
        from register.plates import plate_token

        return plate_token(self)

    @property
    def plate_url(self):
        return reverse("risk:plate", args=[self.plate_token])


class Zone(models.Model):
    name = models.CharField(_("名称"), max_length=64, unique=True)
    code = models.SlugField(_("代码"), max_length=32, blank=True)
    order = models.PositiveIntegerField(_("排序"), default=0)

    objects = ZoneQuerySet.as_manager()
    scope_paths = {
        "zone": "pk",
        "grid": lambda ids: Q(pk__in=Grid.objects.filter(pk__in=ids).values("zone_id")),
        "enterprise": lambda ids: Q(pk__in=Enterprise.objects.filter(pk__in=ids).values("grid__zone_id")),
        "parcel": lambda ids: Q(pk__in=Parcel.objects.filter(pk__in=ids).values("grid__zone_id")),
    }

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("区块")
        verbose_name_plural = _("区块")

    def __str__(self):
        return self.name


class Grid(models.Model):
    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, related_name="grids", verbose_name=_("区块"))
    name = models.CharField(_("名称"), max_length=64)
    code = models.SlugField(_("代码"), max_length=32, blank=True)

    objects = GridQuerySet.as_manager()
    scope_paths = {
        "zone": "zone_id",
        "grid": "pk",
        "enterprise": lambda ids: Q(pk__in=Enterprise.objects.filter(pk__in=ids).values("grid_id")),
        "parcel": lambda ids: Q(pk__in=Parcel.objects.filter(pk__in=ids).values("grid_id")),
    }

    class Meta:
        ordering = ["zone__order", "zone__name", "name"]
        constraints = [models.UniqueConstraint(fields=["zone", "name"], name="grid_unique_name_in_zone")]
        verbose_name = _("网格")
        verbose_name_plural = _("网格")

    def __str__(self):
        return f"{self.zone.name} / {self.name}"


class RiskTagOption(models.Model):
    """One of the six enterprise risk types of the special rectification (专项整治)."""

    code = models.CharField(_("代码"), max_length=32, primary_key=True, choices=RiskTag.choices)
    # The unit risk rule's data: an enterprise with this tag is graded at least this level (risk.levels).
    min_risk_level = models.PositiveSmallIntegerField(
        _("单位风险等级下限"), choices=RiskLevel.choices, null=True, blank=True
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("风险类型")
        verbose_name_plural = _("风险类型")

    def __str__(self):
        return str(RiskTag(self.code).label)


class Parcel(UnitMixin, models.Model):
    plate_kind = "p"

    code = models.CharField(_("宗地编号"), max_length=64, unique=True)
    name = models.CharField(_("宗地名称"), max_length=200)
    address = models.CharField(_("地址"), max_length=255, blank=True)
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="parcels", verbose_name=_("网格"))
    landlord_name = models.CharField(_("房东"), max_length=100, blank=True)
    landlord_phone = models.CharField(_("房东电话"), max_length=32, blank=True)
    landlord_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_parcels",
        verbose_name=_("房东账号"),
    )
    area = models.DecimalField(
        _("面积（平方米）"), max_digits=12, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    latitude = models.FloatField(_("纬度"), null=True, blank=True)
    longitude = models.FloatField(_("经度"), null=True, blank=True)
    polygon = models.JSONField(_("范围（GeoJSON）"), null=True, blank=True)
    closeout_state = models.CharField(
        _("销号状态"), max_length=16, choices=CloseoutState.choices, default=CloseoutState.GREEN, db_index=True
    )
    closed_out_at = models.DateTimeField(_("销号时间"), null=True, blank=True)
    # The unit's risk level (安全风险四色), as risk.levels last computed it: never written by hand.
    risk_level = models.PositiveSmallIntegerField(
        _("风险等级"), choices=RiskLevel.choices, default=RiskLevel.BLUE, db_index=True, editable=False
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ParcelQuerySet.as_manager()
    scope_paths = {
        "zone": "grid__zone_id",
        "grid": "grid_id",
        "enterprise": lambda ids: Q(pk__in=Enterprise.objects.filter(pk__in=ids).values("parcel_id")),
        "parcel": "pk",
    }

    class Meta:
        ordering = ["code"]
        verbose_name = _("宗地")
        verbose_name_plural = _("宗地")
        # the map's bounding box (closeout.parcel_map): a latitude range, longitude checked in the index
        indexes = [
            models.Index(fields=["latitude", "longitude"], name="register_parcel_lat_lng_idx"),
            # the map's risk list: highest risk first, then by code, read down to its length
            models.Index(F("risk_level").desc(), "code", name="register_parcel_risk_code_idx"),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    def get_absolute_url(self):
        return reverse("cases:parcel_detail", args=[self.pk])

    @property
    def map_colour(self):
        return "green" if self.closeout_state == CloseoutState.GREEN else "red"

    def active_tenants(self):
        return self.tenants.filter(active=True)

    @property
    def is_multi_tenant(self):
        """一厂多租: more than one active tenant. Uses the annotation when present."""
        count = getattr(self, "tenant_count", None)
        if count is None:
            count = self.active_tenants().count()
        return count > 1


class Enterprise(UnitMixin, models.Model):
    plate_kind = "e"

    name = models.CharField(_("单位名称"), max_length=200, db_index=True)
    credit_code = models.CharField(
        _("统一社会信用代码"),
        max_length=18,
        unique=True,
        null=True,
        blank=True,
        validators=[validate_credit_code],
    )
    kind = models.CharField(
        _("单位类型"), max_length=20, choices=EnterpriseKind.choices, default=EnterpriseKind.INDUSTRIAL
    )
    parcel = models.ForeignKey(
        Parcel, on_delete=models.PROTECT, null=True, blank=True, related_name="tenants", verbose_name=_("所在宗地")
    )
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="enterprises", verbose_name=_("网格"))
    legal_representative = models.CharField(_("法定代表人"), max_length=100, blank=True)
    safety_contact = models.CharField(_("安全负责人"), max_length=100, blank=True)
    phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    employee_count = models.PositiveIntegerField(_("从业人数"), null=True, blank=True)
    above_scale = models.BooleanField(_("规上企业"), default=False)
    risk_tags = models.ManyToManyField(
        RiskTagOption, blank=True, related_name="enterprises", verbose_name=_("风险类型")
    )
    active = models.BooleanField(_("在营"), default=True)
    # The unit's risk level (安全风险四色), as risk.levels last computed it: never written by hand.
    risk_level = models.PositiveSmallIntegerField(
        _("风险等级"), choices=RiskLevel.choices, default=RiskLevel.BLUE, db_index=True, editable=False
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = EnterpriseQuerySet.as_manager()
    scope_paths = {
        "zone": "grid__zone_id",
        "grid": "grid_id",
        "enterprise": "pk",
        "parcel": "parcel_id",
    }

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("生产经营单位")
        verbose_name_plural = _("生产经营单位")
        constraints = [
            models.CheckConstraint(
                condition=Q(credit_code__isnull=True) | Q(credit_code__regex=r"^[0-9A-HJ-NPQRTUWXY]{18}$"),
                name="enterprise_credit_code_format",
            )
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("cases:enterprise_detail", args=[self.pk])

    def clean(self):
        super().clean()
        if self.credit_code == "":
            self.credit_code = None
        if self.parcel_id and self.grid_id is None:
            self.grid_id = self.parcel.grid_id
