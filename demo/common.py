"""What every scale shares: the fixed seed, the zones, the campaign, the demo logins, the scales,
and the days and times the cases are dated with (in the project's time zone, ``core.dates``).
"""

from dataclasses import dataclass, replace
from datetime import date, timedelta

from accounts.choices import Role
from core.dates import day_start
from register.choices import RiskTag

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
    ("demo-department", "孙供电", Role.DEPARTMENT, False),  # 供电所: answers the requests dispatched to it
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
    years: int = 1  # years of rectified history (``--years``): 2023 and the years before it

    @property
    def open(self):
        return self.found - self.rectified_general - self.rectified_major

    @property
    def history_start(self):
        """The first day of the rectified history: 3 January of the first of ``years`` years up to 2023."""
        return date(2024 - self.years, 1, 3)


def grown(scale, years):
    """``scale`` with ``years`` years of history instead of one: the same daily rhythm (inspections, hazards,
    duplicate and invalid reports per working day, hence tickets and events in the same ratios) over a longer
    past; the open cases and the recent weeks stay as they are. ``city`` over 5 years: 993,530 hazards found
    (1,004,030 with the duplicate and invalid reports), 477,419 tickets and 3.7 million events."""
    if years == 1:
        return scale
    if years < 1 or not scale.found:
        raise DemoError(f"scale {scale.name}: --years needs a bulk scale (seed or city) and a number ≥ 1")
    return replace(
        scale,
        years=years,
        inspections=scale.inspections * years,
        found=scale.open + (scale.rectified_general + scale.rectified_major) * years,
        rectified_general=scale.rectified_general * years,
        rectified_major=scale.rectified_major * years,
        duplicates=scale.duplicates * years,
        invalid=scale.invalid * years,
    )


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

# --- time -----------------------------------------------------------------------------------------------


def at(day, seconds=0):
    """The aware datetime ``seconds`` after local midnight of ``day``."""
    return day_start(day) + timedelta(seconds=seconds)


def work_time(rng, day):
    return at(day, rng.randint(8 * 3600 + 1800, 17 * 3600 + 1800))


def days_between(first, last, *, workdays=True):
    out = []
    day = first
    while day <= last:
        if not workdays or day.weekday() < 6:
            out.append(day)
        day += timedelta(days=1)
    return out
