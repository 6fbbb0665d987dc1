from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "first_name", "last_name", "role", "is_staff", "is_active")
    list_filter = ("role", "is_staff", "is_active", "zones")
    search_fields = ("username", "first_name", "last_name", "email", "phone")
    filter_horizontal = ("zones", "grids", "enterprises", "parcels", "groups", "user_permissions")
    autocomplete_fields = ()
    fieldsets = BaseUserAdmin.fieldsets + (
        (_("角色与范围"), {"fields": ("role", "phone", "language", "receives_daily_report", "zones", "grids")}),
        (_("企业与房东"), {"fields": ("enterprises", "parcels")}),
    )
    add_fieldsets = BaseUserAdmin.add_fieldsets + ((_("角色"), {"fields": ("role",)}),)
