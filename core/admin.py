from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from core.models import CheckResult, MetricCounter, Sequence


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


@admin.register(CheckResult)
class CheckResultAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    """The last result of each scheduled check (the nightly verify_events), written by the check."""

    list_display = ("name", "ok", "ran_at", "message")
    actions = ["run_again"]

    @admin.action(description=_("立即重新校验"))
    def run_again(self, request, queryset):
        """Run the check now (after the cause of a failure was dealt with): the banner goes when it passes."""
        from core.checks import run_verify_events

        result = run_verify_events()
        level = messages.SUCCESS if result.ok else messages.ERROR
        self.message_user(request, result.message, level)


@admin.register(MetricCounter)
class MetricCounterAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    """Counters behind /metrics (Celery task outcomes, briefing deliveries), for inspection only."""

    list_display = ("name", "labels", "value")
    list_filter = ("name",)
