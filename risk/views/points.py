"""Risk points (风险点): the risk list and its export (风险清单), a point's page with its review (审核) and
history, the entry form (申报, 修改) and retirement (停用).

Views parse input, call risk.services and render; the services decide. A point or unit is always
looked up through ``visible_to(request.user)`` (another unit's answers 404); what the page offers is
asked of accounts.policy, which the services ask again. A refused action re-renders the page with the
service's message and the HTTP status that fits (400 bad input, 403 role or scope); a done one redirects.
"""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from accounts.mixins import refused
from accounts.policy import Action, check, decisions
from catalogue.choices import AccidentType
from core.errors import WorkflowError
from core.parsing import parse_id
from core.text import join_list
from core.views import ScopedFilterView, workflow_refusal
from register.choices import RiskLevel, risk_colour
from register.models import Enterprise, Parcel
from risk import exports, services
from risk.choices import RiskPointStatus
from risk.filtersets import RiskPointFilterSet
from risk.forms import RiskPointForm, RiskPointRetireForm, RiskPointReviewForm
from risk.models import RiskPoint
from timeline import display
from timeline.kinds import EventKind

UNIT_MODELS = {"enterprise": Enterprise, "parcel": Parcel}
POINT_RELATED = ("enterprise", "parcel", "grid", "zone")


def score_text(score):
    """D as people write it: 70, 0.05, 21 (not 70.00 or 7E+1)."""
    return format(score.normalize(), "f") if score is not None else ""


# --- the risk list and its export ---------------------------------------------------------------------


def unit_kind(unit):
    return "enterprise" if isinstance(unit, Enterprise) else "parcel"


def prepare_rows(points):
    """What each row shows, worked out once per page: the link, the colour and the labels."""
    sentinel = 2147483647
    url = reverse("risk:point_detail", args=[sentinel])
    levels = dict(RiskLevel.choices)
    statuses = dict(RiskPointStatus.choices)
    for point in points:
        point.url = url.replace(str(sentinel), str(point.pk))
        point.d = score_text(point.score)
        point.level_label = levels.get(point.level, "")
        point.status_label = statuses.get(point.status, point.status)
    return points


class RiskPointListView(ScopedFilterView):
    model = RiskPoint
    filterset_class = RiskPointFilterSet
    template_name = "risk/points/point_list.html"
    export_url_name = "risk:point_export"
    primary_filters = ("q", "level", "status", "zone_id", "grid_id", "control_level", "retired")
    sort_keys = ("score", "updated_at")

    def get_queryset(self):
        return super().get_queryset().select_related(*POINT_RELATED).defer("parcel__polygon")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        prepare_rows(context["object_list"])
        counted = dict(self.object_list.order_by().values_list("level").annotate(n=Count("pk")))
        context["level_counts"] = [
            {"colour": risk_colour(level), "label": label, "count": counted.get(level, 0)}
            for level, label in reversed(RiskLevel.choices)
        ]
        context["declare_url"] = self.declare_url()
        return context

    def declare_url(self):
        """The link to declare a point for the unit the list is filtered to, when the user may."""
        for kind, model in UNIT_MODELS.items():
            pk = parse_id(self.request.GET.get(f"{kind}_id", ""))
            if pk:
                unit = model.objects.visible_to(self.request.user).filter(pk=pk).first()
                if unit is not None and check(self.request.user, Action.RISK_POINT_DECLARE, unit, in_scope=True):
                    return reverse("risk:point_create", args=[kind, unit.pk])
        return ""


class RiskPointExportView(LoginRequiredMixin, View):
    """风险清单 (.xlsx) of the rows the list shows for the same query string."""

    def get(self, request):
        return exports.risk_point_export(request)


# --- a point's page ---------------------------------------------------------------------------------------


def visible_point(request, pk):
    queryset = RiskPoint.objects.visible_to(request.user).select_related(*POINT_RELATED, "declared_by", "reviewed_by")
    return get_object_or_404(queryset.defer("parcel__polygon"), pk=pk)


def point_events(point):
    """The point's history: the events of its own stream, oldest first; the statuses are its levels."""
    levels = {str(value): label for value, label in RiskLevel.choices}
    labels = {name: RiskPoint._meta.get_field(name).verbose_name for name in services.ENTRY_FIELDS}

    def detail(event):
        data = event.data or {}
        if event.kind == EventKind.RISK_POINT_CHANGED and data.get("changes"):
            return _("修改了：%(fields)s") % {"fields": join_list(labels.get(name, name) for name in data["changes"])}
        if event.kind == EventKind.RISK_POINT_DECLARED and data.get("score"):
            return _("D = %(score)s") % {"score": data["score"]}
        return ""

    return display.label_events(display.stream_events(point.stream), statuses=levels, detail=detail)


def point_actions(user, point):
    """{"edit", "review", "retire"}: a Decision each (a retired point takes no more actions)."""
    decided = decisions(user, point, in_scope=True)
    edit, review = decided[Action.RISK_POINT_EDIT], decided[Action.RISK_POINT_REVIEW]
    return {"edit": edit, "review": review, "retire": edit}


def point_page(request, point, *, bound=None, status=200):
    """Render the point's page; ``bound`` holds the submitted form of a refused action."""
    bound = bound or {}
    accidents = dict(AccidentType.choices)
    actions = point_actions(request.user, point)
    can = {name: bool(decision) and point.active for name, decision in actions.items()}
    context = {
        "point": point,
        "object": point,
        "d": score_text(point.score),
        "assessed_colour": risk_colour(point.assessed_level),
        "accident_labels": [accidents.get(kind, kind) for kind in point.accident_types or ()],
        "unit_points_url": f"{reverse('risk:point_list')}?{unit_kind(point.unit)}_id={point.unit.pk}",
        "events": point_events(point),
        "can": can,
        "forms": {
            "review": (bound.get("review") or RiskPointReviewForm(initial={"level": point.level}, auto_id="review_%s"))
            if can["review"]
            else None,
            "retire": (bound.get("retire") or RiskPointRetireForm(auto_id="retire_%s")) if can["retire"] else None,
        },
    }
    return render(request, "risk/points/point_detail.html", context, status=status)


class RiskPointDetailView(LoginRequiredMixin, View):
    def get(self, request, pk):
        return point_page(request, visible_point(request, pk))


class RiskPointActionView(LoginRequiredMixin, View):
    """POST one action on one point (the review, the retirement)."""

    name = ""
    action = None
    http_method_names = ["get", "post"]

    def get(self, request, pk):
        return redirect("risk:point_detail", pk=pk)

    def get_form(self):
        raise NotImplementedError

    def perform(self, point, form):
        raise NotImplementedError

    def post(self, request, pk):
        point = visible_point(request, pk)
        refusal = check(request.user, self.action, point, in_scope=True).error
        if refusal is not None:
            messages.error(request, refusal.message)
            return point_page(request, point, status=refusal.http_status)
        form = self.get_form()
        if not form.is_valid():
            messages.error(request, _("请检查填写的内容。"))
            return point_page(request, point, bound={self.name: form}, status=400)
        try:
            point = self.perform(point, form)
        except WorkflowError as exc:
            status = workflow_refusal(request, form, exc)
            return point_page(request, visible_point(request, pk), bound={self.name: form}, status=status)
        messages.success(request, self.success_message(point))
        return redirect("risk:point_detail", pk=point.pk)


class RiskPointReviewView(RiskPointActionView):
    """审核: confirm the grade, or set another one with a reason (on the point's history)."""

    name = "review"
    action = Action.RISK_POINT_REVIEW

    def get_form(self):
        return RiskPointReviewForm(self.request.POST, auto_id="review_%s")

    def perform(self, point, form):
        return services.review_risk_point(point, actor=self.request.user, **form.cleaned_data)

    def success_message(self, point):
        return _("已审核：%(level)s。") % {"level": point.get_level_display()}


class RiskPointRetireView(RiskPointActionView):
    name = "retire"
    action = Action.RISK_POINT_EDIT

    def get_form(self):
        return RiskPointRetireForm(self.request.POST, auto_id="retire_%s")

    def perform(self, point, form):
        return services.retire_risk_point(point, actor=self.request.user, reason=form.cleaned_data["reason"])

    def success_message(self, point):
        return _("风险点“%(name)s”已停用。") % {"name": point.name}


# --- the entry form: declare, edit ------------------------------------------------------------------------


def entry_page(request, form, *, unit, point=None, status=200):
    context = {
        "form": form,
        "unit": unit,
        "unit_kind": unit_kind(unit),
        "point": point,
        "bands": [{"colour": risk_colour(level), "label": label} for level, label in reversed(RiskLevel.choices)],
    }
    return render(request, "risk/points/point_form.html", context, status=status)


class RiskPointCreateView(LoginRequiredMixin, View):
    """申报风险点 for an enterprise, or for a parcel's common areas."""

    def setup_unit(self, request, unit, pk):
        model = UNIT_MODELS.get(unit)
        if model is None:
            raise Http404
        self.unit = get_object_or_404(model.objects.visible_to(request.user), pk=pk)
        self.kind = unit
        return check(request.user, Action.RISK_POINT_DECLARE, self.unit, in_scope=True).error

    def get(self, request, unit, pk):
        refusal = self.setup_unit(request, unit, pk)
        if refusal is not None:
            return refused(request, refusal.message, refusal.http_status)
        return entry_page(request, RiskPointForm(), unit=self.unit)

    def post(self, request, unit, pk):
        refusal = self.setup_unit(request, unit, pk)
        if refusal is not None:
            return refused(request, refusal.message, refusal.http_status)
        form = RiskPointForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("请检查填写的内容。"))
            return entry_page(request, form, unit=self.unit, status=400)
        try:
            point = services.declare_risk_point(actor=request.user, **{self.kind: self.unit}, **form.service_kwargs())
        except WorkflowError as exc:
            status = workflow_refusal(request, form, exc)
            return entry_page(request, form, unit=self.unit, status=status)
        messages.success(
            request,
            _("风险点“%(name)s”已申报：D = %(score)s，%(level)s，等待审核。")
            % {"name": point.name, "score": score_text(point.score), "level": point.get_level_display()},
        )
        return redirect("risk:point_detail", pk=point.pk)


class RiskPointEditView(LoginRequiredMixin, View):
    """修改风险点. A party's change sends the point back for review (risk.services.update_risk_point)."""

    def refusal(self, request, pk):
        """The point (looked up in scope: 404 outside it), and the refusal page when it may not be edited."""
        self.point = visible_point(request, pk)
        error = check(request.user, Action.RISK_POINT_EDIT, self.point, in_scope=True).error
        if error is not None:
            return refused(request, error.message, error.http_status)
        if not self.point.active:
            return refused(request, _("该风险点已停用，不能修改。"), 409)
        return None

    def get(self, request, pk):
        refusal = self.refusal(request, pk)
        if refusal is not None:
            return refusal
        return entry_page(request, RiskPointForm.for_point(self.point), unit=self.point.unit, point=self.point)

    def post(self, request, pk):
        refusal = self.refusal(request, pk)
        if refusal is not None:
            return refusal
        form = RiskPointForm.for_point(self.point, request.POST)
        if not form.is_valid():
            messages.error(request, _("请检查填写的内容。"))
            return entry_page(request, form, unit=self.point.unit, point=self.point, status=400)
        if not form.has_changed():
            messages.info(request, _("没有修改任何内容。"))
            return redirect("risk:point_detail", pk=self.point.pk)
        before = self.point.status
        try:
            point = services.update_risk_point(self.point, actor=request.user, **form.service_kwargs())
        except WorkflowError as exc:
            status = workflow_refusal(request, form, exc)
            return entry_page(request, form, unit=self.point.unit, point=self.point, status=status)
        if point.status == RiskPointStatus.DECLARED and before == RiskPointStatus.REVIEWED:
            messages.success(request, _("风险点已修改，等待重新审核。"))
        else:
            messages.success(request, _("风险点已修改。"))
        return redirect("risk:point_detail", pk=point.pk)
