"""The cases: catalogue, checklists, inspections, hazards, tickets, their events.

Statuses change only in cases.services; events are append-only and chained
by hash (see timeline.chain).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.scoping import UNIT_SCOPE_PATHS, ScopedQuerySet, through
from cases import deadlines
from cases.choices import (
    OPEN_HAZARD_STATUSES,
    OPEN_TICKET_STATUSES,
    CheckInFlag,
    EscalationLevel,
    ExtensionStatus,
    HazardStatus,
    InspectionResult,
    InspectionSource,
    PhotoKind,
    ResponsibleKind,
    TicketStatus,
)
from cases.querysets import CheckInQuerySet, HazardQuerySet, InspectionQuerySet, PhotoQuerySet, TicketQuerySet
from catalogue.choices import Severity
from catalogue.models import Campaign, Checklist, ChecklistItem, HazardCategory
from core.text import parens
from register.models import Enterprise, Grid, Parcel, Zone

User = settings.AUTH_USER_MODEL


class Inspection(models.Model):
    """One visit to one unit (一家次)."""

    inspector = models.ForeignKey(User, on_delete=models.PROTECT, related_name="inspections", verbose_name=_("检查人"))
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, null=True, blank=True, related_name="inspections", verbose_name=_("单位")
    )
    parcel = models.ForeignKey(
        Parcel, on_delete=models.PROTECT, null=True, blank=True, related_name="inspections", verbose_name=_("宗地")
    )
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="inspections", verbose_name=_("网格"))
    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, related_name="inspections", verbose_name=_("区块"))
    inspected_at = models.DateTimeField(_("检查时间"), default=timezone.now, db_index=True)
    source = models.CharField(_("来源"), max_length=20, choices=InspectionSource.choices, default=InspectionSource.GRID)
    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inspections",
        verbose_name=_("专项行动"),
    )
    checklist = models.ForeignKey(
        Checklist,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inspections",
        verbose_name=_("检查表"),
    )
    result = models.CharField(
        _("结果"), max_length=20, choices=InspectionResult.choices, default=InspectionResult.PASSED
    )
    notes = models.TextField(_("备注"), blank=True)
    # 现场核验: the inspector's check-in at the unit's plate shortly before (cases.services.checkins).
    checkin = models.ForeignKey(
        "CheckIn",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inspections",
        verbose_name=_("现场打卡"),
    )
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    objects = InspectionQuerySet.as_manager()
    scope_paths = UNIT_SCOPE_PATHS

    class Meta:
        ordering = ["-inspected_at", "-pk"]
        verbose_name = _("排查记录")
        verbose_name_plural = _("排查记录")
        constraints = [
            models.CheckConstraint(
                condition=Q(enterprise__isnull=False) | Q(parcel__isnull=False), name="inspection_has_unit"
            )
        ]
        indexes = [
            models.Index(fields=["zone", "inspected_at"], name="inspection_zone_time"),
            # A unit's visits in a time range, one probe per unit (risk.patrols.coverage).
            models.Index(fields=["enterprise", "inspected_at"], name="inspection_enterprise_time"),
            models.Index(fields=["parcel", "inspected_at"], name="inspection_parcel_time"),
            # The rows recorded since the summaries' watermark (briefing.summaries).
            models.Index(fields=["created_at"], name="inspection_created_at"),
        ]

    def __str__(self):
        return f"{self.unit_name} {timezone.localtime(self.inspected_at):%Y-%m-%d}"

    @property
    def verified_on_site(self):
        """现场核验: linked to an unflagged check-in shortly before (cases.services.checkins)."""
        return self.checkin_id is not None

    @property
    def unit_name(self):
        return self.enterprise.name if self.enterprise_id else self.parcel.name


class CheckIn(models.Model):
    """巡更打卡: a scan of a unit's plate by an inspector, with where the phone said it was. Append-only.

    ``flag`` is empty when the position is within CHECKIN_MAX_DISTANCE_M of the unit; an inspection of
    the unit by the same inspector within CHECKIN_WINDOW_MINUTES after an unflagged check-in is
    verified on site (现场核验)."""

    inspector = models.ForeignKey(User, on_delete=models.PROTECT, related_name="checkins", verbose_name=_("打卡人"))
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, null=True, blank=True, related_name="checkins", verbose_name=_("单位")
    )
    parcel = models.ForeignKey(
        Parcel, on_delete=models.PROTECT, null=True, blank=True, related_name="checkins", verbose_name=_("宗地")
    )
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="checkins", verbose_name=_("网格"))
    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, related_name="checkins", verbose_name=_("区块"))
    checked_in_at = models.DateTimeField(_("打卡时间"), default=timezone.now, db_index=True)
    latitude = models.FloatField(_("纬度"), null=True, blank=True)
    longitude = models.FloatField(_("经度"), null=True, blank=True)
    accuracy = models.FloatField(_("定位精度（米）"), null=True, blank=True)
    distance = models.FloatField(_("距单位（米）"), null=True, blank=True)
    flag = models.CharField(_("核对结果"), max_length=20, choices=CheckInFlag.choices, blank=True, default="")
    created_at = models.DateTimeField(_("接收时间"), auto_now_add=True)

    objects = CheckInQuerySet.as_manager()
    scope_paths = UNIT_SCOPE_PATHS

    class Meta:
        ordering = ["-checked_in_at", "-pk"]
        verbose_name = _("巡更打卡")
        verbose_name_plural = _("巡更打卡")
        constraints = [
            models.CheckConstraint(
                condition=Q(enterprise__isnull=False) | Q(parcel__isnull=False), name="checkin_has_unit"
            )
        ]
        indexes = [models.Index(fields=["inspector", "-checked_in_at"], name="checkin_inspector_time")]

    def __str__(self):
        return f"{self.unit_name} {self.checked_in_at:%Y-%m-%d %H:%M}"

    @property
    def unit_name(self):
        return self.enterprise.name if self.enterprise_id else self.parcel.name

    @property
    def proves_presence(self):
        return self.flag == CheckInFlag.NONE


class InspectionItem(models.Model):
    """The result of one checklist item in one inspection."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="items", verbose_name=_("检查"))
    checklist_item = models.ForeignKey(
        ChecklistItem, on_delete=models.PROTECT, related_name="results", verbose_name=_("检查项")
    )
    # True: 合格; False: 不合格 (a hazard is reported); None: 不涉及 (counted as neither).
    passed = models.BooleanField(_("合格"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=500, blank=True)
    hazard = models.OneToOneField(
        "Hazard",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="checklist_result",
        verbose_name=_("产生的隐患"),
    )

    class Meta:
        ordering = ["inspection", "checklist_item__order"]
        verbose_name = _("检查项结果")
        verbose_name_plural = _("检查项结果")
        constraints = [models.UniqueConstraint(fields=["inspection", "checklist_item"], name="inspection_item_once")]

    def __str__(self):
        return f"{self.checklist_item} {'—' if self.passed is None else '✓' if self.passed else '✗'}"


class Hazard(models.Model):
    number = models.CharField(_("编号"), max_length=32, unique=True)
    inspection = models.ForeignKey(
        Inspection, on_delete=models.PROTECT, null=True, blank=True, related_name="hazards", verbose_name=_("排查记录")
    )
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, null=True, blank=True, related_name="hazards", verbose_name=_("单位")
    )
    parcel = models.ForeignKey(
        Parcel, on_delete=models.PROTECT, null=True, blank=True, related_name="hazards", verbose_name=_("宗地")
    )
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="hazards", verbose_name=_("网格"))
    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, related_name="hazards", verbose_name=_("区块"))
    category = models.ForeignKey(
        HazardCategory, on_delete=models.PROTECT, related_name="hazards", verbose_name=_("隐患类别")
    )
    severity = models.CharField(_("隐患等级"), max_length=16, choices=Severity.choices, default=Severity.GENERAL)
    description = models.TextField(_("隐患描述"))
    location_detail = models.CharField(_("具体位置"), max_length=255, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=HazardStatus.choices, default=HazardStatus.REPORTED, db_index=True
    )
    reporter = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="reported_hazards", verbose_name=_("发现人")
    )
    reported_at = models.DateTimeField(_("发现时间"), default=timezone.now, db_index=True)
    ticket = models.ForeignKey(
        "Ticket", on_delete=models.PROTECT, null=True, blank=True, related_name="hazards", verbose_name=_("整改单")
    )
    rectified_at = models.DateTimeField(_("整改完成时间"), null=True, blank=True, db_index=True)
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="duplicates", verbose_name=_("重复于")
    )
    likely_duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="likely_duplicates",
        verbose_name=_("疑似重复于"),
    )
    invalid_reason = models.TextField(_("不属实原因"), blank=True)
    # unit + category while open; unique among open hazards (see services.report_hazard)
    fingerprint = models.CharField(_("指纹"), max_length=64, null=True, blank=True, editable=False)
    withdrawn = models.BooleanField(_("已撤回"), default=False)
    fixed_on_spot = models.BooleanField(_("当场整改"), default=False)
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = HazardQuerySet.as_manager()
    scope_paths = UNIT_SCOPE_PATHS

    class Meta:
        ordering = ["-reported_at", "-pk"]
        verbose_name = _("隐患")
        verbose_name_plural = _("隐患")
        constraints = [
            models.CheckConstraint(
                condition=Q(enterprise__isnull=False) | Q(parcel__isnull=False), name="hazard_has_unit"
            ),
            models.UniqueConstraint(
                fields=["fingerprint"], condition=Q(fingerprint__isnull=False), name="hazard_open_fingerprint_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["zone", "status"], name="hazard_zone_status"),
            models.Index(fields=["status", "reported_at"], name="hazard_status_reported"),
            models.Index(fields=["zone", "-reported_at"], name="hazard_zone_recent"),
            # A unit's reports in a time range, one probe per unit (risk.patrols.coverage).
            models.Index(fields=["enterprise", "reported_at"], name="hazard_enterprise_time"),
            models.Index(fields=["parcel", "reported_at"], name="hazard_parcel_time"),
            # The hazards changed since the summaries' watermark (briefing.summaries).
            models.Index(fields=["updated_at"], name="hazard_updated_at"),
        ]

    def __str__(self):
        return f"{self.number} {self.category.name}"

    def get_absolute_url(self):
        return reverse("cases:hazard_detail", args=[self.pk])

    @property
    def unit_name(self):
        return self.enterprise.name if self.enterprise_id else self.parcel.name

    @property
    def is_open(self):
        """The row's reading of HazardQuerySet.open()."""
        return self.status in OPEN_HAZARD_STATUSES and not self.withdrawn


def assessment_path(instance, filename):
    now = timezone.localtime()
    return f"assessments/{now:%Y/%m}/{filename}"


class Ticket(models.Model):
    """整改单/交办单: one responsible party, one or more hazards."""

    number = models.CharField(_("编号"), max_length=32, unique=True)
    responsible_kind = models.CharField(_("责任方类型"), max_length=16, choices=ResponsibleKind.choices)
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, null=True, blank=True, related_name="tickets", verbose_name=_("责任单位")
    )
    parcel = models.ForeignKey(
        Parcel, on_delete=models.PROTECT, null=True, blank=True, related_name="tickets", verbose_name=_("宗地")
    )
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("网格"))
    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("区块"))
    landlord_copied = models.BooleanField(_("抄送房东"), default=False)
    status = models.CharField(_("状态"), max_length=16, choices=TicketStatus.choices, default=TicketStatus.PENDING)
    is_major = models.BooleanField(_("含重大隐患"), default=False)
    deadline = models.DateField(_("整改期限"), null=True, blank=True)
    measures = models.TextField(_("整改措施"), blank=True)
    # 五落实 plan for major hazards: measures, funds, deadline, responsible person, contingency
    funds = models.DecimalField(_("整改资金（元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    responsible_person = models.CharField(_("整改责任人"), max_length=100, blank=True)
    contingency = models.TextField(_("应急预案/防范措施"), blank=True)
    assignee = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tickets",
        verbose_name=_("整改人"),
    )
    escalation_level = models.PositiveSmallIntegerField(
        _("督办级别"), choices=EscalationLevel.choices, default=EscalationLevel.NONE
    )
    escalated_at = models.DateTimeField(_("督办时间"), null=True, blank=True)
    rework_count = models.PositiveIntegerField(_("退回次数"), default=0)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="created_tickets", verbose_name=_("汇总人")
    )
    created_at = models.DateTimeField(_("汇总时间"), default=timezone.now)
    assigned_at = models.DateTimeField(_("交办时间"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True)
    verified_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="verified_tickets",
        verbose_name=_("验收人"),
    )
    verification_comment = models.TextField(_("验收意见"), blank=True)
    followup_date = models.DateField(_("事后跟踪日期"), null=True, blank=True)
    # The deadline first set at assignment, kept when an approved extension or a manager moves ``deadline``
    # (the deadline in force, which overdue, due soon, reminders and escalation read).
    original_deadline = models.DateField(_("原整改期限"), null=True, blank=True)
    # 治理情况评估报告: a ticket with a major hazard is submitted with it (PDF or image, cases.documents).
    assessment_report = models.FileField(_("治理情况评估报告"), upload_to=assessment_path, max_length=255, blank=True)
    assessment_name = models.CharField(_("评估报告原文件名"), max_length=255, blank=True)
    closeout_approved_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="closeout_approved_tickets",
        verbose_name=_("销号审批人"),
    )
    reopened_from = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reopened_as",
        verbose_name=_("复查重开自"),
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = TicketQuerySet.as_manager()
    scope_paths = UNIT_SCOPE_PATHS

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("整改单")
        verbose_name_plural = _("整改单")
        constraints = [
            models.CheckConstraint(
                condition=Q(enterprise__isnull=False) | Q(parcel__isnull=False), name="ticket_has_party"
            ),
        ]
        indexes = [
            # Open tickets of a zone, newest first (PERFORMANCE.md): lists, counts, overdue.
            models.Index(
                fields=["zone", "-created_at"],
                name="ticket_zone_open_recent",
                condition=Q(status__in=["assigned", "submitted"]),
            ),
            models.Index(fields=["deadline"], name="ticket_open_deadline", condition=~Q(status="closed")),
            models.Index(fields=["status", "-created_at"], name="ticket_status_recent"),
            models.Index(fields=["zone", "-created_at"], name="ticket_zone_recent"),
            models.Index(fields=["-created_at", "-id"], name="ticket_recent"),
            models.Index(fields=["grid", "status"], name="ticket_grid_status"),
            # The tickets closed since a past moment (briefing.figures: open then = open now + closed since).
            models.Index(fields=["closed_at"], name="ticket_closed_at", condition=Q(closed_at__isnull=False)),
        ]

    def __str__(self):
        return self.number

    def get_absolute_url(self):
        return reverse("cases:ticket_detail", args=[self.pk])

    @property
    def responsible_name(self):
        if self.responsible_kind == ResponsibleKind.ENTERPRISE and self.enterprise_id:
            return self.enterprise.name
        parcel = self.parcel
        return str(parcel.landlord_name or _("房东")) + parens(parcel.name) if parcel else ""

    @property
    def is_open(self):
        return self.status in OPEN_TICKET_STATUSES

    @property
    def is_overdue(self):
        return deadlines.is_overdue(self, timezone.localdate())

    @property
    def days_overdue(self):
        return deadlines.days_overdue(self, timezone.localdate())


class ExtensionRequestQuerySet(ScopedQuerySet, models.QuerySet):
    pass


class ExtensionRequest(models.Model):
    """延期申请: the responsible party (or staff on its behalf) asks for a later deadline; a manager of
    the zone approves (the ticket's deadline becomes ``requested_deadline``) or refuses. At most one
    pending request per ticket; the rows stay as the record of every request."""

    ticket = models.ForeignKey(
        Ticket, on_delete=models.PROTECT, related_name="extension_requests", verbose_name=_("整改单")
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=ExtensionStatus.choices, default=ExtensionStatus.PENDING
    )
    reason = models.TextField(_("延期理由"))
    current_deadline = models.DateField(_("申请时的整改期限"), null=True, blank=True)
    requested_deadline = models.DateField(_("申请延期至"))
    requested_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="extension_requests", verbose_name=_("申请人")
    )
    on_behalf = models.BooleanField(_("代责任方申请"), default=False)
    requested_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    decided_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="decided_extensions",
        verbose_name=_("审批人"),
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_comment = models.TextField(_("审批意见"), blank=True)

    objects = ExtensionRequestQuerySet.as_manager()
    scope_paths = through("ticket")

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("延期申请")
        verbose_name_plural = _("延期申请")
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"], condition=Q(status="pending"), name="extension_one_pending_per_ticket"
            )
        ]

    def __str__(self):
        return f"{self.ticket} → {self.requested_deadline}"


def photo_path(instance, filename):
    now = timezone.localtime()
    return f"photos/{now:%Y/%m}/{instance.sha256[:2]}/{instance.sha256}{instance.extension}"


def thumbnail_path(instance, filename):
    now = timezone.localtime()
    return f"photos/{now:%Y/%m}/{instance.sha256[:2]}/{instance.sha256}_thumb.jpg"


class Photo(models.Model):
    kind = models.CharField(_("类型"), max_length=16, choices=PhotoKind.choices, default=PhotoKind.BEFORE)
    hazard = models.ForeignKey(
        Hazard, on_delete=models.PROTECT, null=True, blank=True, related_name="photos", verbose_name=_("隐患")
    )
    ticket = models.ForeignKey(
        Ticket, on_delete=models.PROTECT, null=True, blank=True, related_name="photos", verbose_name=_("整改单")
    )
    inspection = models.ForeignKey(
        Inspection, on_delete=models.PROTECT, null=True, blank=True, related_name="photos", verbose_name=_("排查记录")
    )
    event = models.ForeignKey(
        "timeline.Event", on_delete=models.PROTECT, null=True, blank=True, related_name="photos", verbose_name=_("事件")
    )
    image = models.ImageField(_("图片"), upload_to=photo_path, max_length=255)
    thumbnail = models.ImageField(_("缩略图"), upload_to=thumbnail_path, max_length=255, blank=True)
    extension = models.CharField(max_length=8, editable=False, default=".jpg")
    content_type = models.CharField(max_length=32, editable=False, default="image/jpeg")
    sha256 = models.CharField(max_length=64, editable=False, db_index=True)
    width = models.PositiveIntegerField(default=0, editable=False)
    height = models.PositiveIntegerField(default=0, editable=False)
    size = models.PositiveIntegerField(default=0, editable=False)
    taken_at = models.DateTimeField(_("拍摄时间（EXIF）"), null=True, blank=True)
    gps_latitude = models.FloatField(_("拍摄纬度"), null=True, blank=True)
    gps_longitude = models.FloatField(_("拍摄经度"), null=True, blank=True)
    original_name = models.CharField(_("原文件名"), max_length=255, blank=True)
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="photos", verbose_name=_("上传人"))
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    objects = PhotoQuerySet.as_manager()
    scope_paths = through("hazard", "ticket", "inspection")

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("照片")
        verbose_name_plural = _("照片")

    def __str__(self):
        return self.original_name or self.sha256[:12]


class EnterpriseVisit(models.Model):
    """An enterprise's last visit (an inspection recorded at it or a hazard reported at it, as
    ``cases.annotations`` defines a visit): derived data kept by the database's own triggers on every insert,
    move and delete of an inspection or a hazard (migration 0009), never written by the ORM. Patrol coverage
    (risk.patrols) reads it with the unit in one scan instead of looking for visits unit by unit."""

    # no database constraint: a trigger may recount the visits of a unit whose deletion is under way
    enterprise = models.OneToOneField(
        "register.Enterprise",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="latest_visit",
        db_constraint=False,
    )
    at = models.DateTimeField(_("最近走访时间"))

    scope_paths = {
        "zone": "enterprise__grid__zone_id",
        "grid": "enterprise__grid_id",
        "enterprise": "enterprise_id",
        "parcel": "enterprise__parcel_id",
    }

    class Meta:
        verbose_name = _("单位最近走访")
        verbose_name_plural = _("单位最近走访")

    def __str__(self):
        return f"{self.enterprise_id} {self.at:%Y-%m-%d %H:%M}"


class ParcelVisit(models.Model):
    """A parcel's last visit: an inspection or a hazard report naming the parcel (``EnterpriseVisit``'s rule)."""

    parcel = models.OneToOneField(
        "register.Parcel", on_delete=models.CASCADE, primary_key=True, related_name="latest_visit", db_constraint=False
    )
    at = models.DateTimeField(_("最近走访时间"))

    scope_paths = {
        "zone": "parcel__grid__zone_id",
        "grid": "parcel__grid_id",
        "enterprise": lambda ids: models.Q(parcel_id__in=Enterprise.objects.filter(pk__in=ids).values("parcel_id")),
        "parcel": "parcel_id",
    }

    class Meta:
        verbose_name = _("宗地最近走访")
        verbose_name_plural = _("宗地最近走访")

    def __str__(self):
        return f"{self.parcel_id} {self.at:%Y-%m-%d %H:%M}"
