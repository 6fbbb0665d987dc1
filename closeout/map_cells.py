"""The map's cells: the parcels counted per zone, close-out state, risk level and cluster cell, kept as they change.

The map's first request summarises the user's whole scope: the legend, the zones and the clusters of the view
that fits it (``closeout.parcel_map``). Grouping every parcel of a city register for it grows with the register;
these counts are what that grouping returns, stored: per zone, state and risk level, one row for the whole zone
(``ZONE_LEVEL``, with the bounds of its located parcels) and one per cell of each zoom the map clusters at
(levels 0–14, ``cell_size``). A manager's or a leader's map (a scope of whole zones) reads them; an inspector's,
an enterprise's or a landlord's, a few grids or parcels, is grouped from the parcels as before.

How they stay true: the database's triggers (migration 0003) write the id of every parcel whose state, place,
zone or risk level may have changed (``MapChange``): a parcel written, a hazard found, closed or moved, a visit,
a grid moved to another zone. ``catch_up()`` (at the start of each map that reads the cells) takes those ids,
computes each parcel's state again (``parcel_state``, the one definition), and moves the parcels that changed
from their old cells (``MapParcel``, what the cells last counted) to their new ones. A workflow's transaction
only appends an id; one reader at a time folds them in (others read the cells as they are). ``rebuild()``
counts everything again and ``check()`` compares (``manage.py rebuild_summaries`` and ``--check``).
"""

import math
from collections import defaultdict

from django.db import transaction
from django.db.models import F, Max, Min, OuterRef, Q, Sum

from accounts.scoping import scope_is_zones
from cases.models import Hazard
from closeout.models import MapCell, MapChange, MapParcel
from closeout.querysets import parcel_state
from core import folding
from core.queries import SubqueryCount, chunks
from register.choices import CloseoutState
from register.models import Parcel

CLUSTER_BELOW_ZOOM = 15  # below this zoom the map gets clusters, from it on the parcels themselves
CELL_PX = 64  # a cluster cell's side on screen, in pixels
ZONE_LEVEL = -1  # the level of the rows that count a whole zone
LEVELS = range(CLUSTER_BELOW_ZOOM)  # the zooms the cells are kept for
LOCK = 0x6D617063  # the advisory lock of the one reader folding changes in (PostgreSQL)

# of a parcel, computed (``open_hazards``, ``crosscheck``, ``closed_out`` annotated) and as counted; the cells read
# the first six and the last two
FIELDS = ("pk", "grid__zone_id", "state", "risk_level", "latitude", "longitude", "code", "open_hazards")
FIELDS += ("crosscheck", "closed_out")
STORED = ("parcel_id", "zone_id", "state", "risk_level", "latitude", "longitude", "code", "open_hazards")
STORED += ("crosscheck", "closed_out")


def _pixels_per_degree(zoom):
    """Web-Mercator pixels per degree of longitude at ``zoom`` (256-pixel tiles)."""
    return 256 * 2**zoom / 360


def cell_size(zoom):
    """A cluster cell's side in degrees at ``zoom``: ``CELL_PX`` pixels."""
    return CELL_PX / _pixels_per_degree(zoom)


def serves(user):
    """Whether ``user``'s map reads the cells: a scope of whole zones (``scope_is_zones``)."""
    return scope_is_zones(user)


# --- keeping them -----------------------------------------------------------------------------------------


def catch_up():
    """Fold the parcels changed since the last call into the cells; returns how many were computed again.

    On PostgreSQL one reader at a time folds (an advisory lock held to the end of its transaction): another
    finds it taken and reads the cells as they are, a moment behind."""
    with transaction.atomic():
        if not folding.lock(LOCK, wait=False):
            return 0
        ids = folding.take_notes(MapChange, "parcel_id")
        for chunk in chunks(ids):
            _refresh(chunk)
    return len(ids)


def rebuild():
    """Count every parcel again, from nothing; returns the cells written. Waits for a fold under way, and folds
    wait for it (maps read the cells as they were meanwhile)."""
    with transaction.atomic():
        folding.lock(LOCK, wait=True)
        for model in (MapChange, MapParcel, MapCell):
            model.objects.all().delete()
        for chunk in chunks(Parcel.objects.order_by("pk").values_list("pk", flat=True)):
            _refresh(chunk)
        return MapCell.objects.count()


def check():
    """The cells that differ from a fresh count: ``[(key, stored, fresh)]``, empty when they agree. Changes
    nothing (the fresh count is made in a savepoint and rolled back)."""
    with transaction.atomic():
        catch_up()
        stored = _all_cells()
        before_rebuild = transaction.savepoint()
        rebuild()
        fresh = _all_cells()
        transaction.savepoint_rollback(before_rebuild)
    return [
        (key, stored.get(key), fresh.get(key))
        for key in sorted(stored.keys() | fresh.keys())
        if not _same(stored.get(key), fresh.get(key))
    ]


def _all_cells():
    """The cells that count parcels (an emptied one stays, with n 0), by key."""
    key = ("zone_id", "level", "row", "col", "state", "risk_level")
    return {row[:6]: row[6:] for row in MapCell.objects.filter(n__gt=0).values_list(*key, *DELTA_COLUMNS)}


def _same(a, b):
    """Equal counts, and sums equal but for the last bits a float keeps after parcels came and went."""
    if a is None or b is None:
        return a is b
    return all(
        math.isclose(x, y, rel_tol=1e-12, abs_tol=1e-9) if isinstance(x, float) else x == y
        for x, y in zip(a, b, strict=True)
    )


def _contribution(parcel):
    """The cells ``parcel`` (a ``FIELDS`` tuple) counts in: ``[(key, located)]``."""
    _pk, zone, state, risk, lat, lng = parcel[:6]
    located = lat is not None and lng is not None
    keys = [((zone, ZONE_LEVEL, 0, 0, state, risk), located)]
    if located:
        for level in LEVELS:
            size = cell_size(level)
            keys.append(((zone, level, math.floor(lat / size), math.floor(lng / size), state, risk), True))
    return keys


def _refresh(ids):
    """Compute the parcels ``ids`` again and move those that changed between cells: two statements when none
    changed; else an upsert of the cells, the rows of ``MapParcel`` rewritten, and the zone rows' bounds
    counted again where a parcel left one of them (``_bound``)."""
    stored = {row[0]: row for row in MapParcel.objects.filter(pk__in=ids).values_list(*STORED)}
    fresh = {
        row[0]: row
        for row in Parcel.objects.filter(pk__in=ids)
        .annotate(
            state=parcel_state(),
            open_hazards=SubqueryCount(Hazard.objects.open().filter(parcel=OuterRef("pk"))),
            crosscheck=folding.flag(Q(closeout_state=CloseoutState.CROSSCHECK)),
            closed_out=folding.flag(Q(closeout_state=CloseoutState.GREEN, closed_out_at__isnull=False)),
        )
        .order_by()
        .values_list(*FIELDS)
    }
    changed = [pk for pk in ids if stored.get(pk) != fresh.get(pk)]
    if not changed:
        return
    deltas = defaultdict(lambda: [0, 0, 0.0, 0.0, 0, None, None, None, None, 0, 0])  # as DELTA_COLUMNS
    left = defaultdict(list)  # zone key → the located points that left it
    for pk in changed:
        for sign, parcel in ((-1, stored.get(pk)), (1, fresh.get(pk))):
            if parcel is None:
                continue
            lat, lng = parcel[4], parcel[5]
            for key, located in _contribution(parcel):
                delta = deltas[key]
                delta[0] += sign
                delta[4] += sign * pk
                if key[1] == ZONE_LEVEL:  # (the stored close-out: the zones' figures, not the clusters')
                    delta[9] += sign * parcel[8]
                    delta[10] += sign * parcel[9]
                if not located:
                    continue
                delta[1] += sign
                delta[2] += sign * lat
                delta[3] += sign * lng
                if key[1] != ZONE_LEVEL:
                    continue
                if sign < 0:
                    left[key].append((lat, lng))
                else:  # the bounds of the points that came: the upsert widens the zone row's to them
                    delta[5] = lat if delta[5] is None else min(delta[5], lat)
                    delta[6] = lat if delta[6] is None else max(delta[6], lat)
                    delta[7] = lng if delta[7] is None else min(delta[7], lng)
                    delta[8] = lng if delta[8] is None else max(delta[8], lng)
    _add(deltas)
    MapParcel.objects.filter(pk__in=changed).delete()
    MapParcel.objects.bulk_create(
        MapParcel(**dict(zip(STORED, row, strict=True))) for pk in changed if (row := fresh.get(pk)) is not None
    )
    if left:
        _bound(left)


DELTA_COLUMNS = ("n", "located", "lat_sum", "lng_sum", "id_sum", "south", "north", "west", "east", "crosscheck")
DELTA_COLUMNS += ("closed_out",)
SUMS = (*DELTA_COLUMNS[:5], *DELTA_COLUMNS[9:])
WIDER = {"south": "<", "north": ">", "west": "<", "east": ">"}  # a bound moves to a point beyond it
# the cells' columns as upserted (key, then DELTA_COLUMNS), as PostgreSQL types
SQL_TYPES = ("bigint", "smallint", "integer", "integer", "varchar", "smallint", "integer", "integer", "float8")
SQL_TYPES += ("float8", "bigint", "float8", "float8", "float8", "float8", "integer", "integer")


def _add(deltas):
    """Add ``deltas`` (key → ``DELTA_COLUMNS``: counts and sums to add, bounds to widen to) to the cells: one
    upsert (``core.folding.add``). A cell that empties stays, with n 0, and is not read; its key is soon used again."""
    table = MapCell._meta.db_table
    rows = [
        (key, delta)
        for key, delta in sorted(deltas.items())
        if any(delta[:5]) or delta[5] is not None or any(delta[9:])
    ]
    bounds = [
        f"{c} = CASE WHEN excluded.{c} IS NULL THEN {table}.{c} WHEN {table}.{c} IS NULL OR {table}.n = 0 "
        f"OR excluded.{c} {op} {table}.{c} THEN excluded.{c} ELSE {table}.{c} END"
        for c, op in WIDER.items()
    ]
    key = ("zone_id", "level", "row", "col", "state", "risk_level")
    folding.add(table, key, DELTA_COLUMNS, SQL_TYPES, rows, sums=SUMS, merges=bounds)


def _bound(left):
    """The zone rows that points left (``left``: zone key → the points) and that one of them bounded: their
    bounds counted again from ``MapParcel`` (already rewritten). Two statements, or one when none bounded."""
    zone_keys = {(key[0], key[4], key[5]): points for key, points in left.items()}
    stored = MapCell.objects.filter(level=ZONE_LEVEL, zone_id__in={k[0] for k in zone_keys}).values_list(
        "zone_id", "state", "risk_level", "n", "south", "north", "west", "east"
    )
    stale = set()
    for zone, state, risk, n, *bounds in stored:
        points = zone_keys.get((zone, state, risk))
        if points and n and any(lat in bounds[:2] or lng in bounds[2:] for lat, lng in points):
            stale.add((zone, state, risk))
    if not stale:
        return
    found = {
        (b["zone_id"], b["state"], b["risk_level"]): b
        for b in MapParcel.objects.filter(
            zone_id__in={k[0] for k in stale}, latitude__isnull=False, longitude__isnull=False
        )
        .values("zone_id", "state", "risk_level")
        .annotate(s=Min("latitude"), n=Max("latitude"), w=Min("longitude"), e=Max("longitude"))
        .order_by()
    }
    for zone, state, risk in sorted(stale):
        b = found.get((zone, state, risk), {})
        MapCell.objects.filter(zone_id=zone, level=ZONE_LEVEL, state=state, risk_level=risk).update(
            south=b.get("s"), north=b.get("n"), west=b.get("w"), east=b.get("e")
        )


# --- reading them ------------------------------------------------------------------------------------------


# a zone row's columns, and the names ``parcel_map._scope_rows`` gives them
ZONE_ROW = {
    **{name: name for name in ("state", "risk_level", "n", "located")},
    **{"zone_id": "grid__zone_id", "zone__name": "grid__zone__name", "lat_sum": "lat", "lng_sum": "lng"},
    **{"south": "s", "north": "nn", "west": "w", "east": "e"},
}


def scope_rows(user, zoom=None):
    """The rows of ``user``'s whole scope as the map folds them (``parcel_map._scope_rows``'s fields): the zone
    rows, and the rows of the cells at ``zoom`` (None: none), the zones' added up in SQL (a cluster counts
    parcels, whatever their zone). Two statements after ``catch_up``, one without a zoom."""
    catch_up()
    cells = MapCell.objects.visible_to(user).filter(n__gt=0).order_by()
    zone_rows = [
        dict(zip(ZONE_ROW.values(), row, strict=True)) for row in cells.filter(level=ZONE_LEVEL).values_list(*ZONE_ROW)
    ]
    if zoom is None:
        return zone_rows, None
    cell_rows = list(
        cells.filter(level=zoom)
        .values("row", "col", "state", "risk_level")
        .annotate(n=Sum("n"), lat=Sum("lat_sum"), lng=Sum("lng_sum"), first=Sum("id_sum"))
    )
    return zone_rows, cell_rows


def red_parcels(user, limit):
    """The red parcels of ``user``'s scope (with open hazards), most open hazards first, then by code: the first
    ``limit``, as ``parcel_map._red_list`` gives them (``parcel__`` fields and ``n``). One statement (after
    ``scope_rows``' fold), which reads the index down to ``limit`` rows."""
    fields = ("code", "name", "latitude", "longitude", "risk_level")
    rows = (
        MapParcel.objects.visible_to(user)
        .filter(open_hazards__gt=0)
        .order_by(F("open_hazards").desc(), "code")
        .values(parcel__id=F("parcel_id"), n=F("open_hazards"), **{f"parcel__{f}": F(f"parcel__{f}") for f in fields})
    )
    return list(rows[:limit])


def zone_states(user):
    """The parcels of ``user``'s zones by close-out state, now, as ``briefing.state_figures.parcel_rows`` counts
    them per grid: ``{zone id: {"parcels_total": n, "parcels_closed_out": n, "parcels_crosscheck": n,
    "parcels_<state>": n …}}``. The fold, then one statement over the zone rows."""
    catch_up()
    rows = (
        MapCell.objects.visible_to(user)
        .filter(level=ZONE_LEVEL, n__gt=0)
        .values("zone_id", "state")
        .annotate(total=Sum("n"), crosscheck_n=Sum("crosscheck"), closed_out_n=Sum("closed_out"))
        .order_by()
    )
    zones = {}
    for row in rows:
        figures = zones.setdefault(row["zone_id"], defaultdict(int))
        figures["parcels_total"] += row["total"]
        figures[f"parcels_{row['state']}"] += row["total"]
        figures["parcels_crosscheck"] += row["crosscheck_n"]
        figures["parcels_closed_out"] += row["closed_out_n"]
    return {zone: dict(figures) for zone, figures in zones.items()}
