from django.contrib import admin

from accounts.scoping import ScopedAdminMixin
from core.admin import NoDeleteAdminMixin
from core.admin_actions import deactivate, reactivate
from register.models import Enterprise, Grid, Parcel, RiskTagOption, Zone


@admin.register(Zone)
class ZoneAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "code", "order")
    search_fields = ("name", "code")


@admin.register(Grid)
class GridAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "zone", "code")
    list_filter = ("zone",)
    search_fields = ("name", "code", "zone__name")
    list_select_related = ("zone",)


@admin.register(RiskTagOption)
class RiskTagOptionAdmin(admin.ModelAdmin):
    list_display = ("code", "__str__")


class TenantInline(admin.TabularInline):
    model = Enterprise
    fields = ("name", "credit_code", "kind", "active")
    extra = 0
    show_change_link = True
    can_delete = False  # a tenant that moved out is marked 不在营 (active), never deleted


@admin.register(Parcel)
class ParcelAdmin(NoDeleteAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    """Parcels are kept with their history (inspections, tickets, close-out): never deleted here."""

    list_display = ("code", "name", "grid", "landlord_name", "closeout_state", "closed_out_at")
    list_filter = ("closeout_state", "grid__zone", "grid")
    search_fields = ("code", "name", "address", "landlord_name", "landlord_phone")
    list_select_related = ("grid__zone",)
    autocomplete_fields = ("grid", "landlord_user")
    readonly_fields = ("closeout_state", "closed_out_at", "created_at", "updated_at")
    inlines = [TenantInline]


@admin.register(Enterprise)
class EnterpriseAdmin(NoDeleteAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    """Enterprises are kept with their history: one that closed or moved out is deactivated (在营 off)."""

    actions = [deactivate, reactivate]
    list_display = ("name", "credit_code", "kind", "parcel", "grid", "above_scale", "active")
    list_filter = ("kind", "above_scale", "active", "risk_tags", "grid__zone")
    search_fields = ("name", "credit_code", "legal_representative", "safety_contact", "phone", "parcel__code")
    list_select_related = ("parcel", "grid__zone")
    autocomplete_fields = ("parcel", "grid")
    filter_horizontal = ("risk_tags",)
