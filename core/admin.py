from django.contrib import admin

from core.models import Sequence


class ViewOnlyAdminMixin:
    """Rows written only by the application: staff may look, never add, change or delete."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class NoDeleteAdminMixin:
    """Ledger records are kept (at least two years) and never deleted."""

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(ViewOnlyAdminMixin, admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False


@admin.register(Sequence)
class SequenceAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    """Counters (ticket and hazard numbers per day), for inspection only."""

    list_display = ("key", "value", "text")
    search_fields = ("key",)
