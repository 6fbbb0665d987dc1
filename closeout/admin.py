from django.contrib import admin

from accounts.scoping import ScopedAdminMixin
from closeout.models import CrossCheck, MapCell, MapChange, MapParcel
from core.admin import NoDeleteAdminMixin, ViewOnlyAdminMixin


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


# The map's cells are kept by closeout.map_cells (and rebuilt by rebuild_summaries): shown to check them.


@admin.register(MapCell)
class MapCellAdmin(ScopedAdminMixin, ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("zone", "level", "row", "col", "state", "risk_level", "n", "located")
    list_filter = ("level", "state", "risk_level")
    list_select_related = ("zone",)


@admin.register(MapParcel)
class MapParcelAdmin(ScopedAdminMixin, ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("parcel", "zone", "state", "risk_level", "latitude", "longitude")
    list_filter = ("state", "risk_level")
    search_fields = ("parcel__code", "parcel__name")
    list_select_related = ("parcel", "zone")


@admin.register(MapChange)
class MapChangeAdmin(ScopedAdminMixin, ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("pk", "parcel_id")
