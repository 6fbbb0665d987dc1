"""What a timeline shows of its events, for every page that has one (a ticket, a hazard, a service request,
a risk point): the action's name, the statuses' names, one line of detail. The template is
``templates/timeline/events.html``.
"""

from timeline.kinds import event_label
from timeline.models import Event


def stream_events(stream):
    """The events of one stream, oldest first (the caller found the stream's subject in the user's scope)."""
    return Event.objects.filter(stream=stream).select_related("actor").order_by("created_at", "pk")


def label_events(events, *, statuses, detail=None):
    """The events as a list, each with ``label``, ``from_label``/``to_label`` (``statuses``: {status: label},
    or a function of the event giving that dict), ``status_changed`` and ``detail`` (``detail(event)``)."""
    events = list(events)
    for event in events:
        labels = statuses(event) if callable(statuses) else statuses
        event.label = event_label(event.kind)
        event.detail = detail(event) if detail else ""
        event.from_label = labels.get(event.from_status, event.from_status)
        event.to_label = labels.get(event.to_status, event.to_status)
        event.status_changed = bool(event.to_status and event.from_status != event.to_status)
    return events
