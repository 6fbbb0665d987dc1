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
from accounts.policy import Action, allows, is_active_user, is_admin
from cases.choices import HazardStatus, ResponsibleKind, TicketStatus
from closeout.choices import CrossCheckStatus
from core.links import safe_reverse
from core.queries import SubqueryCount

CACHE_ATTR = "_todo_counts_cache"
OPEN_TICKET_VALUES = [TicketStatus.PENDING, TicketStatus.ASSIGNED, TicketStatus.SUBMITTED]


# --- the to-do counts ------------------------------------------------------------------------


def _todo_specs(user, today):
    """(key, label, queryset, url, counts toward the badge) for the user's role."""
    from cases.models import Hazard, Ticket
    from closeout.models import CrossCheck

    soon = today + timedelta(days=settings.REMINDER_DAYS)
    tickets = Ticket.objects.visible_to(user)
    ticket_list = ("cases:ticket_list",)
    due_query = {
        "status": TicketStatus.ASSIGNED,
        "deadline_after": today.isoformat(),
        "deadline_before": soon.isoformat(),
    }
    overdue = (
        "overdue",
        _("已逾期整改单"),
        tickets.overdue(today),
        safe_reverse(*ticket_list, query={"overdue": "true"}),
    )
    role = user.role
    if role == Role.MANAGER or (is_admin(user) and not role):
        return [
            (
                "aggregate",
                _("待汇总隐患"),
                Hazard.objects.visible_to(user).awaiting_aggregation(),
                safe_reverse("cases:desk")
                or safe_reverse("cases:hazard_list", query={"status": HazardStatus.REPORTED}),
                True,
            ),
            (
                "assign",
                _("待交办整改单"),
                tickets.filter(status=TicketStatus.PENDING),
                safe_reverse(*ticket_list, query={"status": TicketStatus.PENDING}),
                True,
            ),
            (
                "verify",
                _("待验收整改单"),
                tickets.filter(status=TicketStatus.SUBMITTED),
                safe_reverse(*ticket_list, query={"status": TicketStatus.SUBMITTED}),
                True,
            ),
            (
                "due_soon",
                _("临近期限"),
                tickets.due_soon(today, settings.REMINDER_DAYS),
                safe_reverse(*ticket_list, query=due_query),
                False,
            ),
            (*overdue, False),
        ]
    if role == Role.INSPECTOR:
        return [
            (
                "verify",
                _("待验收整改单"),
                tickets.filter(status=TicketStatus.SUBMITTED, grid_id__in=list(user.scope_grid_ids)),
                safe_reverse("cases:verify_queue")
                or safe_reverse(*ticket_list, query={"status": TicketStatus.SUBMITTED}),
                True,
            ),
            (
                "crosscheck",
                _("交叉检查任务"),
                CrossCheck.objects.filter(inspector=user, status=CrossCheckStatus.REQUESTED),
                safe_reverse("closeout:crosscheck_list"),
                True,
            ),
        ]
    if role in (Role.ENTERPRISE, Role.LANDLORD):
        kind = ResponsibleKind.ENTERPRISE if role == Role.ENTERPRISE else ResponsibleKind.LANDLORD
        mine = tickets.filter(responsible_kind=kind)
        return [
            (
                "fix",
                _("待整改"),
                mine.filter(status=TicketStatus.ASSIGNED),
                safe_reverse(*ticket_list, query={"status": TicketStatus.ASSIGNED}),
                True,
            ),
            (
                "due_soon",
                _("临近期限"),
                mine.due_soon(today, settings.REMINDER_DAYS),
                safe_reverse(*ticket_list, query=due_query),
                False,
            ),
            # every overdue ticket the party sees, as the list behind the link and the home tile
            (
                "overdue",
                _("已逾期"),
                tickets.overdue(today),
                safe_reverse(*ticket_list, query={"overdue": "true"}),
                False,
            ),
        ]
    if role == Role.LEADER:
        return [
            (*overdue, True),
            (
                "escalated",
                _("督办中整改单"),
                tickets.escalated(),
                safe_reverse(*ticket_list, query={"escalation_level": [1, 2], "status": OPEN_TICKET_VALUES}),
                False,
            ),
        ]
    return []


def todo_counts(user, *, today=None, refresh=False):
    """What waits for ``user``: ``{"items": [...], "total": n, <key>: n, ...}`` in one query.

    ``items`` are dicts (key, label, count, url, badge) in display order; ``total`` adds the
    counts that are the user's own work (``badge``); reminders (due soon, overdue) are shown
    but not added, since they repeat tickets already counted.
    """
    if user is None or not user.is_authenticated:
        return {"items": [], "total": 0}
    cached = getattr(user, CACHE_ATTR, None)
    if cached is not None and not refresh and today is None:
        return cached
    from accounts.models import User

    specs = _todo_specs(user, today or timezone.localdate())
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
    result = {"items": items, "total": sum(item["count"] for item in items if item["badge"]), **counts}
    if today is None:
        setattr(user, CACHE_ATTR, result)
    return result


# --- navigation ----------------------------------------------------------------------------

# (key, label, URL names tried in order, query string)
NAV = {
    Role.INSPECTOR: [
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
    ],
    Role.MANAGER: [
        ("desk", _("隐患汇总"), ("cases:desk", "cases:hazard_list"), None),
        ("tickets", _("整改单"), ("cases:ticket_list",), None),
        ("closeout", _("宗地销号"), ("closeout:closeout_desk",), None),
        ("register", _("台账"), ("cases:parcel_list",), None),
        ("import", _("导入"), ("register:import"), None),
        ("dashboard", _("驾驶舱"), ("briefing:dashboard",), None),
    ],
    Role.LEADER: [
        ("dashboard", _("驾驶舱"), ("briefing:dashboard",), None),
        ("map", _("地图"), ("closeout:map",), None),
        ("reports", _("每日简报"), ("briefing:report_list",), None),
        ("tickets", _("整改单"), ("cases:ticket_list",), None),
    ],
    Role.ENTERPRISE: [
        ("tickets", _("我的整改单"), ("cases:my_tickets", "cases:ticket_list"), None),
        ("self_check", _("自查自纠"), ("cases:self_check",), None),
    ],
    Role.LANDLORD: [
        ("tickets", _("我的整改单"), ("cases:my_tickets", "cases:ticket_list"), None),
        ("self_check", _("自查自纠"), ("cases:self_check",), None),
    ],
}
ADMIN_NAV = [
    ("dashboard", _("驾驶舱"), ("briefing:dashboard",), None),
    ("map", _("地图"), ("closeout:map",), None),
    ("desk", _("隐患汇总"), ("cases:desk", "cases:hazard_list"), None),
    ("tickets", _("整改单"), ("cases:ticket_list",), None),
    ("register", _("台账"), ("cases:parcel_list",), None),
    ("reports", _("每日简报"), ("briefing:report_list",), None),
    ("admin", _("系统管理"), ("admin:index",), None),
]


# Entries that lead to an action's page are shown only to those the policy lets do it (the page's
# own check reads the same rule).
NAV_ACTIONS = {
    "report": Action.HAZARD_REPORT,
    "verify": Action.TICKET_VERIFY,
    "crosscheck": Action.CROSSCHECK_RECORD,
    "desk": Action.TICKET_CREATE,
    "closeout": Action.PARCEL_REQUEST_CROSSCHECK,
    "import": Action.REGISTER_IMPORT,
    "self_check": Action.INSPECTION_RECORD,
}


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
