"""Every change of status in the case workflow happens here, and nowhere else.

Each service takes the object first and a keyword-only ``actor``, checks the
actor's role and scope, runs in a transaction with the row locked
(``select_for_update``), re-checks the status on the locked row (so two people
acting at once cannot both win), writes one Event, and raises a WorkflowError
with a clear message when the action is not allowed.

One module per aggregate (inspections, hazards, tickets; close-out in closeout.services);
this package re-exports the public services.

Status words and the transition table are in DESIGN.md; the table as built:

    hazard  reported   --create_ticket/aggregate_hazards-->  aggregated
    hazard  reported   --mark_duplicate-->                   duplicate
    hazard  reported   --mark_invalid-->                     invalid
    hazard  aggregated --verify_ticket(passed)-->            rectified
    ticket  pending    --assign_ticket-->                    assigned
    ticket  assigned   --submit_rectification-->             submitted
    ticket  submitted  --verify_ticket(passed=True)-->       closed
    ticket  submitted  --verify_ticket(passed=False)-->      assigned (rework +1)
    ticket  open       --escalate_ticket/escalate_overdue--> same status, level +1
    ticket  closed     --reopen_ticket (follow-up)-->        closed; a new linked pending ticket
    parcel  red        --request_crosscheck-->               crosscheck
    parcel  crosscheck --record_crosscheck(passed)-->        green (closed out)
    parcel  crosscheck --record_crosscheck(failed)-->        red
    parcel  any        --report_hazard-->                    red
"""

from cases.services.base import can_act_for_party, responsible_party
from cases.services.hazards import add_hazard_photos, mark_duplicate, mark_invalid, report_hazard
from cases.services.inspections import record_inspection
from cases.services.tickets import (
    aggregate_hazards,
    assign_ticket,
    can_verify,
    comment_ticket,
    create_ticket,
    default_deadline,
    default_measures,
    escalate_overdue,
    escalate_ticket,
    overdue_level,
    reopen_ticket,
    submit_rectification,
    verify_ticket,
)
from core.errors import NotPermitted, TransitionNotAllowed, ValidationFailed, WorkflowError

__all__ = [
    "NotPermitted",
    "TransitionNotAllowed",
    "ValidationFailed",
    "WorkflowError",
    "add_hazard_photos",
    "aggregate_hazards",
    "assign_ticket",
    "can_act_for_party",
    "can_verify",
    "comment_ticket",
    "create_ticket",
    "default_deadline",
    "default_measures",
    "escalate_overdue",
    "escalate_ticket",
    "mark_duplicate",
    "mark_invalid",
    "overdue_level",
    "record_inspection",
    "reopen_ticket",
    "report_hazard",
    "responsible_party",
    "submit_rectification",
    "verify_ticket",
]
