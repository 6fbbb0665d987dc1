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
    """Raise overdue open tickets to the level their days overdue call for (services.escalate_overdue).
    ``day`` is the day the job runs for (default today). Returns how many tickets were raised."""
    from cases.services import escalate_overdue

    today = _today(day)
    raised = escalate_overdue(today=today)
    logger.info("escalation %s: %d tickets raised", today, raised)
    return raised
