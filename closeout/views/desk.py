from django.contrib import messages
from django.db.models import OuterRef, Subquery
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from accounts.mixins import RoleRequiredMixin
from accounts.policy import Action, allows
from cases.models import Hazard
from closeout import services as closeout_services
from closeout.choices import CrossCheckStatus
from closeout.forms import CrossCheckRequestForm, crosscheck_inspectors
from closeout.models import CrossCheck
from closeout.querysets import ParcelState, parcel_state_q, state_counts
from core.errors import WorkflowError
from core.forms import add_workflow_errors
from core.queries import SubqueryCount
from core.text import join_list, parens
from core.views import paginate
from ledgers import letters as letter_rules
from register.choices import CloseoutState
from register.filtersets import ParcelFilterSet
from register.models import Parcel

CLOSEOUT_PER_PAGE = 30


# --- the parcel close-out desk -------------------------------------------------------------------


class CloseoutAccessMixin(RoleRequiredMixin):
    action = Action.PARCEL_REQUEST_CROSSCHECK
    refusal_message = gettext_lazy("宗地销号台仅供交办/安监人员使用。")


def grid_name(grid):
    """区块 · 网格: the two names kept apart (a grid's name often begins with its zone's)."""
    return f"{grid.zone.name} · {grid.name}"


def inspector_options(inspectors):
    """Each inspector once: (pk, label, grid ids)."""
    options = []
    for inspector in inspectors:
        grids = list(inspector.grids.all())
        names = join_list(grid_name(grid) for grid in grids) or _("未分配网格")
        label = (inspector.get_full_name() or inspector.username) + parens(names)
        options.append((inspector.pk, label, {grid.pk for grid in grids}))
    return options


def closeout_page(request, *, bound=None, status=200):
    """The desk: red parcels ready for a cross-check, parcels waiting for one, and the results.

    ``bound`` is (parcel pk, form) of a refused request, shown on its row with its errors.
    """
    user = request.user
    parcels = Parcel.objects.visible_to(user)
    filterset = ParcelFilterSet(request.GET or None, queryset=parcels, request=request)
    filtered = filterset.qs if filterset.is_bound and filterset.is_valid() else parcels
    # 待复核 (closeout.querysets) and no cross-check requested yet: ready for one
    # Each row says whether the parcel's landlord letter of this year is signed and how many of its tenant
    # agreements are missing (ledgers.letters); "责任书缺失" keeps the rows where something is missing.
    letters_year = timezone.localdate().year
    letters_missing = request.GET.get("letters_missing") == "1"
    ready = letter_rules.required_parcels(
        filtered.filter(parcel_state_q(ParcelState.PENDING), closeout_state=CloseoutState.RED), letters_year
    )
    if letters_missing:
        ready = ready.filter(letter_rules.letters_missing_q())
    ready = (
        ready.select_related("grid__zone")
        .annotate(
            rectified=SubqueryCount(Hazard.objects.rectified().filter(parcel=OuterRef("pk"))),
            last_rectified_at=Subquery(
                Hazard.objects.rectified()
                .filter(parcel=OuterRef("pk"))
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
    figures = state_counts(filtered)
    form = filterset.form
    context = {
        **page,
        "rows": rows,
        "waiting": waiting,
        "history": history,
        "figures": figures,
        "filter_fields": [form["q"], form["zone_id"], form["grid_id"]],
        "letters_missing": letters_missing,
        "letters_year": letters_year,
        "query": request.GET.urlencode(),
        "today": timezone.localdate(),
        "bound_parcel": bound_pk,
        "bound_form": bound_form,
        "can_cancel": allows(user, Action.CROSSCHECK_CANCEL),
    }
    return render(request, "closeout/closeout_desk.html", context, status=status)


class CloseoutDeskView(CloseoutAccessMixin, View):
    def get(self, request):
        return closeout_page(request)


class CloseoutRequestView(CloseoutAccessMixin, View):
    """申请交叉检查: the parcel goes to an inspector of another grid (cases.services.request_crosscheck)."""

    def get(self, request, pk):
        return redirect("closeout:closeout_desk")

    def post(self, request, pk):
        parcel = get_object_or_404(Parcel.objects.visible_to(request.user), pk=pk)
        form = CrossCheckRequestForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("请选择一名其他网格的网格员。"))
            return closeout_page(request, bound=(parcel.pk, form), status=400)
        try:
            crosscheck = closeout_services.request_crosscheck(
                parcel,
                actor=request.user,
                inspector=form.cleaned_data["inspector"],
                comment=form.cleaned_data["comment"],
            )
        except WorkflowError as exc:
            messages.error(request, exc.message)
            add_workflow_errors(form, exc)
            return closeout_page(request, bound=(parcel.pk, form), status=exc.http_status)
        inspector = crosscheck.inspector
        messages.success(
            request,
            _("已申请交叉检查：宗地 %(code)s 交由 %(name)s 检查。")
            % {"code": parcel.code, "name": inspector.get_full_name() or inspector.username},
        )
        url = reverse("closeout:closeout_desk")
        query = request.GET.urlencode()
        return redirect(f"{url}?{query}" if query else url)


class CrossCheckCancelView(CloseoutAccessMixin, View):
    """撤销交叉检查申请 (closeout.services.cancel_crosscheck): the parcel waits for a new request."""

    action = Action.CROSSCHECK_CANCEL

    def get(self, request, pk):
        return redirect("closeout:closeout_desk")

    def post(self, request, pk):
        crosscheck = get_object_or_404(CrossCheck.objects.visible_to(request.user).select_related("parcel"), pk=pk)
        try:
            closeout_services.cancel_crosscheck(
                crosscheck, actor=request.user, comment=request.POST.get("comment", "")[:500]
            )
        except WorkflowError as exc:
            messages.error(request, exc.message)
            return closeout_page(request, status=exc.http_status)
        messages.success(request, _("已撤销宗地 %(code)s 的交叉检查申请。") % {"code": crosscheck.parcel.code})
        return redirect("closeout:closeout_desk")
