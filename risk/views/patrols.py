"""Patrol pages: today's patrol (今日巡查), coverage per grid and zone (巡查覆盖), the patrol plan (巡查频次).

The rows and figures come from ``risk.patrols`` (due units and coverage in a fixed number of grouped
statements); a zone or grid filter naming none of the user's grids answers 404. The plan is changed
through ``risk.services.change_patrol_plan``, which asks the policy (leaders only).
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from accounts.choices import Role
from accounts.mixins import RoleRequiredMixin, refused
from accounts.policy import STAFF_ROLES, Action, allows, require
from core.errors import NotPermitted, ValidationFailed, WorkflowError
from core.views import paginate
from register.choices import RiskLevel, risk_colour
from risk import patrols
from risk.models import PatrolPlan
from risk.services import change_patrol_plan

PATROL_PER_PAGE = 50
PLAN_FIELDS = (
    ("red_days", RiskLevel.RED),
    ("orange_days", RiskLevel.ORANGE),
    ("yellow_days", RiskLevel.YELLOW),
    ("blue_days", RiskLevel.BLUE),
)


def _filtered_grids(request, grids):
    """(grid ids chosen by ?zone_id / ?grid_id, the values as given); 404 for a foreign zone or grid."""
    zone_id, grid_id = request.GET.get("zone_id", "").strip(), request.GET.get("grid_id", "").strip()
    try:
        ids = patrols.narrow_grids(grids, zone_id=zone_id, grid_id=grid_id)
    except patrols.OutOfScope:
        raise Http404 from None
    return ids, {"zone_id": zone_id, "grid_id": grid_id}


def zones_of(grids):
    """[(zone, [grids])] in the grids' order."""
    zones = {}
    for grid in grids:
        zones.setdefault(grid.zone_id, (grid.zone, []))[1].append(grid)
    return list(zones.values())


class PatrolView(RoleRequiredMixin, View):
    """今日巡查: the due and overdue units of my grids (a manager's or leader's scope), highest score first."""

    roles = STAFF_ROLES
    refusal_message = gettext_lazy("“今日巡查”仅供网格员、交办人员和领导使用。")

    def get(self, request):
        user = request.user
        grids = patrols.patrol_grids(user)
        ids, selected = _filtered_grids(request, grids)
        kind = request.GET.get("kind", "")
        kinds = (kind,) if kind in ("enterprise", "parcel") else ("enterprise", "parcel")
        rows = patrols.due_units(user, grids=ids, kinds=kinds) if ids else []
        context = paginate(request, rows, PATROL_PER_PAGE)
        query = request.GET.copy()
        query.pop("page", None)
        context.update(
            grids=grids,
            zones=zones_of(grids),
            selected=selected,
            kind=kind if len(kinds) == 1 else "",
            query=query.urlencode(),
            due=len(rows),
            overdue=sum(1 for row in rows if row.days_overdue != 0),
            never=sum(1 for row in rows if row.never_visited),
            is_inspector=user.role == Role.INSPECTOR,
            coverage_url=reverse("risk:coverage") if user.role in (Role.MANAGER, Role.LEADER) else "",
        )
        return render(request, "risk/patrols/patrol.html", context)


class CoverageView(RoleRequiredMixin, View):
    """巡查覆盖: per zone and per grid, units, visited within their cycle, rate, never visited, overdue."""

    roles = (Role.MANAGER, Role.LEADER)
    refusal_message = gettext_lazy("只有交办人员和领导可以查看巡查覆盖。")

    def get(self, request):
        user = request.user
        grids = patrols.patrol_grids(user)
        ids, selected = _filtered_grids(request, grids)
        shown = [grid for grid in grids if grid.pk in ids]
        table = patrols.coverage_of(user, shown)
        zones = [
            {
                "zone": zone,
                "figures": table.zones.get(zone.pk, patrols.Coverage()),
                "grids": [{"grid": grid, "figures": table.grids[grid.pk]} for grid in zone_grids],
                "patrol_url": f"{reverse('risk:patrol')}?zone_id={zone.pk}",
            }
            for zone, zone_grids in zones_of(shown)
        ]
        return render(
            request,
            "risk/patrols/coverage.html",
            {
                "zones": zones,
                "all_zones": zones_of(grids),
                "grids": grids,
                "selected": selected,
                "total": table.total,
                "plan": _plan_rows(table.plan),
                "plan_obj": table.plan.plan,
            },
        )


def _plan_rows(plan):
    """[{level, label, colour, days}] of a ``patrols.Plan``, highest risk first."""
    return [
        {"level": level, "label": level.label, "colour": risk_colour(level), "days": plan.days_for(level)}
        for _field, level in PLAN_FIELDS
    ]


class PatrolPlanView(RoleRequiredMixin, View):
    """巡查频次: the plan in force and the plans before it; a leader sets new cycles with a reason."""

    roles = STAFF_ROLES
    refusal_message = gettext_lazy("只有网格员、交办人员和领导可以查看巡查计划。")
    HISTORY_LIMIT = 50

    def context(self, request, values=None, errors=None):
        plan = patrols.plan_on()
        history = list(
            PatrolPlan.objects.select_related("created_by").order_by("-valid_from", "-pk")[: self.HISTORY_LIMIT]
        )
        current = {field: plan.days_for(level) for field, level in PLAN_FIELDS}
        return {
            "plan": _plan_rows(plan),
            "plan_obj": plan.plan,
            "history": [
                {"plan": item, "rows": _plan_rows(patrols.Plan(item.cycles, item)), "in_force": item == plan.plan}
                for item in history
            ],
            "can_change": allows(request.user, Action.PATROL_PLAN_CHANGE),
            "fields": [
                {
                    "name": field,
                    "label": level.label,
                    "colour": risk_colour(level),
                    "value": (values or current).get(field, ""),
                    "errors": (errors or {}).get(field, []),
                }
                for field, level in PLAN_FIELDS
            ],
            "reason": (values or {}).get("reason", ""),
            "reason_errors": (errors or {}).get("reason", []),
        }

    def get(self, request):
        return render(request, "risk/patrols/plan.html", self.context(request))

    def post(self, request):
        values = {field: request.POST.get(field, "").strip() for field, _level in PLAN_FIELDS}
        values["reason"] = request.POST.get("reason", "").strip()
        try:
            require(request.user, Action.PATROL_PLAN_CHANGE)
            if not values["reason"]:
                message = _("调整巡查频次须说明理由。")
                raise ValidationFailed(message, {"reason": [message]}, code="reason_required")
            change_patrol_plan(actor=request.user, **values)
        except NotPermitted as exc:
            return refused(request, exc.message)
        except WorkflowError as exc:
            messages.error(request, exc.message)
            context = self.context(request, values, exc.errors)
            return render(request, "risk/patrols/plan.html", context, status=exc.http_status)
        messages.success(request, _("巡查频次已调整，即时生效。"))
        return redirect("risk:plan")
