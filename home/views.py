"""The home page: what each role needs first, in a constant number of queries."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Count, Q
from django.shortcuts import redirect
from django.utils import timezone
from django.views.generic import TemplateView

from accounts.choices import Role
from accounts.policy import is_admin
from briefing.figures import rate_tone
from cases.choices import HazardStatus, ResponsibleKind, TicketStatus
from cases.deadlines import days_overdue, overdue_q, ticket_rows
from cases.models import Hazard, Inspection, Ticket
from cases.querysets import awaiting_aggregation_q, counted_hazard_q
from closeout import map_cells
from closeout.querysets import ParcelState, green_by_partition, parcel_state_q
from core.dates import day_start, round_start
from core.links import safe_reverse
from home.tiles import (
    ESCALATED,
    OPEN_HAZARDS,
    OPEN_TICKET_VALUES,
    TICKETS,
    Tile,
    count_tiles,
    due_soon_query,
    permitted_links,
)
from home.todo import todo_counts
from register.models import Enterprise, Grid, Parcel, Zone
from risk.patrols import due_units
from servicedesk.choices import OPEN_REQUEST_STATUSES, ServiceRequestStatus
from servicedesk.models import ServiceRequest

PATROL_ON_HOME = 10  # the first due units the inspector's home lists (the patrol page has them all)
# The manager's to-do tiles count up to this many rows and show "1000+" beyond: their lists are what matters.
TILE_CAP = 1000


NOT_GREEN = [state for state in ParcelState.values if state != ParcelState.GREEN]


def green_tile(tiles):
    """The green parcels' tile from the others' (cases.parcel_states.state_counts: the states split the
    parcels); counting green itself probed every green parcel's inspections and hazards."""
    tile = Tile("parcels_green", "cases:parcel_list", {"state": ParcelState.GREEN})
    if "parcels_total" not in tiles:
        return {}
    others = (tiles[f"parcels_{state}"]["count"] for state in NOT_GREEN)
    count = green_by_partition(tiles["parcels_total"]["count"], others)
    return {tile.key: {"count": count, "capped": False, "url": tile.url()}}


PARCEL_TILES = [
    Tile("parcels_total", "cases:parcel_list"),
    *(Tile(f"parcels_{state}", "cases:parcel_list", {"state": state}) for state in ParcelState.values),
]


def kept_parcel_tiles(user):
    """The parcel tiles of a scope of whole zones (``map_cells.serves``) from the map's cells: the parcels the
    parcel list's state filter counts, kept per zone and state (closeout.map_cells), not a count of every parcel
    of the zones. The fold, then one statement."""
    totals = {}
    for figures in map_cells.zone_states(user).values():
        for name, n in figures.items():
            totals[name] = totals.get(name, 0) + n
    return {tile.key: {"count": totals.get(tile.key, 0), "capped": False, "url": tile.url()} for tile in PARCEL_TILES}


class HomeView(LoginRequiredMixin, TemplateView):
    template_name = "home.html"

    def get(self, request, *args, **kwargs):
        if request.user.role == Role.LEADER:
            url = safe_reverse("briefing:dashboard")
            if url:
                return redirect(url)
        return super().get(request, *args, **kwargs)

    def get_template_names(self):
        user = self.request.user
        if user.role == Role.INSPECTOR:
            return ["home/inspector.html"]
        if user.role == Role.MANAGER:
            return ["home/manager.html"]
        if user.role in (Role.ENTERPRISE, Role.LANDLORD):
            return ["home/party.html"]
        if user.role == Role.DEPARTMENT:
            return ["home/department.html"]
        if user.role == Role.LEADER or is_admin(user):
            return ["home/overview.html"]
        return ["home.html"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        today = timezone.localdate()
        context.update(
            today=today,
            soon=today + timedelta(days=settings.REMINDER_DAYS),
            reminder_days=settings.REMINDER_DAYS,
            todo=todo_counts(user),
        )
        if user.role == Role.INSPECTOR:
            context.update(self.inspector_context(user, today))
        elif user.role == Role.MANAGER:
            context.update(self.manager_context(user, today))
        elif user.role in (Role.ENTERPRISE, Role.LANDLORD):
            context.update(self.party_context(user, today, context["soon"]))
            if user.role == Role.ENTERPRISE:
                context["service"] = self.service_block(user)
        elif user.role == Role.DEPARTMENT:
            context.update(self.department_context(user, today))
        elif user.role == Role.LEADER or is_admin(user):
            context.update(self.overview_context(user, today))
        return context

    # --- inspector: my grids' coverage this round ----------------------------------------------

    def inspector_context(self, user, today):
        start = round_start(today)
        grid_ids = list(user.scope_grid_ids)
        grids = list(Grid.objects.filter(pk__in=grid_ids).select_related("zone"))
        enterprises = dict(
            Enterprise.objects.filter(grid_id__in=grid_ids, active=True)
            .values("grid_id")
            .annotate(n=Count("pk"))
            .order_by()
            .values_list("grid_id", "n")
        )
        parcels = {
            row["grid_id"]: row
            for row in Parcel.objects.filter(grid_id__in=grid_ids)
            .values("grid_id")
            .annotate(n=Count("pk"), red=Count("pk", filter=parcel_state_q(ParcelState.RED)))
            .order_by()
        }
        visited = {
            row["grid_id"]: row
            for row in Inspection.objects.filter(grid_id__in=grid_ids, inspected_at__gte=day_start(start))
            .values("grid_id")
            .annotate(
                enterprises=Count("enterprise_id", distinct=True),
                parcels=Count("parcel_id", distinct=True),
                visits=Count("pk"),
            )
            .order_by()
        }
        open_hazards = dict(
            Hazard.objects.open()
            .filter(grid_id__in=grid_ids)
            .values("grid_id")
            .annotate(n=Count("pk"))
            .order_by()
            .values_list("grid_id", "n")
        )
        rows = []
        totals = {
            "enterprises": 0,
            "enterprises_visited": 0,
            "parcels": 0,
            "parcels_visited": 0,
            "open_hazards": 0,
            "red": 0,
            "visits": 0,
        }
        for grid in grids:
            seen = visited.get(grid.pk, {})
            row = {
                "grid": grid,
                "enterprises": enterprises.get(grid.pk, 0),
                "enterprises_visited": seen.get("enterprises", 0),
                "parcels": parcels.get(grid.pk, {}).get("n", 0),
                "parcels_visited": seen.get("parcels", 0),
                "visits": seen.get("visits", 0),
                "red": parcels.get(grid.pk, {}).get("red", 0),
                "open_hazards": open_hazards.get(grid.pk, 0),
                "units_url": safe_reverse("cases:inspector_units", query={"grid_id": grid.pk}),
                "hazards_url": safe_reverse("cases:hazard_list", query={"grid_id": grid.pk, **OPEN_HAZARDS}),
            }
            row["enterprises_visited"] = min(row["enterprises_visited"], row["enterprises"])
            row["parcels_visited"] = min(row["parcels_visited"], row["parcels"])
            row["coverage"] = (row["enterprises_visited"] / row["enterprises"]) if row["enterprises"] else None
            rows.append(row)
            for key in totals:
                totals[key] += row[key]
        totals["coverage"] = (totals["enterprises_visited"] / totals["enterprises"]) if totals["enterprises"] else None
        recent = list(
            Hazard.objects.visible_to(user)
            .filter(reporter=user)
            .select_related("category", "enterprise", "parcel")
            .order_by("-reported_at")[:6]
        )
        due = due_units(user, grids=grid_ids) if grid_ids else []
        tiles = count_tiles(
            user,
            [
                Tile("open_hazards", "cases:hazard_list", OPEN_HAZARDS),
                Tile("red_parcels", "cases:parcel_list", {"state": ParcelState.RED}),
            ],
        )
        return {
            "patrol": {
                "rows": due[:PATROL_ON_HOME],
                "due": len(due),
                "overdue": sum(1 for row in due if row.days_overdue != 0),
                "never": sum(1 for row in due if row.never_visited),
                "more": max(0, len(due) - PATROL_ON_HOME),
                "url": safe_reverse("risk:patrol"),
            },
            "round_start": start,
            "grid_rows": rows,
            "totals": totals,
            "tiles": tiles,
            "recent_hazards": [{"hazard": h, "url": safe_reverse("cases:hazard_detail", args=[h.pk])} for h in recent],
            "links": permitted_links(
                user,
                {
                    "units": safe_reverse("cases:inspector_units"),
                    "report": safe_reverse("cases:hazard_report"),
                    "verify": safe_reverse("cases:verify_queue"),
                    "crosscheck": safe_reverse("closeout:crosscheck_list"),
                    "map": safe_reverse("closeout:map"),
                },
            ),
        }

    # --- manager: the inbox ---------------------------------------------------------------------

    def manager_context(self, user, today):
        soon = today + timedelta(days=settings.REMINDER_DAYS)
        tickets = Ticket.objects.visible_to(user)
        # Each tile's number is the length of the list it opens (home.tiles): one statement.
        # (the parcels' tiles of whole zones from the map's cells, kept; of other scopes counted with the rest)
        kept = map_cells.serves(user)
        tiles = count_tiles(
            user,
            [
                Tile("reported", "cases:desk", cap=TILE_CAP),
                Tile("pending", TICKETS, {"status": TicketStatus.PENDING}, cap=TILE_CAP),
                Tile("assigned", TICKETS, {"status": TicketStatus.ASSIGNED}, cap=TILE_CAP),
                Tile("submitted", TICKETS, {"status": TicketStatus.SUBMITTED}, cap=TILE_CAP),
                Tile("overdue", TICKETS, {"overdue": "true"}, cap=TILE_CAP),
                Tile("escalated", TICKETS, ESCALATED, cap=TILE_CAP),
                Tile("due_soon", TICKETS, due_soon_query(today, soon), cap=TILE_CAP),
                *(() if kept else (tile for tile in PARCEL_TILES if tile.key != "parcels_green")),
            ],
        )
        tiles.update(kept_parcel_tiles(user) if kept else green_tile(tiles))
        closed_today = tickets.filter(status=TicketStatus.CLOSED, closed_at__gte=day_start(today)).count()
        # Only the rows these figures can count: reported ones and today's (both on indexes).
        hazard_figures = (
            Hazard.objects.visible_to(user)
            .filter(awaiting_aggregation_q() | Q(reported_at__gte=day_start(today)))
            .aggregate(
                likely_duplicates=Count("pk", filter=awaiting_aggregation_q() & Q(likely_duplicate_of__isnull=False)),
                major_reported=Count("pk", filter=awaiting_aggregation_q() & Q(severity="major")),
                today=Count("pk", filter=counted_hazard_q() & Q(reported_at__gte=day_start(today))),
            )
        )
        overdue = list(
            tickets.overdue(today).select_related("enterprise", "parcel", "zone", "grid").order_by("deadline", "pk")[:8]
        )
        return {
            "tiles": tiles,
            "closed_today": closed_today,
            "hazards": hazard_figures,
            "overdue_rows": ticket_rows(overdue, today, soon),
            "links": permitted_links(
                user,
                {
                    "desk": safe_reverse("cases:desk"),
                    "closeout": safe_reverse("closeout:closeout_desk"),
                    "tickets": safe_reverse(TICKETS),
                    "import": safe_reverse("register:import"),
                    "register": safe_reverse("cases:parcel_list"),
                    "enterprises": safe_reverse("cases:enterprise_list"),
                    "dashboard": safe_reverse("briefing:dashboard"),
                    "map": safe_reverse("closeout:map"),
                },
            ),
        }

    # --- enterprise and landlord: my tickets -------------------------------------------------------

    def party_context(self, user, today, soon):
        kind = ResponsibleKind.ENTERPRISE if user.role == Role.ENTERPRISE else ResponsibleKind.LANDLORD
        visible = Ticket.objects.visible_to(user)
        own = {"responsible_kind": kind}  # the tiles count the party's own tickets, and open those
        tiles = count_tiles(
            user,
            [
                Tile("assigned", TICKETS, {"status": TicketStatus.ASSIGNED, **own}),
                Tile("overdue", TICKETS, {"overdue": "true", **own}),
                Tile("submitted", TICKETS, {"status": TicketStatus.SUBMITTED, **own}),
                Tile("closed", TICKETS, {"status": TicketStatus.CLOSED, **own}),
            ],
        )
        mine = list(
            visible.filter(responsible_kind=kind, status__in=[TicketStatus.ASSIGNED, TicketStatus.SUBMITTED])
            .select_related("enterprise", "parcel")
            .prefetch_related("hazards__category")
            .order_by("status", "deadline", "pk")[:50]
        )
        tenants = []
        if user.role == Role.LANDLORD:
            tenants = list(
                visible.filter(
                    responsible_kind=ResponsibleKind.ENTERPRISE,
                    status__in=[TicketStatus.ASSIGNED, TicketStatus.SUBMITTED],
                )
                .select_related("enterprise", "parcel")
                .prefetch_related("hazards__category")
                .order_by("deadline", "pk")[:50]
            )
        return {
            "party_kind": kind,
            "tiles": tiles,
            "my_rows": ticket_rows(mine, today, soon, with_hazards=True),
            "tenant_rows": ticket_rows(tenants, today, soon, with_hazards=True),
            "links": permitted_links(
                user,
                {
                    "tickets": safe_reverse("cases:my_tickets", TICKETS),
                    "tenant_tickets": safe_reverse(TICKETS, query={"responsible_kind": ResponsibleKind.ENTERPRISE})
                    if user.role == Role.LANDLORD
                    else "",
                    "self_check": safe_reverse("cases:self_check"),
                },
            ),
        }

    # --- enterprise service requests ------------------------------------------------------------

    def service_block(self, user):
        """The enterprise home's 企业服务 block: its open requests and those awaiting its confirmation."""
        figures = ServiceRequest.objects.visible_to(user).aggregate(
            open=Count("pk", filter=Q(status__in=OPEN_REQUEST_STATUSES)),
            answered=Count("pk", filter=Q(status=ServiceRequestStatus.ANSWERED)),
        )
        return {
            **figures,
            "list": safe_reverse("servicedesk:request_list"),
            "answered_url": safe_reverse("servicedesk:request_list", query={"status": ServiceRequestStatus.ANSWERED}),
            "create": safe_reverse("servicedesk:request_create"),
        }

    def department_context(self, user, today):
        """A department's home: the requests dispatched to it that wait for its answer, nearest deadline first."""
        visible = ServiceRequest.objects.visible_to(user)
        figures = visible.aggregate(
            waiting=Count("pk", filter=Q(status=ServiceRequestStatus.DISPATCHED)),
            overdue=Count("pk", filter=overdue_q(today)),
            escalated=Count("pk", filter=Q(status__in=OPEN_REQUEST_STATUSES, escalation_level__gt=0)),
            answered=Count("pk", filter=Q(status=ServiceRequestStatus.ANSWERED)),
        )
        waiting = list(
            visible.filter(status=ServiceRequestStatus.DISPATCHED)
            .select_related("enterprise", "category", "grid__zone")
            .order_by("deadline", "pk")[:50]
        )
        rows = [
            {
                "request": item,
                "url": item.get_absolute_url(),
                "days_overdue": days_overdue(item, today),
                "days_left": (item.deadline - today).days if item.deadline else None,
            }
            for item in waiting
        ]
        return {
            "department": user.department,
            "figures": figures,
            "rows": rows,
            "links": {
                "list": safe_reverse("servicedesk:request_list"),
                "waiting": safe_reverse("servicedesk:request_list", query={"status": ServiceRequestStatus.DISPATCHED}),
                "overdue": safe_reverse("servicedesk:request_list", query={"overdue": "true"}),
                "escalated": safe_reverse("servicedesk:request_list", query={"escalated": "true"}),
                "answered": safe_reverse("servicedesk:request_list", query={"status": ServiceRequestStatus.ANSWERED}),
            },
        }

    # --- administrators (and leaders when the dashboard is not there) ------------------------------------

    def overview_context(self, user, today):
        tiles = count_tiles(
            user,
            [
                Tile("found", "cases:hazard_list", {"counted": "true"}),
                Tile("rectified", "cases:hazard_list", {"counted": "true", "status": HazardStatus.RECTIFIED}),
                Tile("reported", "cases:desk"),
                Tile("open", TICKETS, {"status": OPEN_TICKET_VALUES}),
                Tile("overdue", TICKETS, {"overdue": "true"}),
                Tile("parcels", "cases:parcel_list"),
                Tile("enterprises", "cases:enterprise_list", {"active": "true"}),
            ],
        )
        found, rectified = tiles["found"]["count"], tiles["rectified"]["count"]
        rate = rectified / found if found else None
        return {
            "rate_tone": rate_tone(rate * 100) if rate is not None else "",
            "tiles": tiles,
            "zones": Zone.objects.visible_to(user).count(),
            "rate": rate,
            "links": permitted_links(
                user,
                {
                    "dashboard": safe_reverse("briefing:dashboard"),
                    "map": safe_reverse("closeout:map"),
                    "desk": safe_reverse("cases:desk"),
                    "reports": safe_reverse("briefing:report_list"),
                    "import": safe_reverse("register:import"),
                    "admin": safe_reverse("admin:index") if user.is_staff else "",
                    "api": safe_reverse("api-docs", "swagger-ui"),
                },
            ),
        }
