from django.contrib import admin
from django.db.models import Q

from accounts.scoping import ScopedAdminMixin
from briefing.models import DailyReport, Delivery
from cases.models import Ticket
from core.admin import ViewOnlyAdminMixin


@admin.register(DailyReport)
class DailyReportAdmin(ScopedAdminMixin, ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("date", "scope", "zone", "grid", "generated_at")
    list_filter = ("zone",)
    search_fields = ("scope",)
    list_select_related = ("zone", "grid__zone")
    date_hierarchy = "date"


@admin.register(Delivery)
class DeliveryAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    """Sent messages, scoped like what they carry: a briefing's as the briefing, a ticket's as the
    ticket. Messages of neither (none today) only for those who see the whole area."""

    list_display = ("key", "channel", "recipient", "status", "attempts", "created_at", "sent_at")
    list_filter = ("status", "channel")
    search_fields = ("key", "recipient", "last_error")
    list_select_related = ("report", "ticket")
    date_hierarchy = "created_at"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        user = request.user
        if user.is_authenticated and user.sees_everything:
            return queryset
        reports = DailyReport.objects.visible_to(user).values("pk")
        tickets = Ticket.objects.visible_to(user).values("pk")
        return queryset.filter(Q(report__in=reports) | Q(ticket__in=tickets))
