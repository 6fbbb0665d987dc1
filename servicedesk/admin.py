"""Categories are data the office edits; requests are read here and changed only through the services."""

from django.contrib import admin

from accounts.scoping import ScopedAdminMixin
from servicedesk.models import ServiceCategory, ServiceRequest


@admin.register(ServiceCategory)
class ServiceCategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "department", "time_limit_days", "order", "active")
    list_editable = ("time_limit_days", "order", "active")
    list_filter = ("active", "department")
    search_fields = ("code", "name")


@admin.register(ServiceRequest)
class ServiceRequestAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Read-only: every change goes through servicedesk.services (and leaves its event)."""

    list_display = ("number", "title", "enterprise", "category", "status", "department", "deadline", "escalation_level")
    list_filter = ("status", "category", "department", "escalation_level")
    search_fields = ("number", "title", "enterprise__name")
    list_select_related = ("enterprise", "category", "department")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
