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

``--years N`` (``seed`` and ``city``; ``common.grown``)
    The rectified history over N years (2023 and the N - 1 before it) at the same daily rhythm:
    N times the inspections, the rectified hazards and the duplicate and invalid reports, hence
    their tickets and events; the open cases and the recent weeks as they are. ``city --years 5``
    is the million-hazard benchmark: 1,004,030 hazards, 477,419 tickets and 3.7 million events (16 minutes of
    Python CPU, 9.6 GB of memory at its peak).

Every scale: the campaign's other ledgers (``demo/ledgers.py``): drills, enterprise service requests, welding
devices and responsibility letters (``seed``: 3,397 sessions with 131,113 person-times, 2,410 requests solved,
797 devices, every multi-tenant parcel's landlord letter signed this year). Every scale: risk points on every industrial enterprise (by its risk tags) and on the multi-tenant parcels'
common areas, some reviewed and a few regraded; the default patrol plan; check-ins before most recent
inspector visits (those inspections verified on site, a few scans flagged far away); every unit's risk
level computed once at the end (``risk``: ``demo/risk.py``).

Demo logins: demo-admin, demo-leader, demo-manager, demo-inspector, demo-inspector2,
demo-enterprise, demo-landlord, demo-department (供电所; password ``demo-pass-2023`` or ``$DEMO_PASSWORD``), wired
together: the demo enterprise is a tenant on a multi-tenant parcel of the demo landlord, in
the demo inspector's grid, in the demo manager's zone; the second inspector works the
neighbouring grid (cross-checks); the leader sees everything and receives the briefing.
Other accounts: ``manager-<zone>`` and ``inspector-<grid>``; in ``small`` also the accounts of
the responsible parties that submit evidence (``owner-<n>``, ``landlord-<n>``).

This module builds the register and the logins (every scale) and is the entry point
(``build_demo``). The rest of the package: ``common`` (scales, constants, dates), ``names``,
``photos``, ``reset`` (``--reset`` and the used-database check), ``summary``, ``risk`` (risk points, the
patrol plan, check-ins), ``small`` (the
scripted cases through the services) and ``ledger/`` (``seed`` and ``city`` in bulk: planning
hazards, tickets, then writing rows and events).
"""

import os
import random
import time as monotonic_time
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, reset_queries, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import Role
from briefing import record_tally, summaries, unit_tally
from cases.unit_visits import refill_unit_visits
from catalogue.choices import CategoryLevel
from catalogue.models import Campaign, Checklist, HazardCategory
from closeout import map_cells
from core.dates import local_day
from demo.common import (
    BATCH,
    CAMPAIGN_END,
    CAMPAIGN_NAME,
    CAMPAIGN_START,
    DEFAULT_PASSWORD,
    DEMO_ENTERPRISE_NAME,
    DEMO_USERS,
    RANDOM_SEED,
    SCALES,
    ZONES,
    DemoError,
    grown,
)
from demo.ledger import Ledger
from demo.ledgers import CampaignLedgers, department_user
from demo.names import ROADS, TRADE, Names, chinese_number
from demo.reset import business_data_exists, real_data, reset_business_data, stamp_demo
from demo.risk import BulkRisk, finish_levels
from demo.small import SmallCases
from demo.summary import ledger_counts, summarize
from register.choices import CloseoutState, EnterpriseKind
from register.models import Enterprise, Grid, Parcel, RiskTagOption, Zone

__all__ = [
    "SCALES",
    "DemoError",
    "Result",
    "build_demo",
    "business_data_exists",
    "ledger_counts",
    "reset_business_data",
    "summarize",
]


@dataclass
class Result:
    scale: str
    seconds: float
    summary: dict = field(default_factory=dict)
    password: str = ""
    logins: list = field(default_factory=list)


class Builder:
    """Builds the register and the demo accounts (every scale), then the cases."""

    def __init__(self, scale, *, years=1, password=None, log=None):
        self.scale = grown(SCALES[scale], years)
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
        """Zones and grids, the logins, parcels, enterprises, risk tags and the 2023 campaign."""
        self._zones_and_grids()
        self.build_users()
        self._parcels()
        self._enterprises()
        self.log(f"register: {len(self.parcel_by_id)} parcels, {len(self.enterprises)} enterprises")
        self._risk_tags()
        self._campaign()

    def _zones_and_grids(self):
        scale = self.scale
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

    def _parcels(self):
        rng, scale, names = self.rng, self.scale, self.names

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

    def _enterprises(self):
        """At least two tenants on each multi-tenant parcel (three on the demo parcel), one on each single one,
        then the small premises, markets and supermarkets."""
        rng, scale, names = self.rng, self.scale, self.names
        multi, singles = self.multi_parcels, self.single_parcels
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

    def _risk_tags(self):
        """Disjoint single-tagged sets for the campaign's rectified enterprises, then extras; the tenants of the
        first parcels (the demo parcels and the ones the small cases script) stay untagged."""
        rng, scale = self.rng, self.scale
        multi, singles = self.multi_parcels, self.single_parcels
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

    def _campaign(self):
        """The demo enterprise's login, and the 2023 百日攻坚 campaign on the risk tags."""
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
        self.campaign.risk_tags.set(RiskTagOption.objects.filter(code__in=list(self.scale.campaign_rectified)))

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
                    whole_area=admin or role == Role.LEADER,  # the leader and the admin oversee every zone
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
        department_user(self, by_name["demo-department"])
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
            SmallCases(self).build()  # risk points, the plan and check-ins through the services, in the story
            CampaignLedgers(self).build(through_services=True)
        else:
            ledger = Ledger(self)
            ledger.build()
            refill_unit_visits()  # the bulk inserts left the triggers' replaced rows in the tables' pages
            BulkRisk(self, ledger).build()
            CampaignLedgers(self).build()
        finish_levels(self)
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


def rebuild_derived(log=None):
    """What the services keep beside the rows they write, recomputed after a build that wrote rows in bulk: the
    day summaries the briefing and the dashboard add up, the map's cells and the tallies of the units and the
    campaign ledgers' records (``rebuild_summaries``). (The search grams the database keeps itself, by triggers on insert; the cells and the
    tallies would fold the bulk's changes in at the first map or dashboard, counted here at once.)"""
    rows = summaries.rebuild()
    cells = map_cells.rebuild()
    units = unit_tally.rebuild()
    records = record_tally.rebuild()
    if log is not None:
        log(f"day summaries: {rows}; map cells: {cells}; unit tallies: {units}; record tallies: {records}")


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


def build_demo(scale="small", *, years=1, reset=False, force=False, password=None, log=None):
    """Build the demo data of ``scale`` (with ``years`` years of history: ``common.grown``) in one transaction. Refuses a database with business data
    unless ``reset`` (then deletes it first); a reset refuses a database holding real data (accounts or
    units the demo did not create: demo.reset.real_data) unless ``force``. Returns a Result with the summary."""
    if scale not in SCALES:
        raise DemoError(_("未知的规模：%(scale)s（可选 small、seed、city）。") % {"scale": scale})
    if years != 1 and (years < 1 or not SCALES[scale].found):
        raise DemoError(_("--years 只用于 seed 和 city 规模，且须为正整数。"))
    with sqlite_cache(), transaction.atomic():
        has_data = business_data_exists()
        if has_data and not reset:
            raise DemoError(_("数据库中已有区块、企业或隐患数据，未做任何修改。如要清空后重建演示数据，请加 --reset。"))
        if reset and not force and (found := real_data()):
            raise DemoError(
                _(
                    "数据库中有不是演示数据生成的真实数据（%(found)s），--reset 会把它们全部删除，"
                    "未做任何修改。确认要清空时请再加 --force。"
                )
                % {"found": "，".join(found)}
            )
        if reset:
            reset_business_data()  # (without business data: the accounts and stray rows of an empty database)
        result = Builder(scale, years=years, password=password, log=log).build()
        rebuild_derived(log)
        stamp_demo(scale)
    result.summary = summarize()
    return result


# --- small: scripted cases through the services ---------------------------------------------------------
