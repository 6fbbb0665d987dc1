from django.contrib import messages
from django.db.models import OuterRef
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from accounts.choices import Role
from accounts.mixins import RoleRequiredMixin
from accounts.policy import Action, allows, check
from cases.models import Hazard
from catalogue.forms import active_categories
from closeout import services as closeout_services
from closeout.choices import CrossCheckStatus
from closeout.forms import CrossCheckHazardFormSet, CrossCheckResultForm
from closeout.models import CrossCheck
from core.errors import WorkflowError
from core.queries import SubqueryCount
from core.views import done, workflow_refusal
from register.querysets import active_tenants_of

# --- inspector: cross-checks sent to me ---------------------------------------------------------


def my_crosschecks(user):
    return CrossCheck.objects.visible_to(user).filter(inspector=user)


class CrossCheckListView(RoleRequiredMixin, View):
    roles = (Role.INSPECTOR,)
    refusal_message = gettext_lazy("交叉检查任务仅供网格员使用。")

    def get(self, request):
        mine = my_crosschecks(request.user).select_related("parcel__grid__zone", "requested_by")
        open_ = (
            mine.filter(status=CrossCheckStatus.REQUESTED)
            .annotate(
                tenant_count=active_tenants_of("parcel_id"),
            )
            .order_by("requested_at", "pk")
        )
        finished = (
            mine.exclude(status=CrossCheckStatus.REQUESTED)
            .annotate(
                new_hazards=SubqueryCount(Hazard.objects.filter(inspection_id=OuterRef("inspection_id"))),
            )
            .order_by("-completed_at", "-pk")[:20]
        )
        context = {"open_checks": list(open_), "finished_checks": list(finished)}
        return render(request, "closeout/crosscheck_list.html", context)


class CrossCheckRecordView(RoleRequiredMixin, View):
    """录入检查结果: pass (the parcel turns green, closed out) or fail with the new hazards found."""

    action = Action.CROSSCHECK_RECORD
    refusal_message = gettext_lazy("只有被指派的网格员可以录入交叉检查结果。")

    def get_crosscheck(self, pk):
        queryset = my_crosschecks(self.request.user).select_related("parcel__grid__zone", "requested_by", "inspection")
        return get_object_or_404(queryset, pk=pk)

    def forms(self, crosscheck, data=None, files=None):
        categories = active_categories()
        result = CrossCheckResultForm(data, files)
        hazards = CrossCheckHazardFormSet(data, prefix="hazards", parcel=crosscheck.parcel, categories=categories)
        return result, hazards

    def get(self, request, pk):
        crosscheck = self.get_crosscheck(pk)
        result, hazards = self.forms(crosscheck)
        return self.render_page(crosscheck, result, hazards)

    def post(self, request, pk):
        crosscheck = self.get_crosscheck(pk)
        refusal = check(request.user, Action.CROSSCHECK_RECORD, crosscheck, in_scope=True).error
        if refusal is not None:  # e.g. already recorded (409)
            messages.error(request, refusal.message)
            return self.render_page(crosscheck, None, None, status=refusal.http_status)
        result, hazards = self.forms(crosscheck, request.POST, request.FILES)
        if not (result.is_valid() and hazards.is_valid()):
            messages.error(request, _("请检查填写的内容。"))
            return self.render_page(crosscheck, result, hazards, status=400)
        try:
            closeout_services.record_crosscheck(
                crosscheck,
                actor=request.user,
                passed=result.is_pass,
                comment=result.cleaned_data["comment"],
                hazards=hazards.hazard_specs(),
                photos=result.cleaned_data["photos"],
            )
        except WorkflowError as exc:
            status = workflow_refusal(request, result, exc)
            return self.render_page(self.get_crosscheck(pk), result, hazards, status=status)
        if result.is_pass:
            messages.success(
                request, _("交叉检查通过，宗地 %(code)s 已销号（绿色）。") % {"code": crosscheck.parcel.code}
            )
        else:
            messages.success(
                request,
                _("交叉检查不通过，已登记 %(n)d 条隐患，宗地 %(code)s 保持红色。")
                % {"n": len(hazards.hazard_specs()), "code": crosscheck.parcel.code},
            )
        return done(request, reverse("closeout:crosscheck_list"))

    def render_page(self, crosscheck, result, hazards, status=200):
        parcel = crosscheck.parcel
        may_record = allows(self.request.user, Action.CROSSCHECK_RECORD, crosscheck, in_scope=True)
        context = {
            "crosscheck": crosscheck,
            "parcel": parcel,
            "result_form": result if may_record else None,
            "hazard_forms": hazards if may_record else None,
            "tenants": list(parcel.tenants.filter(active=True).order_by("name")),
            "rectified": list(
                Hazard.objects.rectified()
                .filter(parcel=parcel)
                .select_related("category", "enterprise")
                .order_by("-rectified_at", "-pk")[:20]
            ),
            "new_hazards": list(
                Hazard.objects.filter(inspection_id=crosscheck.inspection_id).select_related("category")
            )
            if crosscheck.inspection_id
            else [],
        }
        return render(self.request, "closeout/crosscheck_record.html", context, status=status)
