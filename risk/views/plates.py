"""The plate (挂牌) of a unit: what its QR code opens, the check-in it records, the print page of plates.

``/p/<token>/`` names a parcel or an enterprise by a signed token (register.plates); a forged, altered
or unknown token is a 404. Anyone may open it: someone who does not see the unit (not signed in, or
another unit's party) gets only the unit's name, code and colours and how to report a problem — never
hazards, people or phone numbers. A signed-in inspector or manager of the unit checks in from it
(static/js/plate.js sends the phone's position); other users who see the unit get a link to its page.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from accounts.mixins import RoleRequiredMixin, refused
from accounts.policy import STAFF_ROLES, Action, allows, check
from cases.choices import CheckInFlag
from cases.parcel_states import STATE_COLOUR, STATE_SHORT, parcel_state
from cases.services import record_checkin
from core.errors import ValidationFailed
from core.parsing import parse_id
from core.qr import qr_svg
from register.choices import RiskLevel
from register.models import Enterprise, Grid, Parcel, Zone
from register.plates import unit_of_token

# A print run larger than this is cut (a grid has tens of units; a whole zone is printed grid by grid).
PRINT_LIMIT = 500


def _model_and_pk(token):
    found = unit_of_token(token)
    if found is None:
        raise Http404
    return found


def _units(model):
    """The unit rows with what a plate shows: the grid, and the close-out state (of the parcel)."""
    if model is Parcel:
        return Parcel.objects.select_related("grid__zone").annotate(state=parcel_state())
    return Enterprise.objects.select_related("grid__zone", "parcel").annotate(state=parcel_state("parcel_id"))


def unit_code(unit):
    """What identifies a unit on its plate: the credit code of an enterprise, the code of a parcel."""
    return unit.code if isinstance(unit, Parcel) else (unit.credit_code or "")


def format_distance(metres):
    """35 米, 2.1 公里."""
    if metres < 1000:
        return _("%(n)d 米") % {"n": round(metres)}
    return _("%(n).1f 公里") % {"n": metres / 1000}


def _colours(unit):
    """The unit's colours as anyone may see them: its risk level, and the close-out state (红/绿) of its
    parcel (a parcel's own; an enterprise's parcel's, when it is on one)."""
    has_state = isinstance(unit, Parcel) or unit.parcel_id is not None
    return {
        "risk_label": RiskLevel(unit.risk_level).label,
        "risk_colour": unit.risk_colour,
        "state": unit.state if has_state else "",
        "state_label": STATE_SHORT.get(unit.state, "") if has_state else "",
        "state_colour": STATE_COLOUR.get(unit.state, "grey") if has_state else "",
    }


@method_decorator(never_cache, name="dispatch")
class PlateView(View):
    """What a scan of the plate opens."""

    def get(self, request, token):
        model, pk = _model_and_pk(token)
        unit = get_object_or_404(_units(model), pk=pk)
        user = request.user
        sees_unit = user.is_authenticated and model.objects.visible_to(user).filter(pk=pk).exists()
        may_checkin = sees_unit and allows(user, Action.CHECKIN_RECORD, unit, in_scope=True)
        context = {
            "unit": unit,
            "is_parcel": model is Parcel,
            "code": unit_code(unit),
            "sees_unit": sees_unit,
            "may_checkin": may_checkin,
            "checkin_url": reverse("risk:plate_checkin", args=[token]),
            "login_url": f"{resolve_url(settings.LOGIN_URL)}?{urlencode({'next': request.path})}",
            "office_phone": settings.SAFETY_OFFICE_PHONE,
            "max_distance": settings.CHECKIN_MAX_DISTANCE_M,
            **_colours(unit),
        }
        return render(request, "risk/plates/plate.html", context)


class PlateCheckInView(LoginRequiredMixin, View):
    """巡更打卡: the plate page's form posts here, with the phone's position when it gave one."""

    http_method_names = ["post"]

    def post(self, request, token):
        model, pk = _model_and_pk(token)
        user = request.user
        related = ("grid",) if model is Parcel else ("grid", "parcel")
        unit = get_object_or_404(model.objects.visible_to(user).select_related(*related), pk=pk)
        decision = check(user, Action.CHECKIN_RECORD, unit, in_scope=True)
        if not decision:
            return refused(request, decision.error.message, status=decision.error.http_status)
        data = request.POST
        try:
            checkin = record_checkin(
                actor=user,
                enterprise=unit if model is Enterprise else None,
                parcel=unit if model is Parcel else None,
                latitude=data.get("latitude"),
                longitude=data.get("longitude"),
                accuracy=data.get("accuracy"),
            )
        except ValidationFailed as exc:
            messages.error(request, exc.message)
            return redirect("risk:plate", token=token)
        level, text = checkin_message(checkin)
        messages.add_message(request, level, text)
        return redirect(unit.get_absolute_url())


def checkin_message(checkin):
    """(message level, text) telling the inspector what the check-in proves."""
    if checkin.flag == CheckInFlag.NONE:
        return messages.SUCCESS, _("已打卡 · 距离 %(distance)s") % {"distance": format_distance(checkin.distance)}
    if checkin.flag == CheckInFlag.FAR:
        return messages.WARNING, _("已打卡 · 距离单位 %(distance)s，已标记：超过 %(max)d 米，不计为现场核验。") % {
            "distance": format_distance(checkin.distance),
            "max": settings.CHECKIN_MAX_DISTANCE_M,
        }
    if checkin.flag == CheckInFlag.NO_POSITION:
        return messages.WARNING, _("已打卡 · 未获取定位，已标记：不计为现场核验。")
    return messages.WARNING, _("已打卡 · 单位未标注坐标，无法核对位置，已标记。")


# --- the print page ---------------------------------------------------------------------------------


def _number(value):
    return parse_id(value)


class PlatePrintView(RoleRequiredMixin, TemplateView):
    """巡查牌: one A5 page per unit of a grid or zone (``?grid=`` / ``?zone=``), or of one unit
    (``?enterprise=`` / ``?parcel=``); without any, the grids to choose from. Two queries however many
    units: the parcels, the enterprises."""

    roles = STAFF_ROLES
    template_name = "risk/plates/print.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        query = {name: _number(self.request.GET.get(name)) for name in ("grid", "zone", "enterprise", "parcel")}
        parcels = _units(Parcel).visible_to(user).order_by("code")
        enterprises = _units(Enterprise).visible_to(user).filter(active=True).order_by("name", "pk")
        if query["enterprise"] is not None:
            parcels, enterprises = parcels.none(), enterprises.filter(pk=query["enterprise"])
            title = None
        elif query["parcel"] is not None:
            parcels, enterprises = parcels.filter(pk=query["parcel"]), enterprises.none()
            title = None
        elif query["grid"] is not None:
            grid = get_object_or_404(Grid.objects.visible_to(user).select_related("zone"), pk=query["grid"])
            parcels, enterprises = parcels.filter(grid=grid), enterprises.filter(grid=grid)
            title = str(grid)
        elif query["zone"] is not None:
            zone = get_object_or_404(Zone.objects.visible_to(user), pk=query["zone"])
            parcels, enterprises = parcels.filter(grid__zone=zone), enterprises.filter(grid__zone=zone)
            title = str(zone)
        else:
            context["grids"] = list(Grid.objects.visible_to(user).select_related("zone"))
            context["choosing"] = True
            return context
        units = self.in_order(list(parcels[: PRINT_LIMIT + 1]), list(enterprises[: PRINT_LIMIT + 1]))
        if not units and title is None:
            raise Http404  # one unit asked for, not seen
        context["cut"] = len(units) > PRINT_LIMIT
        context["plates"] = [self.plate(unit) for unit in units[:PRINT_LIMIT]]
        context["title"] = title
        context["limit"] = PRINT_LIMIT
        context["office_phone"] = settings.SAFETY_OFFICE_PHONE
        return context

    @staticmethod
    def in_order(parcels, enterprises):
        """Each parcel followed by its tenants (the inspector walks them together), then the others."""
        tenants, others = {}, []
        shown = {parcel.pk for parcel in parcels}
        for enterprise in enterprises:
            if enterprise.parcel_id in shown:
                tenants.setdefault(enterprise.parcel_id, []).append(enterprise)
            else:
                others.append(enterprise)
        units = []
        for parcel in parcels:
            units.append(parcel)
            units.extend(tenants.get(parcel.pk, ()))
        return units + others

    @staticmethod
    def plate(unit):
        url = settings.SITE_URL + unit.plate_url
        return {
            "unit": unit,
            "is_parcel": isinstance(unit, Parcel),
            "code": unit_code(unit),
            "url": url,
            "qr": qr_svg(url),
            **_colours(unit),
        }
