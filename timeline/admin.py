from django.contrib import admin

from accounts.scoping import ScopedAdminMixin
from core.admin import ViewOnlyAdminMixin
from timeline.models import Event


@admin.register(Event)
class EventAdmin(ScopedAdminMixin, ViewOnlyAdminMixin, admin.ModelAdmin):
    """The timeline is append-only and chained by hash: nothing here can be added, changed or deleted."""

    list_display = ("created_at", "kind", "ticket", "hazard", "parcel", "actor", "from_status", "to_status", "internal")
    list_filter = ("kind", "internal")
    search_fields = ("kind", "comment", "ticket__number", "hazard__number", "parcel__code")
    list_select_related = ("ticket", "hazard__category", "parcel", "actor")
    date_hierarchy = "created_at"
