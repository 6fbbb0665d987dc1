import logging

from celery import shared_task
from django.utils import timezone

from core.dates import parse_day

logger = logging.getLogger(__name__)


def _day(value):
    return parse_day(value)


def _today(value):
    return parse_day(value) if value else timezone.localdate()


@shared_task
def escalate_overdue_tickets_task(day=None):
    """督办: raise every overdue open case — tickets, enterprise service requests, every kind registered
    with cases.escalation — to the level its days overdue call for. ``day`` is the day the job runs for
    (default today). Returns how many cases were raised."""
    from cases.escalation import escalate_overdue

    today = _today(day)
    raised = escalate_overdue(today=today)
    logger.info("escalation %s: raised %s", today, raised)
    return sum(raised.values())
