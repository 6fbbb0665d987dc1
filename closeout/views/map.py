from django.conf import settings
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from accounts.choices import Role
from accounts.mixins import RoleRequiredMixin
from closeout.parcel_map import CLUSTER_BELOW_ZOOM, LIST_MAX, MapQueryForm, map_data, risk_levels, scope_extent
from closeout.querysets import STATE_COLOUR, STATE_ORDER, STATE_SHORT, ParcelState
from core.links import safe_reverse

# --- the red/green map: the page, and its data by bounding box and zoom (closeout.parcel_map) ---------


class MapAccessMixin(RoleRequiredMixin):
    roles = (Role.LEADER, Role.MANAGER, Role.INSPECTOR)


class MapView(MapAccessMixin, TemplateView):
    template_name = "closeout/map.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        layer = "risk" if self.request.GET.get("layer") == "risk" else "hazard"
        context["layer"] = layer
        context["map_config"] = {
            "dataUrl": safe_reverse("closeout:map_data"),
            "layer": layer,
            "bounds": scope_extent(self.request.user),  # the first view fits the user's parcels
            "clusterBelowZoom": CLUSTER_BELOW_ZOOM,
            "tileUrl": settings.MAP_TILE_URL,
            "tileAttribution": settings.MAP_TILE_ATTRIBUTION,
            "labels": {
                **{value: str(label) for value, label in ParcelState.choices},
                "waiting": _("已申请交叉检查"),
                "unlocated": _("无坐标的宗地"),
                "openHazards": _("未整改隐患"),
                "majorOpen": _("其中重大"),
                "tenants": _("在营租户"),
                "landlord": _("房东"),
                "grid": _("网格"),
                "details": _("宗地详情"),
                "tickets": _("整改单"),
                "noData": _("没有可显示的宗地（宗地未标注坐标）。"),
                "loadError": _("地图数据加载失败，请刷新重试。"),
                "riskLevel": _("风险等级"),
                "redList": _("红色宗地"),
                "redListHelp": _("有未整改隐患的宗地，按未整改隐患数排列。"),
                "riskList": _("重大、较大风险宗地"),
                "riskListHelp": _("风险等级为红、橙的宗地，按风险等级排列。"),
                "clusterHelp": _("点击放大查看各宗地"),
                "listMore": _("仅列出前 %(count)s 个") % {"count": LIST_MAX},
            },
        }
        context["states"] = [
            {"key": state.value, "label": STATE_SHORT[state], "colour": STATE_COLOUR[state]} for state in STATE_ORDER
        ]
        context["risk_levels"] = risk_levels()
        context["links"] = {
            "dashboard": safe_reverse("briefing:dashboard"),
            "parcels": safe_reverse("cases:parcel_list"),
        }
        return context


class MapDataView(MapAccessMixin, View):
    """The map's JSON (compressed by core.compression like every answer): ``?bbox=&zoom=&zone=&q=&scope=``."""

    def get(self, request):
        form = MapQueryForm(request.GET)
        if not form.is_valid():
            return JsonResponse({"errors": form.errors}, status=400, json_dumps_params={"ensure_ascii": False})
        return JsonResponse(map_data(request.user, **form.cleaned_data), json_dumps_params={"ensure_ascii": False})
