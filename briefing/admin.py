from django.contrib import admin

from accounts.scoping import ScopedAdminMixin
from briefing.models import DailyReport, Delivery
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
    list_display = ("key", "channel", "recipient", "status", "attempts", "created_at", "sent_at")
    list_filter = ("status", "channel")
    search_fields = ("key", "recipient", "last_error")
    list_select_related = ("report", "ticket")
    date_hierarchy = "created_at"
