"""The campaign's other ledgers (FACTS.md): fire training and drills (消防培训演练), safety responsibility
letters (安全生产责任书/承诺书, and landlord–tenant safety agreements), and the "焊有序" welding-control
devices. Each is scoped like the cases (accounts.scoping, by the unit's zone, grid, enterprise, parcel)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.scoping import UNIT_SCOPE_PATHS, ScopedQuerySet
from ledgers.choices import DeviceStatus, DrillKind, LetterKind, LetterStatus
from register.models import Enterprise, Grid, Parcel, Zone

User = settings.AUTH_USER_MODEL


class LedgerQuerySet(ScopedQuerySet, models.QuerySet):
    pass


def ledger_path(instance, filename):
    return f"ledgers/{timezone.localtime():%Y/%m}/{filename}"


class Drill(models.Model):
    """One training or drill session: at one unit (an enterprise records its own), or park-wide for a
    zone or grid (inspectors and managers), with the units that took part."""

    kind = models.CharField(_("类型"), max_length=20, choices=DrillKind.choices)
    held_on = models.DateField(_("日期"), db_index=True)
    title = models.CharField(_("主题"), max_length=200)
    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, related_name="drills", verbose_name=_("区块"))
    grid = models.ForeignKey(
        Grid, on_delete=models.PROTECT, null=True, blank=True, related_name="drills", verbose_name=_("网格")
    )
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, null=True, blank=True, related_name="drills", verbose_name=_("单位")
    )
    parcel = models.ForeignKey(
        Parcel, on_delete=models.PROTECT, null=True, blank=True, related_name="drills", verbose_name=_("宗地")
    )
    units = models.ManyToManyField(Enterprise, blank=True, related_name="drills_attended", verbose_name=_("参加单位"))
    organiser = models.CharField(_("组织单位"), max_length=100)
    trainer = models.CharField(_("授课/指导人"), max_length=100, blank=True)
    participants = models.PositiveIntegerField(_("参加人次"))
    signin_sheet = models.FileField(_("签到表"), upload_to=ledger_path, blank=True)
    notes = models.TextField(_("备注"), blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="drills", verbose_name=_("录入人"))
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    objects = LedgerQuerySet.as_manager()
    scope_paths = UNIT_SCOPE_PATHS

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = _("培训演练")
        verbose_name_plural = _("培训演练")
        indexes = [models.Index(fields=["zone", "held_on"], name="drill_zone_day")]

    def __str__(self):
        return f"{self.held_on} {self.title}"


class DrillPhoto(models.Model):
    drill = models.ForeignKey(Drill, on_delete=models.CASCADE, related_name="photos", verbose_name=_("培训演练"))
    image = models.ImageField(_("照片"), upload_to=ledger_path)
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("培训演练照片")
        verbose_name_plural = _("培训演练照片")

    def __str__(self):
        return self.image.name


class LetterTemplate(models.Model):
    """The wording of a letter or agreement (data, kept in the admin)."""

    code = models.SlugField(_("代码"), max_length=32, primary_key=True)
    kind = models.CharField(_("类型"), max_length=20, choices=LetterKind.choices)
    name = models.CharField(_("名称"), max_length=100)
    body = models.TextField(_("正文"))
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["kind", "code"]
        verbose_name = _("责任书模板")
        verbose_name_plural = _("责任书模板")

    def __str__(self):
        return self.name


class ResponsibilityLetter(models.Model):
    """One year's letter of one party: a parcel's landlord, an enterprise, or (multi-tenant parcel) the
    landlord–tenant agreement of one tenant."""

    year = models.PositiveSmallIntegerField(_("年度"), db_index=True)
    kind = models.CharField(_("类型"), max_length=20, choices=LetterKind.choices)
    parcel = models.ForeignKey(
        Parcel, on_delete=models.PROTECT, null=True, blank=True, related_name="letters", verbose_name=_("宗地")
    )
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, null=True, blank=True, related_name="letters", verbose_name=_("企业")
    )
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="letters", verbose_name=_("网格"))
    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, related_name="letters", verbose_name=_("区块"))
    template = models.ForeignKey(
        LetterTemplate, on_delete=models.PROTECT, null=True, blank=True, related_name="letters", verbose_name=_("模板")
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=LetterStatus.choices, default=LetterStatus.NOT_ISSUED, db_index=True
    )
    issued_on = models.DateField(_("下发日期"), null=True, blank=True)
    signatory = models.CharField(_("签订人"), max_length=100, blank=True)
    signed_on = models.DateField(_("签订日期"), null=True, blank=True)
    scan = models.FileField(_("扫描件"), upload_to=ledger_path, blank=True)
    notes = models.TextField(_("备注"), blank=True)
    updated_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="letters", verbose_name=_("经办人")
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = LedgerQuerySet.as_manager()
    scope_paths = UNIT_SCOPE_PATHS

    class Meta:
        ordering = ["-year", "zone", "grid", "kind", "pk"]
        verbose_name = _("安全生产责任书")
        verbose_name_plural = _("安全生产责任书")
        constraints = [
            # One letter per party and year (NULLs are distinct in a plain unique constraint: one per kind).
            models.UniqueConstraint(
                fields=["year", "parcel"], condition=Q(kind=LetterKind.LANDLORD), name="letter_one_landlord_year"
            ),
            models.UniqueConstraint(
                fields=["year", "enterprise"],
                condition=Q(kind=LetterKind.ENTERPRISE),
                name="letter_one_enterprise_year",
            ),
            models.UniqueConstraint(
                fields=["year", "parcel", "enterprise"],
                condition=Q(kind=LetterKind.TENANT_AGREEMENT),
                name="letter_one_agreement_year",
            ),
            models.CheckConstraint(
                condition=Q(parcel__isnull=False) | Q(enterprise__isnull=False), name="letter_has_party"
            ),
        ]

    def __str__(self):
        return f"{self.year} {self.get_kind_display()} {self.party_name}"

    @property
    def party_name(self):
        if self.kind == LetterKind.LANDLORD:
            return self.parcel.landlord_name or self.parcel.name
        return self.enterprise.name if self.enterprise_id else ""


class WeldingDevice(models.Model):
    """A "焊有序" welding-control device installed at an enterprise."""

    device_id = models.CharField(_("设备编号"), max_length=64, unique=True)
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="welding_devices", verbose_name=_("企业")
    )
    parcel = models.ForeignKey(
        Parcel, on_delete=models.PROTECT, null=True, blank=True, related_name="welding_devices", verbose_name=_("宗地")
    )
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="welding_devices", verbose_name=_("网格"))
    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, related_name="welding_devices", verbose_name=_("区块"))
    installed_on = models.DateField(_("安装日期"))
    welding_points = models.PositiveSmallIntegerField(_("覆盖焊接点位"), default=1)
    status = models.CharField(
        _("状态"), max_length=16, choices=DeviceStatus.choices, default=DeviceStatus.IN_USE, db_index=True
    )
    notes = models.CharField(_("备注"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="welding_devices", verbose_name=_("录入人")
    )
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    objects = LedgerQuerySet.as_manager()
    scope_paths = UNIT_SCOPE_PATHS

    class Meta:
        ordering = ["zone", "grid", "enterprise", "device_id"]
        verbose_name = _("焊有序设备")
        verbose_name_plural = _("焊有序设备")

    def __str__(self):
        return self.device_id
