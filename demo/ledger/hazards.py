"""Planning the ledger's inspections and hazards: the campaign, recent open cases, the 2023 history,
self-checks, severities, fingerprints, duplicate and invalid reports.
"""

from datetime import date, timedelta

from cases.choices import HazardStatus, InspectionSource
from cases.services.base import fingerprint_of  # the rule report_hazard applies
from catalogue.choices import CategoryLevel, Severity
from demo.common import DemoError, work_time
from demo.ledger.records import PlannedHazard, PlannedInspection
from demo.names import PLACES
from register.choices import EnterpriseKind


class HazardPlanning:
    """Ledger steps that plan inspections and hazards (mixed into ``Ledger``)."""

    def setup_pools(self):
        b = self.b
        units = []
        weights = []
        for enterprise in b.enterprises:
            units.append(enterprise)
            weights.append(
                {EnterpriseKind.INDUSTRIAL: 1.0, EnterpriseKind.SMALL_PREMISES: 0.45}.get(enterprise.kind, 3.0)
            )
        cumulative = []
        total = 0.0
        for weight in weights:
            total += weight
            cumulative.append(total)
        self.units, self.unit_cum = units, cumulative

        def weight(category):
            return 3.0 if category.default_severity == Severity.GENERAL else 0.25

        def pool(categories):
            return categories, [weight(c) for c in categories]

        self.parcel_general = (
            sorted(
                (c for c in b.parcel_categories if c.default_severity == Severity.GENERAL),
                key=lambda c: c.deadline_days,
            )
            or b.parcel_categories
        )
        self.ent_pool = pool(b.enterprise_categories)
        self.parcel_pool = pool(b.parcel_categories)
        shop_list = b.routine_checklist.get(EnterpriseKind.SMALL_PREMISES)
        shop_categories = []
        if shop_list:
            shop_categories = list(
                {
                    i.category.pk: i.category
                    for i in b.checklist_items[shop_list.pk]
                    if i.category.level == CategoryLevel.ENTERPRISE and not i.category.risk_tag_id
                }.values()
            )
        self.shop_pool = pool(shop_categories or b.enterprise_categories)

    def pick_unit(self):
        rng = self.rng
        if rng.random() < 0.14:
            parcel = rng.choice(self.b.multi_parcels)
            return None, parcel
        enterprise = rng.choices(self.units, cum_weights=self.unit_cum)[0]
        return enterprise, self.b.parcel_by_id.get(enterprise.parcel_id)

    def grid_of(self, ent, parcel):
        return ent.grid_id if ent is not None else parcel.grid_id

    def add_hazards(self, insp, n, fate, *, tag=None):
        """Up to ``n`` hazards on the inspection's unit: from its checklist's failed items when it has one."""
        rng, ent, parcel = self.rng, insp.ent, insp.parcel
        if insp.checklist is not None:
            chosen = self._failed_items(insp, n, tag)
        elif tag is not None:
            categories = self.b.tag_categories[tag]
            chosen = [(category, None, None) for category in rng.sample(categories, min(n, len(categories)))]
        else:
            chosen = self._drawn_categories(ent, parcel is not None, n)
        made = []
        for k, (category, text, item) in enumerate(chosen):
            place = (
                rng.choice(PLACES)
                if ent is not None
                else rng.choice(("厂区通道", "楼梯间", "员工宿舍", "厂区东侧", "公共区域"))
            )
            description = text or f"{place}：{category.name}"
            moment = insp.at + timedelta(seconds=k + 1)
            hazard = PlannedHazard(
                insp, ent, parcel, insp.grid_id, category, description, place, insp.inspector_id, moment, fate
            )
            if item is not None:
                insp.failed[item.pk] = hazard
            insp.hazards.append(hazard)
            made.append(hazard)
        self.hazards += made
        return made

    def _failed_items(self, insp, n, tag):
        """``n`` items of the inspection's checklist (of the risk tag, or untagged) that fail: (category, text, item)."""
        rng = self.rng
        items = []
        seen = set()
        for item in self.b.checklist_items[insp.checklist.pk]:
            category = item.category
            if (category.risk_tag_id or None) != tag or category.pk in seen:
                continue
            if category.level == CategoryLevel.PARCEL and insp.parcel is None:
                continue
            seen.add(category.pk)
            items.append(item)
        # weighted sampling without replacement: general items fail more often than major ones
        items.sort(
            key=lambda i: -(rng.random() ** (1 / (3.0 if i.category.default_severity == Severity.GENERAL else 0.25)))
        )
        return [(item.category, f"{item.text}：现场检查不符合要求", item) for item in items[:n]]

    def _drawn_categories(self, ent, has_parcel, n):
        """Up to ``n`` different categories drawn from the unit's pool: (category, None, None)."""
        rng = self.rng
        chosen = []
        seen = set()
        for _i in range(n * 3):
            if len(chosen) >= n:
                break
            if ent is None:
                categories, weights = self.parcel_pool
            elif ent.kind != EnterpriseKind.INDUSTRIAL:
                categories, weights = self.shop_pool
            elif has_parcel and rng.random() < 0.15:
                categories, weights = self.parcel_pool
            else:
                categories, weights = self.ent_pool
            category = rng.choices(categories, weights=weights)[0]
            if category.pk not in seen:
                seen.add(category.pk)
                chosen.append((category, None, None))
        return chosen

    def new_inspection(
        self,
        ent,
        parcel,
        moment,
        *,
        source=InspectionSource.GRID,
        checklist_share=0.3,
        checklist=None,
        inspector_id=None,
    ):
        b = self.b
        grid_id = self.grid_of(ent, parcel)
        insp = PlannedInspection(ent, parcel, grid_id, inspector_id or b.inspector_of_grid[grid_id].pk, moment, source)
        if checklist is not None:
            insp.checklist = checklist
        elif self.rng.random() < checklist_share:
            insp.checklist = b.parcel_checklist if ent is None else b.routine_checklist.get(ent.kind)
        self.inspections.append(insp)
        return insp

    def hazard_count(self):
        return self.rng.choices((1, 2, 3, 4, 5), weights=(30, 30, 20, 12, 8))[0]

    # phases

    def plan_campaign(self):
        """Each rectified target of each risk tag: one campaign or third-party inspection, hazards of the tag."""
        rng, b = self.rng, self.b
        made = 0
        for tag, targets in b.campaign_targets.items():
            checklist = b.tag_checklist.get(tag)
            for enterprise in targets:
                source = InspectionSource.THIRD_PARTY if rng.random() < 0.6 else InspectionSource.CAMPAIGN
                insp = self.new_inspection(
                    enterprise,
                    b.parcel_by_id.get(enterprise.parcel_id),
                    work_time(rng, rng.choice(self.campaign_days)),
                    source=source,
                    checklist=checklist,
                    checklist_share=0,
                )
                insp.campaign = b.campaign
                insp.fate = "rectified"
                insp.notes = (
                    "百日攻坚专项检查（会同第三方专业机构）"
                    if source == InspectionSource.THIRD_PARTY
                    else "百日攻坚专项检查"
                )
                made += len(self.add_hazards(insp, rng.choice((1, 1, 2, 2, 3)), "rectified", tag=tag))
                if not insp.hazards:  # a checklist without an item of the tag: report the tag's category
                    insp.checklist = None
                    insp.failed = {}
                    made += len(self.add_hazards(insp, 1, "rectified", tag=tag))
        return made

    def recent_moment(self, first_ago, last_ago):
        day = self.b.yesterday - timedelta(days=self.rng.randint(last_ago, first_ago))
        return work_time(self.rng, day)

    def plan_recent(self):
        """The open hazards (every open status) and recently rectified ones; yesterday's activity."""
        rng, b, s = self.rng, self.b, self.s
        reported, pending, assigned, submitted = s.open_split
        if sum(s.open_split) != s.open:
            raise DemoError(f"scale {s.name}: the open split does not add up to {s.open}")
        yesterday_pending = min(pending, max(1, s.yesterday_new // 6))
        yesterday_reported = s.yesterday_new - yesterday_pending
        quotas = [
            # fate, hazards, (days ago: from, to); yesterday's last, the first few repeating an open report
            ("reported", reported - yesterday_reported, (6, 1)),
            ("pending", pending - yesterday_pending, (3, 1)),
            ("assigned", assigned, (16, 2)),
            ("submitted", submitted, (16, 4)),
            ("rectified", s.recent_rectified, (40, 3)),
            ("reported", yesterday_reported, (0, 0)),
            ("pending", yesterday_pending, (0, 0)),
        ]
        repeats = max(2, s.open // 50)
        demo_tenants = b.tenants[b.demo_parcel.pk]
        forced = {  # the demo logins' own open cases
            "assigned": [(b.demo_enterprise, b.demo_parcel, False)],
            "submitted": [(None, b.demo_parcel, True), (demo_tenants[1], b.demo_parcel, False)],
            "reported": [(demo_tenants[2], b.demo_parcel, False)],
            "pending": [(demo_tenants[1], b.demo_parcel, False)],
            "rectified": [(b.demo_enterprise, b.demo_parcel, False)],
        }
        for fate, quota, (first_ago, last_ago) in quotas:
            left = quota
            while left > 0:
                if fate == "reported" and first_ago == 0 and repeats > 0:
                    repeats -= 1
                    left -= self.repeat_open_report()
                    continue
                if forced.get(fate):
                    ent, parcel, parcel_level = forced[fate].pop(0)
                else:
                    (ent, parcel), parcel_level = self.pick_unit(), False
                insp = self.new_inspection(
                    ent, parcel, self.recent_moment(first_ago, last_ago), checklist_share=0 if parcel_level else 0.3
                )
                insp.fate = fate
                n = min(left, self.hazard_count() if fate != "reported" else rng.choice((1, 1, 2)))
                if parcel_level:
                    hazards = []
                    category = self.parcel_general[0]
                    hazards.append(
                        PlannedHazard(
                            insp,
                            None,
                            parcel,
                            insp.grid_id,
                            category,
                            f"厂区通道：{category.name}",
                            "厂区通道",
                            insp.inspector_id,
                            insp.at + timedelta(seconds=1),
                            fate,
                        )
                    )
                    insp.hazards += hazards
                    self.hazards += hazards
                else:
                    hazards = self.add_hazards(insp, n, fate)
                left -= len(hazards)
        self.recent_quotas = quotas

    def repeat_open_report(self):
        """One of yesterday's reports repeats an open one on the same unit and category (a likely duplicate)."""
        rng = self.rng
        candidates = [h for h in self.hazards if h.fate in ("reported", "pending", "assigned")]
        original = rng.choice(candidates)
        insp = self.new_inspection(original.ent, original.parcel, work_time(rng, self.b.yesterday), checklist_share=0)
        insp.fate = "reported"
        copy = PlannedHazard(
            insp,
            original.ent,
            original.parcel,
            insp.grid_id,
            original.category,
            original.description + "（再次发现）",
            original.location,
            insp.inspector_id,
            insp.at + timedelta(seconds=1),
            "reported",
        )
        copy.severity = original.severity
        insp.hazards.append(copy)
        self.hazards.append(copy)
        return 1

    def plan_history(self, target):
        """Routine inspections in 2023 (and the years before it, ``--years``) with ``target`` hazards, all rectified."""
        rng = self.rng
        left = target
        while left > 0:
            ent, parcel = self.pick_unit()
            insp = self.new_inspection(ent, parcel, work_time(rng, rng.choice(self.hist_days)))
            insp.fate = "rectified"
            left -= len(self.add_hazards(insp, min(left, self.hazard_count()), "rectified"))

    def plan_self_checks(self):
        b = self.b
        checklist = b.self_checklist
        if checklist is None:
            return
        user = b.users["demo-enterprise"]
        for month in range(6, 13):
            insp = self.new_inspection(
                b.demo_enterprise,
                b.demo_parcel,
                work_time(self.rng, date(2023, month, 25)),
                source=InspectionSource.SELF_CHECK,
                checklist=checklist,
                inspector_id=user.pk,
            )
            insp.notes = "企业主履职月度自查"
        insp = self.new_inspection(
            b.demo_enterprise,
            b.demo_parcel,
            work_time(self.rng, b.yesterday - timedelta(days=5)),
            source=InspectionSource.SELF_CHECK,
            checklist=checklist,
            inspector_id=user.pk,
        )
        insp.notes = "企业主履职月度自查"

    # severities, open-hazard fingerprints, duplicates

    def fix_severities(self):
        """Exactly the source's general / major split among the rectified hazards; few majors open."""
        rng, s = self.rng, self.s
        rectified = [h for h in self.hazards if h.fate == "rectified"]
        if len(rectified) != s.rectified_general + s.rectified_major:
            raise DemoError(
                f"planned {len(rectified)} rectified hazards, expected {s.rectified_general + s.rectified_major}"
            )
        majors = [h for h in rectified if h.severity == Severity.MAJOR]
        generals = [h for h in rectified if h.severity == Severity.GENERAL]
        if len(majors) > s.rectified_major:
            for h in rng.sample(majors, len(majors) - s.rectified_major):
                h.severity = Severity.GENERAL
        elif len(majors) < s.rectified_major:
            for h in rng.sample(generals, s.rectified_major - len(majors)):
                h.severity = Severity.MAJOR
        open_hazards = [h for h in self.hazards if h.fate != "rectified"]
        open_majors = [h for h in open_hazards if h.severity == Severity.MAJOR]
        limit = max(2, len(open_hazards) // 15)
        for h in open_majors[limit:]:
            h.severity = Severity.GENERAL

    def fingerprints(self):
        """Open hazards hold the services' fingerprint (unit + category); a second open one is a likely duplicate."""
        holders = {}
        open_hazards = sorted((h for h in self.hazards if h.fate != "rectified"), key=lambda h: h.at)
        for hazard in open_hazards:
            hazard.status = HazardStatus.REPORTED if hazard.fate == "reported" else HazardStatus.AGGREGATED
            key = fingerprint_of(hazard.ent, hazard.parcel, hazard.category)
            if key in holders:
                hazard.likely = holders[key]
            else:
                holders[key] = hazard
                hazard.fingerprint = key

    def plan_extras(self):
        """Duplicate reports (marked by a manager) and invalid ones (核实不属实), not counted."""
        rng, b, s = self.rng, self.b, self.s
        candidates = [h for h in self.hazards if h.fate == "rectified" and h.ticket is not None]
        for original in rng.sample(candidates, min(s.duplicates, len(candidates))):
            ticket = original.ticket
            span = (ticket.closed - original.at).total_seconds()
            moment = original.at + timedelta(seconds=max(3600, span * rng.uniform(0.1, 0.6)))
            copy = PlannedHazard(
                None,
                original.ent,
                original.parcel,
                original.grid_id,
                original.category,
                original.description + "（重复上报）",
                original.location,
                b.inspector_of_grid[original.grid_id].pk,
                moment,
                "duplicate",
            )
            copy.status = HazardStatus.DUPLICATE
            copy.severity = original.severity
            copy.duplicate_of = copy.likely = original
            copy.marked_at = min(moment + timedelta(hours=rng.uniform(1, 20)), ticket.closed)
            copy.marked_by = b.manager_of_zone[b.grid_zone[original.grid_id]].pk
            self.extra_hazards.append(copy)
        reasons = (
            "现场核实，情况不属实。",
            "经核实，该问题已于检查前整改完毕。",
            "经核实，非本单位区域，不属实。",
            "现场复核，举报内容与实际不符。",
        )
        for _i in range(s.invalid):
            ent, parcel = self.pick_unit()
            grid_id = self.grid_of(ent, parcel)
            recent = rng.random() < 0.1
            day = (self.b.yesterday - timedelta(days=rng.randint(2, 30))) if recent else rng.choice(self.hist_days)
            moment = work_time(rng, day)
            categories, weights = self.parcel_pool if ent is None else self.ent_pool
            category = rng.choices(categories, weights=weights)[0]
            hazard = PlannedHazard(
                None,
                ent,
                parcel,
                grid_id,
                category,
                f"群众反映：{category.name}",
                "",
                b.inspector_of_grid[grid_id].pk,
                moment,
                "invalid",
            )
            hazard.status = HazardStatus.INVALID
            hazard.reason = rng.choice(reasons)
            hazard.marked_at = moment + timedelta(hours=rng.uniform(2, 40))
            hazard.marked_by = b.manager_of_zone[b.grid_zone[grid_id]].pk
            self.extra_hazards.append(hazard)
