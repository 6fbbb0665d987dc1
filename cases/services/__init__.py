"""Every change of status in the case workflow happens here, and nowhere else.

Each service takes the object first and a keyword-only ``actor``, asks the one
policy (``accounts.policy.require``; the rules are in cases/policies.py) whether
the actor may, runs in a transaction with the row locked (``select_for_update``),
asks again on the locked row (role, scope and status: two people acting at once
cannot both win), writes one Event, and raises a WorkflowError with a clear
message and a stable ``code`` when the action is not allowed.

One module per aggregate (inspections, hazards, tickets; close-out in closeout.services);
this package re-exports the public services.

Status words and the transition table are in DESIGN.md; the table as built:

    hazard  reported   --create_ticket/aggregate_hazards-->  aggregated
    hazard  reported   --mark_duplicate-->                   duplicate
    hazard  reported   --mark_invalid-->                     invalid
    hazard  duplicate/invalid --restore_hazard-->            reported (a manager undoes a wrong mark)
    hazard  (new)      --report_hazard(fixed_on_spot)-->     reported, then rectified at once (当场整改)
    hazard  aggregated --verify_ticket(passed)-->            rectified
    ticket  pending    --assign_ticket-->                    assigned
    ticket  assigned   --submit_rectification-->             submitted (staff: on_behalf, 代为提交)
    ticket  submitted  --verify_ticket(passed=True)-->       closed (a major hazard's: closeout_pending)
    ticket  closeout_pending --decide_closeout(approve)-->   closed (a manager other than the verifier)
    ticket  closeout_pending --decide_closeout(return)-->    assigned (rework +1)
    ticket  assigned   --request_extension-->                assigned, one pending extension request
    ticket  open       --decide_extension-->                 same status; approved: deadline moved
    ticket  assigned   --reassign_ticket/change_responsible_party--> assigned (deadline, assignee, party)
    ticket  submitted  --verify_ticket(passed=False)-->      assigned (rework +1)
    ticket  open       --escalate_ticket/escalate_overdue--> same status, level +1
    ticket  closed     --reopen_ticket (follow-up)-->        closed; a new linked pending ticket
    parcel  red        --request_crosscheck-->               crosscheck
    parcel  crosscheck --record_crosscheck(passed)-->        green (closed out)
    parcel  crosscheck --record_crosscheck(failed)-->        red
    parcel  any        --report_hazard-->                    red
"""

from cases.escalation import overdue_level
from cases.services.base import responsible_party
from cases.services.checkins import record_checkin
from cases.services.closing import close_ticket, decide_closeout, validate_assessment
from cases.services.extensions import decide_extension, request_extension
from cases.services.hazards import (
    add_hazard_photos,
    edit_hazard,
    hazard_changes,
    mark_duplicate,
    mark_invalid,
    report_hazard,
    restore_hazard,
)
from cases.services.inspections import record_inspection
from cases.services.reassignment import UNCHANGED, change_responsible_party, party_choices, reassign_ticket
from cases.services.tickets import (
    aggregate_hazards,
    assign_ticket,
    comment_ticket,
    create_ticket,
    default_deadline,
    default_measures,
    edit_ticket_plan,
    escalate_overdue,
    escalate_ticket,
    reopen_ticket,
    submit_rectification,
    ticket_plan_changes,
    verify_ticket,
)
from core.errors import NotPermitted, TransitionNotAllowed, ValidationFailed, WorkflowError

__all__ = [
    "UNCHANGED",
    "record_checkin",
    "change_responsible_party",
    "close_ticket",
    "decide_closeout",
    "decide_extension",
    "party_choices",
    "reassign_ticket",
    "request_extension",
    "validate_assessment",
    "NotPermitted",
    "TransitionNotAllowed",
    "ValidationFailed",
    "WorkflowError",
    "add_hazard_photos",
    "aggregate_hazards",
    "assign_ticket",
    "comment_ticket",
    "create_ticket",
    "default_deadline",
    "default_measures",
    "edit_hazard",
    "edit_ticket_plan",
    "escalate_overdue",
    "escalate_ticket",
    "hazard_changes",
    "mark_duplicate",
    "mark_invalid",
    "overdue_level",
    "record_inspection",
    "reopen_ticket",
    "report_hazard",
    "restore_hazard",
    "responsible_party",
    "submit_rectification",
    "ticket_plan_changes",
    "verify_ticket",
]
