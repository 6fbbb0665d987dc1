"""Reaching a ticket's responsible party where it lives: which event makes which message, to whom, on
which channels, and sending one of them.

Events (timeline) that make a message: 交办 (assigned), 验收不通过 (rejected), 督办 (escalated), 销号 (a
ticket closed, a parcel closed out); the daily reminder job adds a deadline near (within REMINDER_DAYS)
and overdue, once per ticket and deadline. The party is the enterprise's accounts (an enterprise's
ticket) or the landlord's (a parcel's); each gets, as their preferences allow (OutreachPreference):

* ``inbox``: a message in their in-app inbox (default on);
* ``sms``: an SMS through SMS_BACKEND with the event's template (default on for an account with a mobile);

and every enabled robot of the ticket's grid and zone gets one group message, @-mentioning the mobiles of
the party's accounts that did not turn robots off (WeCom, DingTalk, Feishu: briefing.channels.robots).

Every message is a Delivery row (briefing.delivery: claimed, sent once, retried with backoff). Keys:
``party:<event id>:<channel>:<recipient>`` and ``party:<due|overdue>:<ticket id>:<deadline>:<channel>:<recipient>``,
the channel ``inbox``/``sms`` with a user id, or a robot's kind with the robot's id.
"""

from __future__ import annotations

import logging
import re
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from accounts.choices import Role
from accounts.models import User
from briefing import delivery as deliveries
from briefing.channels import robots, sms
from briefing.choices import DeliveryStatus, RobotKind
from briefing.models import Delivery, GroupRobot, InboxMessage, OutreachPreference
from cases.choices import EscalationLevel, ResponsibleKind
from cases.models import Ticket
from timeline.kinds import EventKind
from timeline.models import Event

logger = logging.getLogger(__name__)

INBOX, SMS = "inbox", "sms"
LETTERS = "letters"  # responsibility letters not signed (briefing.letter_reminders plans and sends them)
ASSIGNED, REJECTED, DUE, OVERDUE, ESCALATED, CLOSED, PARCEL_CLOSED = (
    "assigned", "rejected", "due", "overdue", "escalated", "closed", "parcel_closed",
)  # fmt: skip
EVENT_KINDS = {
    EventKind.TICKET_ASSIGNED: ASSIGNED,
    EventKind.TICKET_REJECTED: REJECTED,
    EventKind.TICKET_ESCALATED: ESCALATED,
    EventKind.TICKET_CLOSED: CLOSED,
    EventKind.PARCEL_CLOSED_OUT: PARCEL_CLOSED,
}
TITLES = {
    ASSIGNED: pgettext_lazy("outreach", "整改单已交办"),
    REJECTED: pgettext_lazy("outreach", "验收不通过，退回整改"),
    DUE: pgettext_lazy("outreach", "整改期限临近"),
    OVERDUE: pgettext_lazy("outreach", "整改单已逾期"),
    ESCALATED: pgettext_lazy("outreach", "整改单被督办"),
    CLOSED: pgettext_lazy("outreach", "整改单已销号"),
    PARCEL_CLOSED: pgettext_lazy("outreach", "宗地已销号"),
    LETTERS: pgettext_lazy("outreach", "安全生产责任书待签订"),
}
OVERDUE_LOOKBACK_DAYS = 7  # an overdue reminder for deadlines at most this old: no burst for old tickets
REQUEUE_AFTER = timedelta(minutes=2)  # a row still pending this long after planning lost its task
MOBILE_RE = re.compile(r"^1\d{10}$")


# --- who and how -----------------------------------------------------------------------------------------


def mobile_of(user):
    """The user's mainland mobile (their phone, else a login that is one), or ""."""
    for text in (user.phone, user.username):
        digits = re.sub(r"[\s\-()（）]", "", text or "")
        if digits.startswith("+86"):
            digits = digits[3:]
        if MOBILE_RE.match(digits):
            return digits
    return ""


def is_party_account(user):
    return user.role in (Role.ENTERPRISE, Role.LANDLORD)


def wants(user, preference, channel):
    """Whether ``user`` is reached on ``channel`` ("inbox", "sms" or "robots")."""
    if channel == SMS:
        chosen = preference.sms if preference is not None else None
        default = is_party_account(user) and bool(mobile_of(user))
        return (default if chosen is None else chosen) and bool(mobile_of(user))
    if preference is None:
        return True
    return preference.inbox if channel == INBOX else preference.robots


def party_users(ticket=None, parcel=None):
    """The active accounts of the responsible party: a ticket's enterprise or landlord, a parcel's landlord."""
    users = User.objects.filter(is_active=True)
    if ticket is not None and ticket.responsible_kind == ResponsibleKind.ENTERPRISE:
        users = users.filter(role=Role.ENTERPRISE, enterprises=ticket.enterprise_id)
    else:
        parcel_id = ticket.parcel_id if ticket is not None else parcel.pk
        if parcel_id is None:
            return []
        users = users.filter(role=Role.LANDLORD).filter(Q(owned_parcels=parcel_id) | Q(parcels=parcel_id))
    return list(users.distinct().select_related("outreach_preference").order_by("pk"))


def _preference(user):
    try:
        return user.outreach_preference
    except OutreachPreference.DoesNotExist:
        return None


def robots_for(grid_id, zone_id, enabled=None):
    """The enabled robots of a grid and of its zone (from ``enabled``, all of them read once, when given)."""
    if enabled is None:
        return list(GroupRobot.objects.enabled().filter(Q(grid_id=grid_id) | Q(zone_id=zone_id)).order_by("pk"))
    return [robot for robot in enabled if robot.grid_id == grid_id or robot.zone_id == zone_id]


def _place(ticket=None, parcel=None):
    """``(grid id, zone id)`` of the ticket or parcel."""
    if ticket is not None:
        return ticket.grid_id, ticket.zone_id
    return parcel.grid_id, parcel.grid.zone_id


# --- planning ------------------------------------------------------------------------------------------


def _rows(prefix, kind, *, ticket=None, parcel=None, enabled_robots=None):
    rows = []
    sms_on = sms.enabled() and sms.template_for(kind) is not None
    for user in party_users(ticket, parcel):
        preference = _preference(user)
        if wants(user, preference, INBOX):
            rows.append(Delivery(key=f"{prefix}:{INBOX}:{user.pk}", ticket=ticket, channel=INBOX,
                                 recipient=user.username))  # fmt: skip
        if sms_on and wants(user, preference, SMS):
            rows.append(Delivery(key=f"{prefix}:{SMS}:{user.pk}", ticket=ticket, channel=SMS,
                                 recipient=mobile_of(user)))  # fmt: skip
    for robot in robots_for(*_place(ticket, parcel), enabled=enabled_robots):
        rows.append(Delivery(key=f"{prefix}:{robot.kind}:{robot.pk}", ticket=ticket, channel=robot.kind,
                             recipient=robots.safe_url(robot.url)))  # fmt: skip
    return rows


def plan_event(event):
    """The messages of one event (an Event or its id): ids of those not yet sent. Planning twice
    creates nothing new."""
    if not isinstance(event, Event):
        event = Event.objects.filter(pk=event).select_related("ticket", "parcel__grid").first()
        if event is None:
            return []
    kind = EVENT_KINDS.get(event.kind)
    if kind is None:
        return []
    if kind == PARCEL_CLOSED:
        if event.parcel_id is None:
            return []
        rows = _rows(f"party:{event.pk}", kind, parcel=event.parcel)
    else:
        if event.ticket_id is None:
            return []
        rows = _rows(f"party:{event.pk}", kind, ticket=event.ticket)
    return deliveries._create(rows)


def plan_reminders(today, days=None):
    """Deadline near (within ``days``, REMINDER_DAYS) and overdue: once per ticket, deadline and recipient."""
    days = settings.REMINDER_DAYS if days is None else days
    rows = []
    enabled_robots = list(GroupRobot.objects.enabled().order_by("pk"))
    due = Ticket.objects.due_soon(today, days)
    overdue = Ticket.objects.overdue(today).filter(deadline__gte=today - timedelta(days=OVERDUE_LOOKBACK_DAYS))
    for kind, tickets in ((DUE, due), (OVERDUE, overdue)):
        for ticket in tickets.order_by("pk"):
            prefix = f"party:{kind}:{ticket.pk}:{ticket.deadline.isoformat()}"
            rows += _rows(prefix, kind, ticket=ticket, enabled_robots=enabled_robots)
    return deliveries._create(rows)


def sweep(now=None):
    """What the periodic job queues: the messages of recent events that were never planned (the worker
    or the broker was down when they happened), and planned messages whose task was lost."""
    now = now or timezone.now()
    since = now - timedelta(hours=getattr(settings, "OUTREACH_SWEEP_HOURS", 24))
    planned = set()
    for key in Delivery.objects.filter(key__startswith="party:", created_at__gte=since).values_list("key", flat=True):
        head = key.split(":")[1]
        if head.isdigit():
            planned.add(int(head))
    pending = []
    events = Event.objects.filter(created_at__gte=since, kind__in=list(EVENT_KINDS)).exclude(pk__in=planned)
    for event in events.select_related("ticket", "parcel__grid").order_by("pk"):
        pending += plan_event(event)
    stale = Delivery.objects.filter(key__startswith="party:", created_at__gte=since).filter(
        Q(status=DeliveryStatus.PENDING, created_at__lt=now - REQUEUE_AFTER)
        | Q(status=DeliveryStatus.SENDING, claimed_at__lt=now - deliveries.lease())
    )
    pending += [pk for pk in stale.values_list("pk", flat=True) if pk not in set(pending)]
    return pending


# --- what is said ------------------------------------------------------------------------------------------


def values(kind, *, ticket=None, parcel=None, event=None, deadline=None, today=None):
    """The facts a message is made of (the SMS templates' parameters are among these names)."""
    today = today or timezone.localdate()
    if ticket is not None:
        deadline = deadline or ticket.deadline
        parcel_name = ticket.parcel.name if ticket.parcel_id else ""
        result = {"number": ticket.number, "party": str(ticket.responsible_name), "parcel": parcel_name}
        result["url"] = settings.SITE_URL + ticket.get_absolute_url()
    else:
        result = {"number": "", "party": str(parcel.landlord_name or parcel.name), "parcel": parcel.name}
        result["url"] = settings.SITE_URL + parcel.get_absolute_url()
    result["deadline"] = deadline.isoformat() if deadline else ""
    if kind == DUE and deadline:
        result["days"] = max((deadline - today).days, 0)
    elif kind == OVERDUE and deadline:
        result["days"] = max((today - deadline).days, 0)
    if kind == ESCALATED:
        level = (event.data or {}).get("to_level") if event is not None else None
        result["level"] = level if level is not None else getattr(ticket, "escalation_level", 1)
    return result


def text(kind, data):
    """The sentence of one message, in the active language."""
    if kind == ASSIGNED:
        return _("整改单 %(number)s 已交办给%(party)s，请于 %(deadline)s 前完成整改。") % data
    if kind == REJECTED:
        return _("整改单 %(number)s 验收不通过，已退回整改，请于 %(deadline)s 前重新整改。") % data
    if kind == DUE:
        if not data.get("days"):
            return _("整改单 %(number)s 今天到期，请抓紧整改。") % data
        return _("整改单 %(number)s 还有 %(days)s 天到期（%(deadline)s），请抓紧整改。") % data
    if kind == OVERDUE:
        return _("整改单 %(number)s 已逾期 %(days)s 天（整改期限 %(deadline)s），请立即整改。") % data
    if kind == ESCALATED:
        level = EscalationLevel(int(data.get("level") or 1)).label
        return _("整改单 %(number)s 已被%(level)s，请尽快整改。") % {**data, "level": level}
    if kind == CLOSED:
        return _("整改单 %(number)s 验收通过，已销号。") % data
    if kind == PARCEL_CLOSED:
        return _("宗地 %(parcel)s 交叉检查通过，已销号。") % data
    if kind == LETTERS:
        return _("%(year)s 年度尚有 %(count)s 份责任书未签订：%(letters)s。请尽快签订并交回网格。") % data
    return str(kind)


def title(kind):
    return str(TITLES.get(kind, kind))


def robot_text(kind, data):
    lines = [f"【{_('隐患整改提醒')}】{text(kind, data)}"]
    if data.get("party"):
        lines.append(_("责任方：%(party)s") % data)
    lines.append(_("查看：%(url)s") % data)
    return "\n".join(lines)


# --- sending one -------------------------------------------------------------------------------------------


def _subject(parts):
    """``(kind, ticket, parcel, event, deadline)`` of a party key, read fresh."""
    if parts[1].isdigit():
        event = (
            Event.objects.filter(pk=int(parts[1]))
            .select_related("ticket__parcel", "ticket__enterprise", "parcel__grid")
            .first()
        )
        if event is None or event.kind not in EVENT_KINDS:
            raise deliveries.PermanentFailure("the event is gone")
        return EVENT_KINDS[event.kind], event.ticket, event.parcel, event, None
    kind, ticket_id, deadline = parts[1], int(parts[2]), parts[3]
    ticket = Ticket.objects.filter(pk=ticket_id).select_related("parcel", "enterprise").first()
    if ticket is None:
        raise deliveries.PermanentFailure("the ticket is gone")
    return kind, ticket, ticket.parcel, None, date.fromisoformat(deadline)


def send(delivery):
    """Send one ``party:`` delivery (no bookkeeping: briefing.delivery.deliver does that)."""
    parts = delivery.key.split(":")
    if parts[1] == LETTERS:
        from briefing import letter_reminders  # it plans with this module's helpers

        letter_reminders.send(delivery)
        return
    channel, recipient = parts[-2], parts[-1]
    kind, ticket, parcel, event, deadline = _subject(parts)
    if kind in (DUE, OVERDUE) and ticket is not None and (not ticket.is_open or ticket.deadline != deadline):
        logger.info("delivery %s: the ticket was closed or its deadline moved; nothing to say", delivery.key)
        return
    data = values(kind, ticket=ticket, parcel=parcel, event=event, deadline=deadline)
    if channel == INBOX:
        user = deliveries._user(recipient)
        InboxMessage.objects.get_or_create(
            key=delivery.key,
            defaults={"user": user, "kind": kind, "ticket": ticket, "parcel": parcel, "data": data},
        )
        return
    if channel == SMS:
        sms.send(delivery.recipient, kind, data)
        return
    if channel in RobotKind.values:
        robot = GroupRobot.objects.filter(pk=int(recipient), enabled=True).first()
        if robot is None:
            raise deliveries.PermanentFailure(f"robot {recipient} is gone or disabled")
        mentions = [
            mobile_of(user)
            for user in party_users(ticket, parcel)
            if mobile_of(user) and wants(user, _preference(user), "robots")
        ]
        with translation.override(settings.LANGUAGE_CODE):
            message = robot_text(kind, data)
        robots.post(robot.kind, robot.url, message, mobiles=mentions, secret=robot.secret)
        return
    raise deliveries.PermanentFailure(f"unknown channel in {delivery.key}")
