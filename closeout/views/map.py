from django.conf import settings
from django.db.models import Count, Q
from django.http import JsonResponse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.gzip import gzip_page
from django.views.generic import TemplateView

from accounts.choices import Role
from accounts.mixins import RoleRequiredMixin
from cases.models import Hazard
from catalogue.choices import Severity
from closeout.querysets import STATE_COLOUR, STATE_ORDER, STATE_SHORT, ParcelState, with_parcel_state
from core.links import safe_reverse
from register.choices import RISK_COLOURS, CloseoutState, RiskLevel
from register.models import Enterprise, Parcel

# --- the red/green map ----------------------------------------------------------------------------


def _geometry(parcel):
    """The parcel's GeoJSON geometry: its polygon when it has one, else its point, else None."""
    polygon = parcel["polygon"]
    if isinstance(polygon, dict):
        if polygon.get("type") == "Feature":
            polygon = polygon.get("geometry")
        if (
            isinstance(polygon, dict)
            and polygon.get("type") in ("Polygon", "MultiPolygon")
            and polygon.get("coordinates")
        ):
            return polygon
    if parcel["latitude"] is not None and parcel["longitude"] is not None:
        return {"type": "Point", "coordinates": [parcel["longitude"], parcel["latitude"]]}
    return None


def _centre(geometry):
    """A representative (lng, lat) of a geometry: the point, or the mean of the outer ring's vertices."""
    if geometry["type"] == "Point":
        return geometry["coordinates"]
    ring = geometry["coordinates"][0] if geometry["type"] == "Polygon" else geometry["coordinates"][0][0]
    points = [p for p in ring if isinstance(p, (list, tuple)) and len(p) >= 2]
    if not points:
        return None
    return [sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)]


def _url_template(name, **kwargs):
    """A URL with ``{id}`` where the object's id goes (one reverse for all parcels)."""
    sentinel = 987654321
    if "query" in kwargs:
        url = safe_reverse(name, query=dict.fromkeys(kwargs["query"], sentinel))
    else:
        url = safe_reverse(name, args=[sentinel])
    return url.replace(str(sentinel), "{id}")


def _rounded(geometry):
    """Coordinates to 6 decimals (about 0.1 m): smaller JSON, same map."""

    def walk(value):
        if isinstance(value, (list, tuple)):
            return [walk(v) for v in value]
        return round(value, 6) if isinstance(value, float) else value

    return {"type": geometry["type"], "coordinates": walk(geometry["coordinates"])}


def risk_levels():
    """The four colours of the risk layer (安全风险四色), highest first: level, colour word, name."""
    return [
        {"level": level.value, "colour": RISK_COLOURS[level], "label": str(level.label)}
        for level in sorted(RiskLevel, reverse=True)
    ]


def map_data(user):
    """GeoJSON of the parcels the user sees, coloured by close-out state: three statements.

    Names repeated across parcels (zones, grids, state labels) and URLs are sent once, in
    ``zones``, ``grids`` and ``urls`` (``{id}`` stands for the parcel id), to keep the answer small
    on a phone: about 250 bytes a parcel before gzip.
    """
    parcels = Parcel.objects.visible_to(user)
    rows = list(
        with_parcel_state(parcels.order_by("code")).values(
            "state",
            "pk",
            "code",
            "name",
            "latitude",
            "longitude",
            "polygon",
            "closeout_state",
            "risk_level",
            "landlord_name",
            "grid_id",
            "grid__name",
            "grid__zone_id",
            "grid__zone__name",
        )
    )
    open_hazards = {
        row["parcel_id"]: row
        for row in Hazard.objects.open()
        .filter(parcel__in=parcels.values("pk"))
        .values("parcel_id")
        .annotate(n=Count("pk"), major=Count("pk", filter=Q(severity=Severity.MAJOR)))
        .order_by()
    }
    tenants = dict(
        Enterprise.objects.filter(parcel__in=parcels.values("pk"), active=True)
        .values("parcel_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("parcel_id", "n")
    )
    features, zones, grids, unlocated = [], {}, {}, []
    summary = {"total": len(rows), **dict.fromkeys(ParcelState.values, 0), "unlocated": 0}
    risk_summary = dict.fromkeys(RISK_COLOURS.values(), 0)  # the four-colour layer's counts, unlocated included
    for row in rows:
        state = row["state"]
        summary[state] += 1
        risk_summary[RISK_COLOURS.get(row["risk_level"], "blue")] += 1
        geometry = _geometry(row)
        if geometry is None:
            summary["unlocated"] += 1
            unlocated.append({"id": row["pk"], "code": row["code"], "name": row["name"], "state": state})
            continue
        geometry = _rounded(geometry)
        hazards = open_hazards.get(row["pk"], {})
        grids[row["grid_id"]] = row["grid__name"]
        features.append(
            {
                "type": "Feature",
                "id": row["pk"],
                "geometry": geometry,
                "properties": {
                    "code": row["code"],
                    "name": row["name"],
                    "state": state,
                    "colour": STATE_COLOUR[state],
                    "risk": row["risk_level"],  # 1–4: the unit's risk level (risk_levels names its colour)
                    "waiting": row["closeout_state"] == CloseoutState.CROSSCHECK,  # a cross-check is requested
                    "zone_id": row["grid__zone_id"],
                    "grid_id": row["grid_id"],
                    "landlord": row["landlord_name"],
                    "open_hazards": hazards.get("n", 0),
                    "major_open": hazards.get("major", 0),
                    "tenants": tenants.get(row["pk"], 0),
                },
            }
        )
        centre = _centre(geometry)
        zone = zones.setdefault(
            row["grid__zone_id"],
            {
                "id": row["grid__zone_id"],
                "name": row["grid__zone__name"],
                "lng": 0.0,
                "lat": 0.0,
                "located": 0,
                **dict.fromkeys(ParcelState.values, 0),
            },
        )
        zone[state] += 1
        if centre:
            zone["lng"] += centre[0]
            zone["lat"] += centre[1]
            zone["located"] += 1
    for zone in zones.values():
        if zone["located"]:
            zone["lng"] = round(zone["lng"] / zone["located"], 6)
            zone["lat"] = round(zone["lat"] / zone["located"], 6)
    return {
        "type": "FeatureCollection",
        "features": features,
        "zones": sorted(zones.values(), key=lambda z: z["name"] or ""),
        "grids": grids,
        "states": {value: str(label) for value, label in ParcelState.choices},
        "unlocated": unlocated,
        "urls": {
            "parcel": _url_template("cases:parcel_detail"),
            "tickets": _url_template("cases:ticket_list", query=["parcel_id"]),
        },
        "summary": summary,
        "risk_summary": risk_summary,
        "risk_levels": risk_levels(),
    }


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


@method_decorator(gzip_page, name="dispatch")
class MapDataView(MapAccessMixin, View):
    def get(self, request):
        return JsonResponse(map_data(request.user), json_dumps_params={"ensure_ascii": False})
