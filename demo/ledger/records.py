"""The ledger's plan in memory: inspections, hazards and tickets before they become rows."""

from cases.choices import HazardStatus, InspectionSource
from catalogue.choices import Severity


class PlannedInspection:
    """An inspection planned in memory before the rows are written."""

    __slots__ = (
        "ent",
        "parcel",
        "grid_id",
        "inspector_id",
        "at",
        "source",
        "campaign",
        "checklist",
        "failed",
        "hazards",
        "obj",
        "notes",
        "fate",
    )

    def __init__(self, ent, parcel, grid_id, inspector_id, moment, source=InspectionSource.GRID):
        self.ent, self.parcel, self.grid_id, self.inspector_id, self.at = ent, parcel, grid_id, inspector_id, moment
        self.source = source
        self.campaign = self.checklist = self.obj = self.fate = None
        self.failed = {}
        self.hazards = []
        self.notes = ""


class PlannedHazard:
    """A hazard planned in memory; ``fate`` says how its story ends (rectified, an open status, duplicate…)."""

    __slots__ = (
        "insp",
        "ent",
        "parcel",
        "grid_id",
        "category",
        "severity",
        "description",
        "location",
        "reporter_id",
        "at",
        "fate",
        "ticket",
        "status",
        "fingerprint",
        "likely",
        "duplicate_of",
        "reason",
        "marked_at",
        "marked_by",
        "obj",
        "number",
    )

    def __init__(self, insp, ent, parcel, grid_id, category, description, location, reporter_id, moment, fate):
        self.insp, self.ent, self.parcel, self.grid_id = insp, ent, parcel, grid_id
        self.category, self.description, self.location = category, description, location
        self.reporter_id, self.at, self.fate = reporter_id, moment, fate
        self.severity = category.default_severity
        self.ticket = self.fingerprint = self.likely = self.duplicate_of = self.obj = self.number = None
        self.status = HazardStatus.RECTIFIED if fate == "rectified" else None
        self.reason = ""
        self.marked_at = self.marked_by = None


class PlannedTicket:
    """The ticket of a group of planned hazards, with its timestamps and escalations."""

    __slots__ = (
        "hazards",
        "kind",
        "ent",
        "parcel",
        "grid_id",
        "fate",
        "created",
        "assigned",
        "submitted",
        "closed",
        "verified",
        "deadline",
        "rework",
        "level",
        "escalations",
        "obj",
        "assignee_id",
        "forced_close",
    )

    @property
    def is_major(self):
        return any(h.severity == Severity.MAJOR for h in self.hazards)

    def __init__(self, hazards, kind, ent, parcel, grid_id, fate):
        self.hazards, self.kind, self.ent, self.parcel, self.grid_id, self.fate = (
            hazards,
            kind,
            ent,
            parcel,
            grid_id,
            fate,
        )
        self.created = self.assigned = self.submitted = self.closed = self.deadline = self.obj = None
        self.verified = None  # a major hazard's ticket: verified then, its close-out approved at ``closed``
        self.assignee_id = self.forced_close = None
        self.rework = None  # (submitted first, rejected) when reworked
        self.level = 0
        self.escalations = []  # (moment, actor_id, from_level, to_level, data, comment)
