"""What waits for a user (the header's to-do badge) and the navigation of each role.

``todo_counts(user)`` answers with ONE database query (scalar sub-selects, one per count,
each scoped by ``visible_to``), cached on the user object, which Django builds once per
request. ``nav_items(user)`` lists the role's menu; URL names that do not resolve (pages not
built yet) are skipped, so the header never raises NoReverseMatch.
"""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.choices import Role
from accounts.policy import allows, is_active_user, is_admin
from cases.choices import ResponsibleKind, TicketStatus
from closeout.choices import CrossCheckStatus
from core.links import safe_reverse
from core.queries import SubqueryCount
from home.tiles import ESCALATED, LINK_ACTIONS, TICKETS, Tile, due_soon_query

CACHE_ATTR = "_todo_counts_cache"


# --- the to-do counts ------------------------------------------------------------------------


def _todo_specs(user, today):
    """(key, label, source, counts toward the badge) for the user's role. ``source`` is a
    ``home.tiles.Tile`` (a filtered list page: the count is that page's length) or, for a page that
    is not a filtered list, ``(queryset, url)`` with the page's own queryset."""
    from cases.models import Ticket
    from closeout.models import CrossCheck

    soon = today + timedelta(days=settings.REMINDER_DAYS)
    due_soon = Tile("due_soon", TICKETS, due_soon_query(today, soon))
    overdue = Tile("overdue", TICKETS, {"overdue": "true"})
    role = user.role
    if role == Role.MANAGER or (is_admin(user) and not role):
        return [
            ("aggregate", _("待汇总隐患"), Tile("aggregate", "cases:desk"), True),
            ("assign", _("待交办整改单"), Tile("assign", TICKETS, {"status": TicketStatus.PENDING}), True),
            ("verify", _("待验收整改单"), Tile("verify", TICKETS, {"status": TicketStatus.SUBMITTED}), True),
            (
                "closeout",
                _("待销号审批"),
                Tile("closeout", TICKETS, {"status": TicketStatus.CLOSEOUT_PENDING}),
                True,
            ),
            ("extension", _("待审批延期申请"), Tile("extension", TICKETS, {"extension_pending": "true"}), True),
            ("due_soon", _("临近期限"), due_soon, False),
            ("overdue", _("已逾期整改单"), overdue, False),
        ]
    if role == Role.INSPECTOR:
        # the verification queue and the cross-check list are pages of their own: their querysets
        verify = Ticket.objects.visible_to(user).filter(
            status=TicketStatus.SUBMITTED, grid_id__in=list(user.scope_grid_ids)
        )
        crosschecks = CrossCheck.objects.visible_to(user).filter(inspector=user, status=CrossCheckStatus.REQUESTED)
        return [
            ("verify", _("待验收整改单"), (verify, safe_reverse("cases:verify_queue")), True),
            ("crosscheck", _("交叉检查任务"), (crosschecks, safe_reverse("closeout:crosscheck_list")), True),
        ]
    if role in (Role.ENTERPRISE, Role.LANDLORD):
        own = {"responsible_kind": ResponsibleKind.ENTERPRISE if role == Role.ENTERPRISE else ResponsibleKind.LANDLORD}
        return [
            ("fix", _("待整改"), Tile("fix", TICKETS, {"status": TicketStatus.ASSIGNED, **own}), True),
            ("due_soon", _("临近期限"), Tile("due_soon", TICKETS, {**due_soon.query, **own}), False),
            ("overdue", _("已逾期"), Tile("overdue", TICKETS, {**overdue.query, **own}), False),
        ]
    if role == Role.LEADER:
        return [
            ("overdue", _("已逾期整改单"), overdue, True),
            ("escalated", _("督办中整改单"), Tile("escalated", TICKETS, ESCALATED), False),
        ]
    return []


def todo_counts(user, *, today=None, refresh=False):
    """What waits for ``user``: ``{"items": [...], "total": n, <key>: n, ...}`` in one query.

    ``items`` are dicts (key, label, count, url, badge) in display order; ``total`` adds the
    counts that are the user's own work (``badge``); reminders (due soon, overdue) are shown
    apart, as reminders, and not added, since they repeat tickets already counted. The header's
    badge, its drop-down and the home pages all read this one answer.
    """
    if user is None or not user.is_authenticated:
        return {"items": [], "total": 0}
    cached = getattr(user, CACHE_ATTR, None)
    if cached is not None and not refresh and today is None:
        return cached
    from accounts.models import User

    specs = []
    for key, label, source, badge in _todo_specs(user, today or timezone.localdate()):
        if isinstance(source, Tile):
            url = source.url()
            if url:
                specs.append((key, label, source.queryset(user), url, badge))
        else:
            queryset, url = source
            if url:
                specs.append((key, label, queryset, url, badge))
    counts = {}
    if specs:
        row = (
            User.objects.filter(pk=user.pk)
            .annotate(**{f"todo_{key}": SubqueryCount(qs) for key, _label, qs, _url, _badge in specs})
            .values(*(f"todo_{key}" for key, *_rest in specs))
            .first()
        ) or {}
        counts = {key: row.get(f"todo_{key}") or 0 for key, *_rest in specs}
    items = [
        {"key": key, "label": label, "count": counts[key], "url": url, "badge": badge}
        for key, label, _qs, url, badge in specs
    ]
    result = {
        "items": items,
        "work": [item for item in items if item["badge"]],
        "reminders": [item for item in items if not item["badge"]],
        "total": sum(item["count"] for item in items if item["badge"]),
        **counts,
    }
    if today is None:
        setattr(user, CACHE_ATTR, result)
    return result


# --- navigation ----------------------------------------------------------------------------

# (key, label, URL names tried in order, query string)
NAV = {
    Role.INSPECTOR: [
        ("patrol", _("今日巡查"), ("risk:patrol",), None),
        ("units", _("我的网格"), ("cases:inspector_units",), None),
        (
            "report",
            _("隐患上报"),
            ("cases:hazard_report"),
            None,
        ),
        ("verify", _("待验收"), ("cases:verify_queue",), None),
        ("crosscheck", _("交叉检查"), ("closeout:crosscheck_list",), None),
        ("map", _("地图"), ("closeout:map",), None),
        ("ledgers", _("专项台账"), ("ledgers:drill_list",), None),
    ],
    Role.MANAGER: [
        ("desk", _("隐患汇总"), ("cases:desk", "cases:hazard_list"), None),
        ("tickets", _("整改单"), ("cases:ticket_list",), None),
        ("service", _("企业服务"), ("servicedesk:request_list",), None),
        ("closeout", _("宗地销号"), ("closeout:closeout_desk",), None),
        ("register", _("台账"), ("cases:parcel_list",), None),
        ("risk", _("风险管控"), ("risk:point_list",), None),
        # the import is on the register's page (台账); the campaign ledgers have their own tabs
        ("ledgers", _("专项台账"), ("ledgers:drill_list",), None),
        ("dashboard", _("驾驶舱"), ("briefing:dashboard",), None),
        ("periods", _("周报月报"), ("briefing:period_report",), None),
    ],
    Role.LEADER: [
        ("dashboard", _("驾驶舱"), ("briefing:dashboard",), None),
        ("map", _("地图"), ("closeout:map",), None),
        ("reports", _("每日简报"), ("briefing:report_list",), None),
        ("periods", _("周报月报"), ("briefing:period_report",), None),
        ("tickets", _("整改单"), ("cases:ticket_list",), None),
        ("risk", _("风险管控"), ("risk:coverage",), None),
        ("ledgers", _("专项台账"), ("ledgers:letter_coverage",), None),
    ],
    Role.ENTERPRISE: [
        ("tickets", _("我的整改单"), ("cases:my_tickets", "cases:ticket_list"), None),
        ("self_check", _("自查自纠"), ("cases:self_check",), None),
        ("service", _("企业服务"), ("servicedesk:request_list",), None),
        ("drills", _("培训演练"), ("ledgers:drill_list",), None),
    ],
    Role.DEPARTMENT: [
        ("service", _("服务问题"), ("servicedesk:request_list",), None),
    ],
    Role.LANDLORD: [
        ("tickets", _("我的整改单"), ("cases:my_tickets", "cases:ticket_list"), None),
        ("self_check", _("自查自纠"), ("cases:self_check",), None),
        ("drills", _("培训演练"), ("ledgers:drill_list",), None),
    ],
}
ADMIN_NAV = [
    ("dashboard", _("驾驶舱"), ("briefing:dashboard",), None),
    ("map", _("地图"), ("closeout:map",), None),
    ("desk", _("隐患汇总"), ("cases:desk", "cases:hazard_list"), None),
    ("tickets", _("整改单"), ("cases:ticket_list",), None),
    ("register", _("台账"), ("cases:parcel_list",), None),
    ("risk", _("风险管控"), ("risk:point_list",), None),
    ("service", _("企业服务"), ("servicedesk:request_list",), None),
    ("ledgers", _("专项台账"), ("ledgers:drill_list",), None),
    ("reports", _("每日简报"), ("briefing:report_list",), None),
    ("periods", _("周报月报"), ("briefing:period_report",), None),
    ("admin", _("系统管理"), ("admin:index",), None),
]


# Entries that lead to an action's page are shown only to those the policy lets do it (the page's
# own check reads the same rule; home.tiles.permitted_links does the same for the home pages' links).
NAV_ACTIONS = LINK_ACTIONS


def nav_items(user, path=""):
    """The menu for ``user``: dicts (key, label, url, active); unresolvable entries are left out."""
    if not is_active_user(user):
        return []
    entries = NAV.get(user.role) or (ADMIN_NAV if is_admin(user) else [])
    items = []
    for key, label, names, query in entries:
        if key in NAV_ACTIONS and not allows(user, NAV_ACTIONS[key]):
            continue  # e.g. the import page is only for managers of the whole area
        url = safe_reverse(*names, query=query)
        if url:
            items.append({"key": key, "label": label, "url": url, "active": False})
    # The longest URL that prefixes the current path is the active entry.
    best = None
    for item in items:
        base = item["url"].split("?", 1)[0]
        if path.startswith(base) and base != "/" and (best is None or len(base) > len(best["url"].split("?", 1)[0])):
            best = item
    if best is not None:
        best["active"] = True
    return items
