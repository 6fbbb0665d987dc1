from django.db.models import Case, IntegerField, OuterRef, Prefetch, Value, When
from django.urls import reverse
from django.views.generic import DetailView

from accounts.policy import PARTY_ROLES, STAFF_ROLES, Action, allows, has_role
from cases.annotations import last_inspected, open_hazards_of, visited_since
from cases.choices import TicketStatus
from cases.models import CheckIn, Hazard, Inspection, Photo, Ticket
from cases.parcel_states import ParcelStateFilterSet, parcel_state
from core.dates import day_start, round_start
from core.links import safe_reverse
from core.queries import SubqueryCount
from core.views import ScopedFilterView, ScopedMixin
from register.filtersets import EnterpriseFilterSet
from register.models import Enterprise, Parcel
from register.party_accounts import with_accounts
from register.querysets import active_tenants_of

HISTORY_LIMIT = 20
OPEN_HAZARDS_LIMIT = 50
CHECKINS_LIMIT = 5


# --- a unit's page ---------------------------------------------------------------------------------


def open_first(queryset):
    """Open tickets first, newest first within each group."""
    return queryset.annotate(
        is_closed=Case(When(status=TicketStatus.CLOSED, then=Value(1)), default=Value(0), output_field=IntegerField())
    ).order_by("is_closed", "-created_at", "-pk")


class UnitDetailMixin(ScopedMixin):
    """What both unit pages show: open hazards, tickets, inspections, this round's visit, the actions."""

    unit_field = ""
    # The unit's relations shown on its page.
    related = ()
    prefetched = ()

    def get_queryset(self):
        since = day_start(round_start())
        return (
            super()
            .get_queryset()
            .select_related(*self.related)
            .prefetch_related(*self.prefetched)
            .annotate(
                open_hazards=open_hazards_of(self.unit_field),
                visited=visited_since(since),
                last_inspected_at=last_inspected(),
                **self.tenant_count(),
            )
        )

    def tenant_count(self):
        """The active tenants of the unit's parcel, as an annotation."""
        raise NotImplementedError

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        unit = {self.unit_field: self.object}
        context["unit_kind"] = self.unit_field
        context["round_start"] = round_start()
        context["open_hazard_list"] = list(
            Hazard.objects.visible_to(user)
            .open()
            .filter(**unit)
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
            .select_related("inspector", "enterprise", "parcel", "checklist", "checkin")
            .prefetch_related(Prefetch("photos", queryset=Photo.objects.shown_to(user)))
            .annotate(hazard_count=SubqueryCount(Hazard.objects.filter(inspection=OuterRef("pk"))))
            .order_by("-inspected_at", "-pk")[:HISTORY_LIMIT]
        )
        # Office field staff inspect from the field pages; a party records its self-check (自查自纠).
        may_record = allows(user, Action.INSPECTION_RECORD, self.object, in_scope=True)
        context["can_inspect"] = may_record and user.role not in PARTY_ROLES
        context["is_party"] = may_record and user.role in PARTY_ROLES
        context["report_url"] = f"{reverse('cases:hazard_report')}?{self.unit_field}={self.object.pk}"
        context["tickets_url"] = f"{reverse('cases:ticket_list')}?{self.unit_field}_id={self.object.pk}"
        context["hazards_url"] = f"{reverse('cases:hazard_list')}?{self.unit_field}_id={self.object.pk}"
        # Risk grading (the risk app's pages, by URL name): the unit's risk points, its plate to print, and
        # for office staff the last check-ins at its plate (巡更打卡).
        context["risk_points_url"] = safe_reverse("risk:point_list", query={f"{self.unit_field}_id": self.object.pk})
        is_staff = has_role(user, STAFF_ROLES)
        context["plates_url"] = safe_reverse("risk:plates", query={self.unit_field: self.object.pk}) if is_staff else ""
        context["checkins"] = (
            list(
                CheckIn.objects.visible_to(user)
                .filter(**unit)
                .select_related("inspector", "enterprise", "parcel")[:CHECKINS_LIMIT]
            )
            if is_staff
            else None
        )
        return context


class ParcelDetailView(UnitDetailMixin, DetailView):
    model = Parcel
    template_name = "cases/units/parcel_detail.html"
    unit_field = "parcel"
    related = ("grid__zone", "landlord_user")

    def tenant_count(self):
        # and the close-out state as cases.parcel_states defines it (the map's, the list's)
        return {"tenant_count": active_tenants_of(), "state": parcel_state()}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        parcel = self.object
        since = day_start(round_start())
        context["tenants"] = list(
            Enterprise.objects.visible_to(user)
            .filter(parcel=parcel, active=True)
            .prefetch_related("risk_tags")
            .annotate(open_hazards=open_hazards_of("enterprise"), visited=visited_since(since))
            .order_by("name", "pk")
        )
        context["crosschecks"] = list(
            parcel.crosschecks.visible_to(user)
            .select_related("inspector", "requested_by")
            .order_by("-requested_at", "-pk")[:10]
        )
        context["can_request_crosscheck"] = allows(user, Action.PARCEL_REQUEST_CROSSCHECK, parcel, in_scope=True)
        context["closeout_url"] = f"{reverse('closeout:closeout_desk')}?q={parcel.code}"
        return context


class EnterpriseDetailView(UnitDetailMixin, DetailView):
    model = Enterprise
    template_name = "cases/units/enterprise_detail.html"
    unit_field = "enterprise"
    related = ("grid__zone", "parcel")
    prefetched = ("risk_tags",)

    def tenant_count(self):
        return {"parcel_tenants": active_tenants_of("parcel_id")}


# --- the lists ----------------------------------------------------------------------------------


class ImportButtonMixin:
    """A register list offers the spreadsheet import to who may import, and to who may open party
    accounts the 开通单位账号 link and, on each row, whether its party has an account (in the rows' query)."""

    def may_open_accounts(self):
        return allows(self.request.user, Action.PARTY_ACCOUNT_CREATE)

    def annotate_rows(self, queryset):
        queryset = super().annotate_rows(queryset)
        return with_accounts(queryset) if self.may_open_accounts() else queryset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_import"] = allows(self.request.user, Action.REGISTER_IMPORT)
        context["may_open_accounts"] = self.may_open_accounts()
        return context


class ParcelListView(ImportButtonMixin, ScopedFilterView):
    model = Parcel
    filterset_class = ParcelStateFilterSet  # ``state``: the close-out state as cases.parcel_states defines it
    template_name = "cases/units/parcel_list.html"
    export_url_name = "register:parcel_export"
    primary_filters = ("q", "zone_id", "grid_id", "state")
    hidden_filters = ScopedFilterView.hidden_filters + ("closeout_state",)

    def get_queryset(self):
        return super().get_queryset().select_related("grid__zone").order_by("code")

    def annotate_rows(self, queryset):
        queryset = super().annotate_rows(queryset)
        extra = {} if "tenant_count" in queryset.query.annotations else {"tenant_count": active_tenants_of()}
        return queryset.annotate(open_hazards=open_hazards_of("parcel"), state=parcel_state(), **extra)


class EnterpriseListView(ImportButtonMixin, ScopedFilterView):
    model = Enterprise
    filterset_class = EnterpriseFilterSet
    template_name = "cases/units/enterprise_list.html"
    export_url_name = "register:enterprise_export"
    primary_filters = ("q", "zone_id", "grid_id", "kind", "risk_tag")
    hidden_filters = ScopedFilterView.hidden_filters + ("parcel",)

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("grid__zone", "parcel")
            .prefetch_related("risk_tags")
            .order_by("name", "pk")
        )

    def annotate_rows(self, queryset):
        return (
            super()
            .annotate_rows(queryset)
            .annotate(
                open_hazards=open_hazards_of("enterprise"),
                parcel_tenants=active_tenants_of("parcel_id"),
            )
        )
