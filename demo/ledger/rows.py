"""Writing the planned ledger in bulk: inspections, tickets, hazards, checklist results, cross-checks,
parcels, sequences and a few real photos.
"""

from collections import Counter
from datetime import timedelta
from decimal import Decimal

from django.conf import settings

from cases.choices import HazardStatus, InspectionResult, ResponsibleKind, TicketStatus
from cases.models import Hazard, Inspection, InspectionItem, Ticket
from catalogue.choices import Severity
from closeout.choices import CrossCheckStatus
from closeout.models import CrossCheck
from core.dates import local_day
from core.models import Sequence
from demo.common import BATCH
from demo.photos import PALETTE, demo_photo
from register.choices import CloseoutState
from register.models import Parcel
from timeline.kinds import EventKind
from timeline.models import Event


class RowWriting:
    """Ledger steps that write the plan as rows (mixed into ``Ledger``)."""

    # writing

    def write(self):
        b, rng = self.b, self.rng
        self.inspections.sort(key=lambda i: i.at)
        objs = []
        for insp in self.inspections:
            failed = bool(insp.hazards)
            insp.obj = Inspection(
                inspector_id=insp.inspector_id,
                enterprise=insp.ent,
                parcel=insp.parcel,
                grid_id=insp.grid_id,
                zone_id=b.grid_zone[insp.grid_id],
                inspected_at=insp.at,
                source=insp.source,
                campaign=insp.campaign,
                checklist=insp.checklist,
                result=InspectionResult.HAZARDS_FOUND if failed else InspectionResult.PASSED,
                notes=insp.notes,
            )
            objs.append(insp.obj)
        Inspection.objects.bulk_create(objs, batch_size=BATCH)
        self.log(f"inspections: {len(objs)}")

        # tickets, numbered per day of creation
        self.tickets.sort(key=lambda t: t.created)
        day_seq = Counter()
        demo_enterprise_user = b.users["demo-enterprise"].pk
        demo_landlord_user = b.users["demo-landlord"].pk
        objs = []
        for t in self.tickets:
            key = f"ZG{local_day(t.created):%Y%m%d}"
            day_seq[key] += 1
            is_major = any(h.severity == Severity.MAJOR for h in t.hazards)
            status = {
                "rectified": TicketStatus.CLOSED,
                "pending": TicketStatus.PENDING,
                "assigned": TicketStatus.ASSIGNED,
                "submitted": TicketStatus.CLOSEOUT_PENDING if t.verified else TicketStatus.SUBMITTED,
            }[t.fate]
            parcel = t.parcel
            if t.kind == ResponsibleKind.ENTERPRISE and t.ent.pk == b.demo_enterprise.pk:
                t.assignee_id = demo_enterprise_user
            elif t.kind == ResponsibleKind.LANDLORD and parcel.pk in self.demo_landlord_parcels:
                t.assignee_id = demo_landlord_user
            seen = {}
            for h in t.hazards:
                if h.category.standard_measures:
                    seen.setdefault(h.category.pk, f"【{h.category.name}】{h.category.standard_measures}")
            measures = "\n".join(seen.values())
            responsible = t.ent.legal_representative if t.ent is not None else parcel.landlord_name
            verifier = b.inspector_of_grid[t.grid_id]
            t.obj = Ticket(
                number=f"{key}{day_seq[key]:04d}",
                responsible_kind=t.kind,
                enterprise=t.ent,
                parcel=parcel,
                grid_id=t.grid_id,
                zone_id=b.grid_zone[t.grid_id],
                landlord_copied=bool(parcel and parcel.pk in b.multi_ids),
                status=status,
                is_major=is_major,
                deadline=t.deadline,
                measures=measures,
                funds=Decimal(rng.randrange(5, 300) * 1000) if is_major and t.assigned else None,
                responsible_person=responsible if t.assigned else "",
                contingency="整改期间落实专人值守、临时停用相关区域，配齐应急器材。" if is_major and t.assigned else "",
                assignee_id=t.assignee_id if t.assigned else None,
                escalation_level=t.level,
                escalated_at=t.escalations[-1][0] if t.escalations else None,
                rework_count=1 if t.rework else 0,
                created_by=b.manager_of_zone[b.grid_zone[t.grid_id]],
                created_at=t.created,
                assigned_at=t.assigned,
                submitted_at=t.submitted,
                closed_at=t.closed,
                verified_by=verifier if (t.closed or t.verified or t.rework) else None,
                closeout_approved_by_id=b.manager_of_zone[b.grid_zone[t.grid_id]].pk
                if t.closed and t.verified
                else None,
                verification_comment="现场复查，已整改到位，同意销号。"
                if t.closed
                else ("整改不到位，请继续整改。" if t.rework else ""),
                followup_date=local_day(t.closed) + timedelta(days=settings.FOLLOWUP_DAYS) if t.closed else None,
            )
            objs.append(t.obj)
        Ticket.objects.bulk_create(objs, batch_size=BATCH)
        self.ticket_seq = day_seq
        self.log(f"tickets: {len(objs)}")

        # hazards, numbered per day of report; originals first, then the ones pointing at them
        everything = sorted(self.hazards + self.extra_hazards, key=lambda h: h.at)
        seq = Counter()
        for h in everything:
            key = f"YH{local_day(h.at):%Y%m%d}"
            seq[key] += 1
            h.number = f"{key}{seq[key]:04d}"
        self.hazard_seq = seq
        first, second = [], []
        for h in everything:
            ticket = h.ticket.obj if h.ticket is not None else None
            rectified_at = h.ticket.closed if h.status == HazardStatus.RECTIFIED else None
            h.obj = Hazard(
                number=h.number,
                inspection=h.insp.obj if h.insp is not None else None,
                enterprise=h.ent,
                parcel=h.parcel,
                grid_id=h.grid_id,
                zone_id=b.grid_zone[h.grid_id],
                category=h.category,
                severity=h.severity,
                description=h.description,
                location_detail=h.location,
                status=h.status,
                reporter_id=h.reporter_id,
                reported_at=h.at,
                ticket=ticket,
                rectified_at=rectified_at,
                invalid_reason=h.reason,
                fingerprint=h.fingerprint,
            )
            (second if (h.likely or h.duplicate_of) else first).append(h)
        Hazard.objects.bulk_create([h.obj for h in first], batch_size=BATCH)
        for h in second:
            h.obj.likely_duplicate_of = h.likely.obj if h.likely else None
            h.obj.duplicate_of = h.duplicate_of.obj if h.duplicate_of else None
        Hazard.objects.bulk_create([h.obj for h in second], batch_size=BATCH)
        self.log(f"hazards: {len(everything)}")

        items = []
        written = 0
        for insp in self.inspections:
            if insp.checklist is None:
                continue
            for item in b.checklist_items[insp.checklist.pk]:
                hazard = insp.failed.get(item.pk)
                items.append(
                    InspectionItem(
                        inspection=insp.obj,
                        checklist_item=item,
                        passed=hazard is None,
                        note="现场检查不符合要求" if hazard else "",
                        hazard=hazard.obj if hazard else None,
                    )
                )
            if len(items) >= 50 * BATCH:  # a few batches at a time: the rows need not all sit in memory
                InspectionItem.objects.bulk_create(items, batch_size=BATCH)
                written += len(items)
                items = []
        InspectionItem.objects.bulk_create(items, batch_size=BATCH)
        self.log(f"checklist results: {written + len(items)}")

        crosschecks = []
        for parcel, manager, checker, requested, insp in self.crosschecks:
            done = insp is not None
            crosschecks.append(
                CrossCheck(
                    parcel=parcel,
                    requested_by=manager,
                    requested_at=requested,
                    inspector=checker,
                    status=CrossCheckStatus.PASSED if done else CrossCheckStatus.REQUESTED,
                    inspection=insp.obj if done else None,
                    completed_at=insp.at if done else None,
                    comment="交叉检查未发现问题，同意销号。" if done else "隐患已全部整改，申请交叉检查销号。",
                )
            )
        CrossCheck.objects.bulk_create(crosschecks, batch_size=BATCH)
        self.crosscheck_objs = crosschecks

        self.write_parcels()
        self.log("parcels")
        self.write_events()
        rows = [Sequence(key=key, value=value) for key, value in (self.hazard_seq | self.ticket_seq).items()]
        Sequence.objects.bulk_create(rows, batch_size=BATCH)
        self.add_demo_photos()
        self.log("sequences, photos")

    def write_parcels(self):
        b = self.b
        red = sorted(self.red)
        waiting = sorted(self.waiting)
        for i in range(0, len(red), BATCH):
            Parcel.objects.filter(pk__in=red[i : i + BATCH]).update(closeout_state=CloseoutState.RED)
        for i in range(0, len(waiting), BATCH):
            Parcel.objects.filter(pk__in=waiting[i : i + BATCH]).update(closeout_state=CloseoutState.CROSSCHECK)
        parcels = []
        for pk, moment in self.closed_out.items():
            parcel = b.parcel_by_id[pk]
            parcel.closeout_state = CloseoutState.GREEN
            parcel.closed_out_at = moment
            parcels.append(parcel)
        Parcel.objects.bulk_update(parcels, ["closeout_state", "closed_out_at"], batch_size=500)

    def add_demo_photos(self):
        """A few real photos on the demo enterprise's and the demo parcel's cases."""
        from cases.photos import save_photo

        b = self.b
        hazards = [h for h in self.hazards if h.parcel is not None and h.parcel.pk == b.demo_parcel.pk][-4:]
        for i, h in enumerate(hazards):
            upload = demo_photo(
                ["整改前", h.obj.number, h.category.name[:14]],
                PALETTE[i % 6],
                name=f"{h.obj.number}.jpg",
                ascii_lines=[h.obj.number, "before"],
            )
            save_photo(upload, uploaded_by=b.users["demo-inspector"], kind="before", hazard=h.obj)
        done = {h.ticket for h in hazards if h.ticket is not None and h.ticket.submitted is not None}
        for i, t in enumerate(sorted(done, key=lambda t: t.obj.number)):
            event = Event.objects.filter(ticket=t.obj, kind=EventKind.TICKET_SUBMITTED).order_by("-pk").first()
            upload = demo_photo(
                ["整改后", t.obj.number],
                PALETTE[(i + 3) % 6],
                name=f"{t.obj.number}.jpg",
                ascii_lines=[t.obj.number, "after"],
            )
            save_photo(upload, uploaded_by=b.users["demo-inspector"], kind="after", ticket=t.obj, event=event)
