from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from briefing.choices import DeliveryStatus, RobotKind
from briefing.querysets import DailyReportQuerySet, GroupRobotQuerySet, InboxMessageQuerySet, TallyQuerySet
from cases.models import Ticket
from register.models import Grid, Zone

User = settings.AUTH_USER_MODEL


class DailyReport(models.Model):
    """每日问题整改简报: one per date and scope ('all', 'zone:<id>', 'grid:<id>')."""

    date = models.DateField(_("日期"), db_index=True)
    scope = models.CharField(_("范围"), max_length=32, default="all")
    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, null=True, blank=True, related_name="reports")
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, null=True, blank=True, related_name="reports")
    data = models.JSONField(_("内容"), default=dict)
    generated_at = models.DateTimeField(_("生成时间"), default=timezone.now)

    objects = DailyReportQuerySet.as_manager()
    scope_paths = {"zone": "zone_id", "grid": "grid_id", "enterprise": None, "parcel": None}

    class Meta:
        ordering = ["-date", "scope"]
        verbose_name = _("每日简报")
        verbose_name_plural = _("每日简报")
        constraints = [models.UniqueConstraint(fields=["date", "scope"], name="daily_report_once_per_scope")]

    def __str__(self):
        return f"{self.date} {self.scope}"


class Delivery(models.Model):
    """One message on one channel (a mail to one address, one webhook, one reminder): sent once."""

    key = models.CharField(_("唯一键"), max_length=255, unique=True)
    report = models.ForeignKey(
        DailyReport, on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries", verbose_name=_("简报")
    )
    ticket = models.ForeignKey(
        Ticket, on_delete=models.PROTECT, null=True, blank=True, related_name="deliveries", verbose_name=_("整改单")
    )
    channel = models.CharField(_("渠道"), max_length=32)
    recipient = models.CharField(_("接收方"), max_length=500)
    status = models.CharField(_("状态"), max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    last_error = models.TextField(_("最近错误"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    claimed_at = models.DateTimeField(_("认领时间"), null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("发送记录")
        verbose_name_plural = _("发送记录")

    def __str__(self):
        return self.key


class GroupRobot(models.Model):
    """A group chat robot of one grid or one zone (企业微信/钉钉/飞书群机器人): the messages to the
    responsible parties of its tickets are posted there, @-mentioning the party's mobile."""

    name = models.CharField(_("名称"), max_length=64)
    kind = models.CharField(_("类型"), max_length=16, choices=RobotKind.choices, default=RobotKind.WECOM)
    zone = models.ForeignKey(
        Zone, on_delete=models.CASCADE, null=True, blank=True, related_name="robots", verbose_name=_("区块")
    )
    grid = models.ForeignKey(
        Grid, on_delete=models.CASCADE, null=True, blank=True, related_name="robots", verbose_name=_("网格")
    )
    url = models.URLField(_("Webhook 地址"), max_length=500)
    secret = models.CharField(
        _("加签密钥"), max_length=200, blank=True, help_text=_("钉钉、飞书机器人开启“加签”时填写；留空表示不加签。")
    )
    enabled = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = GroupRobotQuerySet.as_manager()
    scope_paths = {
        "zone": lambda ids: Q(zone_id__in=ids) | Q(grid__zone_id__in=ids),
        "grid": "grid_id",
        "enterprise": None,
        "parcel": None,
    }

    class Meta:
        ordering = ["zone__name", "grid__name", "name"]
        verbose_name = _("群机器人")
        verbose_name_plural = _("群机器人")
        constraints = [
            models.CheckConstraint(
                condition=(Q(zone__isnull=False) & Q(grid__isnull=True))
                | (Q(zone__isnull=True) & Q(grid__isnull=False)),
                name="group_robot_of_grid_or_zone",
            )
        ]

    def __str__(self):
        return f"{self.name} ({self.get_kind_display()})"


class OutreachPreference(models.Model):
    """How one user wants to be reached about their tickets. No row: the defaults (in-app and group
    robots on; SMS on for a party account with a mobile)."""

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="outreach_preference", verbose_name=_("用户")
    )
    inbox = models.BooleanField(_("站内消息"), default=True)
    robots = models.BooleanField(_("群聊中 @ 我"), default=True)
    sms = models.BooleanField(_("短信"), null=True, blank=True, help_text=_("留空：有手机号的责任方账号默认接收。"))
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("通知偏好")
        verbose_name_plural = _("通知偏好")

    def __str__(self):
        return str(self.user)


class InboxMessage(models.Model):
    """One message in one user's in-app inbox, written once by its Delivery (same key). The words are
    made when it is shown, in the reader's language, from ``kind`` and ``data``."""

    key = models.CharField(_("唯一键"), max_length=255, unique=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="inbox_messages", verbose_name=_("用户"))
    kind = models.CharField(_("类型"), max_length=32)
    ticket = models.ForeignKey(
        Ticket, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("整改单")
    )
    parcel = models.ForeignKey(
        "register.Parcel", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("宗地")
    )
    data = models.JSONField(_("内容"), default=dict, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)

    objects = InboxMessageQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("站内消息")
        verbose_name_plural = _("站内消息")
        indexes = [models.Index(fields=["user", "read_at"], name="inbox_user_unread")]

    def __str__(self):
        return self.key


class LedgerCounters(models.Model):
    """The ledger counters of one grid over a span of closed local days (Asia/Shanghai): a day
    (``DaySummary``) or the summarised days of a month (``MonthSummary``). Zone and grid are plain ids: a
    summary is derived data and never holds a row back."""

    zone_id = models.IntegerField(_("区块"))
    grid_id = models.IntegerField(_("网格"))
    # hazards reported that day, counted now (not duplicate, invalid or withdrawn), and of those rectified now
    found_general = models.PositiveIntegerField(default=0)
    found_major = models.PositiveIntegerField(default=0)
    rectified_general = models.PositiveIntegerField(default=0)
    rectified_major = models.PositiveIntegerField(default=0)
    first_reported_at = models.DateTimeField(null=True, blank=True)
    # hazards reported that day and marked duplicate or invalid, or withdrawn
    voided = models.PositiveIntegerField(default=0)
    # counted hazards rectified that day (whenever they were found)
    fixed_general = models.PositiveIntegerField(default=0)
    fixed_major = models.PositiveIntegerField(default=0)
    # inspections (家次) that day; units covered that day (distinct in the grid; first of the day in the zone,
    # in the whole area); units inspected for the first time ever (in the grid, in the zone, in the area)
    inspections = models.PositiveIntegerField(default=0)
    units_day_grid = models.PositiveIntegerField(default=0)
    units_day_zone = models.PositiveIntegerField(default=0)
    units_day_all = models.PositiveIntegerField(default=0)
    units_first_grid = models.PositiveIntegerField(default=0)
    units_first_zone = models.PositiveIntegerField(default=0)
    units_first_all = models.PositiveIntegerField(default=0)
    # escalations (督办) raised that day on the grid's tickets
    escalations = models.PositiveIntegerField(default=0)

    scope_paths = {"zone": "zone_id", "grid": "grid_id", "enterprise": None, "parcel": None}

    class Meta:
        abstract = True


class DaySummary(LedgerCounters):
    """The ledger counters of one closed local day and one grid (briefing.summaries).

    Kept by ``summaries.catch_up`` from the event log and rebuilt by ``manage.py rebuild_summaries``;
    ``compute_figures`` adds them up and reads only the days since ``SummaryState.covered_until`` from the
    ledger's rows."""

    day = models.DateField(_("日期"))

    class Meta:
        verbose_name = _("日汇总")
        verbose_name_plural = _("日汇总")
        constraints = [models.UniqueConstraint(fields=["day", "zone_id", "grid_id"], name="day_summary_once_per_grid")]
        indexes = [
            models.Index(fields=["zone_id", "day"], name="day_summary_zone_day"),
            # the dashboard's trend (found and rectified per day) read from the index alone (PostgreSQL)
            models.Index(
                fields=["day"],
                include=["zone_id", "found_general", "found_major", "fixed_general", "fixed_major"],
                name="day_summary_trend",
            ),
        ]

    def __str__(self):
        return f"{self.day} grid {self.grid_id}"


class MonthSummary(LedgerCounters):
    """The day summaries of one month and one grid added up (``month``: its first day), kept with them: a
    sum over years of history reads a row per month, not per day (briefing.summed)."""

    month = models.DateField(_("月份"))

    class Meta:
        verbose_name = _("月汇总")
        verbose_name_plural = _("月汇总")
        constraints = [
            models.UniqueConstraint(fields=["month", "zone_id", "grid_id"], name="month_summary_once_per_grid")
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} grid {self.grid_id}"


class TotalSummary(LedgerCounters):
    """The month summaries of one grid added up: every summarised day, kept with them. A figure from the start
    to the last summarised day (the dashboard's cumulative figures) reads a row per grid, not per month."""

    class Meta:
        verbose_name = _("累计汇总")
        verbose_name_plural = _("累计汇总")
        constraints = [models.UniqueConstraint(fields=["zone_id", "grid_id"], name="total_summary_once_per_grid")]

    def __str__(self):
        return f"grid {self.grid_id}"


class CategoryCounters(models.Model):
    """Hazards reported in one zone and category over a span of closed local days: counted, rectified, major
    (the dashboard's category table)."""

    zone_id = models.IntegerField(_("区块"))
    category_id = models.IntegerField(_("隐患类别"))
    found = models.PositiveIntegerField(default=0)
    rectified = models.PositiveIntegerField(default=0)
    major = models.PositiveIntegerField(default=0)

    scope_paths = {"zone": "zone_id", "grid": None, "enterprise": None, "parcel": None}

    class Meta:
        abstract = True


class CategoryDaySummary(CategoryCounters):
    """The category counters of one closed local day (``summaries`` keeps them with ``DaySummary``)."""

    day = models.DateField(_("日期"))

    class Meta:
        verbose_name = _("类别日汇总")
        verbose_name_plural = _("类别日汇总")
        constraints = [
            models.UniqueConstraint(fields=["day", "zone_id", "category_id"], name="category_summary_once_per_day")
        ]

    def __str__(self):
        return f"{self.day} zone {self.zone_id} category {self.category_id}"


class CategoryMonthSummary(CategoryCounters):
    """The category day summaries of one month added up (``month``: its first day)."""

    month = models.DateField(_("月份"))

    class Meta:
        verbose_name = _("类别月汇总")
        verbose_name_plural = _("类别月汇总")
        constraints = [
            models.UniqueConstraint(fields=["month", "zone_id", "category_id"], name="category_summary_once_per_month")
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} zone {self.zone_id} category {self.category_id}"


class SummaryState(models.Model):
    """The summaries' watermark (one row): days before ``covered_until`` are summarised, events up to
    ``last_event_id`` are taken in."""

    covered_until = models.DateField(_("汇总至（不含）"), null=True, blank=True)
    last_event_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(_("更新时间"), null=True, blank=True)

    scope_paths = {}  # the whole area's: only those who see the whole area

    class Meta:
        verbose_name = _("汇总进度")
        verbose_name_plural = _("汇总进度")

    def __str__(self):
        return f"{self.covered_until} #{self.last_event_id}"


# --- the units' tallies (briefing.unit_tally) ------------------------------------------------------------------


class UnitKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("企业")
    PARCEL = "parcel", _("宗地")


class UnitTally(models.Model):
    """What ``UnitCount`` last counted for one enterprise or parcel (``briefing.unit_tally``), for ``year``: in
    its zone and risk level, its last visit's local day, and whether it counts (an active enterprise, any parcel),
    drilled this year, signed its letter (a parcel: its landlord), is a tenant of a multi-tenant parcel (a parcel:
    is one) and signed its tenant agreement."""

    kind = models.CharField(_("类型"), max_length=10, choices=UnitKind.choices)
    unit_id = models.BigIntegerField(_("单位ID"))
    zone = models.ForeignKey(
        Zone, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+", verbose_name=_("区块")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    risk_level = models.PositiveSmallIntegerField(_("风险等级"))
    visited_on = models.DateField(_("最近走访日"), null=True)
    counted = models.BooleanField(_("计入"))
    drilled = models.BooleanField(_("本年已演练"))
    signed = models.BooleanField(_("已签责任书"))
    tenant = models.BooleanField(_("一厂多租"))
    agreement = models.BooleanField(_("已签租赁安全协议"))

    objects = TallyQuerySet.as_manager()
    scope_paths = {"zone": "zone_id"}

    class Meta:
        verbose_name = _("单位计数")
        verbose_name_plural = _("单位计数")
        constraints = [models.UniqueConstraint(fields=["kind", "unit_id"], name="briefing_unittally_key")]

    def __str__(self):
        return f"{self.kind} {self.unit_id}"


class UnitCount(models.Model):
    """The units of one zone, kind and risk level as ``UnitTally`` counts them: on the zone's row (``day`` is
    ``unit_tally.ZONE_ROW``) how many count, were never visited, drilled, signed, are tenants (or multi-tenant
    parcels) and signed their agreement; on the other rows how many were last visited on ``day``. A row that
    empties stays, with n 0, unread."""

    zone = models.ForeignKey(
        Zone, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+", verbose_name=_("区块")
    )
    kind = models.CharField(_("类型"), max_length=10, choices=UnitKind.choices)
    risk_level = models.PositiveSmallIntegerField(_("风险等级"))
    day = models.DateField(_("最近走访日"))
    n = models.IntegerField(_("单位数"))
    never = models.IntegerField(_("从未走访"))
    drilled = models.IntegerField(_("本年已演练"))
    signed = models.IntegerField(_("已签责任书"))
    tenants = models.IntegerField(_("一厂多租"))
    agreements = models.IntegerField(_("已签租赁安全协议"))

    objects = TallyQuerySet.as_manager()
    scope_paths = {"zone": "zone_id"}  # a scope of whole zones only (accounts.scoping.scope_is_zones)

    class Meta:
        verbose_name = _("单位汇总")
        verbose_name_plural = _("单位汇总")
        constraints = [
            models.UniqueConstraint(fields=["zone", "kind", "risk_level", "day"], name="briefing_unitcount_key")
        ]
        # the coverage reads the zone rows and the days of the longest cycle: down the day
        indexes = [models.Index(fields=["day"], name="briefing_unitcount_day_idx")]

    def __str__(self):
        return f"{self.zone_id} {self.kind} {self.risk_level} {self.day}: {self.n}"


class UnitChange(models.Model):
    """A unit whose tally may be out of date: written by the database's triggers (migration 0007), read and
    emptied by ``briefing.unit_tally.catch_up``."""

    kind = models.CharField(_("类型"), max_length=10, choices=UnitKind.choices)
    unit_id = models.BigIntegerField(_("单位ID"))

    scope_paths = {}

    class Meta:
        verbose_name = _("待计入的单位变化")
        verbose_name_plural = _("待计入的单位变化")

    def __str__(self):
        return f"{self.kind} {self.unit_id}"


# --- the campaign ledgers' tallies (briefing.record_tally) -----------------------------------------------------


class RecordKind(models.TextChoices):
    DRILL = "drill", _("培训演练")
    REQUEST = "request", _("企业服务问题")
    DEVICE = "device", _("焊接设备")


class RecordTally(models.Model):
    """What ``RecordCount`` last counted for one drill, service request or welding device
    (``briefing.record_tally``): its zone, whether it counts (a device: installed, not removed), a drill's
    person-times, a request's being solved and its rating, a device's being offline."""

    kind = models.CharField(_("类型"), max_length=10, choices=RecordKind.choices)
    record_id = models.BigIntegerField(_("记录ID"))
    zone = models.ForeignKey(
        Zone, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+", verbose_name=_("区块")
    )
    counted = models.BooleanField(_("计入"))
    participants = models.PositiveIntegerField(_("参加人次"))
    solved = models.BooleanField(_("已办结"))
    rating = models.PositiveSmallIntegerField(_("满意度评分"), null=True)
    offline = models.BooleanField(_("离线"))

    objects = TallyQuerySet.as_manager()
    scope_paths = {"zone": "zone_id"}

    class Meta:
        verbose_name = _("台账记录计数")
        verbose_name_plural = _("台账记录计数")
        constraints = [models.UniqueConstraint(fields=["kind", "record_id"], name="briefing_recordtally_key")]

    def __str__(self):
        return f"{self.kind} {self.record_id}"


class RecordCount(models.Model):
    """The drills, service requests or welding devices of one zone as ``RecordTally`` counts them: how many
    count (drills held, requests raised, devices installed), person-times, requests solved, rated and their
    ratings' sum, devices offline. A row that empties stays, with n 0."""

    zone = models.ForeignKey(
        Zone, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+", verbose_name=_("区块")
    )
    kind = models.CharField(_("类型"), max_length=10, choices=RecordKind.choices)
    n = models.IntegerField(_("记录数"))
    participants = models.BigIntegerField(_("参加人次"))
    solved = models.IntegerField(_("已办结"))
    rated = models.IntegerField(_("已评价"))
    rating_sum = models.BigIntegerField(_("评分合计"))
    offline = models.IntegerField(_("离线"))

    objects = TallyQuerySet.as_manager()
    scope_paths = {"zone": "zone_id"}  # a scope of whole zones only (accounts.scoping.scope_is_zones)

    class Meta:
        verbose_name = _("台账记录汇总")
        verbose_name_plural = _("台账记录汇总")
        constraints = [models.UniqueConstraint(fields=["zone", "kind"], name="briefing_recordcount_key")]

    def __str__(self):
        return f"{self.zone_id} {self.kind}: {self.n}"


class RecordChange(models.Model):
    """A drill, service request or welding device whose tally may be out of date: written by the database's
    triggers (migration 0008), read and emptied by ``briefing.record_tally.catch_up``."""

    kind = models.CharField(_("类型"), max_length=10, choices=RecordKind.choices)
    record_id = models.BigIntegerField(_("记录ID"))

    scope_paths = {}

    class Meta:
        verbose_name = _("待计入的台账记录变化")
        verbose_name_plural = _("待计入的台账记录变化")

    def __str__(self):
        return f"{self.kind} {self.record_id}"


class CategoryTotalSummary(CategoryCounters):
    """The category month summaries added up: every summarised day of one zone and category."""

    class Meta:
        verbose_name = _("类别累计汇总")
        verbose_name_plural = _("类别累计汇总")
        constraints = [models.UniqueConstraint(fields=["zone_id", "category_id"], name="category_total_once")]

    def __str__(self):
        return f"zone {self.zone_id} category {self.category_id}"
