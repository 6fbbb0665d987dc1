from django.db.models import Case, IntegerField, OuterRef, Value, When
from django.urls import reverse
from django.views.generic import DetailView
from django_filters.views import FilterView

from accounts.choices import Role
from accounts.policy import can_inspect, is_manager, may_import
from cases.annotations import last_inspected, open_hazards_of, visited_since
from cases.choices import OPEN_HAZARD_STATUSES, TicketStatus
from cases.models import Hazard, Inspection, Ticket
from core.dates import day_start, round_start
from core.filtersets import scope_filter_choices
from core.queries import SubqueryCount
from core.views import ScopedMixin
from register.choices import CloseoutState
from register.filtersets import EnterpriseFilterSet, ParcelFilterSet
from register.models import Enterprise, Parcel
from register.querysets import active_tenants_of

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
        since = day_start(round_start())
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
        context["round_start"] = round_start()
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
        since = day_start(round_start())
        context["tenants"] = list(
            Enterprise.objects.visible_to(user)
            .filter(parcel=parcel, active=True)
            .prefetch_related("risk_tags")
            .annotate(open_hazards=open_hazards_of("enterprise"), visited=visited_since("enterprise", since))
            .order_by("name", "pk")
        )
        context["crosschecks"] = list(
            parcel.crosschecks.visible_to(user)
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


# --- the lists ----------------------------------------------------------------------------------


class RegisterParcelFilterSet(ParcelFilterSet):
    """ParcelFilterSet with the tenant count as a sub-select (no GROUP BY on the list's query)."""

    def filter_multi_tenant(self, queryset, name, value):
        if value is None:
            return queryset
        queryset = queryset.annotate(tenant_count=active_tenants_of())
        return queryset.filter(tenant_count__gt=1) if value else queryset.filter(tenant_count__lte=1)


class RegisterListView(ScopedMixin, FilterView):
    paginate_by = 50
    export_url_name = ""

    def get_filterset(self, filterset_class):
        return scope_filter_choices(super().get_filterset(filterset_class), self.request.user)

    def paginate_queryset(self, queryset, page_size):
        # Annotate after filtering: the sub-selects run for the page's rows only.
        return super().paginate_queryset(self.annotate_rows(queryset), page_size)

    def annotate_rows(self, queryset):
        return queryset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        context["query"] = query.urlencode()
        context["export_url"] = f"{reverse(self.export_url_name)}?{context['query']}"
        context["can_import"] = may_import(self.request.user)
        return context


class ParcelListView(RegisterListView):
    model = Parcel
    filterset_class = RegisterParcelFilterSet
    template_name = "cases/units/parcel_list.html"
    export_url_name = "register:parcel_export"

    def get_queryset(self):
        return super().get_queryset().select_related("grid__zone").order_by("code")

    def annotate_rows(self, queryset):
        extra = {} if "tenant_count" in queryset.query.annotations else {"tenant_count": active_tenants_of()}
        return queryset.annotate(open_hazards=open_hazards_of("parcel"), **extra)


class EnterpriseListView(RegisterListView):
    model = Enterprise
    filterset_class = EnterpriseFilterSet
    template_name = "cases/units/enterprise_list.html"
    export_url_name = "register:enterprise_export"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("grid__zone", "parcel")
            .prefetch_related("risk_tags")
            .order_by("name", "pk")
        )

    def annotate_rows(self, queryset):
        return queryset.annotate(
            open_hazards=open_hazards_of("enterprise"),
            parcel_tenants=active_tenants_of("parcel_id"),
        )
