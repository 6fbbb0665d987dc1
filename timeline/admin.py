from django.contrib import admin

from accounts.scoping import ScopedAdminMixin
from core.admin import ViewOnlyAdminMixin
from timeline.models import DailyAnchor, Event, LedgerSeal, StreamHead


@admin.register(Event)
class EventAdmin(ScopedAdminMixin, ViewOnlyAdminMixin, admin.ModelAdmin):
    """The timeline is append-only and chained by hash: nothing here can be added, changed or deleted."""

    list_display = ("created_at", "kind", "ticket", "hazard", "parcel", "actor", "from_status", "to_status", "internal")
    list_filter = ("kind", "internal")
    search_fields = ("kind", "comment", "ticket__number", "hazard__number", "parcel__code")
    list_select_related = ("ticket", "hazard__category", "parcel", "actor")
    date_hierarchy = "created_at"


class SuperuserViewOnlyAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    """Rows of every scope at once (a head per case, anchors over all): for superusers only."""

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser


@admin.register(StreamHead)
class StreamHeadAdmin(SuperuserViewOnlyAdmin):
    list_display = ("stream", "count", "head", "updated_at")
    search_fields = ("stream",)


@admin.register(DailyAnchor)
class DailyAnchorAdmin(SuperuserViewOnlyAdmin):
    list_display = ("date", "events", "streams", "root", "key_id", "hash", "created_at")
    date_hierarchy = "date"


@admin.register(LedgerSeal)
class LedgerSealAdmin(SuperuserViewOnlyAdmin):
    list_display = ("last_event", "last_anchor", "events", "streams", "key_id", "hash", "created_at")
