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


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Sequence)
class SequenceAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    """Counters and the event-chain head, for inspection only."""

    list_display = ("key", "value", "text")
    search_fields = ("key",)
