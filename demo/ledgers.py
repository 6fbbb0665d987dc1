"""The campaign's other ledgers in the demo data (FACTS.md): fire training and drills, enterprise service
requests, "焊有序" welding-control devices, safety responsibility letters.

``seed`` reproduces the source's figures exactly: 3,397 drill sessions with 131,113 person-times in total,
2,410 service requests solved (closed and rated, with their timelines), 797 welding devices (at enterprises
tagged welding first), this year's landlord letter signed for every multi-tenant parcel; beside them a few
open, dispatched and answered requests (one overdue and escalated), enterprise letters and landlord–tenant
agreements with a few missing, last year's landlord letters expired. ``city`` gets ten times as much,
``small`` a handful of each (the service requests through ``servicedesk.services``, so their timelines are
the services' own). Bulk scales write with ``bulk_create`` (events with ``timeline.chain.bulk_append``).
"""

import random
from collections import Counter
from datetime import date, timedelta

from accounts.models import Department
from cases.escalation import overdue_level
from core.dates import local_day
from core.models import Sequence
from demo.common import BATCH, RANDOM_SEED, at, days_between, work_time
from ledgers.choices import DeviceStatus, DrillKind, LetterKind, LetterStatus
from ledgers.models import Drill, LetterTemplate, ResponsibilityLetter, WeldingDevice
from register.choices import RiskTag
from servicedesk import services as desk
from servicedesk.choices import ServiceRequestStatus as S
from servicedesk.models import ServiceCategory, ServiceRequest
from timeline.chain import bulk_append
from timeline.kinds import EventKind
from timeline.models import Event

# per scale: drill sessions, their person-times, service requests solved, welding devices
FIGURES = {
    "small": (12, 460, 6, 5),
    "seed": (3397, 131113, 2410, 797),
    "city": (33970, 1311130, 24100, 7970),
}
DRILL_TITLES = {
    DrillKind.TRAINING: "消防安全知识培训",
    DrillKind.DRILL: "综合应急演练",
    DrillKind.EVACUATION: "人员疏散演练",
    DrillKind.EXTINGUISHER: "灭火器实操训练",
    DrillKind.EMERGENCY_TEAM: "微型消防站拉练",
}
REQUEST_TITLES = {
    "power": ["厂区变压器容量不足，申请增容", "线路老化频繁跳闸，请供电所检修", "临时用电接入申请"],
    "road": ["厂区门口道路破损，大车通行困难", "路灯损坏，夜间下班不安全", "消防车通道被占，请协调清理"],
    "permits": ["消防验收备案咨询", "危化品仓库审批进度查询", "厂房改建手续办理"],
    "fire_water": ["市政消火栓无水", "消防水源压力不足", "室外消火栓被遮挡损坏"],
    "other": ["员工宿舍外迁选址协助", "一厂多租分隔整改政策咨询", "安全培训场地协调"],
}
ANSWERS = ["已现场查看并处理完毕", "已安排施工队修复", "已协调相关单位完成办理", "已答复并指导办理"]


class CampaignLedgers:
    """Drills, service requests, welding devices and letters for the builder's register."""

    def __init__(self, builder):
        self.b = builder
        self.rng = random.Random(RANDOM_SEED + 7)
        self.sessions, self.person_times, self.solved, self.devices = FIGURES[builder.scale.name]
        self.year = builder.today.year
        self.departments = {d.code: d for d in Department.objects.all()}
        self.categories = list(ServiceCategory.objects.filter(active=True).select_related("department"))

    def build(self, *, through_services=False):
        self.drills()
        self.welding_devices()
        self.letters()
        if through_services:
            self.requests_through_services()
        else:
            self.requests_in_bulk()
        self.b.log("campaign ledgers: drills, welding devices, letters, service requests")

    # --- drills --------------------------------------------------------------------------------

    def _participants(self):
        """``self.sessions`` counts adding up to exactly ``self.person_times``."""
        rng, n, total = self.rng, self.sessions, self.person_times
        weights = [rng.lognormvariate(0, 0.6) for _i in range(n)]
        scale = total / sum(weights)
        counts = [max(3, int(w * scale)) for w in weights]
        diff = total - sum(counts)
        i = 0
        while diff:
            step = 1 if diff > 0 else -1
            if counts[i % n] + step >= 3:
                counts[i % n] += step
                diff -= step
            i += 1
        return counts

    def drills(self):
        b, rng = self.b, self.rng
        yesterday = b.yesterday
        this_year = days_between(date(self.year, 1, 2), yesterday) if yesterday.year == self.year else []
        history = days_between(date(2023, 1, 3), date(2023, 12, 22))
        recent = [d for d in this_year if d < yesterday] or history
        units = b.enterprises
        drills, attended = [], []
        counts = self._participants()
        for i, participants in enumerate(counts):
            # about a third this year (three on yesterday), the rest in 2023
            if i < 3 and this_year:
                day = yesterday
            elif i % 3 == 0 and this_year:
                day = rng.choice(recent)
            else:
                day = rng.choice(history)
            kind = rng.choice(list(DrillKind))
            if i % 5 < 3:  # an enterprise's own session
                unit = rng.choice(units) if i > 0 else b.demo_enterprise
                grid = b.grid_by_id[unit.grid_id]
                drills.append(
                    Drill(
                        kind=kind, held_on=day, title=f"{unit.name}{DRILL_TITLES[kind]}", zone_id=grid.zone_id,
                        grid=grid, enterprise=unit, parcel_id=unit.parcel_id, organiser=unit.name,
                        trainer=b.names.person(), participants=participants,
                        recorded_by=b.inspector_of_grid[grid.pk],
                    )
                )  # fmt: skip
                attended.append([])
            else:  # a park-wide session of a grid, with the units that took part
                grid = rng.choice(b.grids)
                zone = b.zone_by_id[grid.zone_id]
                drills.append(
                    Drill(
                        kind=kind, held_on=day, title=f"{grid.name}{DRILL_TITLES[kind]}", zone=zone, grid=grid,
                        organiser=f"{zone.name}区块安全生产办公室", trainer=f"{zone.name}消防救援站",
                        participants=participants, recorded_by=b.manager_of_zone[zone.pk],
                    )
                )  # fmt: skip
                attended.append(rng.sample(units, min(len(units), rng.randint(2, 6))))
        Drill.objects.bulk_create(drills, batch_size=BATCH)
        through = Drill.units.through
        rows = {(d.pk, e.pk) for d, chosen in zip(drills, attended, strict=True) for e in chosen}
        through.objects.bulk_create([through(drill_id=d, enterprise_id=e) for d, e in rows], batch_size=BATCH)

    # --- welding devices -----------------------------------------------------------------------

    def welding_devices(self):
        """At the enterprises tagged welding (the campaign's and the others), a few each, until the scale's
        number; then at other industrial enterprises."""
        b, rng = self.b, self.rng
        tagged = list(b.campaign_targets.get(RiskTag.WELDING, [])) + list(b.tagged_extra.get(RiskTag.WELDING, []))
        pool = tagged or b.industrial
        devices, per_zone = [], Counter()
        index = 0
        while len(devices) < self.devices:
            enterprise = pool[index % len(pool)]
            index += 1
            grid = b.grid_by_id[enterprise.grid_id]
            zone = b.zone_by_id[grid.zone_id]
            per_zone[zone.code] += 1
            devices.append(
                WeldingDevice(
                    device_id=f"HYX-{zone.code.upper()}-{per_zone[zone.code]:05d}", enterprise=enterprise,
                    parcel_id=enterprise.parcel_id, grid=grid, zone=zone,
                    installed_on=rng.choice(days_between(date(2023, 8, 21), date(2023, 12, 20))),
                    welding_points=rng.randint(1, 4),
                    status=DeviceStatus.OFFLINE if rng.random() < 0.03 else DeviceStatus.IN_USE,
                    recorded_by=b.inspector_of_grid[grid.pk],
                )
            )  # fmt: skip
        WeldingDevice.objects.bulk_create(devices, batch_size=BATCH)

    # --- letters -------------------------------------------------------------------------------

    def letters(self):
        """This year: every multi-tenant parcel's landlord letter signed, most single parcels' landlords and
        enterprises signed (some only issued, a few missing), landlord–tenant agreements for the tenants of
        multi-tenant parcels (a few missing); last year's multi-tenant landlord letters expired."""
        b, rng, year = self.b, self.rng, self.year
        templates = {t.kind: t for t in LetterTemplate.objects.filter(active=True)}
        letters = []
        issued_on = date(year, 1, 2) if b.yesterday.year == year else b.yesterday

        def letter(kind, grid, *, parcel=None, enterprise=None, status, signatory="", of_year=year):
            signed = status in (LetterStatus.SIGNED, LetterStatus.EXPIRED)
            day = issued_on if of_year == year else date(of_year, 1, 3)
            signed_on = min(b.yesterday, day + timedelta(days=rng.randint(1, 20))) if signed else None
            letters.append(
                ResponsibilityLetter(
                    year=of_year, kind=kind, parcel=parcel, enterprise=enterprise, grid=grid, zone_id=grid.zone_id,
                    template=templates.get(kind), status=status,
                    issued_on=day if status != LetterStatus.NOT_ISSUED else None,
                    signatory=signatory if signed else "", signed_on=signed_on,
                )
            )  # fmt: skip

        def some_status(signed_share):
            roll = rng.random()
            if roll < signed_share:
                return LetterStatus.SIGNED
            return LetterStatus.ISSUED if roll < (1 + signed_share) / 2 else None  # None: missing

        for parcel in b.multi_parcels:
            grid = b.grid_by_id[parcel.grid_id]
            letter(LetterKind.LANDLORD, grid, parcel=parcel, status=LetterStatus.SIGNED, signatory=parcel.landlord_name)
            letter(
                LetterKind.LANDLORD, grid, parcel=parcel, status=LetterStatus.EXPIRED,
                signatory=parcel.landlord_name, of_year=year - 1,
            )  # fmt: skip
            for i, tenant in enumerate(b.tenants[parcel.pk]):
                status = LetterStatus.SIGNED if i == 0 else some_status(0.9)
                if status:
                    letter(
                        LetterKind.TENANT_AGREEMENT, grid, parcel=parcel, enterprise=tenant, status=status,
                        signatory=tenant.legal_representative,
                    )  # fmt: skip
        for parcel in b.single_parcels:
            status = some_status(0.8)
            if status:
                grid = b.grid_by_id[parcel.grid_id]
                letter(LetterKind.LANDLORD, grid, parcel=parcel, status=status, signatory=parcel.landlord_name)
        for i, enterprise in enumerate(b.enterprises):
            status = LetterStatus.SIGNED if i == 0 else some_status(0.85)
            if status:
                letter(
                    LetterKind.ENTERPRISE, b.grid_by_id[enterprise.grid_id], enterprise=enterprise, status=status,
                    signatory=enterprise.legal_representative,
                )  # fmt: skip
        ResponsibilityLetter.objects.bulk_create(letters, batch_size=BATCH)

    # --- service requests ----------------------------------------------------------------------

    def _title(self, category):
        return self.rng.choice(REQUEST_TITLES.get(category.code, REQUEST_TITLES["other"]))

    def requests_through_services(self):
        """``small``: through servicedesk.services, so each request's timeline is the services' own: solved
        ones (rated), one of each open status, one returned by the enterprise, one overdue and escalated."""
        b = self.b
        enterprise_user, manager = b.users["demo-enterprise"], b.users["demo-manager"]
        department_user = b.users["demo-department"]
        power = ServiceCategory.objects.get(pk="power")
        others = [c for c in self.categories if c.pk != "power"] or [power]

        def raise_(category, title=None):
            return desk.raise_request(
                actor=enterprise_user, enterprise=b.demo_enterprise, category=category,
                title=title or self._title(category), description="企业通过手机提出。",
            )  # fmt: skip

        for i in range(self.solved):
            request = raise_(power)
            request = desk.dispatch_request(request, actor=manager, comment="请供电所限时办结。")
            request = desk.answer_request(request, actor=department_user, answer=ANSWERS[i % len(ANSWERS)])
            if i == 0:  # returned once, then answered again
                request = desk.confirm_request(
                    request, actor=enterprise_user, satisfied=False, feedback="仍未恢复供电。"
                )
                request = desk.answer_request(request, actor=department_user, answer="已更换故障开关，恢复供电。")
            desk.confirm_request(request, actor=enterprise_user, satisfied=True, rating=5 - i % 2, feedback="满意。")
        raise_(others[0])  # open: waiting for dispatch
        desk.dispatch_request(raise_(others[1 % len(others)]), actor=manager)  # dispatched (another department)
        answered = desk.dispatch_request(raise_(power), actor=manager)
        desk.answer_request(answered, actor=department_user, answer="已受理，正在协调施工。")
        late = desk.dispatch_request(raise_(power, "厂区配电房进水，需紧急处理"), actor=manager)
        # a request past its limit: the deadline moved back as if dispatched 10 days ago, then the daily job
        ServiceRequest.objects.filter(pk=late.pk).update(deadline=b.today - timedelta(days=3))
        from cases import escalation

        escalation.escalate_overdue(today=b.today, only=["service_request"])

    def requests_in_bulk(self):
        """``seed``/``city``: the solved requests over 2023 and this year, the open ones in the last weeks, in
        bulk with their events (raised, dispatched, answered, confirmed) and numbering continued."""
        b, rng = self.b, self.rng
        if not self.categories:
            return
        history = days_between(date(2023, 1, 3), date(2023, 12, 10))
        recent = days_between(b.yesterday - timedelta(days=30), b.yesterday)
        users = b.users
        enterprise_user = users["demo-enterprise"]
        department_user = users["demo-department"]
        pool = b.industrial
        plan = [S.CLOSED] * self.solved + [S.OPEN] * 3 + [S.DISPATCHED] * 4 + [S.ANSWERED] * 3
        sequence = Counter()
        requests, steps = [], []
        latest = at(b.today) - timedelta(hours=2)
        for i, status in enumerate(plan):
            enterprise = b.demo_enterprise if i < 3 else rng.choice(pool)
            category = rng.choice(self.categories)
            grid = b.grid_by_id[enterprise.grid_id]
            closed = status == S.CLOSED
            day = rng.choice(history if closed and i % 5 else recent) if closed else rng.choice(recent[-10:])
            steps_done = {S.OPEN: 1, S.DISPATCHED: 2, S.ANSWERED: 3, S.CLOSED: 4}[status]
            moments = [work_time(rng, day)]
            moments.append(moments[-1] + timedelta(hours=rng.randint(1, 20)))
            moments.append(moments[-1] + timedelta(days=rng.randint(1, max(1, category.time_limit_days - 1))))
            moments.append(moments[-1] + timedelta(hours=rng.randint(2, 48)))
            moments = moments[:steps_done]
            if moments[-1] > latest:  # everything before today: yesterday's briefing shows it all
                shift = moments[-1] - latest + timedelta(minutes=rng.randint(5, 14 * 24 * 60))
                moments = [moment - shift for moment in moments]
            raised_at = moments[0]
            raised_day = local_day(raised_at)
            sequence[raised_day] += 1
            request = ServiceRequest(
                number=f"FW{raised_day:%Y%m%d}{sequence[raised_day]:04d}", enterprise=enterprise,
                parcel_id=enterprise.parcel_id, grid=grid, zone_id=grid.zone_id, category=category,
                title=self._title(category), description="企业服务问题（分类派发、限时办结）。", status=status,
                raised_by=enterprise_user, created_at=raised_at,
            )  # fmt: skip
            if len(moments) > 1:
                limit = (moments[1] + timedelta(days=category.time_limit_days)).date()
                request.department = category.department
                # an open request is within its limit (the one overdue request is set below)
                request.deadline = limit if closed else max(limit, b.today + timedelta(days=2))
                request.dispatched_by, request.dispatched_at = b.manager_of_zone[grid.zone_id], moments[1]
            if len(moments) > 2:
                request.answer, request.answered_by, request.answered_at = (
                    rng.choice(ANSWERS),
                    department_user,
                    moments[2],
                )
            if closed:
                request.closed_at = moments[3]
                request.rating = rng.choice((5, 5, 5, 4, 4, 3))
                request.feedback = "满意。" if request.rating >= 4 else "基本满意。"
            requests.append(request)
            steps.append(moments)
        # one dispatched request past its limit, escalated by the daily job as it would be
        late = next(r for r in requests if r.status == S.DISPATCHED)
        late.deadline = b.today - timedelta(days=3)
        late.escalation_level = overdue_level(3)
        late.escalated_at = at(b.today, 7 * 3600 + 45 * 60)  # this morning's job, before the briefing
        if late.escalated_at > b.now:
            late.escalated_at = max(late.dispatched_at, latest) + timedelta(minutes=1)
        ServiceRequest.objects.bulk_create(requests, batch_size=BATCH)
        keys = {f"FW{day:%Y%m%d}": n for day, n in sequence.items()}
        Sequence.objects.bulk_create(
            [Sequence(key=key, value=n) for key, n in keys.items()],
            update_conflicts=True, unique_fields=["key"], update_fields=["value"], batch_size=BATCH,
        )  # fmt: skip
        self._request_events(requests, steps, late)

    def _request_events(self, requests, steps, late):
        events = []

        def add(request, moment, kind, actor, before, after, comment="", data=None):
            events.append(
                Event(
                    kind=kind, actor_id=actor, parcel_id=request.parcel_id, from_status=before, to_status=after,
                    comment=comment, data={"service_request": request.pk, **(data or {})}, created_at=moment,
                    stream=request.stream,
                )
            )  # fmt: skip

        for request, moments in zip(requests, steps, strict=True):
            add(request, moments[0], EventKind.SERVICE_REQUEST_RAISED, request.raised_by_id, "", S.OPEN, request.title)
            if len(moments) > 1:
                add(
                    request, moments[1], EventKind.SERVICE_REQUEST_DISPATCHED, request.dispatched_by_id, S.OPEN,
                    S.DISPATCHED, data={"department": request.department_id, "deadline": request.deadline.isoformat()},
                )  # fmt: skip
            if len(moments) > 2:
                add(request, moments[2], EventKind.SERVICE_REQUEST_ANSWERED, request.answered_by_id, S.DISPATCHED,
                    S.ANSWERED, request.answer)  # fmt: skip
            if request.status == S.CLOSED:
                add(request, request.closed_at, EventKind.SERVICE_REQUEST_CONFIRMED, request.raised_by_id, S.ANSWERED,
                    S.CLOSED, request.feedback, {"rating": request.rating})  # fmt: skip
        add(late, late.escalated_at, EventKind.SERVICE_REQUEST_ESCALATED, None, late.status, late.status,
            "逾期 3 天，系统自动督办。",
            {"from_level": 0, "to_level": late.escalation_level, "days_overdue": 3, "automatic": True})  # fmt: skip
        events.sort(key=lambda e: e.created_at)
        bulk_append(events, batch_size=BATCH)


def department_user(builder, user):
    """The demo department login belongs to the power supply office (供电所)."""
    user.department = Department.objects.filter(code="power").first()
    user.save(update_fields=["department"])
    return user


__all__ = ["CampaignLedgers", "department_user"]
