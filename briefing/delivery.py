"""Each message on each channel is one Delivery row, and is sent once.

Planning creates the rows (``bulk_create(ignore_conflicts=True)`` on a unique key, so planning
twice creates nothing new); sending one row is ``deliver(delivery_id)``, which Celery runs as one
task per row (``briefing.tasks.deliver_message_task``):

1. **claim** the row with one compare-and-swap UPDATE: ``pending``/``failed`` → ``sending``
   (attempts + 1, ``claimed_at`` = the claim's time). Only one worker can win it. A row left in
   ``sending`` longer than ``DELIVERY_LEASE_SECONDS`` belongs to a worker that died mid-send and
   may be claimed again; a younger one is busy: the task comes back later;
2. send (SMTP or the robot's HTTP POST);
3. mark it ``sent`` (or ``failed`` with the error, for the task to retry with backoff).

A row found ``sent`` is never sent again: running the job twice, or Celery redelivering the task
of a worker that died (``acks_late``), sends nothing more. The one window left is a worker dying
after the message left but before the row says ``sent``: the lease then expires and the message
goes a second time (at least once, never lost); e-mails carry a Message-ID fixed by the key so
the copy can be recognised.

Keys (the recipient user is part of the key, so the language is looked up at send time):
``report:<date>:<scope>:email:<user id>``, ``report:<date>:all:<wecom|dingtalk>:<url digest>``,
``remind:<date>:deadline:<ticket id>:<user id>``, ``remind:<date>:landlord:<user id>``, and the messages to a
ticket's responsible party (in-app, SMS, the grid's robots), ``party:…``: see briefing.outreach.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import date, timedelta

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from accounts.choices import Role
from accounts.models import User
from briefing import notifications
from briefing.channels import robots
from briefing.choices import DeliveryStatus
from briefing.models import DailyReport, Delivery
from cases.choices import ResponsibleKind
from cases.models import Ticket
from core import metrics

logger = logging.getLogger(__name__)

SENDING = DeliveryStatus.SENDING
SENT = DeliveryStatus.SENT
ALREADY_SENT = "already_sent"


class DeliveryBusy(Exception):
    """Another worker is sending this message right now; try again after ``wait`` seconds."""

    def __init__(self, wait):
        super().__init__(f"being sent by another worker; retry in {wait:.0f} s")
        self.wait = wait


class PermanentFailure(Exception):
    """The message cannot be sent however often we try (the recipient or report is gone)."""


def lease():
    return timedelta(seconds=getattr(settings, "DELIVERY_LEASE_SECONDS", 120))


# --- planning --------------------------------------------------------------------------------------------


def _digest(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


def _create(rows):
    """Create the rows that do not exist yet; return the ids of all of them not yet sent."""
    if not rows:
        return []
    Delivery.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    return list(
        Delivery.objects.filter(key__in=[row.key for row in rows])
        .exclude(status=SENT)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def plan_report_deliveries(day):
    """The e-mails and robot messages of ``day``'s briefing: ids of the deliveries not yet sent."""
    day = day.isoformat() if isinstance(day, date) else str(day)
    reports = {r.scope: r for r in DailyReport.objects.filter(date=day).only("pk", "scope")}
    rows = []
    for user, scopes in notifications.report_recipients():
        for scope in scopes:
            report = reports.get(scope)
            if report is None:
                continue
            rows.append(Delivery(
                key=f"report:{day}:{scope}:{notifications.EMAIL}:{user.pk}", report=report,
                channel=notifications.EMAIL, recipient=user.email,
            ))  # fmt: skip
    everything = reports.get("all")
    if everything is not None:
        for url in settings.REPORT_WEBHOOK_URLS:
            kind = notifications.webhook_kind(url)
            rows.append(Delivery(
                key=f"report:{day}:all:{kind}:{_digest(url)}", report=everything, channel=kind, recipient=url,
            ))  # fmt: skip
    return _create(rows)


def plan_reminders(today, days=None):
    """Deadline reminders to whoever fixes an assigned ticket due within ``days`` (REMINDER_DAYS), and one
    message per landlord about their tenants' overdue tickets: ids of the deliveries not yet sent."""
    days = settings.REMINDER_DAYS if days is None else days
    stamp = today.isoformat()
    rows = []

    due = list(notifications.tickets_due(today, days).values("pk", "assignee_id", "responsible_kind",
                                                              "enterprise_id", "parcel_id"))  # fmt: skip
    enterprise_ids = {t["enterprise_id"] for t in due if not t["assignee_id"] and t["enterprise_id"]}
    parcel_ids = {t["parcel_id"] for t in due if not t["assignee_id"] and t["parcel_id"]}
    party_users = {}
    if enterprise_ids:
        links = User.enterprises.through.objects.filter(
            enterprise_id__in=enterprise_ids, user__role=Role.ENTERPRISE, user__is_active=True
        ).values_list("enterprise_id", "user_id")
        for enterprise_id, user_id in links:
            party_users.setdefault(("e", enterprise_id), set()).add(user_id)
    if parcel_ids:
        for parcel_id, user_id in _landlords_of(parcel_ids):
            party_users.setdefault(("p", parcel_id), set()).add(user_id)
    wanted = {}
    for ticket in due:
        if ticket["assignee_id"]:
            wanted[ticket["pk"]] = {ticket["assignee_id"]}
        elif ticket["responsible_kind"] == ResponsibleKind.ENTERPRISE:
            wanted[ticket["pk"]] = party_users.get(("e", ticket["enterprise_id"]), set())
        else:
            wanted[ticket["pk"]] = party_users.get(("p", ticket["parcel_id"]), set())

    overdue_parcels = set(
        Ticket.objects.overdue(today)
        .filter(responsible_kind=ResponsibleKind.ENTERPRISE, parcel__isnull=False)
        .values_list("parcel_id", flat=True)
    )
    landlord_ids = {user_id for _parcel, user_id in _landlords_of(overdue_parcels)} if overdue_parcels else set()

    user_ids = set().union(*wanted.values(), landlord_ids) if wanted or landlord_ids else set()
    emails = dict(User.objects.filter(pk__in=user_ids, is_active=True).exclude(email="").values_list("pk", "email"))
    for ticket_id, users in wanted.items():
        for user_id in sorted(users):
            if user_id in emails:
                rows.append(Delivery(
                    key=f"remind:{stamp}:deadline:{ticket_id}:{user_id}", ticket_id=ticket_id,
                    channel=notifications.EMAIL, recipient=emails[user_id],
                ))  # fmt: skip
    for user_id in sorted(landlord_ids):
        if user_id in emails:
            rows.append(Delivery(
                key=f"remind:{stamp}:landlord:{user_id}", channel=notifications.EMAIL, recipient=emails[user_id],
            ))  # fmt: skip
    return _create(rows)


def _landlords_of(parcel_ids):
    """``(parcel id, user id)`` of the landlord accounts of these parcels."""
    from register.models import Parcel

    pairs = set(
        Parcel.objects.filter(
            pk__in=parcel_ids, landlord_user__isnull=False, landlord_user__is_active=True
        ).values_list("pk", "landlord_user_id")
    )
    pairs |= set(
        User.parcels.through.objects.filter(
            parcel_id__in=parcel_ids, user__role=Role.LANDLORD, user__is_active=True
        ).values_list("parcel_id", "user_id")
    )
    return pairs


# --- sending one ----------------------------------------------------------------------------------------


def claim(delivery_id, now=None):
    """Compare-and-swap the row to ``sending``; True when this caller won it."""
    now = now or timezone.now()
    claimable = Q(status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED]) | Q(
        status=SENDING, claimed_at__lt=now - lease()
    )
    return bool(
        Delivery.objects.filter(claimable, pk=delivery_id).update(
            status=SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
    )


def deliver(delivery_id):
    """Send one delivery unless it was sent already. Returns ``"sent"`` or ``"already_sent"``; raises
    DeliveryBusy, PermanentFailure, or the sending error (the row is then ``failed``)."""
    now = timezone.now()
    won = claim(delivery_id, now)
    delivery = Delivery.objects.select_related("report", "ticket").filter(pk=delivery_id).first()
    if delivery is None:
        logger.warning("delivery %s does not exist: nothing to send", delivery_id)
        raise PermanentFailure(f"delivery {delivery_id} does not exist")
    if not won:
        if delivery.status == SENT:
            logger.info("delivery %s was sent already: nothing to do", delivery.key)
            return ALREADY_SENT
        wait = 1.0  # changed between the claim and the read: look again shortly
        if delivery.status == SENDING and delivery.claimed_at:
            wait = max(1.0, (delivery.claimed_at + lease() - now).total_seconds())
        logger.info("delivery %s is being sent by another worker; trying again in %.0f s", delivery.key, wait)
        raise DeliveryBusy(wait)
    _log_claim(delivery)
    try:
        send(delivery)
    except Exception as exc:
        Delivery.objects.filter(pk=delivery.pk, status=SENDING).update(
            status=DeliveryStatus.FAILED, last_error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        logger.warning("delivery %s (attempt %s) failed: %s", delivery.key, delivery.attempts, exc)
        metrics.count("tracker_briefing_deliveries", channel=delivery.channel, outcome="failed")
        raise
    Delivery.objects.filter(pk=delivery.pk, status=SENDING).update(status=SENT, sent_at=timezone.now(), last_error="")
    metrics.count("tracker_briefing_deliveries", channel=delivery.channel, outcome="sent")
    logger.info("delivery %s sent to %s", delivery.key, _loggable(delivery))
    return SENT


def _log_claim(delivery):
    if delivery.attempts <= 1:
        logger.info("delivery %s claimed (attempt 1)", delivery.key)
    elif delivery.last_error:
        logger.info(
            "delivery %s claimed to retry (attempt %s) after: %s", delivery.key, delivery.attempts, delivery.last_error
        )
    else:  # no error recorded: the worker that held it died mid-send, and its lease ran out
        logger.warning(
            "delivery %s claimed again (attempt %s): the previous claim's lease ran out",
            delivery.key,
            delivery.attempts,
        )


def _loggable(delivery):
    return notifications.safe_url(delivery.recipient) if delivery.channel != notifications.EMAIL else delivery.recipient


def send(delivery):
    """Build the message of one delivery and send it (no bookkeeping)."""
    parts = delivery.key.split(":")
    if parts[0] == "report":
        if delivery.report is None:
            raise PermanentFailure("the report is gone")
        if delivery.channel == notifications.EMAIL:
            user = _user(parts[-1])
            message = notifications.report_email(
                delivery.report, to=delivery.recipient, language=notifications.language_of(user), key=delivery.key
            )
            message.send(fail_silently=False)
            return
        payload = notifications.webhook_payload(delivery.channel, delivery.report.data)
        robots.post_json(delivery.recipient, payload)
        return
    if parts[0] == "remind":
        today = date.fromisoformat(parts[1])
        if parts[2] == "deadline":
            user = _user(parts[-1])
            if delivery.ticket is None:
                raise PermanentFailure("the ticket is gone")
            message = notifications.deadline_reminder_email(
                delivery.ticket, to=delivery.recipient, language=notifications.language_of(user),
                key=delivery.key, today=today,
            )  # fmt: skip
        elif parts[2] == "landlord":
            user = _user(parts[-1])
            tickets = list(
                Ticket.objects.visible_to(user)
                .overdue(today)
                .filter(responsible_kind=ResponsibleKind.ENTERPRISE)
                .select_related("enterprise", "parcel")
                .order_by("deadline", "pk")
            )
            if not tickets:
                return  # all fixed since the plan: nothing to say, and nothing to send again
            message = notifications.landlord_overdue_email(
                tickets, to=delivery.recipient, language=notifications.language_of(user), key=delivery.key, today=today
            )
        else:
            raise PermanentFailure(f"unknown reminder {delivery.key}")
        message.send(fail_silently=False)
        return
    if parts[0] == "party":
        from briefing import outreach  # it plans with this module's helpers

        outreach.send(delivery)
        return
    raise PermanentFailure(f"unknown delivery {delivery.key}")


def _user(pk):
    user = User.objects.filter(pk=int(pk), is_active=True).first()
    if user is None:
        raise PermanentFailure(f"user {pk} is gone or inactive")
    return user
