from django import forms
from django.contrib import admin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.scoping import ScopedAdminMixin, restrict
from briefing.channels import robots
from briefing.models import (
    CategoryDaySummary,
    CategoryMonthSummary,
    CategoryTotalSummary,
    DailyReport,
    DaySummary,
    Delivery,
    GroupRobot,
    InboxMessage,
    MonthSummary,
    OutreachPreference,
    RecordChange,
    RecordCount,
    RecordTally,
    SummaryState,
    TotalSummary,
    UnitChange,
    UnitCount,
    UnitTally,
)
from cases.models import Ticket
from core.admin import ViewOnlyAdminMixin


@admin.register(DailyReport)
class DailyReportAdmin(ScopedAdminMixin, ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("date", "scope", "zone", "grid", "generated_at")
    list_filter = ("zone",)
    search_fields = ("scope",)
    list_select_related = ("zone", "grid__zone")
    date_hierarchy = "date"


@admin.register(Delivery)
class DeliveryAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    """Sent messages, scoped like what they carry: a briefing's as the briefing, a ticket's as the
    ticket. Messages of neither (none today) only for those who see the whole area."""

    list_display = ("key", "channel", "recipient", "status", "attempts", "created_at", "sent_at")
    list_filter = ("status", "channel")
    search_fields = ("key", "recipient", "last_error")
    list_select_related = ("report", "ticket")
    date_hierarchy = "created_at"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        user = request.user
        if user.is_authenticated and user.sees_everything:
            return queryset
        reports = DailyReport.objects.visible_to(user).values("pk")
        tickets = Ticket.objects.visible_to(user).values("pk")
        return queryset.filter(Q(report__in=reports) | Q(ticket__in=tickets))


class GroupRobotForm(forms.ModelForm):
    """The secret is written, never shown again: left empty on a change, the stored one is kept."""

    secret = forms.CharField(
        label=_("加签密钥"), required=False, widget=forms.PasswordInput(render_value=False),
        help_text=_("钉钉、飞书机器人开启“加签”时填写；修改时留空表示不变。"),
    )  # fmt: skip

    url = forms.URLField(label=_("Webhook 地址"), max_length=500, assume_scheme="https")

    class Meta:
        model = GroupRobot
        fields = ["name", "kind", "zone", "grid", "url", "secret", "enabled"]

    def clean(self):
        cleaned = super().clean()
        if bool(cleaned.get("zone")) == bool(cleaned.get("grid")):
            raise forms.ValidationError(_("请选择一个网格或一个区块（二选一）。"))
        if not cleaned.get("secret") and self.instance.pk:
            cleaned["secret"] = GroupRobot.objects.filter(pk=self.instance.pk).values_list("secret", flat=True).first()
        return cleaned


@admin.register(GroupRobot)
class GroupRobotAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """群机器人 of a grid or zone, scoped like the grids and zones: a manager sees and configures those of
    their zones (the zone and grid choices are theirs only)."""

    form = GroupRobotForm
    list_display = ("name", "kind", "zone", "grid", "webhook", "signed", "enabled")
    list_filter = ("kind", "enabled")
    search_fields = ("name",)
    list_select_related = ("zone", "grid__zone")

    @admin.display(description=_("Webhook 地址"))
    def webhook(self, robot):
        return robots.safe_url(robot.url)

    @admin.display(description=_("加签"), boolean=True)
    def signed(self, robot):
        return bool(robot.secret)


class _ByTicketOrUser:
    """Rows about a ticket are seen by who sees the ticket; rows of a user alone by who sees the user."""

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        user = request.user
        if user.is_authenticated and user.sees_everything:
            return queryset
        users = restrict(User.objects.all(), user).values("pk")
        if hasattr(queryset.model, "ticket"):
            return queryset.filter(Q(ticket__in=Ticket.objects.visible_to(user).values("pk")) | Q(user__in=users))
        return queryset.filter(user__in=users)


@admin.register(InboxMessage)
class InboxMessageAdmin(_ByTicketOrUser, ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("key", "user", "kind", "ticket", "created_at", "read_at")
    list_filter = ("kind",)
    search_fields = ("key", "user__username", "ticket__number")
    list_select_related = ("user", "ticket")
    date_hierarchy = "created_at"


@admin.register(OutreachPreference)
class OutreachPreferenceAdmin(_ByTicketOrUser, ViewOnlyAdminMixin, admin.ModelAdmin):
    """Each user sets their own on the message centre's page; the office only looks."""

    list_display = ("user", "inbox", "robots", "sms", "updated_at")
    search_fields = ("user__username",)
    list_select_related = ("user",)


# The day summaries are derived data (briefing.summaries): shown to check them, changed only by the catch-up
# and ``manage.py rebuild_summaries``.


@admin.register(DaySummary)
class DaySummaryAdmin(ScopedAdminMixin, ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("day", "zone_id", "grid_id", "found_general", "found_major", "fixed_general", "fixed_major",
                    "inspections", "escalations")  # fmt: skip
    date_hierarchy = "day"


@admin.register(CategoryDaySummary)
class CategoryDaySummaryAdmin(ScopedAdminMixin, ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("day", "zone_id", "category_id", "found", "rectified", "major")
    date_hierarchy = "day"


@admin.register(MonthSummary)
class MonthSummaryAdmin(ScopedAdminMixin, ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("month", "zone_id", "grid_id", "found_general", "found_major", "fixed_general", "fixed_major",
                    "inspections", "escalations")  # fmt: skip
    date_hierarchy = "month"


@admin.register(CategoryMonthSummary)
class CategoryMonthSummaryAdmin(ScopedAdminMixin, ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("month", "zone_id", "category_id", "found", "rectified", "major")
    date_hierarchy = "month"


@admin.register(TotalSummary)
class TotalSummaryAdmin(ScopedAdminMixin, ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("zone_id", "grid_id", "found_general", "found_major", "fixed_general", "fixed_major", "inspections",
                    "escalations")  # fmt: skip


@admin.register(CategoryTotalSummary)
class CategoryTotalSummaryAdmin(ScopedAdminMixin, ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("zone_id", "category_id", "found", "rectified", "major")


@admin.register(SummaryState)
class SummaryStateAdmin(ScopedAdminMixin, ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("covered_until", "last_event_id", "updated_at")


# The units' tallies are kept by briefing.unit_tally (and rebuilt by rebuild_summaries): shown to check them.


@admin.register(UnitCount)
class UnitCountAdmin(ScopedAdminMixin, ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("zone", "kind", "risk_level", "day", "n", "never", "drilled", "signed", "tenants", "agreements")
    list_filter = ("kind", "risk_level")
    list_select_related = ("zone",)


@admin.register(UnitTally)
class UnitTallyAdmin(ScopedAdminMixin, ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("kind", "unit_id", "zone", "year", "risk_level", "visited_on", "counted", "drilled", "signed")
    list_filter = ("kind", "risk_level", "counted", "drilled", "signed", "tenant", "agreement")
    list_select_related = ("zone",)


@admin.register(UnitChange)
class UnitChangeAdmin(ScopedAdminMixin, ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("pk", "kind", "unit_id")


@admin.register(RecordCount)
class RecordCountAdmin(ScopedAdminMixin, ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("zone", "kind", "n", "participants", "solved", "rated", "rating_sum", "offline")
    list_filter = ("kind",)
    list_select_related = ("zone",)


@admin.register(RecordTally)
class RecordTallyAdmin(ScopedAdminMixin, ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("kind", "record_id", "zone", "counted", "participants", "solved", "rating", "offline")
    list_filter = ("kind", "counted", "solved", "offline")
    list_select_related = ("zone",)


@admin.register(RecordChange)
class RecordChangeAdmin(ScopedAdminMixin, ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("pk", "kind", "record_id")
