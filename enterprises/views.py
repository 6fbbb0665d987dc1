"""The register pages: the parcel and enterprise lists (filters, multi-tenant badge, open hazards,
close-out colour); each unit's page (facts, open hazards, its history of inspections, tickets and
cross-checks — the inspector's unit page too); the spreadsheet import (upload, every row problem
before anything is written, then confirm); the parcel close-out desk (request a cross-check, see the
ones waiting, see the results).

Every queryset starts from ``visible_to(request.user)``; a foreign unit answers 404. List pages run
a constant number of queries: counts are scalar sub-selects on the page's rows only.
"""

import secrets
import time
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, Subquery, Value, When
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import DetailView
from django_filters.views import FilterView

from accounts.choices import Role
from accounts.text import join_clauses, join_list, parens
from inspections import services
from inspections.choices import OPEN_HAZARD_STATUSES, CrossCheckStatus, HazardStatus, TicketStatus
from inspections.figures import day_start
from inspections.forms import add_workflow_errors
from inspections.models import CrossCheck, Hazard, Inspection, Ticket
from inspections.views.access import RoleRequiredMixin
from inspections.views.field import (
    SubqueryCount,
    active_tenants_of,
    current_round_start,
    last_inspected,
    open_hazards_of,
    paginate,
    visited_since,
)

from .choices import CloseoutState
from .filtersets import EnterpriseFilterSet, ParcelFilterSet
from .forms import CrossCheckRequestForm, RegisterImportForm, crosscheck_inspectors
from .importer import COLUMNS, ImportFailed, Problem, RegisterImporter
from .models import Enterprise, Grid, Parcel, Zone

HISTORY_LIMIT = 20
OPEN_HAZARDS_LIMIT = 50
CLOSEOUT_PER_PAGE = 30


class ScopedMixin(LoginRequiredMixin):
    """Every register page starts from what the user may see."""

    def get_queryset(self):
        return super().get_queryset().visible_to(self.request.user)


def scope_filter_choices(filterset, user):
    """Offer only the zones and grids the user can see in the filter form."""
    filterset.filters["zone_id"].queryset = Zone.objects.visible_to(user)
    filterset.filters["grid_id"].queryset = Grid.objects.visible_to(user).select_related("zone")
    return filterset


def can_inspect(user):
    return user.is_superuser or user.role in (Role.INSPECTOR, Role.MANAGER)


def is_manager(user):
    return user.is_superuser or user.role == Role.MANAGER


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
        context["can_import"] = ImportAccessMixin.may_import(self.request.user)
        return context


class ParcelListView(RegisterListView):
    model = Parcel
    filterset_class = RegisterParcelFilterSet
    template_name = "enterprises/parcel_list.html"
    export_url_name = "inspections:parcel_export"

    def get_queryset(self):
        return super().get_queryset().select_related("grid__zone").order_by("code")

    def annotate_rows(self, queryset):
        extra = {} if "tenant_count" in queryset.query.annotations else {"tenant_count": active_tenants_of()}
        return queryset.annotate(open_hazards=open_hazards_of("parcel"), **extra)


class EnterpriseListView(RegisterListView):
    model = Enterprise
    filterset_class = EnterpriseFilterSet
    template_name = "enterprises/enterprise_list.html"
    export_url_name = "inspections:enterprise_export"

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
        context["report_url"] = f"{reverse('inspections:hazard_report')}?{self.unit_field}={self.object.pk}"
        context["tickets_url"] = f"{reverse('inspections:ticket_list')}?{self.unit_field}_id={self.object.pk}"
        context["hazards_url"] = f"{reverse('inspections:hazard_list')}?{self.unit_field}_id={self.object.pk}"
        return context


class ParcelDetailView(UnitDetailMixin, DetailView):
    model = Parcel
    template_name = "enterprises/parcel_detail.html"
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
        context["closeout_url"] = f"{reverse('enterprises:closeout_desk')}?q={parcel.code}"
        return context


class EnterpriseDetailView(UnitDetailMixin, DetailView):
    model = Enterprise
    template_name = "enterprises/enterprise_detail.html"
    unit_field = "enterprise"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("grid__zone", "parcel")
            .prefetch_related("risk_tags")
            .annotate(parcel_tenants=active_tenants_of("parcel_id"), **self.unit_annotations())
        )


# --- the import page -----------------------------------------------------------------------------


SESSION_KEY = "register_imports"
IMPORT_TTL_SECONDS = 24 * 3600
TOKEN_LENGTH = 32


def imports_dir():
    return Path(settings.MEDIA_ROOT) / "imports"


def _prune(request):
    """Forget this session's uploads older than a day, and delete any such file left by others."""
    now = time.time()
    entries = request.session.get(SESSION_KEY, {})
    for token in [t for t, e in entries.items() if now - e.get("created", 0) > IMPORT_TTL_SECONDS]:
        entries.pop(token, None)
    request.session[SESSION_KEY] = entries
    folder = imports_dir()
    if folder.is_dir():
        for path in folder.iterdir():
            try:
                if path.is_file() and now - path.stat().st_mtime > IMPORT_TTL_SECONDS:
                    path.unlink()
            except OSError:
                pass


def _entry(request, token):
    """The session's upload for ``token`` (404 when it is not this session's)."""
    entry = request.session.get(SESSION_KEY, {}).get(token)
    if entry is None or len(token) != TOKEN_LENGTH:
        raise Http404
    return entry


def _forget(request, token):
    entries = request.session.get(SESSION_KEY, {})
    entry = entries.pop(token, None)
    request.session[SESSION_KEY] = entries
    if entry:
        (imports_dir() / entry["file"]).unlink(missing_ok=True)


def _store(upload):
    """Write the upload under MEDIA_ROOT/imports/<token><suffix>; return (token, path)."""
    folder = imports_dir()
    folder.mkdir(parents=True, exist_ok=True)
    token = secrets.token_hex(TOKEN_LENGTH // 2)
    suffix = Path(upload.name or "").suffix.lower()[:8]
    path = folder / f"{token}{suffix}"
    with open(path, "wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return token, path


class ImportAccessMixin(RoleRequiredMixin):
    refusal_message = gettext_lazy("导入台账仅供负责全区的交办/安监人员和系统管理员使用。")

    @staticmethod
    def may_import(user):
        # An import may create zones and grids anywhere: only users who see the whole area.
        return bool(user.sees_everything and (user.is_superuser or user.is_staff or user.role == Role.MANAGER))

    def allowed(self, user):
        return self.may_import(user)


def import_page(request, *, form=None, problems=None, entry=None, token=None, status=200):
    context = {
        "form": form or RegisterImportForm(),
        "problems": problems,
        "entry": entry,
        "token": token,
        "columns": [column.header for column in COLUMNS],
    }
    return render(request, "enterprises/import.html", context, status=status)


class RegisterImportView(ImportAccessMixin, View):
    """Upload a spreadsheet: it is checked in full (a dry run) and nothing is written yet."""

    def get(self, request):
        return import_page(request)

    def post(self, request):
        form = RegisterImportForm(request.POST, request.FILES)
        if not form.is_valid():
            messages.error(request, _("请选择要导入的文件。"))
            return import_page(request, form=form, status=400)
        upload = form.cleaned_data["file"]
        _prune(request)
        token, path = _store(upload)
        try:
            summary = RegisterImporter(str(path), filename=upload.name).run(dry_run=True)
        except ImportFailed as exc:
            path.unlink(missing_ok=True)
            messages.error(request, exc.message)
            problems = exc.problems or [Problem(None, "", "", exc.message)]
            return import_page(request, form=form, problems=problems, status=400)
        entries = request.session.get(SESSION_KEY, {})
        entries[token] = {
            "file": path.name,
            "name": Path(upload.name).name[:200],
            "size": upload.size,
            "rows": summary.rows,
            "lines": summary.lines(),
            "ignored": list(summary.ignored_columns),
            "created": time.time(),
        }
        request.session[SESSION_KEY] = entries
        return redirect("enterprises:import_preview", token=token)


class ImportPreviewView(ImportAccessMixin, View):
    """The checked file: what the import will do; confirm or cancel."""

    def get(self, request, token):
        return import_page(request, entry=_entry(request, token), token=token)


class ImportConfirmView(ImportAccessMixin, View):
    """确认导入: the same importer runs again, for real, in one transaction (all or nothing)."""

    def get(self, request, token):
        return redirect("enterprises:import_preview", token=token)

    def post(self, request, token):
        entry = _entry(request, token)
        path = imports_dir() / entry["file"]
        if not path.is_file():
            _forget(request, token)
            messages.error(request, _("上传的文件已过期，请重新上传。"))
            return redirect("enterprises:import")
        try:
            summary = RegisterImporter(str(path), filename=entry["name"]).run()
        except ImportFailed as exc:
            _forget(request, token)
            messages.error(request, exc.message)
            problems = exc.problems or [Problem(None, "", "", exc.message)]
            return import_page(request, problems=problems, status=400)
        _forget(request, token)
        messages.success(
            request,
            _("导入完成：共 %(rows)d 行。%(lines)s") % {"rows": summary.rows, "lines": join_clauses(summary.lines())},
        )
        return redirect("enterprises:parcel_list")


class ImportCancelView(ImportAccessMixin, View):
    def post(self, request, token):
        _entry(request, token)
        _forget(request, token)
        messages.info(request, _("已取消导入，未写入任何数据。"))
        return redirect("enterprises:import")


# --- the parcel close-out desk -------------------------------------------------------------------


class CloseoutAccessMixin(RoleRequiredMixin):
    roles = (Role.MANAGER,)
    refusal_message = gettext_lazy("宗地销号台仅供交办/安监人员使用。")


def inspector_options(inspectors):
    """Each inspector once: (pk, label, grid ids)."""
    options = []
    for inspector in inspectors:
        grids = list(inspector.grids.all())
        names = join_list(f"{grid.zone.name}{grid.name}" for grid in grids) or _("未分配网格")
        label = (inspector.get_full_name() or inspector.username) + parens(names)
        options.append((inspector.pk, label, {grid.pk for grid in grids}))
    return options


def closeout_page(request, *, bound=None, status=200):
    """The desk: red parcels ready for a cross-check, parcels waiting for one, and the results.

    ``bound`` is (parcel pk, form) of a refused request, shown on its row with its errors.
    """
    user = request.user
    parcels = Parcel.objects.visible_to(user)
    filterset = scope_filter_choices(ParcelFilterSet(request.GET or None, queryset=parcels), user)
    filtered = filterset.qs if filterset.is_bound and filterset.is_valid() else parcels
    open_hazards = Hazard.objects.filter(parcel=OuterRef("pk"), status__in=OPEN_HAZARD_STATUSES, withdrawn=False)
    ready = (
        filtered.filter(closeout_state=CloseoutState.RED)
        .exclude(Exists(open_hazards))
        .select_related("grid__zone")
        .annotate(
            tenant_count=active_tenants_of(),
            rectified=SubqueryCount(Hazard.objects.filter(parcel=OuterRef("pk"), status=HazardStatus.RECTIFIED)),
            last_rectified_at=Subquery(
                Hazard.objects.filter(parcel=OuterRef("pk"), status=HazardStatus.RECTIFIED)
                .order_by("-rectified_at")
                .values("rectified_at")[:1]
            ),
        )
        .order_by("grid__zone__order", "grid__zone__name", "code")
    )
    page = paginate(request, ready, CLOSEOUT_PER_PAGE)
    options = inspector_options(crosscheck_inspectors())
    bound_pk, bound_form = bound or (None, None)
    rows = []
    for parcel in page["object_list"]:
        rows.append(
            {
                "parcel": parcel,
                "inspectors": [(pk, label) for pk, label, grid_ids in options if parcel.grid_id not in grid_ids],
                "form": bound_form if parcel.pk == bound_pk else None,
            }
        )
    in_scope = filtered.values("pk")
    crosschecks = (
        CrossCheck.objects.visible_to(user)
        .filter(parcel__in=in_scope)
        .select_related("parcel__grid__zone", "inspector", "requested_by")
    )
    waiting = list(crosschecks.filter(status=CrossCheckStatus.REQUESTED).order_by("requested_at", "pk")[:100])
    history = list(
        crosschecks.exclude(status=CrossCheckStatus.REQUESTED)
        .annotate(new_hazards=SubqueryCount(Hazard.objects.filter(inspection_id=OuterRef("inspection_id"))))
        .order_by("-completed_at", "-pk")[:30]
    )
    figures = filtered.aggregate(
        total=Count("pk"),
        red=Count("pk", filter=Q(closeout_state=CloseoutState.RED)),
        crosscheck=Count("pk", filter=Q(closeout_state=CloseoutState.CROSSCHECK)),
        green=Count("pk", filter=Q(closeout_state=CloseoutState.GREEN)),
    )
    form = filterset.form
    context = {
        **page,
        "rows": rows,
        "waiting": waiting,
        "history": history,
        "figures": figures,
        "filter_fields": [form["q"], form["zone_id"], form["grid_id"]],
        "query": request.GET.urlencode(),
        "today": timezone.localdate(),
        "bound_parcel": bound_pk,
        "bound_form": bound_form,
    }
    return render(request, "enterprises/closeout_desk.html", context, status=status)


class CloseoutDeskView(CloseoutAccessMixin, View):
    def get(self, request):
        return closeout_page(request)


class CloseoutRequestView(CloseoutAccessMixin, View):
    """申请交叉检查: the parcel goes to an inspector of another grid (inspections.services.request_crosscheck)."""

    def get(self, request, pk):
        return redirect("enterprises:closeout_desk")

    def post(self, request, pk):
        parcel = get_object_or_404(Parcel.objects.visible_to(request.user), pk=pk)
        form = CrossCheckRequestForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("请选择一名其他网格的网格员。"))
            return closeout_page(request, bound=(parcel.pk, form), status=400)
        try:
            crosscheck = services.request_crosscheck(
                parcel,
                actor=request.user,
                inspector=form.cleaned_data["inspector"],
                comment=form.cleaned_data["comment"],
            )
        except services.WorkflowError as exc:
            messages.error(request, exc.message)
            add_workflow_errors(form, exc)
            return closeout_page(request, bound=(parcel.pk, form), status=exc.http_status)
        inspector = crosscheck.inspector
        messages.success(
            request,
            _("已申请交叉检查：宗地 %(code)s 交由 %(name)s 检查。")
            % {"code": parcel.code, "name": inspector.get_full_name() or inspector.username},
        )
        url = reverse("enterprises:closeout_desk")
        query = request.GET.urlencode()
        return redirect(f"{url}?{query}" if query else url)
