"""Admin for risk grading: risk points to look at (every change goes through risk.services, which writes
the point's history), and the patrol plans in force over time (a new plan is added, never edited)."""

from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from accounts.policy import Action, allows
from accounts.scoping import ScopedAdminMixin
from core.admin import NoDeleteAdminMixin, ViewOnlyAdminMixin
from core.errors import WorkflowError
from risk import services
from risk.models import PatrolPlan, RiskPoint


@admin.action(description=_("审核所选风险点（确认当前等级）"), permissions=["review"])
def confirm_selected(modeladmin, request, queryset):
    done = 0
    for point in queryset:
        try:
            services.review_risk_point(point, actor=request.user, level=point.level, reason=point.level_reason)
            done += 1
        except WorkflowError as exc:
            modeladmin.message_user(request, f"{point}: {exc.message}", messages.ERROR)
    if done:
        modeladmin.message_user(request, _("已审核 %(n)d 个风险点。") % {"n": done}, messages.SUCCESS)


@admin.register(RiskPoint)
class RiskPointAdmin(ScopedAdminMixin, ViewOnlyAdminMixin, admin.ModelAdmin):
    """Declared, edited, reviewed and retired through risk.services (the pages and the API): view only here."""

    actions = [confirm_selected]
    list_display = ("name", "unit", "score", "level", "assessed_level", "status", "control_level", "active", "zone")
    list_filter = ("level", "status", "control_level", "active", "zone")
    search_fields = ("name", "place", "enterprise__name", "parcel__code", "parcel__name", "responsible_person")
    list_select_related = ("enterprise", "parcel", "zone")
    date_hierarchy = "created_at"

    @admin.display(description=_("单位"))
    def unit(self, obj):
        return obj.unit_name

    def has_review_permission(self, request):
        return allows(request.user, Action.RISK_POINT_REVIEW)


@admin.register(PatrolPlan)
class PatrolPlanAdmin(NoDeleteAdminMixin, admin.ModelAdmin):
    """The plans in force over time. Adding one (risk.services.change_patrol_plan) starts it now; the
    plans before it stay, so the coverage of a past day reads the plan then in force."""

    list_display = ("valid_from", "red_days", "orange_days", "yellow_days", "blue_days", "created_by", "reason")
    date_hierarchy = "valid_from"
    fields = ("red_days", "orange_days", "yellow_days", "blue_days", "reason")

    def has_add_permission(self, request):
        return super().has_add_permission(request) and allows(request.user, Action.PATROL_PLAN_CHANGE)

    def has_change_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        plan = services.change_patrol_plan(
            actor=request.user, **{name: form.cleaned_data[name] for name in self.fields}
        )
        obj.pk = plan.pk
        obj.valid_from, obj.created_by, obj.created_at = plan.valid_from, plan.created_by, plan.created_at

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except WorkflowError as exc:  # refused by the service (e.g. cycles not shorter for higher risk): nothing saved
            self.message_user(request, exc.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
