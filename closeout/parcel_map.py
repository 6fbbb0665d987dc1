"""The red/green map's data (宗地红绿图): what is on screen, never the whole register.

The map asks with its bounding box and zoom (``?bbox=west,south,east,north&zoom=z``). Zoomed in
(``zoom >= CLUSTER_BELOW_ZOOM``) it gets the parcels inside the box as GeoJSON features; zoomed out it
gets clusters: the box cut into square cells of about ``CELL_PX`` pixels at that zoom, grouped in SQL
(``GROUP BY`` the floored coordinates, the close-out state and the risk level), each with its count
per state and per risk colour so the map can draw the mix; a cell holding one parcel sends that
parcel itself. The legend's figures, the zones, the red and risk lists and the parcels without
coordinates cover the user's whole scope, whatever the box. For a scope of whole zones (a manager's, a
leader's) the legend, the zones and the clusters of the view holding the scope are read from the cells
``closeout.map_cells`` keeps, not grouped from every parcel again.

The map's later requests add ``scope=0``: the scope's figures, which it holds already, are left out.

Without a zoom (the JSON's older callers, the API-like use) the answer is every parcel of the scope
while there are at most ``MAX_FEATURES`` of them with coordinates, else the clusters of the view that
shows them all. A box wider than ``MAX_VIEW_PX`` pixels at the asked zoom is answered at the zoom that
fits it, so no request draws a city parcel by parcel.

A parcel is on the map by its point (latitude, longitude: the index ``register_parcel_lat_lng_idx``
serves the box); its polygon, when it has one, is what the zoomed-in map draws. The number of SQL
statements depends on the request's parameters only, never on the number of parcels.
"""

import math

from django import forms
from django.db.models import Count, F, Max, Min, Q, Sum
from django.db.models.functions import Floor
from django.utils.translation import gettext_lazy as _

from cases.models import Hazard
from catalogue.choices import Severity
from closeout import map_cells
from closeout.map_cells import CLUSTER_BELOW_ZOOM, cell_size
from closeout.querysets import STATE_COLOUR, ParcelState, parcel_state, parcel_state_q, with_parcel_state
from core.links import url_template
from register.choices import RISK_COLOURS, CloseoutState, RiskLevel
from register.models import Enterprise, Parcel

MAX_VIEW_PX = 4096  # a box wider or taller than this at the asked zoom is answered at a lower zoom
DEFAULT_VIEW_PX = (1280, 800)  # the view a request without zoom is answered for
MAX_FEATURES = 2000  # without zoom, up to this many located parcels come as features
LIST_MAX = 200  # the red and risk lists beside the map
MAX_ZOOM = 19

LOCATED = Q(latitude__isnull=False, longitude__isnull=False)
# The states and risk colours each cluster and zone counts, once (an enum's ``values`` is built at each read).
STATES = tuple(ParcelState.values)
RISK_KEYS = tuple(RISK_COLOURS.values())


# --- the request ----------------------------------------------------------------------------------------


class MapQueryForm(forms.Form):
    """The map data's parameters; all optional."""

    bbox = forms.CharField(required=False)
    zoom = forms.FloatField(required=False, min_value=0, max_value=30)
    zone = forms.IntegerField(required=False, min_value=1)
    q = forms.CharField(required=False, max_length=100, strip=True)
    # "0": leave out the scope's figures the map already holds (honoured with a box and a zoom)
    scope = forms.TypedChoiceField(
        required=False, choices=[("0", "0"), ("1", "1")], coerce=lambda v: v != "0", empty_value=True
    )

    def clean_bbox(self):
        value = self.cleaned_data["bbox"]
        if not value:
            return None
        try:
            west, south, east, north = (float(part) for part in value.split(","))
        except ValueError:
            raise forms.ValidationError(_("范围应为“西,南,东,北”四个经纬度。")) from None
        if not all(math.isfinite(v) for v in (west, south, east, north)) or west > east or south > north:
            raise forms.ValidationError(_("范围应为“西,南,东,北”四个经纬度。"))
        return (max(west, -180.0), max(south, -90.0), min(east, 180.0), min(north, 90.0))

    def clean_zoom(self):
        zoom = self.cleaned_data["zoom"]
        return None if zoom is None else min(int(math.floor(zoom)), MAX_ZOOM)


# --- geometry of the view ------------------------------------------------------------------------------


def fitting_zoom(box, view=DEFAULT_VIEW_PX):
    """The highest whole zoom at which ``box`` (west, south, east, north) fits ``view`` pixels."""
    west, south, east, north = box
    stretch = 1 / max(math.cos(math.radians((south + north) / 2)), 0.01)  # a degree of latitude is taller
    span_x, span_y = max(east - west, 1e-9), max((north - south) * stretch, 1e-9)
    zoom = math.floor(math.log2(min(view[0] * 360 / (256 * span_x), view[1] * 360 / (256 * span_y))))
    return max(0, min(zoom, MAX_ZOOM))


def _holds(box, inner):
    """``box`` holds all of ``inner`` (both west, south, east, north; an empty ``inner`` is held)."""
    if inner is None:
        return True
    return box[0] <= inner[0] and box[1] <= inner[1] and box[2] >= inner[2] and box[3] >= inner[3]


def _in_box(parcels, box):
    west, south, east, north = box
    return parcels.filter(latitude__gte=south, latitude__lte=north, longitude__gte=west, longitude__lte=east)


def _extent(south, west, north, east):
    return None if south is None else [round(west, 6), round(south, 6), round(east, 6), round(north, 6)]


def scope_extent(user):
    """``[west, south, east, north]`` of the user's located parcels, or None: one statement."""
    box = Parcel.objects.visible_to(user).aggregate(
        s=Min("latitude", filter=LOCATED),
        n=Max("latitude", filter=LOCATED),
        w=Min("longitude", filter=LOCATED),
        e=Max("longitude", filter=LOCATED),
    )
    return _extent(box["s"], box["w"], box["n"], box["e"])


# --- the parts of the answer ---------------------------------------------------------------------------


def _geometry(parcel):
    """The parcel's GeoJSON geometry: its polygon when it has one, else its point."""
    polygon = parcel["polygon"]
    if isinstance(polygon, dict):
        if polygon.get("type") == "Feature":
            polygon = polygon.get("geometry")
        if (
            isinstance(polygon, dict)
            and polygon.get("type") in ("Polygon", "MultiPolygon")
            and polygon.get("coordinates")
        ):
            return _rounded(polygon)
    return {"type": "Point", "coordinates": [round(parcel["longitude"], 6), round(parcel["latitude"], 6)]}


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


def _risk_colour(level):
    return RISK_COLOURS.get(level, "blue")


def _by_state(parcels, fields, **aggregates):
    """``parcels`` grouped by ``fields`` and by close-out state (``parcel_state``: the parcels with open
    hazards and the visited ones read once each into a hash), with ``aggregates``: one statement. Rows carry
    their ``state``."""
    return parcels.annotate(state=parcel_state()).values("state", *fields).annotate(**aggregates).order_by()


def _scope_rows(parcels, size=None):
    """The whole scope grouped by zone, state and risk level (``_by_state``), and by cluster cell of ``size``
    degrees when given: the rows the legend, the zones and (the view holding the whole scope) the clusters
    are folded from. One statement."""
    fields = ["grid__zone_id", "grid__zone__name", "risk_level"]
    aggregates = {
        "n": Count("pk"),
        "located": Count("pk", filter=LOCATED),
        "lat": Sum("latitude", filter=LOCATED),
        "lng": Sum("longitude", filter=LOCATED),
        "s": Min("latitude", filter=LOCATED),
        "nn": Max("latitude", filter=LOCATED),
        "w": Min("longitude", filter=LOCATED),
        "e": Max("longitude", filter=LOCATED),
    }
    if size is not None:
        parcels = parcels.annotate(row=Floor(F("latitude") / size), col=Floor(F("longitude") / size))
        fields += ["row", "col"]
        aggregates["first"] = Min("pk")
    return list(_by_state(parcels, fields, **aggregates))


def _located_box(rows):
    """The box (west, south, east, north) of the located parcels of ``_scope_rows``, unrounded (None: none)."""
    located = [row for row in rows if row["located"]]
    if not located:
        return None
    return (
        min(row["w"] for row in located),
        min(row["s"] for row in located),
        max(row["e"] for row in located),
        max(row["nn"] for row in located),
    )


def _summary_and_zones(rows):
    """The legend's counts, the risk layer's counts and the zones (counts, centre, extent) of the whole
    scope, from its ``_scope_rows``."""
    summary = {"total": 0, **dict.fromkeys(STATES, 0), "unlocated": 0}
    risk_summary = dict.fromkeys(RISK_KEYS, 0)  # unlocated parcels included
    zones = {}
    for row in rows:
        summary["total"] += row["n"]
        summary[row["state"]] += row["n"]
        summary["unlocated"] += row["n"] - row["located"]
        risk_summary[_risk_colour(row["risk_level"])] += row["n"]
        zone = zones.get(row["grid__zone_id"])
        if zone is None:
            zone = zones[row["grid__zone_id"]] = {
                "id": row["grid__zone_id"],
                "name": row["grid__zone__name"],
                "lng": 0.0,
                "lat": 0.0,
                "located": 0,
                **dict.fromkeys(STATES, 0),
                "risks": dict.fromkeys(RISK_KEYS, 0),
                "bounds": None,
            }
        zone[row["state"]] += row["n"]
        zone["risks"][_risk_colour(row["risk_level"])] += row["n"]
        if row["located"]:
            zone["lat"] += row["lat"]
            zone["lng"] += row["lng"]
            zone["located"] += row["located"]
            box = zone["bounds"] or [row["w"], row["s"], row["e"], row["nn"]]
            zone["bounds"] = [
                min(box[0], row["w"]),
                min(box[1], row["s"]),
                max(box[2], row["e"]),
                max(box[3], row["nn"]),
            ]
    for zone in zones.values():
        if zone["located"]:
            zone["lng"] = round(zone["lng"] / zone["located"], 6)
            zone["lat"] = round(zone["lat"] / zone["located"], 6)
            zone["bounds"] = [round(v, 6) for v in zone["bounds"]]
    return summary, risk_summary, sorted(zones.values(), key=lambda z: z["name"] or "")


def _unlocated(parcels):
    rows = with_parcel_state(parcels.exclude(LOCATED).order_by("code")).values("pk", "code", "name", "state")
    return [
        {"id": row["pk"], "code": row["code"], "name": row["name"], "state": row["state"]} for row in rows[:LIST_MAX]
    ]


def _list_item(row, prefix=""):
    lat, lng = row[f"{prefix}latitude"], row[f"{prefix}longitude"]
    return {
        "id": row[f"{prefix}id"] if prefix else row["pk"],
        "code": row[f"{prefix}code"],
        "name": row[f"{prefix}name"],
        "lat": None if lat is None else round(lat, 6),
        "lng": None if lng is None else round(lng, 6),
        "risk": row[f"{prefix}risk_level"],
        "n": row.get("n", 0),
    }


def _red_list(matches, cells_of=None):
    """The red parcels (with open hazards) among ``matches``, most open hazards first, then by code. For
    ``cells_of`` (a user whose map reads the cells, when ``matches`` is their whole scope) from the parcels the
    cells counted, read down to the list's length; else the open hazards grouped by parcel."""
    if cells_of is not None:
        rows = map_cells.red_parcels(cells_of, LIST_MAX)
    else:
        fields = ("id", "code", "name", "latitude", "longitude", "risk_level")
        rows = (
            Hazard.objects.open()
            .filter(parcel__in=matches.values("pk"))
            .values(*(f"parcel__{field}" for field in fields))
            .annotate(n=Count("pk"))
            .order_by("-n", "parcel__code")[:LIST_MAX]
        )
    return [_list_item(row, "parcel__") for row in rows]


def _risk_list(matches):
    """The parcels of major and higher risk (red, orange) among ``matches``, highest first."""
    rows = (
        matches.filter(risk_level__gte=RiskLevel.ORANGE)
        .order_by("-risk_level", "code")
        .values("pk", "code", "name", "latitude", "longitude", "risk_level")[:LIST_MAX]
    )
    return [_list_item(row) for row in rows]


def _features(parcels):
    """The parcels as GeoJSON features with their state, colours and counts: three statements."""
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
        )
    )
    ids = [row["pk"] for row in rows]
    open_hazards = {
        row["parcel_id"]: row
        for row in Hazard.objects.open()
        .filter(parcel_id__in=ids)
        .values("parcel_id")
        .annotate(n=Count("pk"), major=Count("pk", filter=Q(severity=Severity.MAJOR)))
        .order_by()
    }
    tenants = dict(
        Enterprise.objects.filter(parcel_id__in=ids, active=True)
        .values("parcel_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("parcel_id", "n")
    )
    features, grids = [], {}
    for row in rows:
        hazards = open_hazards.get(row["pk"], {})
        grids[row["grid_id"]] = row["grid__name"]
        features.append(
            {
                "type": "Feature",
                "id": row["pk"],
                "geometry": _geometry(row),
                "properties": {
                    "code": row["code"],
                    "name": row["name"],
                    "state": row["state"],
                    "colour": STATE_COLOUR[row["state"]],
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
    return features, grids


def clusters(parcels, zoom, rows=None):
    """The located ``parcels`` grouped into square cells of ``cell_size(zoom)`` degrees: grouped in SQL
    by cell, state and risk level (``_by_state``), folded here into one cluster per cell with its count, its
    counts per state and per risk colour, its mean position and its cell's bounds. ``rows``: the scope's
    ``_scope_rows`` cut at this zoom's cells, when the view holds every located parcel (no statement then).

    Returns ``(clusters, singles)``: a cell holding one parcel is no cluster; ``singles`` are the ids
    of those parcels, which the map draws as themselves."""
    size = cell_size(zoom)
    if rows is None:
        rows = _by_state(
            parcels.filter(LOCATED).annotate(row=Floor(F("latitude") / size), col=Floor(F("longitude") / size)),
            ("row", "col", "risk_level"),
            n=Count("pk"),
            lat=Sum("latitude"),
            lng=Sum("longitude"),
            first=Min("pk"),
        )
    cells = {}
    for row in rows:
        if row["row"] is None:  # the scope's unlocated parcels
            continue
        key = (int(row["row"]), int(row["col"]))
        cell = cells.get(key)
        if cell is None:
            cell = cells[key] = {
                "n": 0,
                "lat": 0.0,
                "lng": 0.0,
                "first": row["first"],
                "states": dict.fromkeys(STATES, 0),
                "risks": dict.fromkeys(RISK_KEYS, 0),
            }
        cell["n"] += row["n"]
        cell["lat"] += row["lat"]
        cell["lng"] += row["lng"]
        cell["states"][row["state"]] += row["n"]
        cell["risks"][_risk_colour(row["risk_level"])] += row["n"]
    answer, singles = [], []
    for (r, c), cell in sorted(cells.items()):
        if cell["n"] == 1:
            singles.append(cell["first"])
            continue
        answer.append(
            {
                "lat": round(cell["lat"] / cell["n"], 6),
                "lng": round(cell["lng"] / cell["n"], 6),
                "n": cell["n"],
                "states": cell["states"],
                "risks": cell["risks"],
                # west, south, east, north of the cell: a click on the cluster zooms to it
                "bounds": [round(c * size, 6), round(r * size, 6), round((c + 1) * size, 6), round((r + 1) * size, 6)],
            }
        )
    return answer, singles


def _search(parcels, query):
    return parcels.filter(Q(code__icontains=query) | Q(name__icontains=query)) if query else parcels


# --- the answer ----------------------------------------------------------------------------------------


def map_data(user, *, bbox=None, zoom=None, zone=None, q="", scope=True):
    """The map's JSON for ``user``: see the module's docstring. Scoped by ``Parcel.objects.visible_to``.

    With ``scope=False`` (the map's later requests, once it holds them) the whole scope's figures, zones,
    unlocated parcels and lists are left out, and the lists too unless a zone or a search narrows them:
    a pan or a zoom then costs the parcels or clusters of the view alone."""
    parcels = Parcel.objects.visible_to(user)
    whole_zones = user if map_cells.serves(user) else None  # a scope the map's cells answer
    answer = {"type": "FeatureCollection"}
    extent = located = None
    lists = None
    scope = scope or bbox is None or zoom is None
    whole_scope_rows = None  # the scope's rows by cluster cell, when the view holds all of it
    if scope:
        # Zoomed out on the whole scope (the map's first request): the legend's rows are cut by the view's
        # cells too, and the clusters are folded from them rather than grouped again.
        size = None
        if bbox is not None and zoom is not None and not zone and not q:
            view_zoom = min(zoom, fitting_zoom(bbox, (MAX_VIEW_PX, MAX_VIEW_PX)))
            if view_zoom < CLUSTER_BELOW_ZOOM:
                size = cell_size(view_zoom)
        if whole_zones is not None:  # their cells, counted as the parcels change
            rows, cell_rows = map_cells.scope_rows(user, None if size is None else view_zoom)
        else:
            rows = cell_rows = _scope_rows(parcels, size)
        located_box = _located_box(rows)
        if size is not None and _holds(bbox, located_box):
            whole_scope_rows = cell_rows
        summary, risk_summary, zones = _summary_and_zones(rows)
        located = summary["total"] - summary["unlocated"]
        boxes = [z["bounds"] for z in zones if z["bounds"]]
        if boxes:
            extent = [
                min(b[0] for b in boxes),
                min(b[1] for b in boxes),
                max(b[2] for b in boxes),
                max(b[3] for b in boxes),
            ]
        answer.update(
            zones=zones,
            states={value: str(label) for value, label in ParcelState.choices},
            unlocated=_unlocated(parcels),
            urls={
                "parcel": url_template("cases:parcel_detail"),
                "tickets": url_template("cases:ticket_list", query=["parcel_id"]),
            },
            summary=summary,
            risk_summary=risk_summary,
            risk_levels=risk_levels(),
        )
        lists = (summary[ParcelState.RED], risk_summary["red"] + risk_summary["orange"])

    matches = parcels
    if zone:
        matches = matches.filter(grid__zone_id=zone)
    matches = _search(matches, q)
    if zone or q:
        # what the zone and the search keep: its extent (the map fits it) and how long its lists are
        found = matches.aggregate(
            s=Min("latitude", filter=LOCATED),
            n=Max("latitude", filter=LOCATED),
            w=Min("longitude", filter=LOCATED),
            e=Max("longitude", filter=LOCATED),
            red=Count("pk", filter=parcel_state_q(ParcelState.RED)),
            risky=Count("pk", filter=Q(risk_level__gte=RiskLevel.ORANGE)),
        )
        extent = _extent(found["s"], found["w"], found["n"], found["e"])
        lists = (found["red"], found["risky"])
    if lists is not None:
        answer["lists"] = {
            "red": {"total": lists[0], "items": _red_list(matches, whole_zones if not (zone or q) else None)},
            "risk": {"total": lists[1], "items": _risk_list(matches)},
        }

    box = bbox or extent
    if zoom is None:
        everything = bbox is None and located <= MAX_FEATURES
        zoom = MAX_ZOOM if everything or box is None else fitting_zoom(box)
    elif box is not None:
        zoom = min(zoom, fitting_zoom(box, (MAX_VIEW_PX, MAX_VIEW_PX)))
    mode = "parcels" if zoom >= CLUSTER_BELOW_ZOOM else "clusters"

    in_view = _in_box(matches, bbox) if bbox else matches.filter(LOCATED)
    cluster_list = []
    if mode == "parcels":
        features, grids = _features(in_view)
    else:
        cluster_list, singles = clusters(in_view, zoom, rows=whole_scope_rows)
        features, grids = _features(in_view.filter(pk__in=singles))
    answer.update(
        mode=mode,
        zoom=zoom,
        cluster_below_zoom=CLUSTER_BELOW_ZOOM,
        bbox=list(bbox) if bbox else None,
        extent=extent,
        features=features,
        clusters=cluster_list,
        grids=grids,
    )
    return answer
