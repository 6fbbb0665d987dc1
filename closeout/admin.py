from django.contrib import admin

from accounts.scoping import ScopedAdminMixin
from closeout.models import CrossCheck
from core.admin import NoDeleteAdminMixin


@admin.register(CrossCheck)
class CrossCheckAdmin(ScopedAdminMixin, NoDeleteAdminMixin, admin.ModelAdmin):
    list_display = ("parcel", "inspector", "requested_by", "requested_at", "status", "completed_at")
    list_filter = ("status", "parcel__grid__zone")
    search_fields = ("parcel__code", "parcel__name", "inspector__username", "comment")
    list_select_related = ("parcel", "inspector", "requested_by")
    date_hierarchy = "requested_at"
    readonly_fields = ("parcel", "inspector", "requested_by", "requested_at", "status", "inspection", "completed_at")
    fields = readonly_fields + ("comment",)

    def has_add_permission(self, request):
        return False  # requested through services.request_crosscheck
