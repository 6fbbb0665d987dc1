"""Enterprise service requests (企业服务问题): a second kind of case beside the ticket, sharing its machinery —
the deadline and overdue rules (cases.deadlines), the daily escalation (cases.escalation), the timeline
(timeline: events on the request's own stream ``servicerequest:<id>``) and scoping (accounts.scoping:
the unit's paths, and ``department`` for the department it was dispatched to)."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Department
from accounts.scoping import UNIT_SCOPE_PATHS
from cases.choices import EscalationLevel
from cases.deadlines import is_overdue
from register.models import Enterprise, Grid, Parcel, Zone
from servicedesk.choices import RATINGS, ServiceRequestStatus
from servicedesk.querysets import ServiceRequestQuerySet

User = settings.AUTH_USER_MODEL


class ServiceCategory(models.Model):
    """A kind of request (供电, 道路, 审批, 消防用水 …), with the department it usually goes to and its time
    limit (限时办结): data, kept in the admin."""

    code = models.SlugField(_("代码"), max_length=32, primary_key=True)
    name = models.CharField(_("名称"), max_length=64)
    department = models.ForeignKey(
        Department,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="service_categories",
        verbose_name=_("默认派发部门"),
    )
    time_limit_days = models.PositiveSmallIntegerField(_("办理时限（天）"), default=7)
    order = models.PositiveIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("服务问题类别")
        verbose_name_plural = _("服务问题类别")

    def __str__(self):
        return self.name


class ServiceRequest(models.Model):
    number = models.CharField(_("编号"), max_length=32, unique=True)
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="service_requests", verbose_name=_("企业")
    )
    parcel = models.ForeignKey(
        Parcel, on_delete=models.PROTECT, null=True, blank=True, related_name="service_requests", verbose_name=_("宗地")
    )
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="service_requests", verbose_name=_("网格"))
    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, related_name="service_requests", verbose_name=_("区块"))
    category = models.ForeignKey(
        ServiceCategory, on_delete=models.PROTECT, related_name="requests", verbose_name=_("类别")
    )
    title = models.CharField(_("问题"), max_length=200)
    description = models.TextField(_("详细描述"), blank=True)
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=ServiceRequestStatus.choices,
        default=ServiceRequestStatus.OPEN,
        db_index=True,
    )
    raised_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="raised_service_requests", verbose_name=_("提出人")
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="service_requests",
        verbose_name=_("承办部门"),
    )
    deadline = models.DateField(_("办结期限"), null=True, blank=True, db_index=True)
    dispatched_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dispatched_service_requests",
        verbose_name=_("派发人"),
    )
    dispatched_at = models.DateTimeField(_("派发时间"), null=True, blank=True)
    answer = models.TextField(_("办理答复"), blank=True)
    answered_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="answered_service_requests",
        verbose_name=_("答复人"),
    )
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    rating = models.PositiveSmallIntegerField(_("满意度评分"), choices=RATINGS, null=True, blank=True)
    feedback = models.TextField(_("企业评价"), blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True, db_index=True)
    escalation_level = models.PositiveSmallIntegerField(
        _("督办级别"), choices=EscalationLevel.choices, default=EscalationLevel.NONE
    )
    escalated_at = models.DateTimeField(_("督办时间"), null=True, blank=True)
    return_count = models.PositiveSmallIntegerField(_("退回次数"), default=0)
    created_at = models.DateTimeField(_("提出时间"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ServiceRequestQuerySet.as_manager()
    scope_paths = {**UNIT_SCOPE_PATHS, "department": "department_id"}

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("企业服务问题")
        verbose_name_plural = _("企业服务问题")
        indexes = [
            models.Index(fields=["zone", "status"], name="servicereq_zone_status"),
            models.Index(fields=["department", "status"], name="servicereq_dept_status"),
        ]

    def __str__(self):
        return f"{self.number} {self.title}"

    def get_absolute_url(self):
        return reverse("servicedesk:request_detail", args=[self.pk])

    @property
    def stream(self):
        return f"servicerequest:{self.pk}"

    def is_overdue(self, today=None):
        return is_overdue(self, today or timezone.localdate())
