"""The planned ledger's timeline: one event per step of every case, chained in time order."""

from datetime import timedelta

from django.db import reset_queries

from cases import payloads
from cases.choices import HazardStatus, InspectionSource, TicketStatus
from demo.common import BATCH
from register.choices import CloseoutState
from timeline.chain import bulk_append
from timeline.kinds import EventKind
from timeline.models import Event


class EventWriting:
    """The ledger step that writes the events (mixed into ``Ledger``); payloads from cases.payloads, as the
    services write them."""

    def write_events(self):
        self._events = []  # (moment, order, Event)
        self._inspection_events()
        self._hazard_events()
        for t in self.tickets:
            self._ticket_events(t)
        self._crosscheck_events()
        events = sorted(self._events, key=lambda e: (e[0], e[1]))
        self.log(f"events prepared: {len(events)}")
        chunk = 50000
        for i in range(0, len(events), chunk):
            bulk_append([e[2] for e in events[i : i + chunk]], batch_size=BATCH)
            reset_queries()
        self.event_count = len(events)
        self.log(f"events: {len(events)}")

    def _add(self, moment, kind, *, actor_id=None, data=None, **fields):
        event = Event(kind=kind, actor_id=actor_id, data=data or {}, created_at=moment, **fields)
        self._events.append((moment, len(self._events), event))

    def _inspection_events(self):
        b = self.b
        for insp in self.inspections:
            if insp.source == InspectionSource.CROSS_CHECK:
                continue  # the close-out event stands for these
            items = len(b.checklist_items[insp.checklist.pk]) if insp.checklist is not None else 0
            self._add(
                insp.at + timedelta(seconds=len(insp.hazards) + 2),
                EventKind.INSPECTION_RECORDED,
                actor_id=insp.inspector_id,
                parcel=insp.parcel,
                to_status=insp.obj.result,
                comment=insp.notes,
                data=payloads.inspection_recorded(
                    inspection=insp.obj.pk,
                    enterprise=insp.ent.pk if insp.ent else None,
                    source=insp.source,
                    items=items,
                    failed=len(insp.failed),
                ),
            )

    def _hazard_events(self):
        for h in self.hazards + self.extra_hazards:
            likely = h.likely.obj.pk if h.likely is not None else None
            self._add(
                h.at,
                EventKind.HAZARD_REPORTED,
                actor_id=h.reporter_id,
                hazard=h.obj,
                parcel=h.parcel,
                to_status=HazardStatus.REPORTED,
                comment=h.description,
                data=payloads.hazard_reported(
                    category=h.category.code, severity=h.severity, likely_duplicate_of=likely
                ),
            )
            if h.status == HazardStatus.DUPLICATE:
                self._add(
                    h.marked_at,
                    EventKind.HAZARD_MARKED_DUPLICATE,
                    actor_id=h.marked_by,
                    hazard=h.obj,
                    parcel=h.parcel,
                    from_status=HazardStatus.REPORTED,
                    to_status=HazardStatus.DUPLICATE,
                    comment="与已上报隐患重复。",
                    data=payloads.hazard_marked_duplicate(duplicate_of=h.duplicate_of.obj.pk),
                    internal=True,
                )
            elif h.status == HazardStatus.INVALID:
                self._add(
                    h.marked_at,
                    EventKind.HAZARD_MARKED_INVALID,
                    actor_id=h.marked_by,
                    hazard=h.obj,
                    parcel=h.parcel,
                    from_status=HazardStatus.REPORTED,
                    to_status=HazardStatus.INVALID,
                    comment=h.reason,
                )

    def _ticket_events(self, t):
        b, ticket = self.b, t.obj
        on = {"ticket": ticket, "parcel": t.parcel}
        manager = ticket.created_by_id
        ids = [h.obj.pk for h in t.hazards]
        created = payloads.ticket_created(hazards=ids, landlord_copied=ticket.landlord_copied)
        self._add(
            t.created, EventKind.TICKET_CREATED, actor_id=manager, to_status=TicketStatus.PENDING, data=created, **on
        )
        if t.assigned is None:
            return
        self._add(
            t.assigned,
            EventKind.TICKET_ASSIGNED,
            actor_id=manager,
            from_status=TicketStatus.PENDING,
            to_status=TicketStatus.ASSIGNED,
            data=payloads.ticket_assigned(deadline=t.deadline, assignee=t.assignee_id),
            **on,
        )
        submitter = t.assignee_id or b.inspector_of_grid[t.grid_id].pk
        proxy = "" if t.assignee_id else "（网格员代为上传整改材料）"
        verifier = ticket.verified_by_id or b.inspector_of_grid[t.grid_id].pk
        submitted = {"from_status": TicketStatus.ASSIGNED, "to_status": TicketStatus.SUBMITTED}
        if t.rework:
            first, rejected = t.rework
            self._add(
                first, EventKind.TICKET_SUBMITTED, actor_id=submitter, comment="已整改。" + proxy,
                data=payloads.photos_added(photos=0), **submitted, **on,
            )  # fmt: skip
            self._add(
                rejected,
                EventKind.TICKET_REJECTED,
                actor_id=verifier,
                from_status=TicketStatus.SUBMITTED,
                to_status=TicketStatus.ASSIGNED,
                comment="整改不到位，请继续整改。",
                data=payloads.ticket_rejected(rework_count=1),
                **on,
            )
        if t.submitted is not None:
            self._add(
                t.submitted, EventKind.TICKET_SUBMITTED, actor_id=submitter, comment="已按整改措施完成整改。" + proxy,
                data=payloads.photos_added(photos=0), **submitted, **on,
            )  # fmt: skip
        closed = {}
        if t.closed is not None:
            closed = {"data": payloads.ticket_closed(hazards=ids, followup_date=ticket.followup_date), **on}
        if t.verified is not None:  # a major hazard's: verified, then the close-out approved by the manager
            self._add(
                t.verified,
                EventKind.TICKET_AWAITING_CLOSEOUT,
                actor_id=verifier,
                from_status=TicketStatus.SUBMITTED,
                to_status=TicketStatus.CLOSEOUT_PENDING,
                comment="现场复查，已整改到位，治理情况评估报告已审核，报请销号审批。",
                data={"passed": True},
                **on,
            )
            if t.closed is not None:
                self._add(
                    t.closed, EventKind.TICKET_CLOSEOUT_APPROVED, actor_id=manager,
                    from_status=TicketStatus.CLOSEOUT_PENDING, to_status=TicketStatus.CLOSED,
                    comment="同意销号。", **closed,
                )  # fmt: skip
        elif t.closed is not None:
            self._add(
                t.closed,
                EventKind.TICKET_CLOSED,
                actor_id=verifier,
                from_status=TicketStatus.SUBMITTED,
                to_status=TicketStatus.CLOSED,
                comment=ticket.verification_comment,
                **closed,
            )
        for moment, actor_id, from_level, to_level, data, comment in t.escalations:
            status = (
                TicketStatus.CLOSEOUT_PENDING
                if t.verified is not None and moment >= t.verified
                else TicketStatus.SUBMITTED
                if t.submitted is not None and moment >= t.submitted
                else TicketStatus.ASSIGNED
            )
            self._add(
                moment,
                EventKind.TICKET_ESCALATED,
                actor_id=actor_id,
                from_status=status,
                to_status=status,
                comment=comment,
                data=payloads.ticket_escalated(from_level=from_level, to_level=to_level, **data),
                **on,
            )

    def _crosscheck_events(self):
        for crosscheck, (parcel, manager, checker, requested, insp) in zip(
            self.crosscheck_objs, self.crosschecks, strict=True
        ):
            self._add(
                requested,
                EventKind.PARCEL_CROSSCHECK_REQUESTED,
                actor_id=manager.pk,
                parcel=parcel,
                from_status=CloseoutState.RED,
                to_status=CloseoutState.CROSSCHECK,
                comment=crosscheck.comment if insp is None else "隐患已全部整改，申请交叉检查销号。",
                data=payloads.crosscheck_requested(crosscheck=crosscheck.pk, inspector=checker.pk),
            )
            if insp is not None:
                self._add(
                    insp.at,
                    EventKind.PARCEL_CLOSED_OUT,
                    actor_id=checker.pk,
                    parcel=parcel,
                    from_status=CloseoutState.CROSSCHECK,
                    to_status=CloseoutState.GREEN,
                    comment=crosscheck.comment,
                    data=payloads.crosscheck_recorded(crosscheck=crosscheck.pk, inspection=insp.obj.pk, hazards=[]),
                )
