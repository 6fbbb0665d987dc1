from django.db.models import Case, IntegerField, OuterRef, Value, When
from django.urls import reverse
from django.views.generic import DetailView

from accounts.choices import Role
from accounts.policy import can_inspect, is_manager
from briefing.figures import day_start
from cases.choices import OPEN_HAZARD_STATUSES, TicketStatus
from cases.models import Hazard, Inspection, Ticket
from cases.views.field import active_tenants_of, current_round_start, last_inspected, open_hazards_of, visited_since
from closeout.models import CrossCheck
from core.queries import SubqueryCount
from core.views import ScopedMixin
from register.choices import CloseoutState
from register.models import Enterprise, Parcel

HISTORY_LIMIT = 20
OPEN_HAZARDS_LIMIT = 50


# --- a unit's page ---------------------------------------------------------------------------------


def open_first(queryset):
    """Open tickets first, newest first within each group."""
    return queryset.annotate(
        is_closed=Case(When(status=TicketStatus.CLOSED, then=Value(1)), default=Value(0), output_field=IntegerField())
    ).order_by("is_closed", "-created_at", "-pk")


class UnitDetailMixin(ScopedMixin):
    """What both unit pages show: open hazards, tickets, inspections, this round's visit, the actions."""

    unit_field = ""

    def unit_annotations(self):
        since = day_start(current_round_start())
        return {
            "open_hazards": open_hazards_of(self.unit_field),
            "visited": visited_since(self.unit_field, since),
            "last_inspected_at": last_inspected(self.unit_field),
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        unit = {self.unit_field: self.object}
        context["unit_kind"] = self.unit_field
        context["round_start"] = current_round_start()
        context["open_hazard_list"] = list(
            Hazard.objects.visible_to(user)
            .filter(**unit, status__in=OPEN_HAZARD_STATUSES, withdrawn=False)
            .select_related("category", "enterprise", "ticket")
            .order_by("-reported_at", "-pk")[:OPEN_HAZARDS_LIMIT]
        )
        context["tickets"] = list(
            open_first(Ticket.objects.visible_to(user).filter(**unit).select_related("enterprise", "parcel"))[
                :HISTORY_LIMIT
            ]
        )
        context["inspections"] = list(
            Inspection.objects.visible_to(user)
            .filter(**unit)
            .select_related("inspector", "enterprise", "parcel", "checklist")
            .annotate(hazard_count=SubqueryCount(Hazard.objects.filter(inspection=OuterRef("pk"))))
            .order_by("-inspected_at", "-pk")[:HISTORY_LIMIT]
        )
        context["can_inspect"] = can_inspect(user)
        context["is_party"] = user.role in (Role.ENTERPRISE, Role.LANDLORD)
        context["report_url"] = f"{reverse('cases:hazard_report')}?{self.unit_field}={self.object.pk}"
        context["tickets_url"] = f"{reverse('cases:ticket_list')}?{self.unit_field}_id={self.object.pk}"
        context["hazards_url"] = f"{reverse('cases:hazard_list')}?{self.unit_field}_id={self.object.pk}"
        return context


class ParcelDetailView(UnitDetailMixin, DetailView):
    model = Parcel
    template_name = "cases/units/parcel_detail.html"
    unit_field = "parcel"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("grid__zone", "landlord_user")
            .annotate(tenant_count=active_tenants_of(), **self.unit_annotations())
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        parcel = self.object
        since = day_start(current_round_start())
        context["tenants"] = list(
            Enterprise.objects.visible_to(user)
            .filter(parcel=parcel, active=True)
            .prefetch_related("risk_tags")
            .annotate(open_hazards=open_hazards_of("enterprise"), visited=visited_since("enterprise", since))
            .order_by("name", "pk")
        )
        context["crosschecks"] = list(
            CrossCheck.objects.visible_to(user)
            .filter(parcel=parcel)
            .select_related("inspector", "requested_by")
            .order_by("-requested_at", "-pk")[:10]
        )
        context["can_request_crosscheck"] = (
            is_manager(user) and parcel.closeout_state == CloseoutState.RED and not parcel.open_hazards
        )
        context["closeout_url"] = f"{reverse('closeout:closeout_desk')}?q={parcel.code}"
        return context


class EnterpriseDetailView(UnitDetailMixin, DetailView):
    model = Enterprise
    template_name = "cases/units/enterprise_detail.html"
    unit_field = "enterprise"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("grid__zone", "parcel")
            .prefetch_related("risk_tags")
            .annotate(parcel_tenants=active_tenants_of("parcel_id"), **self.unit_annotations())
        )
