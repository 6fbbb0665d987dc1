from django.db.models import Prefetch, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.choices import EscalationLevel, HazardStatus, ResponsibleKind, TicketStatus
from cases.models import Photo
from timeline import display
from timeline.kinds import EventKind
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
    if event.kind == EventKind.TICKET_SUBMITTED and data.get("on_behalf"):
        return on_behalf_text(event)
    if event.kind in (EventKind.TICKET_CLOSED, EventKind.TICKET_CLOSEOUT_APPROVED) and data.get("followup_date"):
        return _("事后跟踪日期 %(date)s") % {"date": data["followup_date"]}
    if event.kind == EventKind.TICKET_CLOSEOUT_RETURNED and data.get("rework_count"):
        return _("第 %(n)s 次退回") % {"n": data["rework_count"]}
    return _change_detail(event, data)


CHANGE_LABELS = {
    "deadline": gettext_lazy("整改期限"),
    "assignee": gettext_lazy("整改人"),
    "responsible_person": gettext_lazy("整改责任人"),
}


def _change_detail(event, data):
    """Deadline extensions and reassignments: what changed, old → new."""
    if event.kind == EventKind.TICKET_EXTENSION_REQUESTED and data.get("requested"):
        text = _("申请延期：%(old)s → %(new)s") % {"old": data.get("deadline") or "—", "new": data["requested"]}
        return f"{text} · {_('代责任方申请')}" if data.get("on_behalf") else text
    if event.kind in (EventKind.TICKET_EXTENSION_APPROVED, EventKind.TICKET_EXTENSION_REFUSED):
        return _("整改期限 %(old)s → %(new)s") % {"old": data.get("deadline") or "—", "new": data.get("requested")}
    if event.kind == EventKind.TICKET_REASSIGNED:
        parts = [
            f"{CHANGE_LABELS.get(name, name)}{_('：')}{old or '—'} → {new or '—'}"
            for name, (old, new) in (data.get("changes") or {}).items()
        ]
        return _("；").join(parts)
    if event.kind == EventKind.TICKET_PARTY_CHANGED:
        before, after = data.get("from") or {}, data.get("to") or {}
        return _("责任方 %(old)s → %(new)s") % {"old": before.get("name", "—"), "new": after.get("name", "—")}
    return ""


def on_behalf_text(event):
    """代为提交: "网格员 X 代 企业 Y 提交整改"."""
    data = event.data or {}
    actor = event.actor
    role = actor.get_role_display() if actor is not None and actor.role else ""
    kind = data.get("party_kind")
    return _("%(role)s %(actor)s 代 %(kind)s %(party)s 提交整改") % {
        "role": role,
        "actor": actor or _("系统"),
        "kind": ResponsibleKind(kind).label if kind in ResponsibleKind.values else "",
        "party": data.get("party", ""),
    }


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
    """The ticket's or hazard's timeline entries (timeline.display), each with the statuses of its subject."""
    ticket_labels, hazard_labels = dict(TicketStatus.choices), dict(HazardStatus.choices)
    return display.label_events(
        events, statuses=lambda event: ticket_labels if event.ticket_id else hazard_labels, detail=_event_detail
    )
