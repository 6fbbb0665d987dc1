"""Risk grading and patrols in the demo (双重预防, 巡更打卡): risk points, the default patrol plan and
check-ins, for every scale.

* **Risk points.** Each industrial enterprise gets 1–4 points chosen by its risk tags (spraying → 喷涂车间
  or 喷漆房, metal dust → 抛光打磨车间 and 除尘系统, confined space → 有限空间-污水池, lithium → 锂电池仓库,
  welding → 焊接作业区, old wiring → 车间电气线路) and the generic ones (配电房, 机加工车间, 仓库,
  叉车作业区); a market or supermarket one (营业场所); a multi-tenant parcel its common areas (消防通道,
  公共配电房). L, E and C come from each kind's usual assessments, so most points grade blue or yellow,
  some orange, a few red, and the special-risk kinds mostly orange or red. About seven in ten are
  reviewed, a few of them regraded with a reason.
* **Patrol plan.** The default frequencies (the PATROL_DAYS setting) as a plan from the start of the story,
  set by the leader.
* **Check-ins.** Most recent visits of an inspector to a unit with coordinates begin with a scan of its
  plate a few minutes before, a few metres from the parcel's point (the inspection is then verified on
  site); a few scans are far away or without a position, flagged, and prove nothing.

``small`` goes through ``risk.services`` and ``cases.services`` on the story's clock (real events);
``seed`` and ``city`` write rows in bulk (scores and grades from ``risk.choices``, as ``save()`` would),
with the risk receivers suspended. Every scale ends with one ``risk.levels.recompute()``.
"""

import math
import random
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.utils import timezone

from accounts.choices import Role
from cases import services as case_services
from cases.choices import CheckInFlag, InspectionSource
from cases.models import CheckIn, Inspection
from cases.services.checkins import distance_m
from catalogue.choices import AccidentType as A
from core.dates import story_clock
from demo.common import BATCH, RANDOM_SEED, at
from register.choices import EnterpriseKind, RiskLevel, RiskTag
from risk import services as risk_services
from risk.choices import ControlLevel, RiskPointStatus, lec_score, level_of_score
from risk.levels import recompute
from risk.models import PatrolPlan, RiskPoint
from risk.receivers import deferred

PLAN_FROM = date(2023, 1, 1)  # the story starts with the 2023 ledger
PLAN_REASON = "默认巡查频次"
RECENT_DAYS = 60  # smart patrol (智慧巡更) started this long ago: older visits have no check-in
CHECKIN_SHARE = 0.65  # of an inspector's recent visits to a unit with coordinates
FAR_SHARE = 0.05
NO_POSITION_SHARE = 0.02
REVIEWED_SHARE = 0.7
REGRADED_SHARE = 0.06  # of the reviewed ones
INSPECTOR_SOURCES = (InspectionSource.GRID, InspectionSource.CROSS_CHECK)


@dataclass(frozen=True)
class PointKind:
    """A kind of risk point: its name, place, accident kinds, usual assessments ((weight, (L, E, C)), …)
    and control measures by type."""

    name: str
    place: str
    accidents: tuple
    assessments: tuple
    measures: tuple  # (engineering, management, training, PPE, emergency)


def _kind(name, place, accidents, assessments, *measures):
    return PointKind(name, place, tuple(str(a) for a in accidents), assessments, measures)


# D for the triples used below: 18, 42, 45, 54 blue; 80, 90, 120, 126, 135 yellow; 240, 252, 270 orange;
# 400, 480, 540, 720 red.
SPRAY_BOOTH = _kind(
    "喷涂车间",
    "生产车间二楼",
    (A.FIRE, A.OTHER_EXPLOSION, A.POISONING),
    ((15, ("1", "6", "15")), (65, ("3", "6", "15")), (20, ("3", "6", "40"))),
    "设置独立喷涂区，安装防爆电气和机械排风，VOCs 废气收集处理。",
    "落实动火审批，限量存放油漆稀释剂，每班清理漆渣。",
    "喷涂岗位人员岗前培训，持证上岗。",
    "佩戴防毒面具、防静电工作服。",
    "配备灭火器和消防沙，每半年开展火灾疏散演练。",
)
PAINT_ROOM = _kind(
    "喷漆房",
    "喷涂车间内",
    (A.FIRE, A.OTHER_EXPLOSION, A.POISONING),
    ((20, ("1", "6", "15")), (70, ("3", "6", "15")), (10, ("6", "6", "15"))),
    "喷漆房采用不燃材料，设置泄压口、防爆风机和可燃气体报警器。",
    "油漆、稀释剂当班用量领取，空桶及时清出。",
    "每季度开展喷漆作业安全培训。",
    "佩戴防毒口罩、护目镜。",
    "制定喷漆房火灾处置方案，配备推车式灭火器。",
)
POLISHING = _kind(
    "抛光打磨车间",
    "生产车间一楼",
    (A.OTHER_EXPLOSION, A.FIRE, A.MACHINERY),
    ((15, ("1", "6", "15")), (60, ("1", "6", "40")), (25, ("3", "6", "40"))),
    "打磨工位设置吸尘罩，采用湿式除尘，电气设备防爆。",
    "每班清扫积尘并记录，禁止明火。",
    "开展粉尘防爆专项培训。",
    "佩戴防尘口罩、防静电工作服。",
    "制定粉尘爆炸事故现场处置方案。",
)
DUST_COLLECTOR = _kind(
    "除尘系统",
    "车间外侧除尘器",
    (A.OTHER_EXPLOSION,),
    ((20, ("1", "3", "40")), (60, ("3", "2", "40")), (20, ("1", "10", "40"))),
    "除尘器设置泄爆片、隔爆阀和锁气卸灰装置，系统可靠接地。",
    "定期清灰，建立除尘系统点检记录。",
    "维修人员掌握除尘系统安全操作规程。",
    "清灰时佩戴防尘口罩。",
    "除尘器火花报警联动停机。",
)
CONFINED = _kind(
    "有限空间-污水池",
    "厂区东南角污水处理站",
    (A.POISONING, A.DROWNING),
    ((25, ("1", "2", "40")), (60, ("3", "2", "40")), (15, ("6", "2", "40"))),
    "设置有限空间警示标志和固定式气体检测报警仪，配备机械通风设备。",
    "执行“先通风、再检测、后作业”，作业审批，专人监护。",
    "作业人员和监护人员专项培训。",
    "佩戴正压式空气呼吸器、安全带和安全绳。",
    "配备三脚架等救援器材，严禁盲目施救。",
)
LITHIUM = _kind(
    "锂电池仓库",
    "成品仓库东侧",
    (A.FIRE, A.OTHER_EXPLOSION),
    ((20, ("1", "6", "15")), (60, ("3", "6", "15")), (20, ("1", "10", "40"))),
    "锂电池独立分区存放，设置防火分隔和自动喷水灭火系统。",
    "控制存放量，破损、鼓包电池隔离存放，禁止在库内充电。",
    "仓管员开展锂电池火灾特性培训。",
    "搬运时佩戴绝缘手套。",
    "配备隔离沙箱和专用灭火器材。",
)
WELDING = _kind(
    "焊接作业区",
    "生产车间一楼",
    (A.FIRE, A.SCALD),
    ((40, ("3", "6", "7")), (50, ("6", "6", "7")), (10, ("6", "6", "15"))),
    "焊接区与可燃物隔离，设置挡光屏和排烟装置。",
    "执行动火作业审批，作业后检查确认无火种。",
    "焊工持特种作业操作证上岗。",
    "佩戴焊接面罩、阻燃工作服和绝缘手套。",
    "作业点配备灭火器，专人监火。",
)
OLD_WIRING = _kind(
    "车间电气线路",
    "老厂房生产车间",
    (A.ELECTROCUTION, A.FIRE),
    ((50, ("3", "3", "15")), (45, ("3", "6", "15")), (5, ("6", "6", "15"))),
    "老化线路穿管敷设，更换老旧配电箱，加装漏电保护器。",
    "电工每月巡检线路并记录。",
    "开展安全用电培训。",
    "电工作业佩戴绝缘防护用品。",
    "发生电气火灾先断电后灭火。",
)
SWITCH_ROOM = _kind(
    "配电房",
    "厂区配电房",
    (A.ELECTROCUTION,),
    ((60, ("1", "3", "15")), (35, ("3", "3", "15")), (5, ("3", "6", "15"))),
    "配电房设置挡鼠板、绝缘垫，门口设警示标志。",
    "非电工禁止入内，执行停送电操作票制度。",
    "电工持证上岗。",
    "使用绝缘手套、绝缘靴。",
    "配备二氧化碳灭火器，制定触电事故处置方案。",
)
MACHINING = _kind(
    "机加工车间",
    "生产车间",
    (A.MACHINERY, A.STRUCK_BY_OBJECT),
    ((45, ("3", "6", "3")), (45, ("3", "6", "7")), (10, ("6", "6", "7"))),
    "冲床、车床等设备安装防护罩和双手操作、光电保护装置。",
    "执行设备操作规程，每日点检。",
    "新员工三级安全教育。",
    "佩戴防护眼镜，禁止戴手套操作旋转设备。",
    "设备旁设置急停按钮，配备急救箱。",
)
WAREHOUSE = _kind(
    "仓库",
    "成品仓库",
    (A.FIRE,),
    ((45, ("1", "6", "7")), (45, ("1", "6", "15")), (10, ("3", "6", "15"))),
    "仓库安装火灾报警和自动喷水灭火系统。",
    "货物分区分类堆放，保持“五距”，疏散通道畅通。",
    "仓管员消防“四个能力”培训。",
    "",
    "配备灭火器和消火栓，定期演练。",
)
FORKLIFT = _kind(
    "叉车作业区",
    "装卸区",
    (A.VEHICLE,),
    ((55, ("1", "6", "7")), (40, ("3", "6", "7")), (5, ("6", "6", "7"))),
    "划分人车分流通道，设置限速标志和反光镜。",
    "叉车定期检验，每班检查制动和灯光。",
    "叉车司机持证上岗。",
    "作业人员穿反光背心。",
    "制定车辆伤害事故处置方案。",
)
SALES_FLOOR = _kind(
    "营业场所",
    "营业大厅",
    (A.FIRE, A.OTHER),
    ((40, ("1", "6", "7")), (55, ("1", "6", "15")), (5, ("3", "6", "15"))),
    "设置自动喷水灭火、火灾报警和应急照明、疏散指示。",
    "每日防火巡查，营业期间安全出口不锁闭。",
    "员工消防安全培训。",
    "",
    "制定人员疏散预案，每半年演练。",
)
FIRE_LANE = _kind(
    "消防通道",
    "厂区消防通道及疏散楼梯",
    (A.FIRE,),
    ((50, ("1", "6", "7")), (45, ("1", "6", "15")), (5, ("3", "6", "15"))),
    "施划消防车道标线，设置禁停标志。",
    "房东每日巡查，发现占用立即清理。",
    "向各租户宣传消防通道管理规定。",
    "",
    "保持消防车道畅通，确保应急救援车辆通行。",
)
COMMON_SWITCH = _kind(
    "配电房（公共）",
    "宗地公共配电房",
    (A.ELECTROCUTION, A.FIRE),
    ((55, ("1", "3", "15")), (40, ("3", "3", "15")), (5, ("3", "6", "15"))),
    "公共配电房设置挡鼠板、绝缘垫和警示标志。",
    "由房东委托持证电工管理，执行巡检记录。",
    "电工持证上岗。",
    "使用绝缘手套、绝缘靴。",
    "配备二氧化碳灭火器。",
)

BY_TAG = {
    RiskTag.SPRAYING: ((SPRAY_BOOTH, PAINT_ROOM),),  # one of them
    RiskTag.METAL_DUST: ((POLISHING,), (DUST_COLLECTOR,)),  # both
    RiskTag.CONFINED_SPACE: ((CONFINED,),),
    RiskTag.LITHIUM: ((LITHIUM,),),
    RiskTag.WELDING: ((WELDING,),),
    RiskTag.OLD_WIRING: ((OLD_WIRING,),),
}
GENERIC = (SWITCH_ROOM, MACHINING, WAREHOUSE, FORKLIFT)
COMMON_AREAS = (FIRE_LANE, COMMON_SWITCH)

UP_REASONS = (
    "现场复核：作业人员多、通风条件差，提级管控。",
    "近一年发生过险情，提级管控。",
)
DOWN_REASONS = (
    "已加装自动灭火及报警装置，经现场复核降级。",
    "已实施工程改造，作业人员减少，经复核降级。",
)
CONTROL_BY_LEVEL = {
    RiskLevel.RED: (ControlLevel.COMPANY,),
    RiskLevel.ORANGE: (ControlLevel.COMPANY, ControlLevel.WORKSHOP),
    RiskLevel.YELLOW: (ControlLevel.WORKSHOP, ControlLevel.TEAM),
    RiskLevel.BLUE: (ControlLevel.TEAM, ControlLevel.POST),
}
MEASURE_FIELDS = (
    "measures_engineering",
    "measures_management",
    "measures_training",
    "measures_ppe",
    "measures_emergency",
)


@dataclass
class PlannedPoint:
    """A risk point before it is written: its unit, entry, and how its review goes."""

    enterprise: object
    parcel: object
    grid_id: int
    kind: PointKind
    lec: tuple
    control_level: str
    person: str
    phone: str
    reviewed: bool
    regrade: tuple | None  # (level, reason)

    @property
    def assessed(self):
        return level_of_score(lec_score(*self.lec))

    def entry(self):
        likelihood, exposure, consequence = self.lec
        return {
            "name": self.kind.name,
            "place": self.kind.place,
            "accident_types": list(self.kind.accidents),
            "likelihood": likelihood,
            "exposure": exposure,
            "consequence": consequence,
            **dict(zip(MEASURE_FIELDS, self.kind.measures, strict=True)),
            "control_level": self.control_level,
            "responsible_person": self.person,
            "responsible_phone": self.phone,
        }


class RiskPlanning:
    """The risk points of the builder's register, planned the same way at every scale."""

    def __init__(self, builder):
        self.b = builder
        self.rng = random.Random(RANDOM_SEED + 3)

    def tags_of(self):
        tags = {}
        for source in (self.b.campaign_targets, self.b.tagged_extra):
            for tag, enterprises in source.items():
                for enterprise in enterprises:
                    tags.setdefault(enterprise.pk, []).append(tag)
        return tags

    def kinds_for(self, enterprise, tags):
        rng = self.rng
        if enterprise.kind != EnterpriseKind.INDUSTRIAL:
            return [SALES_FLOOR] if enterprise.kind in (EnterpriseKind.MARKET, EnterpriseKind.SUPERMARKET) else []
        special = []
        for tag in sorted(tags):
            for options in BY_TAG.get(tag, ()):
                special.append(rng.choice(options))
        special = special[:4]
        target = rng.choice((1, 2, 2, 3, 3, 4))
        generic = max(0 if special else 1, target - len(special))
        return special + rng.sample(GENERIC, min(generic, len(GENERIC)))

    def point(self, kind, *, enterprise=None, parcel=None, grid_id, person, phone):
        rng = self.rng
        weights, triples = zip(*kind.assessments, strict=True)
        lec = rng.choices(triples, weights=weights)[0]
        assessed = level_of_score(lec_score(*lec))
        reviewed = rng.random() < REVIEWED_SHARE
        regrade = None
        if reviewed and rng.random() < REGRADED_SHARE:
            if assessed < RiskLevel.RED and (assessed == RiskLevel.BLUE or rng.random() < 0.6):
                regrade = (RiskLevel(assessed + 1), rng.choice(UP_REASONS))
            else:
                regrade = (RiskLevel(assessed - 1), rng.choice(DOWN_REASONS))
        return PlannedPoint(
            enterprise=enterprise,
            parcel=parcel,
            grid_id=grid_id,
            kind=kind,
            lec=lec,
            control_level=rng.choice(CONTROL_BY_LEVEL[assessed]),
            person=person,
            phone=phone,
            reviewed=reviewed,
            regrade=regrade,
        )

    def plan(self):
        """[PlannedPoint] for every enterprise (industrial ones 1–4) and every multi-tenant parcel."""
        b = self.b
        tags = self.tags_of()
        points = []
        for enterprise in b.enterprises:
            for kind in self.kinds_for(enterprise, tags.get(enterprise.pk, ())):
                points.append(
                    self.point(
                        kind,
                        enterprise=enterprise,
                        parcel=b.parcel_by_id.get(enterprise.parcel_id),
                        grid_id=enterprise.grid_id,
                        person=enterprise.safety_contact,
                        phone=enterprise.phone,
                    )
                )
        for parcel in b.multi_parcels:
            for kind in COMMON_AREAS:
                points.append(
                    self.point(
                        kind,
                        parcel=parcel,
                        grid_id=parcel.grid_id,
                        person=parcel.landlord_name,
                        phone=parcel.landlord_phone,
                    )
                )
        return points


def default_plan_days():
    days = settings.PATROL_DAYS
    return {f"{colour}_days": days[colour] for colour in ("red", "orange", "yellow", "blue")}


def jitter(rng, latitude, longitude, metres):
    """A point ``metres`` from (latitude, longitude) in a random direction."""
    angle = rng.uniform(0, 2 * math.pi)
    dlat = metres * math.cos(angle) / 111_320
    dlon = metres * math.sin(angle) / (111_320 * math.cos(math.radians(latitude)))
    return round(latitude + dlat, 6), round(longitude + dlon, 6)


class CheckInPlanning:
    """Where and when a check-in comes before an inspector's visit (one random stream for every scale)."""

    def __init__(self, builder):
        self.b = builder
        self.rng = random.Random(RANDOM_SEED + 4)
        self.since = builder.now - timedelta(days=RECENT_DAYS)
        self.count = 0

    def position_of(self, enterprise, parcel):
        place = parcel if parcel is not None else self.b.parcel_by_id.get(getattr(enterprise, "parcel_id", None))
        if place is None or place.latitude is None:
            return None
        return float(place.latitude), float(place.longitude)

    def before(self, *, source, moment, enterprise, parcel):
        """(at, latitude, longitude, accuracy) of a scan before this visit, or None for no scan."""
        rng = self.rng
        if source not in INSPECTOR_SOURCES or moment < self.since:
            return None
        point = self.position_of(enterprise, parcel)
        if point is None or rng.random() >= CHECKIN_SHARE:
            return None
        self.count += 1
        scanned = moment - timedelta(minutes=rng.randint(3, 40))
        roll = rng.random()
        if self.count == 3 or roll < FAR_SHARE:  # from the office, or the wrong parcel: flagged
            latitude, longitude = jitter(rng, *point, rng.uniform(800, 3000))
            return scanned, latitude, longitude, round(rng.uniform(10, 60), 1)
        if roll < FAR_SHARE + NO_POSITION_SHARE:  # the phone gave no position
            return scanned, None, None, None
        latitude, longitude = jitter(rng, *point, rng.uniform(5, 120))
        return scanned, latitude, longitude, round(rng.uniform(5, 45), 1)


# --- small: through the services, on the story's clock --------------------------------------------------


class SmallRisk:
    """Risk points declared and reviewed through risk.services, each on the story's clock; the default plan
    set by the leader at the start of the story."""

    def __init__(self, cases):
        self.cases = cases
        self.b = cases.b
        self.rng = random.Random(RANDOM_SEED + 5)

    def declarer(self, planned):
        b = self.b
        if planned.enterprise is not None and planned.enterprise.pk == b.demo_enterprise.pk:
            return b.users["demo-enterprise"]
        if planned.enterprise is None and planned.parcel.landlord_user_id:
            return b.users["demo-landlord"]
        return b.inspector_of_grid[planned.grid_id]

    def reviewer(self, planned):
        b = self.b
        if self.rng.random() < 0.5:
            return b.manager_of_zone[b.grid_zone[planned.grid_id]]
        return b.inspector_of_grid[planned.grid_id]

    def build(self):
        b = self.b
        with story_clock(at(PLAN_FROM, 9 * 3600)):
            risk_services.change_patrol_plan(actor=b.users["demo-leader"], reason=PLAN_REASON, **default_plan_days())
        points = RiskPlanning(b).plan()
        demo_points = [p for p in points if p.enterprise is not None and p.enterprise.pk == b.demo_enterprise.pk]
        for i, planned in enumerate(points):
            declared = self.cases.ago(self.rng.randint(45, 75), 9 + self.rng.randint(0, 7), self.rng.randrange(60))
            with story_clock(declared):
                point = risk_services.declare_risk_point(
                    actor=self.declarer(planned),
                    enterprise=planned.enterprise,
                    parcel=None if planned.enterprise is not None else planned.parcel,
                    **planned.entry(),
                )
            RiskPoint.objects.filter(pk=point.pk).update(created_at=declared)
            # the demo enterprise's last point waits for its review (the reviewer's to-do)
            if not planned.reviewed or (demo_points and planned is demo_points[-1]):
                continue
            with story_clock(declared + timedelta(days=self.rng.randint(2, 20), hours=i % 5)):
                level, reason = planned.regrade or (None, "")
                risk_services.review_risk_point(point, actor=self.reviewer(planned), level=level, reason=reason)


def small_checkin(planning, *, unit_enterprise, unit_parcel, actor, source, moment):
    """Before one of the small story's inspections: the inspector's scan of the unit's plate, through the
    service on the story's clock (the inspection recorded after it is then verified on site)."""
    if actor.role != Role.INSPECTOR:
        return None
    scan = planning.before(source=source, moment=moment, enterprise=unit_enterprise, parcel=unit_parcel)
    if scan is None:
        return None
    scanned, latitude, longitude, accuracy = scan
    with story_clock(scanned):
        return case_services.record_checkin(
            actor=actor,
            enterprise=unit_enterprise,
            parcel=unit_parcel,
            latitude=latitude,
            longitude=longitude,
            accuracy=accuracy,
            at=scanned,
        )


# --- seed and city: rows in bulk ------------------------------------------------------------------------


class BulkRisk:
    """Risk points, the plan and check-ins written as rows (no per-row services, no events)."""

    def __init__(self, builder, ledger):
        self.b = builder
        self.ledger = ledger
        self.rng = random.Random(RANDOM_SEED + 5)

    def build(self):
        with deferred():
            self.plan()
            self.points()
            self.checkins()

    def plan(self):
        b = self.b
        PatrolPlan.objects.create(
            valid_from=at(PLAN_FROM, 9 * 3600),
            created_by=b.users["demo-leader"],
            reason=PLAN_REASON,
            **default_plan_days(),
        )

    def points(self):
        b, rng = self.b, self.rng
        rows = []
        for planned in RiskPlanning(b).plan():
            grid_id = planned.grid_id
            score = lec_score(*planned.lec)
            assessed = level_of_score(score)
            level, reason = planned.regrade or (assessed, "")
            reviewed_at = b.now - timedelta(days=rng.randint(5, 60), minutes=rng.randrange(600))
            rows.append(
                RiskPoint(
                    enterprise=planned.enterprise,
                    parcel=planned.parcel,
                    grid_id=grid_id,
                    zone_id=b.grid_zone[grid_id],
                    score=score,
                    assessed_level=assessed,
                    level=level,
                    level_reason=reason,
                    status=RiskPointStatus.REVIEWED if planned.reviewed else RiskPointStatus.DECLARED,
                    declared_by=b.inspector_of_grid[grid_id],
                    reviewed_by=b.inspector_of_grid[grid_id] if planned.reviewed else None,
                    reviewed_at=reviewed_at if planned.reviewed else None,
                    **planned.entry(),
                )
            )
        RiskPoint.objects.bulk_create(rows, batch_size=BATCH)
        self.b.log(f"risk points: {len(rows)}")

    def checkins(self):
        b = self.b
        planning = CheckInPlanning(b)
        max_distance = settings.CHECKIN_MAX_DISTANCE_M
        rows, linked = [], []
        for insp in self.ledger.inspections:
            enterprise = insp.ent
            parcel = (
                insp.parcel if insp.parcel is not None else b.parcel_by_id.get(getattr(enterprise, "parcel_id", None))
            )
            scan = planning.before(source=insp.source, moment=insp.at, enterprise=enterprise, parcel=parcel)
            if scan is None:
                continue
            scanned, latitude, longitude, accuracy = scan
            distance, flag = None, CheckInFlag.NO_POSITION
            if latitude is not None:
                distance = round(distance_m(latitude, longitude, float(parcel.latitude), float(parcel.longitude)), 1)
                flag = CheckInFlag.FAR if distance > max_distance else CheckInFlag.NONE
            checkin = CheckIn(
                inspector_id=insp.inspector_id,
                enterprise=enterprise,
                parcel=parcel,
                grid_id=insp.grid_id,
                zone_id=b.grid_zone[insp.grid_id],
                checked_in_at=scanned,
                latitude=latitude,
                longitude=longitude,
                accuracy=accuracy,
                distance=distance,
                flag=flag,
            )
            rows.append(checkin)
            if flag == CheckInFlag.NONE:
                linked.append((insp.obj, checkin))
        CheckIn.objects.bulk_create(rows, batch_size=BATCH)
        inspections = []
        for inspection, checkin in linked:
            inspection.checkin = checkin
            inspections.append(inspection)
        Inspection.objects.bulk_update(inspections, ["checkin"], batch_size=500)
        self.b.log(f"check-ins: {len(rows)}, {len(inspections)} inspections verified on site")


def finish_levels(builder):
    """One recompute of every unit's level (the bulk rows and the story's transaction commit later)."""
    recompute(today=timezone.localdate())
    builder.log("risk levels")
