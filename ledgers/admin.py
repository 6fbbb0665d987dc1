"""Admin of the campaign ledgers, scoped like every admin (accounts.scoping.ScopedAdminMixin): sessions of
training and drills with their photos, and the "焊有序" devices. They are recorded and changed through the
pages and the API (ledgers.drills, ledgers.welding, which check dates, counts and scope): view only here,
and never deleted (they are the ledger)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts.scoping import ScopedAdminMixin
from core.admin import ReadOnlyInline, ViewOnlyAdminMixin
from ledgers.models import Drill, DrillPhoto, WeldingDevice


class DrillPhotoInline(ReadOnlyInline):
    model = DrillPhoto
    fields = ("image", "uploaded_at")
    readonly_fields = fields


@admin.register(Drill)
class DrillAdmin(ScopedAdminMixin, ViewOnlyAdminMixin, admin.ModelAdmin):
    inlines = [DrillPhotoInline]
    list_display = ("held_on", "title", "kind", "zone", "grid", "unit", "participants", "recorded_by")
    list_filter = ("kind", "zone")
    search_fields = ("title", "organiser", "trainer", "enterprise__name")
    list_select_related = ("zone", "grid", "enterprise", "parcel", "recorded_by")
    date_hierarchy = "held_on"

    @admin.display(description=_("单位"))
    def unit(self, obj):
        if obj.enterprise_id:
            return obj.enterprise.name
        return obj.parcel.name if obj.parcel_id else ""


@admin.register(WeldingDevice)
class WeldingDeviceAdmin(ScopedAdminMixin, ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("device_id", "enterprise", "zone", "grid", "installed_on", "welding_points", "status")
    list_filter = ("status", "zone")
    search_fields = ("device_id", "enterprise__name")
    list_select_related = ("zone", "grid", "enterprise")
    date_hierarchy = "installed_on"


from ledgers import admin_letters  # noqa: E402,F401  the letters' admin (ledgers/admin_letters.py)
