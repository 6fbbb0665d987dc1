"""The ``small`` scale's cases: a scripted story built through the services, so every event is real."""

import random
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from accounts.choices import Role
from cases import services
from cases.choices import EscalationLevel, InspectionSource, ResponsibleKind, TicketStatus
from cases.models import Hazard, Ticket
from catalogue.choices import CategoryLevel, Severity
from closeout import services as closeout_services
from core.dates import story_clock
from demo.common import CAMPAIGN_START, RANDOM_SEED, at
from demo.names import PLACES
from demo.photos import PALETTE, demo_photo
from demo.risk import CheckInPlanning, SmallRisk, small_checkin
from register.models import Enterprise, Parcel


class SmallCases:
    """Every status, built through cases.services (real events and timelines), each story told on a
    clock (core.dates.story_clock): a hazard is reported when it was found, then aggregated, assigned,
    fixed and verified in that order, the fixes verified yesterday afternoon so that this morning's
    briefing shows them."""

    def __init__(self, builder):
        self.b = builder
        self.rng = random.Random(RANDOM_SEED + 1)
        self.users = builder.users
        self.party_users = {}
        self.photo_count = 0
        self.latest = timezone.now() - timedelta(minutes=1)  # no story moment after this
        self.moment = self.latest
        self.verified_yesterday = at(builder.yesterday, 15 * 3600 + 30 * 60)
        self.checkins = CheckInPlanning(builder)

    # helpers

    def ago(self, days, hour=10, minute=0):
        return at(self.b.today - timedelta(days=days), hour * 3600 + minute * 60)

    def at(self, moment):
        """The story's clock set to ``moment`` (never later than now)."""
        self.moment = min(moment, self.latest)
        return story_clock(self.moment)

    def later(self, hours=1.0):
        """The story's clock moved on by ``hours`` from its last step."""
        return self.at(self.moment + timedelta(hours=hours))

    def photo(self, *lines, kind="before"):
        self.photo_count += 1
        colour = PALETTE[self.photo_count % len(PALETTE)]
        title = "整改前" if kind == "before" else "整改后"
        return demo_photo(
            [title, *lines],
            colour,
            name=f"demo-{self.photo_count:03d}.jpg",
            ascii_lines=[f"{kind} #{self.photo_count}", "demo photo"],
        )

    def inspector(self, unit):
        return self.b.inspector_of_grid[unit.grid_id]

    def manager(self, unit):
        return self.b.manager_of_zone[self.b.grid_zone[unit.grid_id]]

    def report(self, unit, category, days, *, actor=None, photo=False, severity=None, note="", hour=10):
        enterprise = unit if isinstance(unit, Enterprise) else None
        parcel = unit if isinstance(unit, Parcel) else None
        place = self.rng.choice(PLACES)
        with self.at(self.ago(days, hour)) as found:
            return services.report_hazard(
                actor=actor or self.inspector(unit),
                category=category,
                enterprise=enterprise,
                parcel=parcel,
                description=f"{place}：{category.name}{note}",
                location_detail=place,
                severity=severity,
                photos=[self.photo(unit.name[:14], category.name[:14])] if photo else (),
                reported_at=found,
            )

    def party_user(self, ticket):
        """The account that submits evidence for the ticket's responsible party (created when missing)."""
        User = get_user_model()
        if ticket.responsible_kind == ResponsibleKind.ENTERPRISE:
            enterprise = ticket.enterprise
            if enterprise.pk == self.b.demo_enterprise.pk:
                return self.users["demo-enterprise"]
            if enterprise.pk not in self.party_users:
                user = User.objects.create(
                    username=f"owner-{len(self.party_users) + 1:03d}",
                    first_name=enterprise.legal_representative,
                    role=Role.ENTERPRISE,
                    phone=enterprise.phone,
                    password=self.b.password_hash,
                )
                user.enterprises.add(enterprise)
                self.party_users[enterprise.pk] = user
            return self.party_users[enterprise.pk]
        parcel = Parcel.objects.get(pk=ticket.parcel_id)
        if parcel.landlord_user_id is None:
            user = User.objects.create(
                username=f"landlord-{len(self.party_users) + 1:03d}",
                first_name=parcel.landlord_name,
                role=Role.LANDLORD,
                phone=parcel.landlord_phone,
                password=self.b.password_hash,
            )
            parcel.landlord_user = user
            parcel.save(update_fields=["landlord_user", "updated_at"])
            self.party_users[("parcel", parcel.pk)] = user
        return parcel.landlord_user

    def plan(self, ticket):
        """The 五落实 plan for a ticket with a major hazard."""
        if not ticket.is_major:
            return {}
        return {
            "funds": Decimal(self.rng.randrange(5, 200) * 1000),
            "responsible_person": ticket.responsible_name[:20],
            "contingency": "整改期间落实专人值守、临时停用相关区域，配齐应急器材。",
        }

    def assign(self, ticket, *, actor=None, **kwargs):
        actor = actor or self.b.manager_of_zone[ticket.zone_id]
        kwargs = {**self.plan(ticket), **kwargs}
        with self.later(1):
            return services.assign_ticket(ticket, actor=actor, **kwargs)

    def submit(self, ticket, comment="已按整改措施完成整改，附整改后照片。", *, hours=20):
        ticket = Ticket.objects.get(pk=ticket.pk)
        # A major hazard's ticket comes with its assessment report (治理情况评估报告; an image here).
        assessment = self.photo(ticket.number, "治理情况评估报告", kind="after") if ticket.is_major else None
        # fixed within the next day, and before the afternoon the fixes are verified
        moment = self.moment + timedelta(hours=hours)
        if moment > self.verified_yesterday - timedelta(hours=2) > self.moment:
            moment = min(moment, self.verified_yesterday - timedelta(hours=2))
        with self.at(moment):
            return services.submit_rectification(
                ticket,
                actor=self.party_user(ticket),
                comment=comment,
                photos=[self.photo(ticket.number, ticket.responsible_name[:14], kind="after")],
                assessment=assessment,
            )

    def verify(self, ticket, passed=True, comment="现场复查，已整改到位，同意销号。", *, soon=False):
        """Verified by the grid's inspector: a passing fix yesterday afternoon (or soon after its
        submission, if that came later, or when ``soon``), a rejection a few hours after the submission."""
        moment = self.moment + timedelta(hours=3)
        if passed and not soon:
            moment = max(moment, self.verified_yesterday)
        with self.at(moment):
            ticket = services.verify_ticket(
                ticket, actor=self.b.inspector_of_grid[ticket.grid_id], passed=passed, comment=comment
            )
        if ticket.status == TicketStatus.CLOSEOUT_PENDING:  # a major hazard: the zone's manager approves (销号审批)
            with self.later(1):
                ticket = services.decide_closeout(ticket, actor=self.b.manager_of_zone[ticket.zone_id], approve=True)
        return ticket

    def ticket_for(self, hazards, *, actor=None):
        actor = actor or self.manager(hazards[0])
        with self.at(max(h.reported_at for h in hazards) + timedelta(hours=2)):
            return services.create_ticket(hazards, actor=actor)

    def aggregate(self, hazards, *, actor):
        with self.at(max(h.reported_at for h in hazards) + timedelta(hours=2)):
            return services.aggregate_hazards(hazards, actor=actor)

    def close(self, ticket, *, soon=False):
        """Fixed and verified: yesterday afternoon, or (``soon``) the day after the assignment."""
        self.submit(ticket)
        return self.verify(ticket, soon=soon)

    def checklist_results(self, checklist, failing):
        """All items of the checklist passed except ``failing`` (items), as the services expect them."""
        failing_ids = {item.pk for item in failing}
        return {
            item.pk: (item.pk not in failing_ids, "现场检查不符合要求" if item.pk in failing_ids else "")
            for item in self.b.checklist_items[checklist.pk]
        }

    def failable(self, checklist, unit, tag=None):
        has_parcel = isinstance(unit, Parcel) or unit.parcel_id is not None
        items = []
        seen = set()
        for item in self.b.checklist_items[checklist.pk]:
            category = item.category
            if category.level == CategoryLevel.PARCEL and not has_parcel:
                continue
            if (category.risk_tag_id or None) != tag or category.pk in seen:
                continue
            seen.add(category.pk)
            items.append(item)
        return items

    def inspect(
        self,
        unit,
        days,
        *,
        fail=0,
        actor=None,
        checklist=None,
        source=InspectionSource.GRID,
        campaign=None,
        inspected_at=None,
        tag=None,
        notes="",
    ):
        """Record an inspection with a checklist; ``fail`` items fail (hazards). Returns (inspection, hazards)."""
        b = self.b
        if checklist is None:
            if isinstance(unit, Parcel):
                checklist = b.parcel_checklist
            else:
                checklist = b.routine_checklist.get(unit.kind)
        results = None
        if checklist is not None:
            candidates = self.failable(checklist, unit, tag)
            failing = self.rng.sample(candidates, min(fail, len(candidates)))
            results = self.checklist_results(checklist, failing)
        enterprise = unit if isinstance(unit, Enterprise) else None
        parcel = unit if isinstance(unit, Parcel) else None
        actor = actor or self.inspector(unit)
        moment = min(inspected_at or self.ago(days, 9, self.rng.randrange(60)), self.latest)
        # 巡更打卡: most recent visits begin with a scan of the unit's plate (the inspection is then verified)
        small_checkin(
            self.checkins,
            unit_enterprise=enterprise,
            unit_parcel=parcel,
            actor=actor,
            source=source,
            moment=moment,
        )
        with self.at(moment) as moment:
            inspection = services.record_inspection(
                actor=actor,
                enterprise=enterprise,
                parcel=parcel,
                source=source,
                checklist=checklist,
                results=results,
                campaign=campaign,
                notes=notes,
                inspected_at=moment,
            )
        hazards = list(Hazard.objects.filter(inspection=inspection).order_by("pk"))
        if checklist is None and fail:
            hazards = [self.report(unit, self.b.enterprise_categories[i], days) for i in range(fail)]
        return inspection, hazards

    # the cases

    def build(self):
        b = self.b
        S = services
        # risk points declared and reviewed, and the default patrol plan (before the visits below)
        SmallRisk(self).build()
        inspector2 = self.users["demo-inspector2"]
        manager, leader = self.users["demo-manager"], self.users["demo-leader"]
        enterprise_user, landlord_user = self.users["demo-enterprise"], self.users["demo-landlord"]
        general = [c for c in b.enterprise_categories if c.default_severity == Severity.GENERAL]
        major = [c for c in b.enterprise_categories if c.default_severity == Severity.MAJOR] or general
        parcel_general = (
            sorted(
                (c for c in b.parcel_categories if c.default_severity == Severity.GENERAL),
                key=lambda c: (c.deadline_days, c.order, c.code),
            )
            or b.parcel_categories
        )
        p1, p2 = b.multi_parcels[0], b.multi_parcels[1]
        e0, e1, e2 = b.tenants[p1.pk][:3]
        e3, e4 = b.tenants[p2.pk][:2]
        q_parcel = b.multi_parcels[2]  # zsd-2
        q1, q2 = b.tenants[q_parcel.pk][:2]
        p3 = b.single_parcels[0]  # zsd-1, closed out by a cross-check
        n_parcel, o_parcel = b.single_parcels[2], b.single_parcels[3]  # 花川 (crosscheck), 梅陇 (failed)
        h_parcel = b.multi_parcels[3]  # 花川
        shop_z2 = b.small_premises[1]
        supermarket = b.supermarkets[0]
        scripted = {e.pk for e in (e0, e1, e2, e3, e4, q1, q2, shop_z2, supermarket)}
        scripted |= {t.pk for p in (p3, n_parcel, o_parcel) for t in b.tenants[p.pk]}
        scripted |= {t.pk for t in b.tenants[h_parcel.pk][:1]}
        for tag_targets in b.campaign_targets.values():
            scripted |= {e.pk for e in tag_targets}

        # background: a routine round of every other unit; a quarter fail one item
        background = []
        units = [e for e in b.enterprises if e.pk not in scripted]
        units += [p for p in b.multi_parcels if p.pk not in (p1.pk, p2.pk)]
        for unit in units:
            fail = 1 if self.rng.random() < 0.3 else 0
            _inspection, found = self.inspect(unit, self.rng.randint(8, 28), fail=fail)
            background += found
        by_zone = defaultdict(list)
        for hazard in background:
            by_zone[hazard.zone_id].append(hazard)
        for zone_id, hazards in by_zone.items():
            for i, ticket in enumerate(self.aggregate(hazards, actor=b.manager_of_zone[zone_id])):
                ticket = self.assign(ticket)
                if i % 3 != 2:
                    self.close(ticket)

        # A: the demo enterprise, closed: a checklist failure and a reported hazard with a photo
        _inspection, found = self.inspect(e0, 12, fail=1)
        found.append(self.report(e0, general[2], 12, photo=True))
        for ticket in self.aggregate(found, actor=manager):
            own = ticket.responsible_kind == ResponsibleKind.ENTERPRISE
            self.close(self.assign(ticket, assignee=enterprise_user if own else landlord_user))
        # B: the demo enterprise, assigned (for the demo to submit)
        h = self.report(e0, general[min(5, len(general) - 1)], 3, photo=True)
        self.assign(self.ticket_for([h]), assignee=enterprise_user)
        # Q: owner self-checks: one clean, one with a failed item (reported by the enterprise)
        if b.self_checklist:
            self.inspect(e0, 30, actor=enterprise_user, checklist=b.self_checklist, notes="月度自查")
            self.inspect(e0, 2, actor=enterprise_user, checklist=b.self_checklist, fail=1, notes="月度自查")
        # C: the demo parcel, parcel-level (landlord's), submitted with a photo, waiting for verification
        h = self.report(p1, parcel_general[0], 5, photo=True)
        ticket_c = self.assign(self.ticket_for([h]), assignee=landlord_user)
        self.submit(ticket_c, "已清理消防通道内堆放的货物，施划禁停标线。")
        # D: rework: rejected once, then closed
        h = self.report(e1, general[0], 10)
        ticket_d = self.assign(self.ticket_for([h]))
        self.submit(ticket_d, "已整改。", hours=30)
        self.verify(ticket_d, passed=False, comment="照片看不清整改部位，请补充整改前后对比照片。")
        self.submit(ticket_d, "已补充整改前后对比照片。", hours=26)
        self.verify(ticket_d)
        # E, F: overdue, escalated by the daily job (level 2 and level 1)
        ticket_e = self.ticket_for([self.report(e2, general[1], 25)])
        self.assign(ticket_e, deadline=b.today - timedelta(days=9))
        ticket_f = self.ticket_for([self.report(e3, general[3 % len(general)], 6)])
        self.assign(ticket_f, deadline=b.today - timedelta(days=3))
        # G: escalated by the manager (督办)
        ticket_g = self.assign(self.ticket_for([self.report(e4, general[4 % len(general)], 4)]))
        with self.later(48):
            S.escalate_ticket(
                ticket_g, actor=manager, level=EscalationLevel.SUPERVISED, comment="请加快整改进度，按期销号。"
            )
        # H: a major hazard in 花川 with the 五落实 plan, 挂牌督办 by the leader
        h_unit = b.tenants[h_parcel.pk][0]
        ticket_h = self.assign(self.ticket_for([self.report(h_unit, major[0], 8, severity=Severity.MAJOR)]))
        with self.later(24):
            S.escalate_ticket(ticket_h, actor=leader, level=EscalationLevel.LISTED, comment="重大隐患，挂牌督办。")
        # H2: a major hazard fixed, with its assessment report, verified by the grid's inspector and waiting
        # for the manager's close-out approval (待销号审批)
        h2 = self.report(h_unit, major[1 % len(major)], 12, severity=Severity.MAJOR, note="（第二处）")
        ticket_h2 = self.assign(self.ticket_for([h2]))
        self.submit(ticket_h2, "已加装泄爆装置并完成治理情况评估，附评估报告。", hours=72)
        with self.later(20):
            S.verify_ticket(
                ticket_h2,
                actor=b.inspector_of_grid[ticket_h2.grid_id],
                passed=True,
                comment="现场复查合格，报请销号审批。",
            )
        # I: pending: two failed items aggregated in zsd-2
        _inspection, found = self.inspect(q1, 1, fail=2)
        if not found:
            found = [self.report(q1, general[0], 1)]
        self.aggregate(found, actor=manager)
        # J: yesterday's reports, one flagged as a likely duplicate of the other
        self.report(q2, general[6 % len(general)], 2, actor=inspector2)
        self.report(q2, general[6 % len(general)], 1, actor=inspector2, note="（再次发现）")
        # K: a duplicate marked by the manager
        first = self.report(supermarket, general[7 % len(general)], 3, photo=True)
        second = self.report(supermarket, general[7 % len(general)], 2, note="（群众举报）")
        with self.later(3):
            S.mark_duplicate(second, actor=manager, duplicate_of=first, comment="与已上报隐患重复。")
        # L: invalid
        h = self.report(shop_z2, general[8 % len(general)], 2)
        with self.later(5):
            S.mark_invalid(h, actor=manager, reason="现场核实，该店已停业清空，情况不属实。")
        # M: a parcel closed out by a cross-check (green)
        ticket_m = self.assign(self.ticket_for([self.report(p3, parcel_general[-1], 20)]))
        self.close(ticket_m)
        with self.later(1):
            crosscheck = closeout_services.request_crosscheck(
                p3, actor=manager, inspector=inspector2, comment="隐患已全部整改，申请交叉检查销号。"
            )
        with self.later(2):
            closeout_services.record_crosscheck(
                crosscheck, actor=inspector2, passed=True, comment="交叉检查未发现问题，同意销号。"
            )
        # N: a parcel waiting for its cross-check (花川 → an inspector of 梅陇)
        hc_manager = b.manager_of_zone[b.grid_zone[n_parcel.grid_id]]
        other = b.inspector_of_grid[o_parcel.grid_id]
        self.close(self.assign(self.ticket_for([self.report(b.tenants[n_parcel.pk][0], general[0], 15)])))
        with self.later(1):
            closeout_services.request_crosscheck(
                n_parcel, actor=hc_manager, inspector=other, comment="申请交叉检查销号。"
            )
        # O: a failed cross-check (梅陇 → an inspector of 四方): a new hazard, the parcel stays red
        ml_manager = b.manager_of_zone[b.grid_zone[o_parcel.grid_id]]
        checker = b.inspector_of_grid[b.single_parcels[4].grid_id]
        self.close(self.assign(self.ticket_for([self.report(b.tenants[o_parcel.pk][0], general[1], 14)])))
        with self.later(1):
            crosscheck = closeout_services.request_crosscheck(o_parcel, actor=ml_manager, inspector=checker)
        with self.later(2):
            closeout_services.record_crosscheck(
                crosscheck,
                actor=checker,
                passed=False,
                comment="发现新的问题，不同意销号。",
                hazards=[
                    {
                        "category": parcel_general[0],
                        "description": "厂区东侧消防通道被货车占用。",
                        "location_detail": "厂区东侧通道",
                    }
                ],
            )
        # P: the 2023 campaign: a campaign or third-party inspection of two tagged enterprises per tag;
        # the first of each rectified (two left in progress), the second clean
        day = CAMPAIGN_START + timedelta(days=10)
        for i, (tag, targets) in enumerate(b.campaign_targets.items()):
            checklist = b.tag_checklist.get(tag)
            source = InspectionSource.THIRD_PARTY if i % 2 else InspectionSource.CAMPAIGN
            for j, unit in enumerate(targets[:2]):
                moment = at(day + timedelta(days=7 * i + j), 10 * 3600)
                if checklist is None:
                    continue
                _inspection, found = self.inspect(
                    unit,
                    0,
                    fail=1 - j,
                    checklist=checklist,
                    source=source,
                    campaign=b.campaign,
                    inspected_at=moment,
                    tag=tag,
                    notes="百日攻坚专项检查（会同第三方专业机构）",
                )
                if found:
                    ticket = self.assign(self.ticket_for(found))
                    if i < 4:
                        self.close(ticket, soon=True)
        # the daily job, this morning: overdue tickets E and F are escalated (level 2 and level 1)
        with self.at(at(b.today, 7 * 3600 + 45 * 60)):
            S.escalate_overdue()


# --- seed and city: the ledger in bulk ------------------------------------------------------------------
