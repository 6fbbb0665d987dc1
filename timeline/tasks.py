"""Celery tasks of the timeline: the nightly anchor over every event stream.

The beat schedule (``CELERY_BEAT_SCHEDULE`` in settings) runs ``anchor_event_chains_task`` at 00:05
Asia/Shanghai for the day that just ended; running it again for a day changes nothing.

    anchor_event_chains_task.delay("2024-03-01")
"""

import logging
from datetime import date

from celery import shared_task

from core.dates import yesterday
from timeline.chain import anchor_day

logger = logging.getLogger(__name__)


@shared_task
def anchor_event_chains_task(day=None):
    """Anchor every stream as it stood at the end of ``day`` (``YYYY-MM-DD``, default yesterday).
    Idempotent: a day already anchored keeps its anchor. Returns the anchor's hash."""
    day = date.fromisoformat(day) if day else yesterday()
    anchor, created = anchor_day(day)
    if not created:
        logger.info("events of %s were anchored already (%s)", day, anchor.hash)
    return anchor.hash
