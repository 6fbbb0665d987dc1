"""The field pages: the inspector's phone flow, and the enterprise's and landlord's pages.

Inspector (网格员): my grids' units with this round's coverage; a checklist inspection; a hazard
report with photos from the phone camera; my verification queue; cross-check tasks sent to me.
Enterprise and landlord: my tickets (open first, overdue marked; a landlord's grouped by parcel and
tenant) and the owner self-check (自查自纠).

Views parse input, call cases.services and render; every queryset starts from
``visible_to(request.user)`` (a foreign object answers 404). A refused action re-renders the form
with the service's message and the HTTP status that fits (400 bad input, 403 role or scope, 409
wrong status); a done action redirects (POST-redirect-GET). A form sent by field.js over
XMLHttpRequest (for the upload progress bar) gets ``{"redirect": url}`` instead of a 302, so the
success message is shown by the page the browser then opens. List pages run a constant number of
queries: counts and flags are annotations (scalar sub-selects), relations are joined or prefetched.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from accounts.choices import Role
from accounts.mixins import RoleRequiredMixin
from cases import services
from cases.annotations import last_inspected, open_hazards_of, visited_since
from cases.choices import InspectionSource, PhotoKind, TicketStatus
from cases.deadlines import ticket_rows
from cases.field_forms import ChecklistChoiceForm, ChecklistResultsForm, HazardReportForm, checklists_for
from cases.models import Hazard, Photo, Ticket
from cases.parcel_states import parcel_state
from catalogue.choices import CategoryLevel
from catalogue.forms import active_categories
from core.dates import day_start, round_start
from core.errors import WorkflowError
from core.parsing import parse_id
from core.views import OutboxMixin, paginate, workflow_refusal
from register.models import Enterprise, Grid, Parcel
from register.querysets import active_tenants_of
from timeline.kinds import EventKind
from timeline.models import Event

UNITS_PER_PAGE = 30
QUEUE_PER_PAGE = 20
PICKER_LIMIT = 20


def unit_queryset(user, unit):
    if unit == "enterprise":
        return Enterprise.objects.visible_to(user).select_related("grid__zone", "parcel").prefetch_related("risk_tags")
    if unit == "parcel":
        return Parcel.objects.visible_to(user).select_related("grid__zone")
    raise Http404


def unit_kwargs(unit_obj):
    return {"enterprise": unit_obj} if isinstance(unit_obj, Enterprise) else {"parcel": unit_obj}


def unit_kind(unit_obj):
    return "enterprise" if isinstance(unit_obj, Enterprise) else "parcel"


def report_url(unit_obj):
    return f"{reverse('cases:hazard_report')}?{unit_kind(unit_obj)}={unit_obj.pk}"


# --- inspector: my grids' units ------------------------------------------------------------------


FIELD_STAFF = (Role.INSPECTOR, Role.MANAGER)


def field_grids(user):
    """The grids whose units the page lists: an inspector's own grids; a manager's visible grids."""
    grids = Grid.objects.visible_to(user).select_related("zone")
    if user.role == Role.INSPECTOR:
        grids = grids.filter(pk__in=list(user.scope_grid_ids))
    return list(grids)


def coverage(units):
    """{"total": units, "visited": units visited this round} of a queryset annotated with ``visited``."""
    figures = units.aggregate(total=Count("pk"), seen=Count("pk", filter=Q(visited=True)))
    return {"total": figures["total"], "visited": figures["seen"]}


class InspectorUnitsView(RoleRequiredMixin, View):
    """My grids' enterprises and parcels, with this round's coverage and open hazards per unit."""

    roles = FIELD_STAFF
    refusal_message = gettext_lazy("“我的网格”仅供网格员和交办人员使用。")

    def get(self, request):
        user = request.user
        today = timezone.localdate()
        start = round_start(today)
        since = day_start(start)
        grids = field_grids(user)
        grid_ids = [grid.pk for grid in grids]
        selected = request.GET.get("grid_id", "")
        if parse_id(selected) in grid_ids:
            grid_ids = [parse_id(selected)]
        else:
            selected = ""
        kind = request.GET.get("kind") if request.GET.get("kind") in ("enterprise", "parcel") else "enterprise"
        visited = request.GET.get("visited") if request.GET.get("visited") in ("yes", "no") else ""
        q = request.GET.get("q", "").strip()

        enterprises = Enterprise.objects.visible_to(user).filter(grid_id__in=grid_ids, active=True)
        parcels = Parcel.objects.visible_to(user).filter(grid_id__in=grid_ids)
        if q:
            enterprises = enterprises.filter(
                Q(name__icontains=q) | Q(credit_code__icontains=q) | Q(parcel__code__icontains=q)
            )
            parcels = parcels.filter(Q(code__icontains=q) | Q(name__icontains=q) | Q(landlord_name__icontains=q))
        enterprises = enterprises.annotate(visited=visited_since(since))
        parcels = parcels.annotate(visited=visited_since(since))
        figures = {
            "enterprise": coverage(enterprises),
            "parcel": coverage(parcels),
        }
        if kind == "enterprise":
            rows = (
                enterprises.select_related("parcel", "grid")
                .prefetch_related("risk_tags")
                .annotate(
                    open_hazards=open_hazards_of("enterprise"),
                    last_inspected_at=last_inspected(),
                )
                .order_by("visited", "name", "pk")
            )
        else:
            rows = (
                parcels.select_related("grid")
                .annotate(
                    open_hazards=open_hazards_of("parcel"),
                    last_inspected_at=last_inspected(),
                    tenant_count=active_tenants_of(),
                    state=parcel_state(),  # the close-out state as the map and the parcel list read it
                )
                .order_by("visited", "code")
            )
        if visited:
            rows = rows.filter(visited=visited == "yes")
        context = {
            "round_start": start,
            "grids": grids,
            "selected_grid": selected,
            "kind": kind,
            "visited": visited,
            "q": q,
            "figures": figures,
            **paginate(request, rows, UNITS_PER_PAGE),
        }
        return render(request, "cases/field/units.html", context)


# --- inspector: a checklist inspection ----------------------------------------------------------


class InspectionCreateView(OutboxMixin, RoleRequiredMixin, View):
    """开始检查: choose a checklist fitting the unit, tick every item; failed items become hazards."""

    roles = FIELD_STAFF
    refusal_message = gettext_lazy("只有网格员和交办人员可以录入检查。")

    def unit(self, unit, pk):
        return get_object_or_404(unit_queryset(self.request.user, unit), pk=pk)

    def get(self, request, unit, pk):
        obj = self.unit(unit, pk)
        recommended, others = checklists_for(obj)
        if "checklist" not in request.GET:
            return self.render_choice(obj, ChecklistChoiceForm(recommended=recommended, others=others))
        choice = ChecklistChoiceForm(request.GET, recommended=recommended, others=others)
        if not choice.is_valid():
            return self.render_choice(obj, choice, status=400)
        checklist = choice.cleaned_data["checklist"]
        return self.render_form(obj, checklist, ChecklistResultsForm(checklist=checklist))

    def post(self, request, unit, pk):
        obj = self.unit(unit, pk)
        recommended, others = checklists_for(obj)
        choice = ChecklistChoiceForm(request.POST, recommended=recommended, others=others)
        if not choice.is_valid():
            messages.error(request, _("请选择检查表。"))
            return self.render_choice(obj, choice, status=400)
        checklist = choice.cleaned_data["checklist"]
        form = ChecklistResultsForm(request.POST, request.FILES, checklist=checklist)
        if not form.is_valid():
            messages.error(request, _("请检查填写的内容：每一项都要选择“合格”“不合格”或“不涉及”。"))
            return self.render_form(obj, checklist, form, status=400)
        try:
            return self.once(lambda: self.record(obj, checklist, form))
        except WorkflowError as exc:
            status = workflow_refusal(request, form, exc)
            return self.render_form(obj, checklist, form, status=status)

    def record(self, obj, checklist, form):
        inspection = services.record_inspection(
            actor=self.request.user,
            **unit_kwargs(obj),
            source=InspectionSource.GRID,
            checklist=checklist,
            results=form.results(),
            notes=form.cleaned_data["notes"],
            photos=form.cleaned_data["photos"],
            item_photos=form.item_photos(),
            inspected_at=self.captured_at,
        )
        failed = inspection.hazards.count()
        if failed:
            text = _("检查已记录：%(n)d 项不合格，已生成 %(n)d 条隐患，等待汇总交办。") % {"n": failed}
        else:
            text = _("检查已记录：未发现隐患。")
        return obj.get_absolute_url(), text

    def render_choice(self, obj, form, status=200):
        context = {"unit": obj, "unit_kind": unit_kind(obj), "choice_form": form}
        return render(self.request, "cases/field/inspection_choose.html", context, status=status)

    def render_form(self, obj, checklist, form, status=200):
        self.refused_form = form if status >= 400 else None
        context = {
            "unit": obj,
            "unit_kind": unit_kind(obj),
            "checklist": checklist,
            "form": form,
            "checklist_value": checklist.pk if checklist else ChecklistChoiceForm.NONE,
            "max_photo_bytes": settings.PHOTO_MAX_BYTES,
        }
        return render(self.request, "cases/field/inspection_form.html", context, status=status)


# --- inspector: report a hazard -----------------------------------------------------------------


class HazardReportView(OutboxMixin, RoleRequiredMixin, View):
    """上报隐患: a unit (chosen from my units), a category, a description and photos from the camera."""

    roles = FIELD_STAFF
    refusal_message = gettext_lazy("只有网格员和交办人员可以在此上报隐患。")

    def get_unit(self):
        for kind in ("enterprise", "parcel"):
            value = self.request.GET.get(kind, "")
            if value:
                if parse_id(value) is None:
                    raise Http404
                return get_object_or_404(unit_queryset(self.request.user, kind), pk=parse_id(value))
        return None

    @staticmethod
    def form_kwargs(obj):
        """A parcel's tenants to choose from; an enterprise without a parcel cannot have parcel-level hazards."""
        parcel = obj if isinstance(obj, Parcel) else None
        categories = active_categories()
        if isinstance(obj, Enterprise) and obj.parcel_id is None:
            categories = [c for c in categories if c.level != CategoryLevel.PARCEL]
        return {"parcel": parcel, "categories": categories}

    def get(self, request):
        obj = self.get_unit()
        if obj is None:
            return self.render_picker()
        return self.render_form(obj, HazardReportForm(**self.form_kwargs(obj)))

    def post(self, request):
        obj = self.get_unit()
        if obj is None:
            messages.error(request, _("请先选择发现隐患的单位或宗地。"))
            return self.render_picker(status=400)
        parcel = obj if isinstance(obj, Parcel) else None
        form = HazardReportForm(request.POST, request.FILES, **self.form_kwargs(obj))
        if not form.is_valid():
            messages.error(request, _("请检查填写的内容。"))
            return self.render_form(obj, form, status=400)
        try:
            return self.once(lambda: self.report(obj, parcel, form.cleaned_data))
        except WorkflowError as exc:
            status = workflow_refusal(request, form, exc)
            return self.render_form(obj, form, status=status)

    def report(self, obj, parcel, data):
        unit = unit_kwargs(obj)
        if parcel is not None and data.get("enterprise"):
            unit["enterprise"] = data["enterprise"]
        hazard = services.report_hazard(
            actor=self.request.user,
            category=data["category"],
            description=data["description"],
            severity=data["severity"] or None,
            location_detail=data["location_detail"],
            photos=data["photos"],
            fixed_on_spot=data["fixed_on_spot"],
            after_photos=data["after_photos"],
            reported_at=self.captured_at,
            **unit,
        )
        if hazard.fixed_on_spot:
            text = _("隐患 %(number)s 已记录为当场整改（整改前 %(before)d 张、整改后 %(after)d 张照片）。") % {
                "number": hazard.number,
                "before": len(data["photos"]),
                "after": len(data["after_photos"]),
            }
        else:
            text = _("隐患 %(number)s 已上报（%(photos)d 张照片），等待汇总交办。") % {
                "number": hazard.number,
                "photos": len(data["photos"]),
            }
        if hazard.likely_duplicate_of_id:
            text += " " + _("该单位已有同类未整改隐患，已标记为疑似重复。")
        return obj.get_absolute_url(), text

    def render_form(self, obj, form, status=200):
        self.refused_form = form if status >= 400 else None
        context = {
            "unit": obj,
            "unit_kind": unit_kind(obj),
            "form": form,
            "max_photo_bytes": settings.PHOTO_MAX_BYTES,
            "max_photo_mb": settings.PHOTO_MAX_BYTES // (1024 * 1024),
        }
        return render(self.request, "cases/field/hazard_report.html", context, status=status)

    def render_picker(self, status=200):
        user = self.request.user
        q = self.request.GET.get("q", "").strip()
        grid_ids = [grid.pk for grid in field_grids(user)]
        enterprises = Enterprise.objects.visible_to(user).filter(grid_id__in=grid_ids, active=True)
        parcels = Parcel.objects.visible_to(user).filter(grid_id__in=grid_ids)
        if q:
            enterprises = enterprises.filter(Q(name__icontains=q) | Q(parcel__code__icontains=q))
            parcels = parcels.filter(Q(code__icontains=q) | Q(name__icontains=q))
        context = {
            "q": q,
            "enterprises": list(enterprises.select_related("parcel").order_by("name", "pk")[:PICKER_LIMIT]),
            "parcels": list(parcels.annotate(state=parcel_state()).order_by("code")[:PICKER_LIMIT]),
            "limit": PICKER_LIMIT,
        }
        return render(self.request, "cases/field/hazard_pick_unit.html", context, status=status)


# --- inspector: the verification queue ----------------------------------------------------------


class VerifyQueueView(RoleRequiredMixin, View):
    """待验收: submitted tickets in my grids, with the evidence; pass or reject on the ticket's action URL."""

    roles = FIELD_STAFF
    refusal_message = gettext_lazy("只有网格员和交办人员可以验收整改。")

    def get(self, request):
        user = request.user
        tickets = Ticket.objects.visible_to(user).filter(status=TicketStatus.SUBMITTED)
        if user.role == Role.INSPECTOR:
            tickets = tickets.filter(grid_id__in=list(user.scope_grid_ids))
        tickets = (
            tickets.select_related("enterprise", "parcel", "grid__zone")
            .prefetch_related(
                Prefetch("hazards", queryset=Hazard.objects.select_related("category").order_by("pk")),
                Prefetch(
                    "photos",
                    queryset=Photo.objects.filter(kind=PhotoKind.AFTER).order_by("-created_at", "-pk"),
                    to_attr="after_photos",
                ),
                Prefetch(
                    "events",
                    queryset=Event.objects.filter(kind=EventKind.TICKET_SUBMITTED)
                    .select_related("actor")
                    .order_by("-created_at", "-pk"),
                    to_attr="submissions",
                ),
            )
            .order_by("submitted_at", "pk")
        )
        context = paginate(request, tickets, QUEUE_PER_PAGE)
        today = timezone.localdate()
        context["rows"] = ticket_rows(context["object_list"], today, today + timedelta(days=settings.REMINDER_DAYS))
        return render(request, "cases/field/verify_queue.html", context)
