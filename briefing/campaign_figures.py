"""The figures beside the case ledger, for the briefing and the dashboard: risk levels and patrol coverage
(双重预防) per zone, and the campaign's other ledgers (drills, service requests, welding devices, letters) per
grid, zone and the whole area. Each question is one grouped statement (``ledgers.figures``,
``servicedesk.figures``, ``risk.patrols``), whatever the number of zones, grids or records."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import timedelta

from django.db.models import CharField, Count, F, Q, Value
from django.utils import timezone

from briefing import record_tally
from core.dates import day_bounds, day_start, format_rate, rate_of
from ledgers import figures as ledger_figures
from ledgers.models import Drill, WeldingDevice
from register.choices import risk_colour
from register.models import Enterprise, Parcel
from risk.patrols import Coverage, coverage, plan_on
from servicedesk.choices import ServiceRequestStatus
from servicedesk.figures import average_rating, request_rows
from servicedesk.models import ServiceRequest

# --- risk grading and patrols (双重预防) --------------------------------------------------------------


def risk_level_distribution(enterprises, parcels):
    """Units per risk level per zone: ``{zone id: {"enterprise": {colour: n}, "parcel": {colour: n}}}``
    from the given querysets (the caller's scope). One statement: two grouped selects in a UNION."""

    def grouped(rows, kind):
        return (
            rows.order_by()
            .values(zone=F("grid__zone_id"), level=F("risk_level"))
            .annotate(kind=Value(kind, output_field=CharField()), n=Count("pk"))
        )

    result = {}
    for row in grouped(enterprises, "enterprise").union(grouped(parcels, "parcel"), all=True):
        colour = risk_colour(row["level"]) or "blue"
        counts = result.setdefault(row["zone"], {"enterprise": {}, "parcel": {}})[row["kind"]]
        counts[colour] = counts.get(colour, 0) + row["n"]
    return result


def patrol_coverage_by_zone(enterprises, parcels, *, day=None):
    """Today's patrol coverage (risk.patrols) of the given units per zone and in total:
    ``({zone id: Coverage}, Coverage total, Plan)``. The plan and one grouped statement per unit table."""
    plan = plan_on()
    per_zone = coverage({"enterprise": enterprises, "parcel": parcels}, day=day, plan=plan, group="grid__zone_id")
    total = Coverage()
    for figures in per_zone.values():
        total.add(figures)
    return per_zone, total, plan


# --- the campaign's other ledgers: drills, service requests, welding devices, letters ----------------


@dataclass
class CampaignFigures:
    """The other ledgers' figures of one scope (ledgers.figures, servicedesk.figures): drills to date and on
    the day, units never drilled this year, service requests, welding devices, letter coverage."""

    drills: int = 0
    person_times: int = 0
    drills_day: int = 0
    person_times_day: int = 0
    units: int = 0
    units_drilled: int = 0
    requests_raised: int = 0
    requests_raised_day: int = 0
    requests_solved: int = 0
    requests_solved_day: int = 0
    requests_open: int = 0
    requests_overdue: int = 0
    requests_rated: int = 0
    requests_rating_sum: int = 0
    welding_devices: int = 0
    welding_offline: int = 0
    landlords: int = 0
    landlords_signed: int = 0
    enterprises: int = 0
    enterprises_signed: int = 0
    tenants: int = 0
    agreements_signed: int = 0

    @property
    def units_not_drilled(self):
        return self.units - self.units_drilled

    @property
    def rating(self):
        return average_rating(self.requests_rating_sum, self.requests_rated)

    @property
    def landlord_rate(self):
        return rate_of(self.landlords_signed, self.landlords)

    @property
    def enterprise_rate(self):
        return rate_of(self.enterprises_signed, self.enterprises)

    @property
    def agreement_rate(self):
        return rate_of(self.agreements_signed, self.tenants)

    def add(self, other):
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))
        return self

    def as_dict(self):
        """The figures as the briefing stores them and the dashboard sends them (JSON-ready)."""
        rating = self.rating
        return {
            "drills": {
                "sessions": self.drills,
                "person_times": self.person_times,
                "sessions_day": self.drills_day,
                "person_times_day": self.person_times_day,
                "units": self.units,
                "units_not_drilled": self.units_not_drilled,
            },
            "service_requests": {
                "raised": self.requests_raised,
                "raised_day": self.requests_raised_day,
                "solved": self.requests_solved,
                "solved_day": self.requests_solved_day,
                "open": self.requests_open,
                "overdue": self.requests_overdue,
                "rated": self.requests_rated,
                "rating": None if rating is None else str(rating),
            },
            "welding": {"devices": self.welding_devices, "offline": self.welding_offline},
            "letters": {
                "landlords": self.landlords,
                "landlords_signed": self.landlords_signed,
                "landlord_rate": format_rate(self.landlord_rate),
                "enterprises": self.enterprises,
                "enterprises_signed": self.enterprises_signed,
                "enterprise_rate": format_rate(self.enterprise_rate),
                "tenants": self.tenants,
                "agreements_signed": self.agreements_signed,
                "agreement_rate": format_rate(self.agreement_rate),
            },
        }


@dataclass
class CampaignSet:
    total: CampaignFigures
    zones: dict[int, CampaignFigures]
    grids: dict[int, CampaignFigures]
    year: int

    def for_zones(self, zone_ids):
        result = CampaignFigures()
        for pk in zone_ids:
            if pk in self.zones:
                result.add(self.zones[pk])
        return result


REQUEST_FIGURES = {
    "raised": "requests_raised",
    "raised_day": "requests_raised_day",
    "solved": "requests_solved",
    "solved_day": "requests_solved_day",
    "open": "requests_open",
    "overdue": "requests_overdue",
    "rated": "requests_rated",
    "rating_sum": "requests_rating_sum",
}


def compute_campaign_figures(day, *, since=None, as_of=None, scope=None):
    """The other ledgers' figures of every grid, every zone and the whole area: cumulative from ``since``
    (a local date; None: from the first record) to the end of local day ``day``, the activity of ``day``,
    the state (open, overdue requests) at ``as_of`` (default: the end of ``day``, or now), this year's
    units drilled and letters (the year of ``day``). ``scope``: a user whose units count (None: all).
    Five statements, however many zones, grids or records."""
    until = day + timedelta(days=1)
    day_from, day_to = day_bounds(day)
    if as_of is None:
        as_of = min(timezone.now(), day_to)

    def visible(model):
        return model.objects.all() if scope is None else model.objects.visible_to(scope)

    zones, grids = {}, {}

    def put(rows, names=None):
        for row in rows:
            zone_id, grid_id = row["zone_id"], row["grid_id"]
            zone = zones.setdefault(zone_id, CampaignFigures())
            grid = grids.setdefault(grid_id, CampaignFigures()) if grid_id is not None else None
            for name, value in row.items():
                if name in ("zone_id", "grid_id"):
                    continue
                attribute = names[name] if names else name
                for figures in (zone, grid):
                    if figures is not None:
                        setattr(figures, attribute, getattr(figures, attribute) + (value or 0))

    put(ledger_figures.drill_rows(since=since, until=until, day=day, drills=visible(Drill)))
    put(ledger_figures.welding_rows(until=until, devices=visible(WeldingDevice)))
    put(ledger_figures.letter_rows(day.year, until=until, parcels=visible(Parcel), enterprises=visible(Enterprise)))
    put(
        request_rows(
            since=day_start(since) if since else None,
            until=day_to,
            day=(day_from, day_to),
            as_of=as_of,
            requests=visible(ServiceRequest),
        ),
        REQUEST_FIGURES,
    )
    total = CampaignFigures()
    for figures in zones.values():
        total.add(figures)
    return CampaignSet(total=total, zones=zones, grids=grids, year=day.year)


OPEN_REQUESTS = [status for status in ServiceRequestStatus.values if status != ServiceRequestStatus.CLOSED]
RECORD_FIGURES = {  # record_tally's counts, as CampaignFigures names them
    "drill": {"n": "drills", "participants": "person_times"},
    "request": {"n": "requests_raised", "solved": "requests_solved", "rated": "requests_rated"}
    | {"rating_sum": "requests_rating_sum"},
    "device": {"n": "welding_devices", "offline": "welding_offline"},
}


def campaign_from_tallies(user, day, units):
    """``compute_campaign_figures(day)``'s figures of ``user``'s zones, when the tallies serve them
    (``unit_tally.serves``: a scope of whole zones, today): the records to date from their counts
    (``record_tally``), the units' from ``units`` (``unit_tally.zone_units``), and from the records on their
    indexes only the day's drills and requests and the requests open now. Three statements after the fold; the
    zones only (no grids)."""
    day_from, day_to = day_bounds(day)
    as_of = min(timezone.now(), day_to)
    zones = {}

    def at(zone_id):
        return zones.setdefault(zone_id, CampaignFigures())

    def add(figures, values, names):
        for name, attribute in names.items():
            setattr(figures, attribute, getattr(figures, attribute) + (values.get(name) or 0))

    for zone_id, kinds in record_tally.zone_counts(user).items():
        for kind, counts in kinds.items():
            add(at(zone_id), counts, RECORD_FIGURES[kind])
    for zone_id, figures in units.items():
        add(at(zone_id), figures.campaign, {name: name for name in figures.campaign})
    drills = ledger_figures.drill_rows(
        since=day, until=day + timedelta(days=1), day=day, drills=Drill.objects.visible_to(user)
    )
    for row in drills:
        add(at(row["zone_id"]), row, {"drills_day": "drills_day", "person_times_day": "person_times_day"})
    on_the_day = Q(created_at__gte=day_from, created_at__lt=day_to) | Q(closed_at__gte=day_from, closed_at__lt=day_to)
    requests = ServiceRequest.objects.visible_to(user).filter(
        on_the_day | Q(status__in=OPEN_REQUESTS) | Q(closed_at__gte=as_of)
    )
    for row in request_rows(since=day_from, until=day_to, day=(day_from, day_to), as_of=as_of, requests=requests):
        add(
            at(row["zone_id"]),
            row,
            {name: REQUEST_FIGURES[name] for name in ("raised_day", "solved_day", "open", "overdue")},
        )
    total = CampaignFigures()
    for figures in zones.values():
        total.add(figures)
    return CampaignSet(total=total, zones=zones, grids={}, year=day.year)
