"""When an event that concerns a ticket's responsible party is written, its messages are planned and
queued as soon as the event's transaction commits (briefing.outreach). Planning is idempotent, and the
periodic sweep (briefing.tasks.sweep_outreach_task) plans any event this missed."""

import logging

from django.db import transaction
from django.db.models.signals import post_save

logger = logging.getLogger(__name__)


def plan_and_queue(event_id):
    from briefing import outreach, tasks

    pending = outreach.plan_event(event_id)
    for delivery_id in pending:
        tasks.deliver_message_task.delay(delivery_id)
    return pending


def event_written(sender, instance, created, raw=False, **kwargs):
    from briefing.outreach import EVENT_KINDS

    if not created or raw or instance.kind not in EVENT_KINDS:
        return
    event_id = instance.pk
    # robust: a broker that is down must not fail the request whose work is already committed; the
    # sweep sends what this did not queue.
    transaction.on_commit(lambda: plan_and_queue(event_id), robust=True)


def connect():
    from timeline.models import Event

    post_save.connect(event_written, sender=Event, dispatch_uid="briefing.outreach.event_written")
