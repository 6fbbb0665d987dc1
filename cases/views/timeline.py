from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from accounts.policy import is_staff_user
from cases.choices import EscalationLevel, HazardStatus, TicketStatus
from timeline.models import Event

# What happened, as the timeline says it: the same Chinese words as the buttons ("交办"), so the
# context lets English say "Assigned" here and "Assign" on the button.
EVENT_LABELS = {
    "inspections.hazard.reported": pgettext_lazy("timeline event", "上报隐患"),
    "inspections.hazard.marked_duplicate": pgettext_lazy("timeline event", "标为重复上报"),
    "inspections.hazard.marked_invalid": pgettext_lazy("timeline event", "核实不属实"),
    "inspections.ticket.created": pgettext_lazy("timeline event", "汇总生成整改单"),
    "inspections.ticket.assigned": pgettext_lazy("timeline event", "交办"),
    "inspections.ticket.submitted": pgettext_lazy("timeline event", "提交整改"),
    "inspections.ticket.closed": pgettext_lazy("timeline event", "验收通过，销号"),
    "inspections.ticket.rejected": pgettext_lazy("timeline event", "验收不通过，退回整改"),
    "inspections.ticket.escalated": pgettext_lazy("timeline event", "督办"),
    "inspections.ticket.commented": pgettext_lazy("timeline event", "备注"),
}


# --- the ticket page --------------------------------------------------------------------------


def _event_detail(event):
    data = event.data or {}
    if event.kind == "inspections.ticket.escalated":
        level = data.get("to_level")
        if level in EscalationLevel.values:
            return str(EscalationLevel(level).label)
    if event.kind == "inspections.ticket.assigned" and data.get("deadline"):
        return _("整改期限 %(date)s") % {"date": data["deadline"]}
    if event.kind == "inspections.ticket.rejected" and data.get("rework_count"):
        return _("第 %(n)s 次退回") % {"n": data["rework_count"]}
    if event.kind == "inspections.ticket.closed" and data.get("followup_date"):
        return _("事后跟踪日期 %(date)s") % {"date": data["followup_date"]}
    return ""


def ticket_events(user, ticket):
    """The case's timeline: the ticket's events and its hazards' events, oldest first. The
    responsible party never sees internal entries."""
    events = (
        Event.objects.visible_to(user)
        .filter(Q(ticket=ticket) | Q(hazard__ticket=ticket))
        .select_related("actor", "hazard")
        .prefetch_related("photos")
        .order_by("created_at", "pk")
    )
    if not is_staff_user(user):
        events = events.filter(internal=False)
    return label_events(events)


def label_events(events):
    """Attach what the timeline shows: the action's name, a detail, the statuses' names."""
    ticket_labels, hazard_labels = dict(TicketStatus.choices), dict(HazardStatus.choices)
    events = list(events)
    for event in events:
        labels = ticket_labels if event.ticket_id else hazard_labels
        event.label = EVENT_LABELS.get(event.kind, event.kind)
        event.detail = _event_detail(event)
        event.from_label = labels.get(event.from_status, event.from_status)
        event.to_label = labels.get(event.to_status, event.to_status)
        event.status_changed = bool(event.to_status and event.from_status != event.to_status)
    return events
