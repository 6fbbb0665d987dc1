"""Planning the ledger's tickets (timestamps, deadlines, rework, escalations), the parcels' close-out
and the clean visits that fill up the number of inspections.
"""

from datetime import timedelta

from cases.choices import EscalationLevel, HazardStatus, InspectionSource, ResponsibleKind
from catalogue.choices import CategoryLevel, Severity
from core.dates import local_day
from demo.common import DemoError, at, work_time
from demo.ledger.records import PlannedInspection, PlannedTicket

ROUND_SHARE = 0.8  # of the clean visits (besides yesterday's)
ROUND_DAYS = 45


class TicketScheduling:
    """Ledger steps that plan tickets, parcels and clean visits (mixed into ``Ledger``)."""

    # tickets

    def party(self, hazard):
        if hazard.category.level == CategoryLevel.PARCEL or hazard.ent is None:
            return ResponsibleKind.LANDLORD, None, hazard.parcel
        return ResponsibleKind.ENTERPRISE, hazard.ent, self.b.parcel_by_id.get(hazard.ent.parcel_id)

    def plan_tickets(self):
        for insp in self.inspections:
            if insp.fate in (None, "reported"):
                continue
            groups = {}
            for hazard in insp.hazards:
                kind, ent, parcel = self.party(hazard)
                groups.setdefault((kind, ent.pk if ent else parcel.pk), (kind, ent, parcel, []))[3].append(hazard)
            for kind, ent, parcel, hazards in groups.values():
                grid_id = ent.grid_id if ent is not None else parcel.grid_id
                ticket = PlannedTicket(hazards, kind, ent, parcel, grid_id, insp.fate)
                for hazard in hazards:
                    hazard.ticket = ticket
                self.tickets.append(ticket)
        # recently rectified ones: some closed yesterday (the first one is the demo enterprise's)
        recent = [t for t in self.tickets if t.fate == "rectified" and local_day(t.hazards[0].at) >= self.recent_start]
        recent.sort(key=lambda t: t.hazards[0].at)
        target = self.s.yesterday_rectified
        closing = 0
        for ticket in sorted(recent, key=lambda t: (t.ent is not self.b.demo_enterprise, t.hazards[0].at)):
            if closing >= target:
                break
            if len(ticket.hazards) + closing <= target:
                ticket.forced_close = self.b.yesterday
                closing += len(ticket.hazards)

    def schedule(self):
        """Timestamps, deadlines, rework and escalations of every ticket."""
        b = self.b
        latest = min(b.now - timedelta(minutes=5), at(b.yesterday, 21 * 3600))
        for t in self.tickets:
            days = min(h.category.deadline_days for h in t.hazards)
            if not self._times(t, latest):
                continue  # pending: created only
            t.deadline = local_day(t.assigned) + timedelta(days=days)
            self._submission(t, days, latest)
            self._automatic_escalations(t)
        self._major_closeouts(latest)
        self._manual_escalations(latest)
        for t in self.tickets:
            for hazard in t.hazards:
                if t.fate == "rectified":
                    hazard.status = HazardStatus.RECTIFIED

    def _times(self, t, latest):
        """Created, assigned (and for recent fixes submitted and closed); False for a pending ticket."""
        rng, b = self.rng, self.b
        reported = max(h.at for h in t.hazards)
        if t.fate == "rectified" and local_day(reported) >= self.recent_start:
            # closed after the report and before yesterday, except the ones picked to close yesterday
            first = local_day(reported) + timedelta(days=1)
            last = max(first, b.yesterday - timedelta(days=1))
            close_day = t.forced_close or first + timedelta(days=rng.randint(0, min(20, (last - first).days)))
            t.closed = min(at(close_day, rng.randint(14 * 3600, 19 * 3600)), latest)
            if t.closed <= reported + timedelta(hours=3):
                t.closed = reported + timedelta(hours=3)
            span = (t.closed - reported).total_seconds()
            t.created = reported + timedelta(seconds=span * rng.uniform(0.05, 0.2))
            t.assigned = t.created + timedelta(seconds=span * rng.uniform(0.02, 0.1))
            t.submitted = t.closed - timedelta(seconds=span * rng.uniform(0.03, 0.15))
            return True
        t.created = reported + timedelta(hours=rng.uniform(1, 30))
        if t.fate == "pending":
            t.created = min(t.created, latest)
            return False
        t.assigned = t.created + timedelta(hours=rng.uniform(0.5, 20))
        if t.fate in ("assigned", "submitted"):
            t.assigned = min(t.assigned, latest - timedelta(hours=2))
            if t.assigned <= t.created:
                t.created = t.assigned - timedelta(hours=1)
        return True

    def _submission(self, t, days, latest):
        """Submitted and closed (8% late), and a rejection before it for 3%."""
        rng = self.rng
        if t.fate == "rectified" and t.closed is None:
            if rng.random() < 0.08:  # late
                t.submitted = at(t.deadline + timedelta(days=rng.randint(1, 12)), rng.randint(9 * 3600, 17 * 3600))
            else:
                t.submitted = t.assigned + timedelta(seconds=max(3600, days * 86400 * rng.uniform(0.15, 0.95)))
            t.closed = t.submitted + timedelta(hours=rng.uniform(2, 70))
        elif t.fate == "submitted":
            t.submitted = t.assigned + (latest - t.assigned) * rng.uniform(0.3, 0.95)
        if t.fate in ("rectified", "submitted") and rng.random() < 0.03:
            first = t.assigned + (t.submitted - t.assigned) * rng.uniform(0.2, 0.5)
            rejected = first + (t.submitted - first) * rng.uniform(0.1, 0.5)
            t.rework = (first, rejected)

    def _major_closeouts(self, latest):
        """A major hazard's ticket is verified, then a manager approves its close-out (治理情况评估, two
        people): a closed one was verified a third of the way from its submission to its close; every
        other submitted one was verified already and waits for the approval. (No random draw: the rest
        of the ledger stays as it was.)"""
        submitted = [t for t in self.tickets if t.fate == "submitted" and t.submitted is not None]
        if submitted and not any(t.is_major for t in submitted):
            for hazard in submitted[0].hazards:  # one fix of a major hazard under review, at every scale
                hazard.severity = Severity.MAJOR
        waiting = 0
        for t in self.tickets:
            if not t.is_major or t.submitted is None:
                continue
            if t.closed is not None:
                t.verified = t.submitted + (t.closed - t.submitted) / 3
            elif t.fate == "submitted":
                waiting += 1
                if waiting % 2:
                    t.verified = min(t.submitted + (latest - t.submitted) / 2, latest)

    def _automatic_escalations(self, t):
        """The daily job's escalations while the ticket was open (overdue days ≥ the thresholds)."""
        rng, b = self.rng, self.b
        until = local_day(t.closed) if t.closed else b.today
        for level, threshold in enumerate(self.thresholds, start=1):
            day = t.deadline + timedelta(days=threshold)
            if day <= until and (t.closed is None or day < local_day(t.closed)):
                moment = min(at(day, 7 * 3600 + 45 * 60 + rng.randint(0, 300)), b.now - timedelta(minutes=1))
                days_overdue = (day - t.deadline).days
                extra = {"days_overdue": days_overdue, "automatic": True}
                t.escalations.append((moment, None, t.level, level, extra, f"逾期 {days_overdue} 天，系统自动督办。"))
                t.level = level

    def _manual_escalations(self, latest):
        """督办 on open tickets that are not overdue: the zone's manager (level 1), the leader (level 2)."""
        rng, b = self.rng, self.b
        fresh = [t for t in self.tickets if t.fate in ("assigned", "submitted") and t.level == 0]
        manual = rng.sample(fresh, min(len(fresh), max(2, len(fresh) // 12)))
        for i, t in enumerate(manual):
            level = EscalationLevel.LISTED if i % 4 == 3 else EscalationLevel.SUPERVISED
            actor = (
                b.users["demo-leader"] if level == EscalationLevel.LISTED else b.manager_of_zone[b.grid_zone[t.grid_id]]
            )
            moment = t.assigned + (latest - t.assigned) * rng.uniform(0.3, 0.9)
            comment = "重大隐患，挂牌督办。" if level == EscalationLevel.LISTED else "请加快整改进度，按期销号。"
            t.escalations.append((moment, actor.pk, 0, int(level), {}, comment))
            t.level = int(level)

    # parcels

    def plan_parcels(self):
        """Red while a parcel has had hazards; most 2023 parcels closed out green by a cross-check."""
        rng, b, s = self.rng, self.b, self.s
        last = {}
        has_open = set()
        for hazard in self.hazards + self.extra_hazards:
            if hazard.parcel is None:
                continue
            pk = hazard.parcel.pk
            moments = [hazard.at]
            if hazard.ticket is not None and hazard.ticket.closed is not None:
                moments.append(hazard.ticket.closed)
            if hazard.marked_at:
                moments.append(hazard.marked_at)
            last[pk] = max(moments + [last.get(pk, hazard.at)])
            if hazard.fate in self.OPEN_FATES:
                has_open.add(pk)
        recent_start = at(self.recent_start)
        old = [pk for pk, moment in last.items() if pk not in has_open and moment < recent_start]
        fresh = [
            pk
            for pk, moment in last.items()
            if pk not in has_open and recent_start <= moment < at(b.yesterday - timedelta(days=1))
        ]
        budget = s.inspections - len(self.inspections) - max(20, s.inspections // 20)
        closed_out = rng.sample(old, max(0, min(len(old) * 17 // 20, budget)))
        waiting = rng.sample(fresh, min(len(fresh), max(1, len(fresh) // 5)))
        self.red = set(last) - set(closed_out) - set(waiting)
        self.closed_out = {}
        self.waiting = set(waiting)
        for pk in closed_out:
            parcel = b.parcel_by_id[pk]
            manager = b.manager_of_zone[b.grid_zone[parcel.grid_id]]
            checker = self.cross_inspector(parcel)
            requested = last[pk] + timedelta(days=rng.uniform(1, 4))
            inspected = work_time(rng, local_day(requested) + timedelta(days=rng.randint(1, 15)))
            insp = PlannedInspection(None, parcel, parcel.grid_id, checker.pk, inspected, InspectionSource.CROSS_CHECK)
            insp.notes = "交叉检查未发现问题，同意销号。"
            self.inspections.append(insp)
            self.crosschecks.append((parcel, manager, checker, requested, insp))
            self.closed_out[pk] = inspected
        for pk in waiting:
            parcel = b.parcel_by_id[pk]
            manager = b.manager_of_zone[b.grid_zone[parcel.grid_id]]
            requested = min(last[pk] + timedelta(days=rng.uniform(0.5, 2)), b.now - timedelta(hours=1))
            self.crosschecks.append((parcel, manager, self.cross_inspector(parcel), requested, None))

    def cross_inspector(self, parcel):
        b = self.b
        if parcel.grid_id == b.demo_grid.pk:
            return b.users["demo-inspector2"]
        grid = self.rng.choice([g for g in b.grids if g.pk != parcel.grid_id])
        return b.inspector_of_grid[grid.pk]

    def plan_fill(self):
        """Clean routine visits (no hazards) up to the source's number of inspections."""
        rng, b = self.rng, self.b
        missing = self.s.inspections - len(self.inspections)
        if missing < 0:
            raise DemoError(f"planned {len(self.inspections)} inspections, more than {self.s.inspections}")
        yesterday = min(missing, max(5, self.s.yesterday_new // 3))
        # This year's patrol round: most clean visits go around the register (each enterprise at most once,
        # in a random order) over the last ROUND_DAYS, so the patrol plan finds most units covered and the
        # higher-risk ones (shorter cycles) due again (risk.patrols).
        round_units = list(self.units)
        rng.shuffle(round_units)
        for i in range(missing):
            if i < yesterday:
                day = b.yesterday
                ent, parcel = self.pick_unit()
            elif round_units and rng.random() < ROUND_SHARE:
                day = b.yesterday - timedelta(days=rng.randint(1, ROUND_DAYS))
                ent = round_units.pop()
                parcel = b.parcel_by_id.get(ent.parcel_id)
            else:
                day = rng.choice(self.hist_days)
                ent, parcel = self.pick_unit()
            self.new_inspection(ent, parcel, work_time(rng, day))
