"""Reminding the parties of the responsibility letters they have not signed (ledgers.letters), through the
party outreach (briefing.outreach): one message in each party account's inbox, and one message per grid on
the grid's (or its zone's) group robots, @-mentioning the reminded accounts' mobiles.

Who is reminded: the active accounts of a party with a missing letter of the year — an enterprise's accounts
for its letter and its tenant agreement, the landlord accounts of a parcel (``landlord_user`` or linked) for
the landlord letter and the parcel's tenant agreements. A manager asks for the units of their scope.

Every message is a Delivery row (briefing.delivery: sent once, retried). Keys, once per day:
``party:letters:<date>:<year>:inbox:<user id>`` and ``party:letters:<date>:<year>:g<grid id>:<robot kind>:<robot id>``;
pressing the button again the same day plans nothing new. What a message lists is read when it is sent:
a letter signed in between is left out, and nothing is said when none is missing any more.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.models import User
from briefing import delivery as deliveries
from briefing import outreach
from briefing.channels import robots
from briefing.models import Delivery, GroupRobot, InboxMessage
from core.text import join_list
from ledgers import letters
from ledgers.choices import LetterKind
from register.models import Enterprise, Parcel

LETTERS = outreach.LETTERS
LISTED = 20  # parties named in one message; the rest are counted


def _landlord_kinds(item):
    return item.kind in (LetterKind.LANDLORD, LetterKind.TENANT_AGREEMENT)


def _enterprise_kinds(item):
    return item.kind in (LetterKind.ENTERPRISE, LetterKind.TENANT_AGREEMENT)


def accounts_of(missing):
    """``{user id: [Missing]}``: the active party accounts each missing letter concerns (two queries)."""
    enterprise_ids = {item.enterprise.pk for item in missing if item.enterprise is not None and _enterprise_kinds(item)}
    parcel_ids = {item.parcel.pk for item in missing if item.parcel is not None and _landlord_kinds(item)}
    by_enterprise, by_parcel = {}, {}
    if enterprise_ids:
        links = User.enterprises.through.objects.filter(
            enterprise_id__in=enterprise_ids, user__role=Role.ENTERPRISE, user__is_active=True
        ).values_list("enterprise_id", "user_id")
        for enterprise_id, user_id in links:
            by_enterprise.setdefault(enterprise_id, set()).add(user_id)
    if parcel_ids:
        for parcel_id, user_id in deliveries._landlords_of(parcel_ids):
            by_parcel.setdefault(parcel_id, set()).add(user_id)
    result = {}
    for item in missing:
        users = set()
        if item.enterprise is not None and _enterprise_kinds(item):
            users |= by_enterprise.get(item.enterprise.pk, set())
        if item.parcel is not None and _landlord_kinds(item):
            users |= by_parcel.get(item.parcel.pk, set())
        for user_id in users:
            result.setdefault(user_id, []).append(item)
    return result


def _missing(year, actor=None):
    if actor is None:
        return letters.missing_letters(year, parcels=Parcel.objects.all(), enterprises=Enterprise.objects.all())
    return letters.missing_for(actor, year)


def plan(year=None, *, actor=None, today=None):
    """Plan today's reminders of ``year``'s missing letters (of ``actor``'s scope; all when None).

    Returns ``(ids of the deliveries not yet sent, accounts reminded now, accounts already reminded today)``."""
    year = year or letters.current_year()
    today = today or timezone.localdate()
    prefix = f"party:{LETTERS}:{today.isoformat()}:{year}"
    missing = _missing(year, actor)
    by_user = accounts_of(missing)
    users = User.objects.filter(pk__in=list(by_user), is_active=True).select_related("outreach_preference")
    rows = []
    for user in users.order_by("pk"):
        if outreach.wants(user, outreach._preference(user), outreach.INBOX):
            rows.append(Delivery(key=f"{prefix}:{outreach.INBOX}:{user.pk}", channel=outreach.INBOX,
                                 recipient=user.username))  # fmt: skip
    inbox_keys = [row.key for row in rows]
    # The grids where someone is reminded, each on its robots (a zone's robot hears of each of its grids).
    reached = {item.grid.pk: item.grid for items in by_user.values() for item in items}
    enabled = list(GroupRobot.objects.enabled().order_by("pk")) if reached else []
    for grid_id, grid in sorted(reached.items()):
        for robot in outreach.robots_for(grid_id, grid.zone_id, enabled=enabled):
            rows.append(Delivery(key=f"{prefix}:g{grid_id}:{robot.kind}:{robot.pk}", channel=robot.kind,
                                 recipient=robots.safe_url(robot.url)))  # fmt: skip
    before = set(Delivery.objects.filter(key__in=inbox_keys).values_list("key", flat=True))
    pending = deliveries._create(rows)
    return pending, len([key for key in inbox_keys if key not in before]), len(before)


# --- what is said, and sending one ------------------------------------------------------------------------------


def describe(items):
    """``party（kind）、…`` of the first LISTED letters, and how many more."""
    names = [f"{item.party_name}（{item.kind_label}）" for item in items[:LISTED]]
    text = join_list(names)
    if len(items) > LISTED:
        text += _("等 %(count)d 份") % {"count": len(items)}
    return text


def send(delivery):
    """Send one ``party:letters:`` delivery (briefing.outreach.send hands them here)."""
    parts = delivery.key.split(":")
    year, channel, recipient = int(parts[3]), parts[-2], parts[-1]
    if channel == outreach.INBOX:
        user = deliveries._user(recipient)
        items = accounts_of(_missing(year)).get(user.pk, [])
        if not items:
            return  # signed since the plan: nothing to say
        parcel = next((item.parcel for item in items if item.parcel is not None), None)
        data = {"year": year, "count": len(items), "letters": describe(items)}
        data["url"] = settings.SITE_URL + (parcel.get_absolute_url() if parcel is not None else "")
        InboxMessage.objects.get_or_create(
            key=delivery.key, defaults={"user": user, "kind": LETTERS, "parcel": parcel, "data": data}
        )
        return
    robot = GroupRobot.objects.filter(pk=int(recipient), enabled=True).first()
    if robot is None:
        raise deliveries.PermanentFailure(f"robot {recipient} is gone or disabled")
    grid_id = int(parts[4][1:])
    missing = letters.missing_letters(
        year,
        parcels=Parcel.objects.filter(grid_id=grid_id),
        enterprises=Enterprise.objects.filter(Q(grid_id=grid_id) | Q(parcel__grid_id=grid_id)),
    )
    items = [item for item in missing if item.grid.pk == grid_id]
    by_user = accounts_of(items)
    if not by_user:
        return
    users = User.objects.filter(pk__in=list(by_user), is_active=True).select_related("outreach_preference")
    mentions = [
        outreach.mobile_of(user)
        for user in users.order_by("pk")
        if outreach.mobile_of(user) and outreach.wants(user, outreach._preference(user), "robots")
    ]
    reached = [item for item in items if any(item in found for found in by_user.values())]
    with translation.override(settings.LANGUAGE_CODE):
        message = "\n".join(
            [
                f"【{_('安全生产责任书提醒')}】"
                + _("%(grid)s %(year)s 年度还有 %(count)d 份责任书未签订：%(letters)s。请尽快签订并交回网格。")
                % {"grid": items[0].grid.name, "year": year, "count": len(reached), "letters": describe(reached)},
            ]
        )
    robots.post(robot.kind, robot.url, message, mobiles=mentions, secret=robot.secret)
