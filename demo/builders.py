"""Demo data (``manage.py seed_demo``): a wired register, demo logins and a case ledger.

Three scales, all deterministic (a fixed random seed; only the dates move with today):

``small`` (a few seconds)
    Six zones, seven grids, a few dozen units of every kind, and a scripted set of cases built
    through ``cases.services``, so every event and timeline is real: hazards reported,
    aggregated, rectified, duplicate and invalid, likely duplicates flagged; tickets pending,
    assigned, submitted and closed, two overdue and escalated by the daily job (levels 1 and 2),
    one escalated by a manager and one 挂牌督办 by the leader, one reworked; a parcel closed out
    by a cross-check, one waiting for its cross-check, one that failed it, red ones; the 2023
    百日攻坚 campaign with its risk tags; checklist inspections including an owner self-check;
    real JPEG photos (drawn with Pillow) on some hazards and on every submission.

``seed`` (the source's register and ledger, FACTS.md; written in bulk)
    6 zones (中申达, 花川, 梅陇, 四方, 九里山, 富源), 24 grids, 293 multi-tenant parcels (and
    single-tenant ones), 2033 industrial enterprises, 795 两房一店, 1 market, 1 supermarket,
    risk tags on more enterprises than the special-rectification counts; 11024 inspections,
    19997 hazards found of which 19294 general and 545 major rectified through closed tickets
    (99.21%), the other 158 open in every open status, some overdue and escalated; duplicate
    and invalid reports on top; parcels closed out by cross-checks; for each risk tag exactly
    the FACTS.md number of tagged enterprises rectified through campaign or third-party
    inspections. Dates lie in 2023 (the campaign year) except the last 40 days before today,
    which carry the open cases and some recent activity, so the briefing for yesterday has
    content. Numbers follow the services' format and the Sequence rows are set, so the services
    continue numbering without collisions.

``city`` (benchmarks; about 4 minutes of CPU, 10 minutes on a busy machine)
    The register at 50,000 enterprises (35,900 industrial, 14,070 两房一店, 12 markets, 18
    supermarkets) in 6 zones and 120 grids, 22,180 parcels of which 5,180 multi-tenant; the
    ledger at ten times ``seed``: 110,240 inspections, 199,970 hazards found (192,940 general +
    5,450 major rectified, 99.21%), 1,580 open, 2,100 duplicate or invalid on top, about
    97,000 tickets, 300,000 checklist results and 740,000 events.

Demo logins: demo-admin, demo-leader, demo-manager, demo-inspector, demo-inspector2,
demo-enterprise, demo-landlord (password ``demo-pass-2023`` or ``$DEMO_PASSWORD``), wired
together: the demo enterprise is a tenant on a multi-tenant parcel of the demo landlord, in
the demo inspector's grid, in the demo manager's zone; the second inspector works the
neighbouring grid (cross-checks); the leader sees everything and receives the briefing.
Other accounts: ``manager-<zone>`` and ``inspector-<grid>``; in ``small`` also the accounts of
the responsible parties that submit evidence (``owner-<n>``, ``landlord-<n>``).
"""

import io
import os
import random
import time as monotonic_time
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, reset_queries, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import Role
from cases import services
from cases.choices import (
    EscalationLevel,
    HazardStatus,
    InspectionResult,
    InspectionSource,
    ResponsibleKind,
    TicketStatus,
)
from cases.models import Hazard, Inspection, InspectionItem, Photo, Ticket
from catalogue.choices import CategoryLevel, Severity
from catalogue.models import Campaign, Checklist, HazardCategory
from closeout import services as closeout_services
from closeout.choices import CrossCheckStatus
from closeout.models import CrossCheck
from core.models import Sequence
from register.choices import CloseoutState, EnterpriseKind, RiskTag
from register.credit_codes import make_credit_code
from register.models import Enterprise, Grid, Parcel, RiskTagOption, Zone
from timeline.chain import bulk_append
from timeline.models import Event

RANDOM_SEED = 20231231
DEFAULT_PASSWORD = "demo-pass-2023"
BATCH = 2000

ZONES = [("中申达", "zsd"), ("花川", "hc"), ("梅陇", "ml"), ("四方", "sf"), ("九里山", "jls"), ("富源", "fy")]

# Special rectification by risk type (FACTS.md): enterprises rectified with third-party professionals.
CAMPAIGN_RECTIFIED = {
    RiskTag.SPRAYING: 274,
    RiskTag.METAL_DUST: 38,
    RiskTag.CONFINED_SPACE: 185,
    RiskTag.LITHIUM: 87,
    RiskTag.WELDING: 228,
    RiskTag.OLD_WIRING: 27,
}
CAMPAIGN_NAME = "2023年安全生产与消防安全百日攻坚专项行动"
CAMPAIGN_START = date(2023, 8, 21)
CAMPAIGN_END = date(2023, 11, 28)

DEMO_USERS = [
    # username, name, role, staff+superuser
    ("demo-admin", "系统管理员", "", True),
    ("demo-leader", "赵领导", Role.LEADER, False),
    ("demo-manager", "王交办", Role.MANAGER, False),
    ("demo-inspector", "张网格", Role.INSPECTOR, False),
    ("demo-inspector2", "李巡查", Role.INSPECTOR, False),
    ("demo-enterprise", "陈企业", Role.ENTERPRISE, False),
    ("demo-landlord", "刘房东", Role.LANDLORD, False),
]
DEMO_ENTERPRISE_NAME = "永康市星辰五金制品有限公司"


class DemoError(Exception):
    """The demo data cannot be built; the message says why."""


@dataclass(frozen=True)
class Scale:
    name: str
    grids_per_zone: tuple
    multi_tenant_parcels: int
    single_parcels: int
    industrial: int
    small_premises: int
    markets: int
    supermarkets: int
    campaign_rectified: dict  # risk tag -> tagged enterprises rectified in the campaign
    tagged_extra: float = 0.12  # more tagged enterprises than rectified ones (progress under 100%)
    # the ledger (bulk scales only)
    inspections: int = 0
    found: int = 0
    rectified_general: int = 0
    rectified_major: int = 0
    open_split: tuple = (46, 24, 62, 26)  # reported, pending (tickets), assigned, submitted
    yesterday_new: int = 36
    recent_rectified: int = 260
    yesterday_rectified: int = 28
    duplicates: int = 150
    invalid: int = 60

    @property
    def open(self):
        return self.found - self.rectified_general - self.rectified_major


SCALES = {
    "small": Scale(
        name="small",
        grids_per_zone=(2, 1, 1, 1, 1, 1),
        multi_tenant_parcels=8,
        single_parcels=7,
        industrial=40,
        small_premises=12,
        markets=1,
        supermarkets=1,
        campaign_rectified=dict.fromkeys(CAMPAIGN_RECTIFIED, 2),
        tagged_extra=0.5,
    ),
    "seed": Scale(
        name="seed",
        grids_per_zone=(5, 4, 4, 3, 4, 4),
        multi_tenant_parcels=293,
        single_parcels=930,
        industrial=2033,
        small_premises=795,
        markets=1,
        supermarkets=1,
        campaign_rectified=dict(CAMPAIGN_RECTIFIED),
        inspections=11024,
        found=19997,
        rectified_general=19294,
        rectified_major=545,
    ),
    "city": Scale(
        name="city",
        grids_per_zone=(24, 20, 20, 16, 20, 20),
        multi_tenant_parcels=5180,
        single_parcels=17000,
        industrial=35900,
        small_premises=14070,
        markets=12,
        supermarkets=18,
        campaign_rectified={tag: count * 10 for tag, count in CAMPAIGN_RECTIFIED.items()},
        inspections=110240,
        found=199970,
        rectified_general=192940,
        rectified_major=5450,
        open_split=(460, 240, 620, 260),
        yesterday_new=360,
        recent_rectified=2600,
        yesterday_rectified=280,
        duplicates=1500,
        invalid=600,
    ),
}

# --- names ----------------------------------------------------------------------------------------------


def _words(text):
    return text.split()


SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁任沈姚卢傅钟姜"
    "崔谭陆范汪廖石金韦贾夏方邹熊白孟秦邱侯江尹薛段雷龙黎史陶贺毛郝顾龚邵万武钱戴严莫孔向常汤康易乔赖应楼胡"
)
GIVEN = "伟芳敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚英华建国志红春梅海燕飞鹏斌波宇浩凯健俊帆鑫晨辉林峰婷雪琳玲萍丹鸿亮永康金锋荣兴旺福祥"
TRADE = _words(
    "星辰 宏达 华美 金盛 恒通 鑫源 永泰 锦程 瑞丰 立新 博远 精工 荣昌 嘉禾 天成 东方 明珠 盈科 鼎力 众合 "
    "正阳 卓越 联创 新昌 富强 兴隆 长城 飞龙 金狮 银河 华鑫 康宁 万达 顺发 德力 汇丰 宝利 隆昌 凯达 振兴 "
    "群英 双龙 海燕 金鹰 中天 大江 通用 利民 佳美 腾飞 恒信 光明 大成 和盛 安达 远航 银鹰 金马 九洲 黄金"
)
INDUSTRY = _words(
    "五金制品 工贸 电器 机械 门业 杯业 电动工具 车业 塑料制品 厨具 工具 铝业 不锈钢制品 精密铸造 表面处理 "
    "电池科技 智能科技 实业 包装 模具"
)
SHOP_KINDS = _words("小吃店 便利店 五金店 理发店 快餐店 出租房 民宿 小超市 建材店 水果店 面馆 早餐店")
ROADS = _words(
    "金山路 花川路 梅陇路 四方路 九里山路 富源路 长城路 黄金大道 华丰路 五金大道 胜利街 工业路 科技路 园区路 "
    "经济路 创业路 望春路 溪心路 南苑路 总部中心路"
)
PLACES = _words("一号车间 二号车间 三号车间 成品仓库 原料仓库 办公楼 员工宿舍 配电房 厂区通道 包装车间 楼梯间 装配车间")
CN_DIGITS = "零一二三四五六七八九"


def chinese_number(n):
    """1..99 in Chinese numerals (一, 十二, 二十)."""
    if n < 10:
        return CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return f"{'' if tens == 1 else CN_DIGITS[tens]}十{CN_DIGITS[ones] if ones else ''}"


class Names:
    def __init__(self, rng):
        self.rng = rng
        self.used = set()
        self.credit_codes = set()

    def person(self):
        rng = self.rng
        return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _i in range(rng.choice((1, 2, 2))))

    def phone(self):
        return self.rng.choice(("138", "139", "135", "137", "150", "158", "159", "187", "188", "189")) + (
            f"{self.rng.randrange(10**8):08d}"
        )

    def unique(self, make):
        for _attempt in range(20):
            name = make()
            if name not in self.used:
                self.used.add(name)
                return name
        n = 2
        while f"{name}（{n}）" in self.used:
            n += 1
        name = f"{name}（{n}）"
        self.used.add(name)
        return name

    def company(self):
        rng = self.rng

        def make():
            prefix = rng.choices(("永康市", "浙江", "永康", "金华"), weights=(6, 2, 2, 1))[0]
            trade = rng.choice(TRADE) if rng.random() < 0.8 else rng.choice(TRADE) + rng.choice(TRADE)
            suffix = rng.choices(("有限公司", "股份有限公司", "厂"), weights=(10, 1, 2))[0]
            return f"{prefix}{trade}{rng.choice(INDUSTRY)}{suffix}"

        return self.unique(make)

    def shop(self, zone_name):
        rng = self.rng
        return self.unique(lambda: f"{zone_name}{rng.choice(TRADE)}{rng.choice(SHOP_KINDS)}")

    def credit_code(self):
        while True:
            code = make_credit_code(self.rng)
            if code not in self.credit_codes:
                self.credit_codes.add(code)
                return code


# --- time -----------------------------------------------------------------------------------------------


def local_tz():
    return ZoneInfo(settings.TIME_ZONE)


def at(day, seconds=0):
    """The aware datetime ``seconds`` after local midnight of ``day``."""
    return datetime.combine(day, time.min, tzinfo=local_tz()) + timedelta(seconds=seconds)


def work_time(rng, day):
    return at(day, rng.randint(8 * 3600 + 1800, 17 * 3600 + 1800))


def local_day(moment):
    return timezone.localtime(moment, local_tz()).date()


def days_between(first, last, *, workdays=True):
    out = []
    day = first
    while day <= last:
        if not workdays or day.weekday() < 6:
            out.append(day)
        day += timedelta(days=1)
    return out


# --- checks, reset, summary -----------------------------------------------------------------------------


def business_data_exists():
    return any(model.objects.exists() for model in (Zone, Grid, Parcel, Enterprise, Inspection, Hazard, Ticket))


KEEP_MODELS = {
    "catalogue.hazardcategory",
    "catalogue.checklist",
    "catalogue.checklistitem",
    "register.risktagoption",
}


BUSINESS_APPS = ("core", "register", "catalogue", "timeline", "cases", "closeout", "briefing")


def _business_models():
    """Every concrete model of the register and case apps except the shipped catalogue."""
    out = []
    for label in BUSINESS_APPS:
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            if model._meta.label_lower in KEEP_MODELS or model._meta.proxy or not model._meta.managed:
                continue
            if model._meta.auto_created:
                # an M2M table: keep it only when both ends are kept (e.g. none today)
                ends = {f.related_model._meta.label_lower for f in model._meta.fields if f.is_relation}
                if ends <= KEEP_MODELS:
                    continue
            out.append(model)
    return out


def reset_business_data():
    """Delete the register, the cases and every account except superusers (demo-admin included).

    Events are append-only through the ORM (``Event.delete`` refuses), so tables are emptied with
    plain ``DELETE`` statements inside the caller's transaction; foreign keys are checked at commit
    (both SQLite and PostgreSQL create them deferrable), so the order does not matter. Photo files
    are removed from storage. The shipped catalogue (categories, checklists, risk tags) stays.
    """
    User = get_user_model()
    for photo in Photo.objects.only("image", "thumbnail").iterator():
        for fieldfile in (photo.image, photo.thumbnail):
            if fieldfile.name:
                fieldfile.storage.delete(fieldfile.name)
    models = _business_models()
    user_m2m = [
        f.remote_field.through for f in User._meta.many_to_many if f.related_model._meta.app_label in BUSINESS_APPS
    ]
    with connection.cursor() as cursor:
        for model in user_m2m + models:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")
    doomed = User.objects.filter(Q(is_superuser=False) | Q(username__in=[u[0] for u in DEMO_USERS]))
    doomed.delete()


def rate_of(rectified, found):
    if not found:
        return None
    return (Decimal(rectified) * 100 / Decimal(found)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def ledger_counts():
    """Found / rectified by severity from one aggregate over the hazards, and the rate."""
    rectified = Q(status=HazardStatus.RECTIFIED)
    row = Hazard.objects.counted().aggregate(
        found=Count("pk"),
        rectified_general=Count("pk", filter=rectified & Q(severity=Severity.GENERAL)),
        rectified_major=Count("pk", filter=rectified & Q(severity=Severity.MAJOR)),
    )
    row["rate"] = rate_of(row["rectified_general"] + row["rectified_major"], row["found"])
    return row


def summarize():
    """The counts a person checks after seeding."""
    User = get_user_model()
    today = timezone.localdate()
    hazards = dict(Hazard.objects.values_list("status").annotate(n=Count("pk")).order_by())
    tickets = dict(Ticket.objects.values_list("status").annotate(n=Count("pk")).order_by())
    kinds = dict(Enterprise.objects.values_list("kind").annotate(n=Count("pk")).order_by())
    parcels = dict(Parcel.objects.values_list("closeout_state").annotate(n=Count("pk")).order_by())
    tags = dict(Enterprise.risk_tags.through.objects.values_list("risktagoption_id").annotate(n=Count("pk")).order_by())
    return {
        "zones": Zone.objects.count(),
        "grids": Grid.objects.count(),
        "parcels": Parcel.objects.count(),
        "multi_tenant_parcels": Parcel.objects.multi_tenant().count(),
        "parcels_by_state": parcels,
        "parcels_closed_out": Parcel.objects.filter(
            closeout_state=CloseoutState.GREEN, closed_out_at__isnull=False
        ).count(),
        "enterprises_by_kind": kinds,
        "risk_tags": tags,
        "users_by_role": dict(User.objects.values_list("role").annotate(n=Count("pk")).order_by()),
        "inspections": Inspection.objects.count(),
        "inspections_by_source": dict(Inspection.objects.values_list("source").annotate(n=Count("pk")).order_by()),
        "hazards_by_status": hazards,
        "likely_duplicates": Hazard.objects.filter(likely_duplicate_of__isnull=False).count(),
        "tickets_by_status": tickets,
        "overdue_tickets": Ticket.objects.overdue(today).count(),
        "escalated": dict(
            Ticket.objects.open()
            .exclude(escalation_level=EscalationLevel.NONE)
            .values_list("escalation_level")
            .annotate(n=Count("pk"))
            .order_by()
        ),
        "reworked_tickets": Ticket.objects.filter(rework_count__gt=0).count(),
        "crosschecks": dict(CrossCheck.objects.values_list("status").annotate(n=Count("pk")).order_by()),
        "events": Event.objects.count(),
        "photos": Photo.objects.count(),
        "ledger": ledger_counts(),
    }


# --- photos ---------------------------------------------------------------------------------------------

_FONT_PATHS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/System/Library/Fonts/PingFang.ttc",
)


def _font(size):
    from PIL import ImageFont

    for path in _FONT_PATHS:
        if os.path.exists(path):
            try:
                return ImageFont.truetype(path, size), True
            except OSError:
                continue
    return ImageFont.load_default(), False


def demo_photo(lines, colour, name="photo.jpg", ascii_lines=None):
    """A real 640×480 JPEG: a coloured background with the lines of text drawn on it."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (640, 480), colour)
    draw = ImageDraw.Draw(image)
    font, cjk = _font(30)
    text = lines if cjk else (ascii_lines or ["demo photo"])
    draw.rectangle((20, 20, 620, 460), outline=(255, 255, 255), width=4)
    for i, line in enumerate(text):
        draw.text((44, 50 + i * 48), line, fill=(255, 255, 255), font=font)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


# --- the builder ----------------------------------------------------------------------------------------


@dataclass
class Result:
    scale: str
    seconds: float
    summary: dict = field(default_factory=dict)
    password: str = ""
    logins: list = field(default_factory=list)


class Builder:
    """Builds the register and the demo accounts (every scale), then the cases."""

    def __init__(self, scale, *, password=None, log=None):
        self.scale = SCALES[scale]
        self.rng = random.Random(RANDOM_SEED)
        self.names = Names(self.rng)
        self.password = password or os.environ.get("DEMO_PASSWORD") or DEFAULT_PASSWORD
        self.started = monotonic_time.monotonic()
        self._log = log

        self.now = timezone.now()
        self.today = local_day(self.now)
        self.yesterday = self.today - timedelta(days=1)

    def log(self, message):
        reset_queries()  # with DEBUG on (the embedded run), Django keeps every statement: drop them per phase
        if self._log is not None:
            self._log(f"[{monotonic_time.monotonic() - self.started:6.1f}s] {message}")

    # --- register --------------------------------------------------------------------------------

    def build_register(self):
        rng, scale, names = self.rng, self.scale, self.names
        self.zones = Zone.objects.bulk_create(
            [Zone(name=name, code=code, order=i) for i, (name, code) in enumerate(ZONES)]
        )
        grids = []
        for zone, count in zip(self.zones, scale.grids_per_zone, strict=True):
            for n in range(1, count + 1):
                grids.append(Grid(zone=zone, name=f"{zone.name}第{chinese_number(n)}网格", code=f"{zone.code}-{n}"))
        self.grids = Grid.objects.bulk_create(grids)
        self.grid_zone = {g.pk: g.zone_id for g in self.grids}
        self.grid_by_id = {g.pk: g for g in self.grids}
        self.demo_grid, self.demo_grid2 = self.grids[0], self.grids[1]
        self.other_grids = self.grids[1:]
        self.zone_by_id = {z.pk: z for z in self.zones}

        self.build_users()

        # parcels: the first two (multi-tenant, the demo landlord's) in the demo grid, then one per grid
        def spread(index, skip):
            if index < skip:
                return self.demo_grid
            if index - skip < len(self.other_grids):
                return self.other_grids[index - skip]
            return rng.choice(self.grids)

        parcels = []
        seq = Counter()
        # Each zone's parcels sit in their own area of the map (3 × 2 blocks), each grid in a part of it.
        zone_order = {zone_id: i for i, zone_id in enumerate(sorted(self.zone_by_id))}
        grid_order, per_zone = {}, Counter()
        for grid in sorted(self.grids, key=lambda g: g.pk):
            grid_order[grid.pk] = per_zone[grid.zone_id]
            per_zone[grid.zone_id] += 1

        def position(grid):
            zi, gi = zone_order[grid.zone_id], grid_order.get(grid.pk, 0)
            lat = 28.86 + (zi // 3) * 0.06 + (gi // 2) * 0.022 + rng.random() * 0.02
            lon = 119.98 + (zi % 3) * 0.05 + (gi % 2) * 0.022 + rng.random() * 0.02
            return round(lat, 6), round(lon, 6)

        def new_parcel(grid, multi):
            zone = self.zone_by_id[grid.zone_id]
            latitude, longitude = position(grid)
            seq[zone.code] += 1
            number = rng.randint(1, 399)
            road = rng.choice(ROADS)
            parcel = Parcel(
                code=f"{zone.code.upper()}-{seq[zone.code]:04d}",
                name=f"{road}{number}号{'标准厂房' if multi else '厂区'}",
                address=f"浙江省永康市{zone.name}区块{road}{number}号",
                grid=grid,
                landlord_name=names.person(),
                landlord_phone=names.phone(),
                area=Decimal(rng.randrange(1500, 40000) if multi else rng.randrange(800, 15000)),
                latitude=latitude,
                longitude=longitude,
                closeout_state=CloseoutState.GREEN,
            )
            parcels.append(parcel)
            return parcel

        multi = [new_parcel(spread(i, 2), True) for i in range(scale.multi_tenant_parcels)]
        singles = [new_parcel(spread(i, 1), False) for i in range(scale.single_parcels)]
        demo_landlord = self.users["demo-landlord"]
        for parcel in multi[:2]:
            parcel.landlord_user = demo_landlord
            parcel.landlord_name = demo_landlord.first_name
            parcel.landlord_phone = demo_landlord.phone
        Parcel.objects.bulk_create(parcels, batch_size=BATCH)
        self.multi_parcels, self.single_parcels = multi, singles
        self.multi_ids = {p.pk for p in multi}
        self.parcel_by_id = {p.pk: p for p in parcels}

        # enterprises: at least two tenants on each multi-tenant parcel (three on the demo parcel)
        tenants_per_parcel = [2] * len(multi)
        tenants_per_parcel[0] = 3
        extra = scale.industrial - scale.single_parcels - sum(tenants_per_parcel)
        if extra < 0:
            raise DemoError(f"scale {scale.name}: not enough industrial enterprises for the parcels")
        for _i in range(extra):
            tenants_per_parcel[rng.randrange(len(multi))] += 1
        names.used.add(DEMO_ENTERPRISE_NAME)
        enterprises = []

        def new_enterprise(kind, grid, parcel=None, name=None):
            employees = {
                EnterpriseKind.INDUSTRIAL: int(rng.lognormvariate(3.3, 0.9)) + 3,
                EnterpriseKind.SMALL_PREMISES: rng.randint(1, 8),
            }.get(kind, rng.randint(20, 120))
            enterprise = Enterprise(
                name=name or names.company(),
                credit_code=names.credit_code(),
                kind=kind,
                parcel=parcel,
                grid=grid,
                legal_representative=names.person(),
                safety_contact=names.person(),
                phone=names.phone(),
                employee_count=employees,
                above_scale=kind == EnterpriseKind.INDUSTRIAL and employees >= 100,
                active=True,
            )
            enterprises.append(enterprise)
            return enterprise

        self.tenants = defaultdict(list)
        for parcel, count in zip(multi, tenants_per_parcel, strict=True):
            for _i in range(count):
                name = DEMO_ENTERPRISE_NAME if not enterprises else None
                self.tenants[parcel.pk].append(new_enterprise(EnterpriseKind.INDUSTRIAL, parcel.grid, parcel, name))
        for parcel in singles:
            self.tenants[parcel.pk].append(new_enterprise(EnterpriseKind.INDUSTRIAL, parcel.grid, parcel))
        self.small_premises = []
        for i in range(scale.small_premises):
            grid = self.grids[i] if i < len(self.grids) else rng.choice(self.grids)
            self.small_premises.append(
                new_enterprise(EnterpriseKind.SMALL_PREMISES, grid, name=names.shop(self.zone_by_id[grid.zone_id].name))
            )
        self.markets = []
        for i in range(scale.markets):
            grid = self.demo_grid if i == 0 else rng.choice(self.grids)
            zone = self.zone_by_id[grid.zone_id].name
            self.markets.append(
                new_enterprise(
                    EnterpriseKind.MARKET,
                    grid,
                    name=names.unique(lambda z=zone: f"永康市{z}{rng.choice(TRADE)}农贸市场"),
                )
            )
        self.supermarkets = []
        for i in range(scale.supermarkets):
            grid = self.demo_grid2 if i == 0 else rng.choice(self.grids)
            zone = self.zone_by_id[grid.zone_id].name
            self.supermarkets.append(
                new_enterprise(
                    EnterpriseKind.SUPERMARKET,
                    grid,
                    name=names.unique(lambda z=zone: f"{rng.choice(TRADE)}超市（{z}店）"),
                )
            )
        Enterprise.objects.bulk_create(enterprises, batch_size=BATCH)
        self.enterprises = enterprises
        self.industrial = [e for e in enterprises if e.kind == EnterpriseKind.INDUSTRIAL]
        self.demo_enterprise = enterprises[0]
        self.demo_parcel = multi[0]
        self.log(f"register: {len(parcels)} parcels, {len(enterprises)} enterprises")

        # risk tags: disjoint single-tagged sets for the campaign's rectified enterprises, then extras
        # the tenants of the first parcels (the demo parcels and the ones the small cases script) stay untagged
        reserved = {e.pk for p in multi[:4] + singles[:5] for e in self.tenants[p.pk]}
        pool = [e for e in self.industrial if e.pk not in reserved]
        rng.shuffle(pool)
        self.campaign_targets = {}
        through = Enterprise.risk_tags.through
        rows = []
        cursor = 0
        for tag, count in scale.campaign_rectified.items():
            chosen = pool[cursor : cursor + count]
            cursor += count
            self.campaign_targets[tag] = chosen
            rows += [through(enterprise_id=e.pk, risktagoption_id=tag) for e in chosen]
        rest = pool[cursor:]
        self.tagged_extra = defaultdict(list)
        for tag, count in scale.campaign_rectified.items():
            n = max(1, round(count * scale.tagged_extra))
            for enterprise in rng.sample(rest, min(n, len(rest))):
                rows.append(through(enterprise_id=enterprise.pk, risktagoption_id=tag))
                self.tagged_extra[tag].append(enterprise)
        if len(pool) < cursor:
            raise DemoError(f"scale {scale.name}: not enough industrial enterprises for the risk tags")
        through.objects.bulk_create(rows, batch_size=BATCH)

        User = get_user_model()
        User.enterprises.through.objects.create(
            user_id=self.users["demo-enterprise"].pk, enterprise_id=self.demo_enterprise.pk
        )
        self.campaign = Campaign.objects.create(
            name=CAMPAIGN_NAME,
            start_date=CAMPAIGN_START,
            end_date=CAMPAIGN_END,
            description="安全生产与消防安全百日整治攻坚：以厂房宗地为单位，聚焦一厂多租、违章搭建、“三合一”违规住人、"
            "堵塞消防通道，会同第三方专业力量开展专项整治。",
        )
        self.campaign.risk_tags.set(RiskTagOption.objects.filter(code__in=list(scale.campaign_rectified)))

    def build_users(self):
        """The demo logins, a manager per zone and an inspector per grid (one password hash for all)."""
        User = get_user_model()
        names = self.names
        password_hash = make_password(self.password)
        users = []
        for username, name, role, admin in DEMO_USERS:
            users.append(
                User(
                    username=username,
                    first_name=name,
                    email=f"{username}@example.com",
                    role=role,
                    phone=names.phone(),
                    password=password_hash,
                    is_staff=admin,
                    is_superuser=admin,
                    receives_daily_report=role == Role.LEADER,
                )
            )
        for zone in self.zones[1:]:
            users.append(
                User(
                    username=f"manager-{zone.code}",
                    first_name=names.person(),
                    email=f"manager-{zone.code}@example.com",
                    role=Role.MANAGER,
                    phone=names.phone(),
                    password=password_hash,
                )
            )
        for grid in self.grids[2:]:
            users.append(
                User(
                    username=f"inspector-{grid.code}",
                    first_name=names.person(),
                    email=f"inspector-{grid.code}@example.com",
                    role=Role.INSPECTOR,
                    phone=names.phone(),
                    password=password_hash,
                )
            )
        User.objects.filter(username__in=[u.username for u in users]).delete()
        User.objects.bulk_create(users)
        self.password_hash = password_hash
        by_name = {u.username: u for u in User.objects.filter(username__in=[u.username for u in users])}
        self.users = by_name
        zone_rows = [User.zones.through(user_id=by_name["demo-manager"].pk, zone_id=self.zones[0].pk)]
        self.manager_of_zone = {self.zones[0].pk: by_name["demo-manager"]}
        for zone in self.zones[1:]:
            manager = by_name[f"manager-{zone.code}"]
            zone_rows.append(User.zones.through(user_id=manager.pk, zone_id=zone.pk))
            self.manager_of_zone[zone.pk] = manager
        User.zones.through.objects.bulk_create(zone_rows)
        self.inspector_of_grid = {
            self.grids[0].pk: by_name["demo-inspector"],
            self.grids[1].pk: by_name["demo-inspector2"],
        }
        for grid in self.grids[2:]:
            self.inspector_of_grid[grid.pk] = by_name[f"inspector-{grid.code}"]
        User.grids.through.objects.bulk_create(
            [User.grids.through(user_id=user.pk, grid_id=grid_id) for grid_id, user in self.inspector_of_grid.items()]
        )

    # --- catalogue -------------------------------------------------------------------------------

    def load_catalogue(self):
        categories = list(HazardCategory.objects.filter(active=True).order_by("order", "code"))
        if not categories:
            raise DemoError(_("隐患类别目录为空：请先运行 python manage.py migrate。"))
        self.categories = categories
        self.parcel_categories = [c for c in categories if c.level == CategoryLevel.PARCEL]
        self.enterprise_categories = [
            c for c in categories if c.level == CategoryLevel.ENTERPRISE and not c.risk_tag_id
        ]
        if not self.parcel_categories or not self.enterprise_categories:
            raise DemoError(_("隐患类别目录不完整：需要宗地级和企业级类别。"))
        self.tag_categories = defaultdict(list)
        for category in categories:
            if category.risk_tag_id and category.level == CategoryLevel.ENTERPRISE:
                self.tag_categories[category.risk_tag_id].append(category)
        for tag in self.scale.campaign_rectified:
            if not self.tag_categories[tag]:  # a catalogue without this tag: its campaign finds general ones
                self.tag_categories[tag] = self.enterprise_categories[:3]
        checklists = list(Checklist.objects.filter(active=True).prefetch_related("items__category").order_by("code"))
        self.checklist_items = {c.pk: list(c.items.all()) for c in checklists}
        self.routine_checklist = {}
        self.tag_checklist = {}
        self.parcel_checklist = self.self_checklist = None
        for checklist in checklists:
            if not self.checklist_items[checklist.pk]:
                continue
            if checklist.is_self_check:
                self.self_checklist = self.self_checklist or checklist
            elif checklist.for_parcel:
                self.parcel_checklist = self.parcel_checklist or checklist
            elif checklist.risk_tag_id:
                self.tag_checklist.setdefault(checklist.risk_tag_id, checklist)
            elif checklist.unit_kind:
                self.routine_checklist.setdefault(checklist.unit_kind, checklist)

    # --- entry point -----------------------------------------------------------------------------

    def build(self):
        self.load_catalogue()
        self.build_register()
        if self.scale.name == "small":
            SmallCases(self).build()
        else:
            Ledger(self).build()
        logins = [
            (username, name, str(Role(role).label) if role else _("管理员（后台）"))
            for username, name, role, _admin in DEMO_USERS
        ]
        return Result(
            scale=self.scale.name,
            seconds=monotonic_time.monotonic() - self.started,
            password=self.password,
            logins=logins,
        )


@contextmanager
def sqlite_cache(kib=512 * 1024):
    """A large page cache for SQLite while seeding: one big transaction otherwise spills the same
    index pages to the WAL again and again (gigabytes of writes at ``city`` scale)."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (previous,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = -{int(kib)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(previous)}")


def build_demo(scale="small", *, reset=False, password=None, log=None):
    """Build the demo data of ``scale`` in one transaction. Refuses a database with business data
    unless ``reset`` (then deletes it first). Returns a Result with the summary."""
    if scale not in SCALES:
        raise DemoError(_("未知的规模：%(scale)s（可选 small、seed、city）。") % {"scale": scale})
    with sqlite_cache(), transaction.atomic():
        if business_data_exists():
            if not reset:
                raise DemoError(
                    _("数据库中已有区块、企业或隐患数据，未做任何修改。如要清空后重建演示数据，请加 --reset。")
                )
            reset_business_data()
        elif reset:
            reset_business_data()  # accounts and stray rows of an otherwise empty database
        result = Builder(scale, password=password, log=log).build()
    result.summary = summarize()
    return result


# --- small: scripted cases through the services ---------------------------------------------------------


class SmallCases:
    """Every status, built through cases.services (real events and timelines)."""

    PALETTE = [(192, 57, 43), (41, 128, 185), (39, 174, 96), (142, 68, 173), (211, 84, 0), (22, 160, 133)]

    def __init__(self, builder):
        self.b = builder
        self.rng = random.Random(RANDOM_SEED + 1)
        self.users = builder.users
        self.party_users = {}
        self.photo_count = 0

    # helpers

    def ago(self, days, hour=10, minute=0):
        return at(self.b.today - timedelta(days=days), hour * 3600 + minute * 60)

    def photo(self, *lines, kind="before"):
        self.photo_count += 1
        colour = self.PALETTE[self.photo_count % len(self.PALETTE)]
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
        return services.report_hazard(
            actor=actor or self.inspector(unit),
            category=category,
            enterprise=enterprise,
            parcel=parcel,
            description=f"{place}：{category.name}{note}",
            location_detail=place,
            severity=severity,
            photos=[self.photo(unit.name[:14], category.name[:14])] if photo else (),
            reported_at=self.ago(days, hour),
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
        return services.assign_ticket(ticket, actor=actor, **kwargs)

    def submit(self, ticket, comment="已按整改措施完成整改，附整改后照片。"):
        ticket = Ticket.objects.get(pk=ticket.pk)
        return services.submit_rectification(
            ticket,
            actor=self.party_user(ticket),
            comment=comment,
            photos=[self.photo(ticket.number, ticket.responsible_name[:14], kind="after")],
        )

    def verify(self, ticket, passed=True, comment="现场复查，已整改到位，同意销号。"):
        return services.verify_ticket(
            ticket, actor=self.b.inspector_of_grid[ticket.grid_id], passed=passed, comment=comment
        )

    def ticket_for(self, hazards, *, actor=None):
        actor = actor or self.manager(hazards[0])
        return services.create_ticket(hazards, actor=actor)

    def close(self, ticket):
        self.submit(ticket)
        return self.verify(ticket)

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
        inspection = services.record_inspection(
            actor=actor or self.inspector(unit),
            enterprise=enterprise,
            parcel=parcel,
            source=source,
            checklist=checklist,
            results=results,
            campaign=campaign,
            notes=notes,
            inspected_at=inspected_at or self.ago(days, 9, self.rng.randrange(60)),
        )
        hazards = list(Hazard.objects.filter(inspection=inspection).order_by("pk"))
        if checklist is None and fail:
            hazards = [self.report(unit, self.b.enterprise_categories[i], days) for i in range(fail)]
        return inspection, hazards

    # the cases

    def build(self):
        b = self.b
        S = services
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
            for i, ticket in enumerate(S.aggregate_hazards(hazards, actor=b.manager_of_zone[zone_id])):
                ticket = self.assign(ticket)
                if i % 3 != 2:
                    self.close(ticket)

        # A: the demo enterprise, closed: a checklist failure and a reported hazard with a photo
        _inspection, found = self.inspect(e0, 12, fail=1)
        found.append(self.report(e0, general[2], 12, photo=True))
        for ticket in S.aggregate_hazards(found, actor=manager):
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
        self.submit(ticket_d, "已整改。")
        self.verify(ticket_d, passed=False, comment="照片看不清整改部位，请补充整改前后对比照片。")
        self.submit(ticket_d, "已补充整改前后对比照片。")
        self.verify(ticket_d)
        # E, F: overdue, escalated by the daily job (level 2 and level 1)
        ticket_e = self.assign(self.ticket_for([self.report(e2, general[1], 25)]))
        ticket_f = self.assign(self.ticket_for([self.report(e3, general[3 % len(general)], 6)]))
        Ticket.objects.filter(pk=ticket_e.pk).update(deadline=b.today - timedelta(days=9))
        Ticket.objects.filter(pk=ticket_f.pk).update(deadline=b.today - timedelta(days=3))
        # G: escalated by the manager (督办)
        ticket_g = self.assign(self.ticket_for([self.report(e4, general[4 % len(general)], 4)]))
        S.escalate_ticket(
            ticket_g, actor=manager, level=EscalationLevel.SUPERVISED, comment="请加快整改进度，按期销号。"
        )
        # H: a major hazard in 花川 with the 五落实 plan, 挂牌督办 by the leader
        h_unit = b.tenants[h_parcel.pk][0]
        ticket_h = self.assign(self.ticket_for([self.report(h_unit, major[0], 8, severity=Severity.MAJOR)]))
        S.escalate_ticket(ticket_h, actor=leader, level=EscalationLevel.LISTED, comment="重大隐患，挂牌督办。")
        # I: pending: two failed items aggregated in zsd-2
        _inspection, found = self.inspect(q1, 1, fail=2)
        if not found:
            found = [self.report(q1, general[0], 1)]
        S.aggregate_hazards(found, actor=manager)
        # J: yesterday's reports, one flagged as a likely duplicate of the other
        self.report(q2, general[6 % len(general)], 2, actor=inspector2)
        self.report(q2, general[6 % len(general)], 1, actor=inspector2, note="（再次发现）")
        # K: a duplicate marked by the manager
        first = self.report(supermarket, general[7 % len(general)], 3, photo=True)
        second = self.report(supermarket, general[7 % len(general)], 2, note="（群众举报）")
        S.mark_duplicate(second, actor=manager, duplicate_of=first, comment="与已上报隐患重复。")
        # L: invalid
        h = self.report(shop_z2, general[8 % len(general)], 2)
        S.mark_invalid(h, actor=manager, reason="现场核实，该店已停业清空，情况不属实。")
        # M: a parcel closed out by a cross-check (green)
        ticket_m = self.assign(self.ticket_for([self.report(p3, parcel_general[-1], 20)]))
        self.close(ticket_m)
        crosscheck = closeout_services.request_crosscheck(
            p3, actor=manager, inspector=inspector2, comment="隐患已全部整改，申请交叉检查销号。"
        )
        closeout_services.record_crosscheck(
            crosscheck, actor=inspector2, passed=True, comment="交叉检查未发现问题，同意销号。"
        )
        # N: a parcel waiting for its cross-check (花川 → an inspector of 梅陇)
        hc_manager = b.manager_of_zone[b.grid_zone[n_parcel.grid_id]]
        other = b.inspector_of_grid[o_parcel.grid_id]
        self.close(self.assign(self.ticket_for([self.report(b.tenants[n_parcel.pk][0], general[0], 15)])))
        closeout_services.request_crosscheck(n_parcel, actor=hc_manager, inspector=other, comment="申请交叉检查销号。")
        # O: a failed cross-check (梅陇 → an inspector of 四方): a new hazard, the parcel stays red
        ml_manager = b.manager_of_zone[b.grid_zone[o_parcel.grid_id]]
        checker = b.inspector_of_grid[b.single_parcels[4].grid_id]
        self.close(self.assign(self.ticket_for([self.report(b.tenants[o_parcel.pk][0], general[1], 14)])))
        crosscheck = closeout_services.request_crosscheck(o_parcel, actor=ml_manager, inspector=checker)
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
                        self.close(ticket)
        # the daily job: overdue tickets E and F are escalated (level 2 and level 1)
        S.escalate_overdue()
        # Demo shaping: in the story the fixes were verified yesterday afternoon, so the morning
        # briefing and the dashboard's trend show them (the services stamp them with "now").
        verified = timezone.make_aware(datetime.combine(b.yesterday, time(15, 30)))
        fixed = Hazard.objects.filter(status=HazardStatus.RECTIFIED, reported_at__lt=verified)
        Ticket.objects.filter(pk__in=fixed.values("ticket_id"), status=TicketStatus.CLOSED).update(closed_at=verified)
        fixed.update(rectified_at=verified)


# --- seed and city: the ledger in bulk ------------------------------------------------------------------


class _Insp:
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


class _Haz:
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

    def unit_key(self):
        return f"e{self.ent.pk}" if self.ent is not None else f"p{self.parcel.pk}"


class _Ticket:
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
        "deadline",
        "rework",
        "level",
        "escalations",
        "obj",
        "assignee_id",
        "forced_close",
    )

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
        self.assignee_id = self.forced_close = None
        self.rework = None  # (submitted first, rejected) when reworked
        self.level = 0
        self.escalations = []  # (moment, actor_id, from_level, to_level, data, comment)


class Ledger:
    """The source's ledger for ``seed`` (and ten times it for ``city``), written in bulk."""

    OPEN_FATES = ("reported", "pending", "assigned", "submitted")

    def __init__(self, builder):
        self.b = builder
        self.s = builder.scale
        self.rng = random.Random(RANDOM_SEED + 2)
        self.inspections = []
        self.hazards = []
        self.extra_hazards = []  # duplicate and invalid (not counted)
        self.tickets = []
        self.crosschecks = []
        self.events = []
        self.recent_start = builder.yesterday - timedelta(days=40)
        self.hist_days = days_between(date(2023, 1, 3), date(2023, 12, 22))
        self.campaign_days = days_between(CAMPAIGN_START, CAMPAIGN_END)
        self.thresholds = list(settings.ESCALATION_THRESHOLDS[:2])
        self.demo_landlord_parcels = {p.pk for p in builder.multi_parcels[:2]}

    def log(self, message):
        self.b.log(message)

    # units and categories

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
        rng, b = self.rng, self.b
        ent, parcel = insp.ent, insp.parcel
        has_parcel = parcel is not None
        grid_id = insp.grid_id
        chosen = []
        if insp.checklist is not None:
            items = []
            seen = set()
            for item in b.checklist_items[insp.checklist.pk]:
                category = item.category
                if (category.risk_tag_id or None) != tag or category.pk in seen:
                    continue
                if category.level == CategoryLevel.PARCEL and not has_parcel:
                    continue
                seen.add(category.pk)
                items.append(item)
            # weighted sampling without replacement: general items fail more often than major ones
            items.sort(
                key=lambda i: (
                    -(rng.random() ** (1 / (3.0 if i.category.default_severity == Severity.GENERAL else 0.25)))
                )
            )
            for item in items[:n]:
                chosen.append((item.category, f"{item.text}：现场检查不符合要求", item))
        elif tag is not None:
            categories = b.tag_categories[tag]
            for category in rng.sample(categories, min(n, len(categories))):
                chosen.append((category, None, None))
        else:
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
        made = []
        for k, (category, text, item) in enumerate(chosen):
            place = (
                rng.choice(PLACES)
                if ent is not None
                else rng.choice(("厂区通道", "楼梯间", "员工宿舍", "厂区东侧", "公共区域"))
            )
            description = text or f"{place}：{category.name}"
            hazard = _Haz(
                insp,
                ent,
                parcel,
                grid_id,
                category,
                description,
                place,
                insp.inspector_id,
                insp.at + timedelta(seconds=k + 1),
                fate,
            )
            if item is not None:
                insp.failed[item.pk] = hazard
            insp.hazards.append(hazard)
            made.append(hazard)
        self.hazards += made
        return made

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
        insp = _Insp(ent, parcel, grid_id, inspector_id or b.inspector_of_grid[grid_id].pk, moment, source)
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
                        _Haz(
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
        copy = _Haz(
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
        """Routine inspections in 2023 with ``target`` hazards, all rectified."""
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
        """Open hazards hold ``e<id>:<code>`` / ``p<id>:<code>``; a second open one is a likely duplicate."""
        holders = {}
        open_hazards = sorted((h for h in self.hazards if h.fate != "rectified"), key=lambda h: h.at)
        for hazard in open_hazards:
            hazard.status = HazardStatus.REPORTED if hazard.fate == "reported" else HazardStatus.AGGREGATED
            key = f"{hazard.unit_key()}:{hazard.category.code}"
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
            copy = _Haz(
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
            hazard = _Haz(
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
                ticket = _Ticket(hazards, kind, ent, parcel, grid_id, insp.fate)
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
        rng, b = self.rng, self.b
        now = b.now
        latest = min(now - timedelta(minutes=5), at(b.yesterday, 21 * 3600))
        for t in self.tickets:
            reported = max(h.at for h in t.hazards)
            days = min(h.category.deadline_days for h in t.hazards)
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
            else:
                t.created = reported + timedelta(hours=rng.uniform(1, 30))
                if t.fate == "pending":
                    t.created = min(t.created, latest)
                    continue
                t.assigned = t.created + timedelta(hours=rng.uniform(0.5, 20))
                if t.fate in ("assigned", "submitted"):
                    t.assigned = min(t.assigned, latest - timedelta(hours=2))
                    if t.assigned <= t.created:
                        t.created = t.assigned - timedelta(hours=1)
            t.deadline = local_day(t.assigned) + timedelta(days=days)
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
            # escalations by the daily job while open (overdue days ≥ thresholds)
            until = local_day(t.closed) if t.closed else b.today
            for level, threshold in enumerate(self.thresholds, start=1):
                day = t.deadline + timedelta(days=threshold)
                if day <= until and (t.closed is None or day < local_day(t.closed)):
                    moment = min(at(day, 7 * 3600 + 45 * 60 + rng.randint(0, 300)), now - timedelta(minutes=1))
                    days_overdue = (day - t.deadline).days
                    t.escalations.append(
                        (
                            moment,
                            None,
                            t.level,
                            level,
                            {"days_overdue": days_overdue, "automatic": True},
                            f"逾期 {days_overdue} 天，系统自动督办。",
                        )
                    )
                    t.level = level
        # manual 督办 on open tickets that are not overdue: the zone's manager (level 1), the leader (level 2)
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
        for t in self.tickets:
            for hazard in t.hazards:
                if t.fate == "rectified":
                    hazard.status = HazardStatus.RECTIFIED

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
            insp = _Insp(None, parcel, parcel.grid_id, checker.pk, inspected, InspectionSource.CROSS_CHECK)
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
        for i in range(missing):
            if i < yesterday:
                day = b.yesterday
            elif rng.random() < 0.06:
                day = b.yesterday - timedelta(days=rng.randint(1, 40))
            else:
                day = rng.choice(self.hist_days)
            ent, parcel = self.pick_unit()
            self.new_inspection(ent, parcel, work_time(rng, day))

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
                "submitted": TicketStatus.SUBMITTED,
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
                verified_by=verifier if (t.closed or t.rework) else None,
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
        InspectionItem.objects.bulk_create(items, batch_size=BATCH)
        self.log(f"checklist results: {len(items)}")

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

    def write_events(self):
        b = self.b
        events = []  # (moment, order, Event)

        def add(
            moment,
            kind,
            *,
            actor_id=None,
            ticket=None,
            hazard=None,
            parcel=None,
            from_status="",
            to_status="",
            comment="",
            data=None,
            internal=False,
        ):
            events.append(
                (
                    moment,
                    len(events),
                    Event(
                        kind=kind,
                        actor_id=actor_id,
                        ticket=ticket,
                        hazard=hazard,
                        parcel=parcel,
                        from_status=from_status,
                        to_status=to_status,
                        comment=comment,
                        data=data or {},
                        internal=internal,
                        created_at=moment,
                    ),
                )
            )

        for insp in self.inspections:
            if insp.source == InspectionSource.CROSS_CHECK:
                continue  # the services write the close-out event for these
            items = len(b.checklist_items[insp.checklist.pk]) if insp.checklist is not None else 0
            add(
                insp.at + timedelta(seconds=len(insp.hazards) + 2),
                "inspections.inspection.recorded",
                actor_id=insp.inspector_id,
                parcel=insp.parcel,
                to_status=insp.obj.result,
                comment=insp.notes,
                data={
                    "inspection": insp.obj.pk,
                    "enterprise": insp.ent.pk if insp.ent else None,
                    "source": insp.source,
                    "items": items,
                    "failed": len(insp.failed),
                },
            )
        for h in self.hazards + self.extra_hazards:
            data = {"category": h.category.code, "severity": h.severity}
            if h.likely is not None:
                data["likely_duplicate_of"] = h.likely.obj.pk
            add(
                h.at,
                "inspections.hazard.reported",
                actor_id=h.reporter_id,
                hazard=h.obj,
                parcel=h.parcel,
                to_status=HazardStatus.REPORTED,
                comment=h.description,
                data=data,
            )
            if h.status == HazardStatus.DUPLICATE:
                add(
                    h.marked_at,
                    "inspections.hazard.marked_duplicate",
                    actor_id=h.marked_by,
                    hazard=h.obj,
                    parcel=h.parcel,
                    from_status=HazardStatus.REPORTED,
                    to_status=HazardStatus.DUPLICATE,
                    comment="与已上报隐患重复。",
                    data={"duplicate_of": h.duplicate_of.obj.pk},
                    internal=True,
                )
            elif h.status == HazardStatus.INVALID:
                add(
                    h.marked_at,
                    "inspections.hazard.marked_invalid",
                    actor_id=h.marked_by,
                    hazard=h.obj,
                    parcel=h.parcel,
                    from_status=HazardStatus.REPORTED,
                    to_status=HazardStatus.INVALID,
                    comment=h.reason,
                )
        for t in self.tickets:
            ticket, parcel = t.obj, t.parcel
            manager = ticket.created_by_id
            ids = [h.obj.pk for h in t.hazards]
            add(
                t.created,
                "inspections.ticket.created",
                actor_id=manager,
                ticket=ticket,
                parcel=parcel,
                to_status=TicketStatus.PENDING,
                data={"hazards": ids, "landlord_copied": ticket.landlord_copied},
            )
            if t.assigned is None:
                continue
            add(
                t.assigned,
                "inspections.ticket.assigned",
                actor_id=manager,
                ticket=ticket,
                parcel=parcel,
                from_status=TicketStatus.PENDING,
                to_status=TicketStatus.ASSIGNED,
                data={"deadline": t.deadline.isoformat(), "assignee": t.assignee_id},
            )
            submitter = t.assignee_id or b.inspector_of_grid[t.grid_id].pk
            proxy = "" if t.assignee_id else "（网格员代为上传整改材料）"
            verifier = ticket.verified_by_id or b.inspector_of_grid[t.grid_id].pk
            if t.rework:
                first, rejected = t.rework
                add(
                    first,
                    "inspections.ticket.submitted",
                    actor_id=submitter,
                    ticket=ticket,
                    parcel=parcel,
                    from_status=TicketStatus.ASSIGNED,
                    to_status=TicketStatus.SUBMITTED,
                    comment="已整改。" + proxy,
                    data={"photos": 0},
                )
                add(
                    rejected,
                    "inspections.ticket.rejected",
                    actor_id=verifier,
                    ticket=ticket,
                    parcel=parcel,
                    from_status=TicketStatus.SUBMITTED,
                    to_status=TicketStatus.ASSIGNED,
                    comment="整改不到位，请继续整改。",
                    data={"passed": False, "rework_count": 1},
                )
            if t.submitted is not None:
                add(
                    t.submitted,
                    "inspections.ticket.submitted",
                    actor_id=submitter,
                    ticket=ticket,
                    parcel=parcel,
                    from_status=TicketStatus.ASSIGNED,
                    to_status=TicketStatus.SUBMITTED,
                    comment="已按整改措施完成整改。" + proxy,
                    data={"photos": 0},
                )
            if t.closed is not None:
                add(
                    t.closed,
                    "inspections.ticket.closed",
                    actor_id=verifier,
                    ticket=ticket,
                    parcel=parcel,
                    from_status=TicketStatus.SUBMITTED,
                    to_status=TicketStatus.CLOSED,
                    comment=ticket.verification_comment,
                    data={"passed": True, "hazards": ids, "followup_date": ticket.followup_date.isoformat()},
                )
            for moment, actor_id, from_level, to_level, data, comment in t.escalations:
                status = TicketStatus.ASSIGNED
                if t.submitted is not None and moment >= t.submitted:
                    status = TicketStatus.SUBMITTED
                add(
                    moment,
                    "inspections.ticket.escalated",
                    actor_id=actor_id,
                    ticket=ticket,
                    parcel=parcel,
                    from_status=status,
                    to_status=status,
                    comment=comment,
                    data={"from_level": from_level, "to_level": to_level, **data},
                )
        for crosscheck, (parcel, manager, checker, requested, insp) in zip(
            self.crosscheck_objs, self.crosschecks, strict=True
        ):
            add(
                requested,
                "enterprises.parcel.crosscheck_requested",
                actor_id=manager.pk,
                parcel=parcel,
                from_status=CloseoutState.RED,
                to_status=CloseoutState.CROSSCHECK,
                comment=crosscheck.comment if insp is None else "隐患已全部整改，申请交叉检查销号。",
                data={"crosscheck": crosscheck.pk, "inspector": checker.pk},
            )
            if insp is not None:
                add(
                    insp.at,
                    "enterprises.parcel.closed_out",
                    actor_id=checker.pk,
                    parcel=parcel,
                    from_status=CloseoutState.CROSSCHECK,
                    to_status=CloseoutState.GREEN,
                    comment=crosscheck.comment,
                    data={"crosscheck": crosscheck.pk, "inspection": insp.obj.pk, "hazards": []},
                )
        events.sort(key=lambda e: (e[0], e[1]))
        self.log(f"events prepared: {len(events)}")
        chunk = 50000
        for i in range(0, len(events), chunk):
            bulk_append([e[2] for e in events[i : i + chunk]], batch_size=BATCH)
            reset_queries()
        self.event_count = len(events)
        self.log(f"events: {len(events)}")

    def add_demo_photos(self):
        """A few real photos on the demo enterprise's and the demo parcel's cases."""
        from cases.photos import save_photo

        b = self.b
        hazards = [h for h in self.hazards if h.parcel is not None and h.parcel.pk == b.demo_parcel.pk][-4:]
        for i, h in enumerate(hazards):
            upload = demo_photo(
                ["整改前", h.obj.number, h.category.name[:14]],
                SmallCases.PALETTE[i % 6],
                name=f"{h.obj.number}.jpg",
                ascii_lines=[h.obj.number, "before"],
            )
            save_photo(upload, uploaded_by=b.users["demo-inspector"], kind="before", hazard=h.obj)
        done = {h.ticket for h in hazards if h.ticket is not None and h.ticket.submitted is not None}
        for i, t in enumerate(sorted(done, key=lambda t: t.obj.number)):
            event = Event.objects.filter(ticket=t.obj, kind="inspections.ticket.submitted").order_by("-pk").first()
            upload = demo_photo(
                ["整改后", t.obj.number],
                SmallCases.PALETTE[(i + 3) % 6],
                name=f"{t.obj.number}.jpg",
                ascii_lines=[t.obj.number, "after"],
            )
            save_photo(upload, uploaded_by=b.users["demo-inspector"], kind="after", ticket=t.obj, event=event)

    def build(self):
        s = self.s
        self.setup_pools()
        campaign_hazards = self.plan_campaign()
        self.plan_self_checks()
        self.plan_recent()
        recent = sum(q[1] for q in self.recent_quotas)
        self.plan_history(s.found - campaign_hazards - recent)
        self.fix_severities()
        self.fingerprints()
        self.plan_tickets()
        self.schedule()
        self.plan_extras()
        self.plan_parcels()
        self.plan_fill()
        counted = sum(1 for h in self.hazards)
        if counted != s.found or len(self.inspections) != s.inspections:
            raise DemoError(
                f"planned {counted} hazards and {len(self.inspections)} inspections, expected "
                f"{s.found} and {s.inspections}"
            )
        self.log("planned; writing")
        self.write()
