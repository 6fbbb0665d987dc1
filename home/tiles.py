"""A tile's number and the list it opens come from one place: the list page's own FilterSet.

A ``Tile`` names a list page (its URL name) and the filters of its link. Its number is the count of
that page's rows: the page's base queryset (what the user sees) filtered by the page's FilterSet
with the link's query, so the number and the list cannot disagree, for any role. All the tiles of
a page are counted in ONE statement (a scalar sub-select each); a tile with a ``cap`` counts no further
than its cap (a list that may be long: "1000+").
"""

from dataclasses import dataclass, field
from types import SimpleNamespace
from urllib.parse import urlencode

from django.http import QueryDict

from accounts.policy import Action, allows
from cases.choices import OPEN_TICKET_STATUSES, HazardStatus, TicketStatus
from core.links import safe_reverse
from core.queries import CappedCount, SubqueryCount


def _lists():
    """{URL name: (FilterSet, base queryset of the user)}: the list pages a tile may open."""
    from cases.filtersets import HazardFilterSet, TicketFilterSet
    from cases.models import Hazard, Ticket
    from closeout.querysets import ParcelStateFilterSet
    from register.filtersets import EnterpriseFilterSet
    from register.models import Enterprise, Parcel

    return {
        "cases:ticket_list": (TicketFilterSet, lambda user: Ticket.objects.visible_to(user)),
        "cases:hazard_list": (HazardFilterSet, lambda user: Hazard.objects.visible_to(user)),
        # the desk's inbox: reported hazards awaiting aggregation (cases.forms.reported_hazards)
        "cases:desk": (HazardFilterSet, lambda user: Hazard.objects.visible_to(user).awaiting_aggregation()),
        "cases:parcel_list": (ParcelStateFilterSet, lambda user: Parcel.objects.visible_to(user)),
        "cases:enterprise_list": (EnterpriseFilterSet, lambda user: Enterprise.objects.visible_to(user)),
    }


# The queries of the lists the tiles and the to-do items open.
TICKETS = "cases:ticket_list"
OPEN_TICKET_VALUES = list(OPEN_TICKET_STATUSES)
ESCALATED = {"escalation_level": [1, 2], "status": OPEN_TICKET_VALUES}
# open hazards (cases.querysets.open): reported or aggregated, and counted (not withdrawn)
OPEN_HAZARDS = {"status": [HazardStatus.REPORTED, HazardStatus.AGGREGATED], "counted": "true"}


def due_soon_query(today, soon):
    """cases.deadlines.due_soon_q as the ticket list's filters."""
    return {"status": TicketStatus.ASSIGNED, "deadline_after": today.isoformat(), "deadline_before": soon.isoformat()}


# Links that lead to an action's page are shown only to those the policy lets do it (the page's
# own check reads the same rule); the menu (home.todo.nav_items) reads the same table.
LINK_ACTIONS = {
    "report": Action.HAZARD_REPORT,
    "verify": Action.TICKET_VERIFY,
    "crosscheck": Action.CROSSCHECK_RECORD,
    "desk": Action.TICKET_CREATE,
    "closeout": Action.PARCEL_REQUEST_CROSSCHECK,
    "import": Action.REGISTER_IMPORT,
    "self_check": Action.INSPECTION_RECORD,
}


def permitted_links(user, links):
    """``links`` without those to pages ``user`` may not open (the policy's answer); "" stays ""."""
    return {
        key: url if url and (key not in LINK_ACTIONS or allows(user, LINK_ACTIONS[key])) else ""
        for key, url in links.items()
    }


@dataclass(frozen=True)
class Tile:
    key: str
    url_name: str
    query: dict = field(default_factory=dict)
    # Count no more than this many rows and show "cap+" beyond (core.queries.CappedCount): for a figure
    # whose list may grow long and whose exact size nobody needs at a glance. None: count exactly.
    cap: int | None = None

    def url(self):
        return safe_reverse(self.url_name, query=self.query or None)

    def queryset(self, user):
        """The rows of the list the tile opens, as that page filters them."""
        filterset_class, base = _lists()[self.url_name]
        data = QueryDict(urlencode(self.query, doseq=True))
        filterset = filterset_class(data, queryset=base(user), request=SimpleNamespace(user=user))
        if not filterset.is_valid():  # a tile whose link the list would refuse is a bug, not a zero
            raise ValueError(f"tile {self.key}: {filterset.errors.as_json()}")
        return filterset.qs


def count_tiles(user, tiles):
    """``{key: {"count": n, "url": url}}`` for ``tiles`` in one statement."""
    from accounts.models import User

    tiles = [tile for tile in tiles if tile.url()]
    counts = {}
    if tiles:
        counts = (
            User.objects.filter(pk=user.pk)
            .annotate(**{f"tile_{tile.key}": _tile_count(tile, user) for tile in tiles})
            .values(*(f"tile_{tile.key}" for tile in tiles))
            .first()
        ) or {}
    return {tile.key: _tile_value(tile, counts.get(f"tile_{tile.key}") or 0) for tile in tiles}


def _tile_count(tile, user):
    queryset = tile.queryset(user)
    return SubqueryCount(queryset) if tile.cap is None else CappedCount(queryset, tile.cap)


def _tile_value(tile, count):
    """``count`` (at most ``cap``) and ``capped`` when there are more: shown as "1000+"."""
    capped = tile.cap is not None and count > tile.cap
    return {"count": tile.cap if capped else count, "capped": capped, "url": tile.url()}
