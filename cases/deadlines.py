"""A ticket's deadline as people read it: overdue, due soon, days left."""

from cases.choices import TicketStatus
from core.links import safe_reverse


def ticket_rows(tickets, today, soon, *, with_hazards=False):
    """Tickets with their URL and deadline state, for the home lists."""
    rows = []
    for ticket in tickets:
        deadline_state = ""
        if ticket.deadline and ticket.status != TicketStatus.CLOSED:
            if ticket.deadline < today:
                deadline_state = "overdue"
            elif ticket.deadline <= soon:
                deadline_state = "soon"
        rows.append(
            {
                "ticket": ticket,
                "url": safe_reverse("cases:ticket_detail", args=[ticket.pk]),
                "deadline_state": deadline_state,
                "days_left": (ticket.deadline - today).days if ticket.deadline else None,
                "days_overdue": (today - ticket.deadline).days if deadline_state == "overdue" else 0,
                "hazards": list(ticket.hazards.all()) if with_hazards else [],
            }
        )
    return rows
