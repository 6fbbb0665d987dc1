from django.db.models import Prefetch, Q
from django.utils.translation import gettext as _

from cases.choices import EscalationLevel, HazardStatus, TicketStatus
from cases.models import Photo
from timeline.kinds import EventKind, event_label
from timeline.models import Event

# --- the ticket page --------------------------------------------------------------------------


def _event_detail(event):
    data = event.data or {}
    if event.kind == EventKind.TICKET_ESCALATED:
        level = data.get("to_level")
        if level in EscalationLevel.values:
            return str(EscalationLevel(level).label)
    if event.kind == EventKind.TICKET_ASSIGNED and data.get("deadline"):
        return _("整改期限 %(date)s") % {"date": data["deadline"]}
    if event.kind == EventKind.TICKET_REJECTED and data.get("rework_count"):
        return _("第 %(n)s 次退回") % {"n": data["rework_count"]}
    if event.kind == EventKind.TICKET_CLOSED and data.get("followup_date"):
        return _("事后跟踪日期 %(date)s") % {"date": data["followup_date"]}
    return ""


def ticket_events(user, ticket):
    """The case's timeline: the ticket's events and its hazards' events, oldest first. The
    responsible party never sees internal entries nor their photos (visible_to says so)."""
    events = (
        Event.objects.visible_to(user)
        .filter(Q(ticket=ticket) | Q(hazard__ticket=ticket))
        .select_related("actor", "hazard")
        .prefetch_related(Prefetch("photos", queryset=Photo.objects.shown_to(user)))
        .order_by("created_at", "pk")
    )
    return label_events(events)


def label_events(events):
    """Attach what the timeline shows: the action's name, a detail, the statuses' names."""
    ticket_labels, hazard_labels = dict(TicketStatus.choices), dict(HazardStatus.choices)
    events = list(events)
    for event in events:
        labels = ticket_labels if event.ticket_id else hazard_labels
        event.label = event_label(event.kind)
        event.detail = _event_detail(event)
        event.from_label = labels.get(event.from_status, event.from_status)
        event.to_label = labels.get(event.to_status, event.to_status)
        event.status_changed = bool(event.to_status and event.from_status != event.to_status)
    return events
