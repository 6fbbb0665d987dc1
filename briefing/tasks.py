"""Celery tasks of the case workflow: the daily briefing, its delivery, escalation and reminders.

Each task takes dates as ``YYYY-MM-DD`` strings and rows as ids, is idempotent, and queues the
tasks it fans out to on commit. The beat schedule is ``CELERY_BEAT_SCHEDULE`` in settings:
escalation at ``DAILY_REPORT_TIME`` − 15 min (so the briefing shows today's levels), the briefing
at ``DAILY_REPORT_TIME`` (default 08:00 Asia/Shanghai), reminders 5 minutes after it. Exactly one
beat process may run.

    send_daily_report_task.delay("2024-03-01")   # generate, store, mail and push one day's briefing
"""

import logging

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from briefing import delivery, outreach, record_tally, reports, summaries, unit_tally
from closeout import map_cells

logger = logging.getLogger(__name__)


def _day(value):
    return reports.parse_day(value)


def _today(value):
    return reports.parse_day(value) if value else timezone.localdate()


@shared_task
def catch_up_summaries_task():
    """Bring the day summaries (briefing.summaries.catch_up), the map's cells (closeout.map_cells.catch_up) and the
    tallies of the units and the campaign ledgers' records (briefing.unit_tally, briefing.record_tally) up to
    date: idempotent. Returns the days, the parcels, the units and the records computed again."""
    return {
        "days": summaries.catch_up(),
        "parcels": map_cells.catch_up(),
        "units": unit_tally.catch_up(),
        "records": record_tally.catch_up(),
    }


@shared_task
def generate_daily_report_task(day=None):
    """Build and store the briefing of ``day`` (default yesterday) for every scope. Returns how many."""
    day = _day(day)
    stored = reports.generate_daily_reports(day)
    logger.info("daily report %s: %d scopes stored", day, len(stored))
    return len(stored)


@shared_task
def send_daily_report_task(day=None):
    """The morning job: (re)generate ``day``'s briefing and queue one delivery task per message not yet
    sent. Running it twice sends nothing twice."""
    day = _day(day)
    reports.generate_daily_reports(day)
    pending = delivery.plan_report_deliveries(day)
    for delivery_id in pending:
        deliver_message_task.delay_on_commit(delivery_id)
    logger.info("daily report %s: %d deliveries queued", day, len(pending))
    return len(pending)


@shared_task(bind=True, max_retries=None)
def deliver_message_task(self, delivery_id):
    """Send one Delivery exactly once (see briefing.delivery); retried with backoff when it fails."""
    max_retries = getattr(settings, "DELIVERY_MAX_RETRIES", 5)
    try:
        return delivery.deliver(delivery_id)
    except delivery.DeliveryBusy as busy:
        raise self.retry(countdown=busy.wait, max_retries=max_retries + 5)
    except delivery.PermanentFailure as exc:
        logger.error("delivery %s cannot be sent: %s", delivery_id, exc)
        return "failed"
    except Exception as exc:
        if self.request.retries >= max_retries:
            logger.error("delivery %s failed %d times, giving up: %s", delivery_id, self.request.retries + 1, exc)
            return "failed"
        raise self.retry(exc=exc, countdown=retry_countdown(self.request.retries), max_retries=max_retries)


def retry_countdown(retries):
    """Seconds before retry number ``retries + 1``: DELIVERY_RETRY_DELAY doubled each time, at most 30 min."""
    return min(getattr(settings, "DELIVERY_RETRY_DELAY", 60) * 2**retries, 1800)


@shared_task
def remind_deadlines_task(day=None, days=None):
    """Remind whoever fixes a ticket due within ``days`` (REMINDER_DAYS) and landlords of their tenants'
    overdue tickets; once per recipient and ticket per day. The responsible parties also hear of a deadline
    near and of an overdue ticket on their own channels (briefing.outreach), once per ticket and deadline."""
    today = _today(day)
    pending = delivery.plan_reminders(today, days) + outreach.plan_reminders(today, days)
    for delivery_id in pending:
        deliver_message_task.delay_on_commit(delivery_id)
    logger.info("reminders %s: %d deliveries queued", today, len(pending))
    return len(pending)


@shared_task
def sweep_outreach_task():
    """Every few minutes (beat): plan the recent events nobody planned, requeue messages whose task was lost."""
    pending = outreach.sweep()
    for delivery_id in pending:
        deliver_message_task.delay_on_commit(delivery_id)
    if pending:
        logger.info("party outreach sweep: %d deliveries queued", len(pending))
    return len(pending)


@shared_task
def remind_missing_letters_task(year=None, day=None, user_id=None):
    """Remind the parties of the responsibility letters of ``year`` (default this year) they have not signed
    (briefing.letter_reminders): ``user_id``'s scope, or every unit; once per account and robot per day."""
    from accounts.models import User
    from briefing import letter_reminders

    actor = User.objects.filter(pk=user_id).first() if user_id else None
    if user_id and actor is None:
        return 0
    pending, _new, _before = letter_reminders.plan(int(year) if year else None, actor=actor, today=_today(day))
    for delivery_id in pending:
        deliver_message_task.delay_on_commit(delivery_id)
    logger.info("letter reminders %s: %d deliveries queued", year or "this year", len(pending))
    return len(pending)
