"""The hazard list, the hazard page, and the two ways a report is set aside: duplicate or invalid."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Exists, OuterRef
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View

from accounts.policy import Action, decisions, is_staff_user
from cases import services
from cases.choices import PhotoKind
from cases.filtersets import HazardFilterSet
from cases.forms import DuplicateForm, InvalidForm, RestoreForm
from cases.models import Hazard, Photo
from cases.views.timeline import label_events
from core.errors import WorkflowError
from core.forms import add_workflow_errors
from core.views import ScopedFilterView
from timeline.models import Event

# The page's forms and the policy's actions they do.
PAGE_ACTIONS = {
    "duplicate": Action.HAZARD_MARK_DUPLICATE,
    "invalid": Action.HAZARD_MARK_INVALID,
    "restore": Action.HAZARD_RESTORE,
}


def hazard_refusals(user, hazard):
    """For each of the page's actions, None when the user may do it on this hazard now, else the
    service's refusal (accounts.policy decides both). ``hazard`` was found through visible_to."""
    decided = decisions(user, hazard, in_scope=True)
    return {name: decided[action].error for name, action in PAGE_ACTIONS.items()}


class HazardListView(ScopedFilterView):
    model = Hazard
    filterset_class = HazardFilterSet
    template_name = "cases/hazard_list.html"
    primary_filters = ("q", "status", "zone_id", "grid_id", "severity", "category", "likely_duplicate")

    def get_queryset(self):
        return (
            Hazard.objects.visible_to(self.request.user)
            .select_related("category", "enterprise", "parcel", "grid__zone", "reporter", "ticket")
            .annotate(has_photos=Exists(Photo.objects.filter(hazard=OuterRef("pk"))))
        )


def visible_hazard(request, pk):
    queryset = Hazard.objects.visible_to(request.user).select_related(
        "category",
        "enterprise",
        "parcel",
        "grid__zone",
        "reporter",
        "ticket",
        "duplicate_of",
        "likely_duplicate_of",
        "inspection__checklist",
    )
    return get_object_or_404(queryset, pk=pk)


def hazard_page(request, hazard, *, bound=None, status=200):
    user = request.user
    refusals = hazard_refusals(user, hazard)
    bound = bound or {}
    events = (
        Event.objects.visible_to(user)
        .filter(hazard=hazard)
        .select_related("actor", "hazard")
        .order_by("created_at", "pk")
    )
    if not is_staff_user(user):
        events = events.filter(internal=False)
    events = label_events(events.prefetch_related("photos"))
    forms_ = {}
    if refusals["duplicate"] is None:
        forms_["duplicate"] = bound.get("duplicate") or DuplicateForm(user=user, hazard=hazard, auto_id="dup_%s")
    if refusals["invalid"] is None:
        forms_["invalid"] = bound.get("invalid") or InvalidForm(auto_id="invalid_%s")
    if refusals["restore"] is None:
        forms_["restore"] = bound.get("restore") or RestoreForm(auto_id="restore_%s")
    photos = list(hazard.photos.order_by("pk"))
    context = {
        "hazard": hazard,
        "object": hazard,
        "photos": photos,
        "before_photos": [p for p in photos if p.kind != PhotoKind.AFTER],
        "after_photos": [p for p in photos if p.kind == PhotoKind.AFTER],
        "open_form": next(iter(bound), ""),
        "events": events,
        "forms": forms_,
        "staff": is_staff_user(user),
        "likely_duplicates": list(
            Hazard.objects.visible_to(user).filter(likely_duplicate_of=hazard).select_related("category")[:20]
        ),
    }
    return render(request, "cases/hazard_detail.html", context, status=status)


class HazardDetailView(LoginRequiredMixin, View):
    def get(self, request, pk):
        return hazard_page(request, visible_hazard(request, pk))


def safe_next(request, default):
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


class HazardActionView(LoginRequiredMixin, View):
    action = ""

    def get(self, request, pk):
        return redirect("cases:hazard_detail", pk=pk)

    def post(self, request, pk):
        hazard = visible_hazard(request, pk)
        refusal = hazard_refusals(request.user, hazard)[self.action]
        if refusal is not None:
            messages.error(request, refusal.message)
            return hazard_page(request, hazard, status=refusal.http_status)
        form = self.get_form(hazard)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return hazard_page(request, hazard, bound={self.action: form}, status=400)
        try:
            self.perform(hazard, form)
        except WorkflowError as exc:
            messages.error(request, exc.message)
            add_workflow_errors(form, exc)
            return hazard_page(request, visible_hazard(request, pk), bound={self.action: form}, status=exc.http_status)
        messages.success(request, self.success_message(hazard))
        return redirect(safe_next(request, hazard.get_absolute_url()))


class HazardDuplicateView(HazardActionView):
    action = "duplicate"

    def get_form(self, hazard):
        return DuplicateForm(self.request.POST, user=self.request.user, hazard=hazard, auto_id="dup_%s")

    def perform(self, hazard, form):
        services.mark_duplicate(
            hazard,
            actor=self.request.user,
            duplicate_of=form.cleaned_data["duplicate_of"],
            comment=form.cleaned_data["comment"],
        )

    def success_message(self, hazard):
        return _("隐患 %(number)s 已标为重复上报。") % {"number": hazard.number}


class HazardInvalidView(HazardActionView):
    action = "invalid"

    def get_form(self, hazard):
        return InvalidForm(self.request.POST, auto_id="invalid_%s")

    def perform(self, hazard, form):
        services.mark_invalid(hazard, actor=self.request.user, reason=form.cleaned_data["reason"])

    def success_message(self, hazard):
        return _("隐患 %(number)s 已标为核实不属实。") % {"number": hazard.number}


class HazardRestoreView(HazardActionView):
    """撤销误标: a manager returns a duplicate / invalid hazard to reported (a new event)."""

    action = "restore"

    def get_form(self, hazard):
        return RestoreForm(self.request.POST, auto_id="restore_%s")

    def perform(self, hazard, form):
        services.restore_hazard(hazard, actor=self.request.user, reason=form.cleaned_data["reason"])

    def success_message(self, hazard):
        return _("隐患 %(number)s 已恢复为“已上报”。") % {"number": hazard.number}
