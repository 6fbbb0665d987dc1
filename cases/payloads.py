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


def hazard_restored(*, from_status, duplicate_of=None, invalid_reason=""):
    """A wrong duplicate / invalid mark undone: what the hazard was marked as, and why."""
    data = {"from_status": from_status}
    if duplicate_of:
        data["duplicate_of"] = duplicate_of
    if invalid_reason:
        data["invalid_reason"] = invalid_reason
    return data


def rectified_on_spot(*, photos):
    """当场整改: fixed during the inspection; how many 'after' photos show it."""
    return {"on_spot": True, "photos": photos}


def ticket_submitted(*, photos, on_behalf_of=None, party_kind=None, captured_at=None):
    """A submission: how many photos; when staff recorded it for the party (代为提交), the party's
    name and kind (enterprise or landlord); when a phone recorded it offline, the time of capture."""
    data = {"photos": photos}
    if on_behalf_of:
        data.update(on_behalf=True, party=str(on_behalf_of), party_kind=party_kind)
    if captured_at:
        data["captured_at"] = captured_at.isoformat()
    return data


def extension_requested(*, request, deadline, requested, on_behalf_of=None):
    """延期申请: the request's id, the deadline in force and the one asked for; the party's name when
    staff asked for it (代为申请)."""
    data = {"request": request, "deadline": _iso(deadline), "requested": requested.isoformat()}
    if on_behalf_of:
        data.update(on_behalf=True, party=str(on_behalf_of))
    return data


def extension_decided(*, request, approved, deadline, requested):
    """The manager's answer: ``deadline`` the deadline before, ``requested`` the date asked for."""
    return {"request": request, "approved": approved, "deadline": _iso(deadline), "requested": requested.isoformat()}


def ticket_reassigned(*, changes, assignee_ids=None):
    """``changes``: {field: [old, new]} as shown (dates in ISO form, people by name); the assignee's ids."""
    data = {"changes": changes}
    if assignee_ids is not None:
        data["assignee"] = list(assignee_ids)
    return data


def party_changed(*, before, after):
    """The responsible party before and after: ``{"kind", "enterprise", "name"}`` each."""
    return {"from": before, "to": after}


def _iso(day):
    return day.isoformat() if day is not None else None
