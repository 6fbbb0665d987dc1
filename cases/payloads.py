"""What each case event records in its ``data``: one function per kind of event.

The services write these payloads (cases.services, closeout.services) and so does the demo's bulk
ledger (demo/ledger/events.py), so an event reads the same however it was made. Ids, not objects:
the payload is stored as JSON and covered by the event's hash.
"""

from register.choices import CloseoutState


def inspection_recorded(*, inspection, enterprise, source, items, failed):
    """``items``: checklist items answered; ``failed``: how many of them failed (hazards)."""
    return {"inspection": inspection, "enterprise": enterprise, "source": source, "items": items, "failed": failed}


def hazard_reported(*, category, severity, likely_duplicate_of=None, previous_parcel_state=None):
    """``category``: the category's code; the parcel's state before the report turned it red, if it changed."""
    data = {"category": category, "severity": severity}
    if likely_duplicate_of:
        data["likely_duplicate_of"] = likely_duplicate_of
    if previous_parcel_state:
        data["parcel_state"] = [previous_parcel_state, CloseoutState.RED]
    return data


def hazard_marked_duplicate(*, duplicate_of):
    return {"duplicate_of": duplicate_of}


def photos_added(*, photos):
    """A submission or more photos of a hazard: how many photos came with it."""
    return {"photos": photos}


def ticket_created(*, hazards, landlord_copied):
    return {"hazards": list(hazards), "landlord_copied": landlord_copied}


def ticket_assigned(*, deadline, assignee):
    return {"deadline": deadline.isoformat(), "assignee": assignee}


def ticket_closed(*, hazards, followup_date):
    """Verified and passed: the hazards now rectified, the day of the follow-up visit."""
    return {"passed": True, "hazards": list(hazards), "followup_date": followup_date.isoformat()}


def ticket_rejected(*, rework_count):
    return {"passed": False, "rework_count": rework_count}


def ticket_escalated(*, from_level, to_level, **extra):
    """``extra``: e.g. ``days_overdue`` and ``automatic`` when the daily job escalates."""
    return {"from_level": from_level, "to_level": to_level, **extra}


def crosscheck_requested(*, crosscheck, inspector):
    return {"crosscheck": crosscheck, "inspector": inspector}


def crosscheck_recorded(*, crosscheck, inspection, hazards):
    """Passed (the parcel closed out) or failed (``hazards``: the new ones found)."""
    return {"crosscheck": crosscheck, "inspection": inspection, "hazards": list(hazards)}


def ticket_reopened(*, new_ticket, hazards):
    """A follow-up found the problem again: the new ticket and the hazards it reported."""
    return {"new_ticket": new_ticket, "hazards": list(hazards)}
