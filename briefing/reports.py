"""The daily briefing (每日问题整改简报): built from the ledger figures, stored one per date and scope.

A report for day D covers:

* the day itself, ``[D 00:00, D+1 00:00)`` Asia/Shanghai: inspections (家次) and units
  covered, hazards newly found and hazards rectified, by severity;
* the cumulative ledger since the start date (``REPORT_START_DATE``, default the earliest
  hazard) up to the end of D: found / rectified by severity / rate;
* the state at the end of D (``as_of`` = D+1 00:00, or now for today's report): open tickets
  by status, overdue tickets with days overdue and responsible party (worst first), tickets
  under escalation, parcels closed out of all parcels. Whenever the report is generated (at
  08:00 the next morning, late that evening, a week later) it gives the same figures: what
  happened after the day (a 督办 raised at 07:45, a parcel closed out in the morning) shows in
  the next day's report;
* escalations (新增督办) raised during D;
* the progress of the current campaign (专项行动) by risk tag;
* the zones (in a zone's report: its grids) ranked by rate and by overdue tickets;
* the campaign's other ledgers (briefing.campaign_figures.compute_campaign_figures): drill sessions and
  person-times to date and on D, units never drilled this year; enterprise service requests solved,
  open and overdue at the end of D, raised and solved on D, the average rating; welding-control
  devices installed; this year's responsibility letters signed (landlords of multi-tenant parcels,
  enterprises, landlord–tenant agreements), under ``ledgers`` for the scope and for each of its rows;
* patrol coverage (巡查覆盖) on D: units, visited within their cycle (visits before the end of D, the
  patrol plan in force then), the rate, never visited, overdue (``risk.patrols.coverage``, one grouped
  statement per unit table and one for the plan), for the scope and for each of its zones or grids.

Scopes: ``all``, ``zone:<id>`` for every zone and ``grid:<id>`` for every grid. ``DailyReport.data``
holds JSON whose top-level keys are those the API serves (``date``, ``found``,
``rectified_general``, ``rectified_major``, ``rectification_rate`` as a string such as
``"99.21"`` or null when nothing was found, ``overdue``, ``zones`` with the same keys per zone)
plus the rest. Generating again updates the rows in one upsert and never duplicates them; the
number of statements does not grow with zones, grids or tickets.
"""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, JSONField, Q, Value, Window
from django.db.models.functions import RowNumber
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from briefing import summaries
from briefing.campaign_figures import CampaignFigures, compute_campaign_figures
from briefing.figures import Figures, compute_figures
from briefing.models import DailyReport
from briefing.state_figures import escalation_level_at, open_at_ids, status_at
from cases.choices import (
    EscalationLevel,
    HazardStatus,
    InspectionSource,
    ResponsibleKind,
    TicketStatus,
)
from cases.models import Hazard, Inspection, Ticket
from cases.querysets import open_hazard_q
from catalogue.models import Campaign
from core.dates import ReportDateError, day_bounds, day_start, local_day, local_tz, parse_day, yesterday  # noqa: F401 (used as reports.*)
from register.choices import RiskLevel, RiskTag
from register.models import Enterprise, Parcel
from risk.patrols import Coverage, coverage_table, plan_on
from timeline.models import DailyAnchor

ALL = "all"
OVERDUE_LIST_LIMIT = 30  # overdue tickets listed per scope (the count covers all of them)
DATA_VERSION = 1


# --- dates ---------------------------------------------------------------------------------------


def report_as_of(day, now=None):
    """The moment a report's state figures are read at: the end of ``day`` (now, while it lasts)."""
    now = now or timezone.now()
    return min(now, day_start(day + timedelta(days=1)))


def report_start_date():
    """``REPORT_START_DATE`` as a date, or None (from the earliest hazard)."""
    value = (getattr(settings, "REPORT_START_DATE", "") or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"REPORT_START_DATE must be YYYY-MM-DD, not {value!r}") from None


def zone_scope(zone_id):
    return f"zone:{zone_id}"


def grid_scope(grid_id):
    return f"grid:{grid_id}"


# --- building --------------------------------------------------------------------------------------


def summary(figures: Figures):
    """The figures of one scope as the report stores them (the same keys at every level)."""
    return {
        "found": figures.found,
        "found_general": figures.found_general,
        "found_major": figures.found_major,
        "rectified": figures.rectified,
        "rectified_general": figures.rectified_general,
        "rectified_major": figures.rectified_major,
        "rectification_rate": figures.rate_str,
        "overdue": figures.overdue,
        "inspections_total": figures.inspections_total,
        "units_covered_total": figures.units_covered_total,
        "day": {
            "inspections": figures.inspections,
            "units_covered": figures.units_covered,
            "new_general": figures.new_general,
            "new_major": figures.new_major,
            "new": figures.new,
            "rectified_general": figures.fixed_general,
            "rectified_major": figures.fixed_major,
            "rectified": figures.fixed,
        },
        "open_tickets": {
            "pending": figures.pending,
            "assigned": figures.assigned,
            "submitted": figures.submitted,
            "total": figures.open_tickets,
        },
        "escalated": {
            "supervised": figures.escalated_supervised,
            "listed": figures.escalated_listed,
            "total": figures.escalated,
        },
        "escalations_raised": figures.escalations_raised,
        "parcels": {
            "total": figures.parcels_total,
            "closed_out": figures.parcels_closed_out,
            "red": figures.parcels_red,
            "crosscheck": figures.parcels_crosscheck,
        },
    }


def _rate_key(item):
    rate = item["rectification_rate"]
    return (rate is None, -float(rate) if rate is not None else 0, item["name"])


def ranking(items):
    """Zones (or grids) ranked by rate (highest first; none found last) and by overdue (most first)."""
    by_rate = sorted(items, key=_rate_key)
    by_overdue = sorted(items, key=lambda item: (-item["overdue"], item["name"]))
    return {
        "by_rate": [{"id": i["id"], "name": i["name"], "rectification_rate": i["rectification_rate"],
                     "found": i["found"], "rectified": i["rectified"]} for i in by_rate],
        "by_overdue": [{"id": i["id"], "name": i["name"], "overdue": i["overdue"]} for i in by_overdue],
    }  # fmt: skip


def _overdue_tickets(as_of, limit):
    """The worst overdue tickets at ``as_of``: the first ``limit`` of the whole area, of each zone and of
    each grid, in one statement (window functions rank within each partition)."""
    today = local_day(as_of)
    order = [F("deadline").asc(), F("level_then").desc(), F("pk").asc()]
    rows = (
        # overdue_q(today, as_of=as_of), read as the two index-served parts of the tickets open then
        Ticket.objects.filter(pk__in=open_at_ids(as_of, deadline__lt=today))
        .annotate(
            status_then=status_at(as_of),
            level_then=escalation_level_at(as_of),
            rank_all=Window(RowNumber(), order_by=order),
            rank_zone=Window(RowNumber(), partition_by=[F("zone_id")], order_by=order),
            rank_grid=Window(RowNumber(), partition_by=[F("grid_id")], order_by=order),
        )
        .filter(Q(rank_all__lte=limit) | Q(rank_zone__lte=limit) | Q(rank_grid__lte=limit))
        .values(
            "pk", "number", "zone_id", "grid_id", "deadline", "status_then", "level_then", "is_major",
            "responsible_kind", "enterprise__name", "parcel__name", "parcel__landlord_name",
            "rank_all", "rank_zone", "rank_grid",
        )
        .order_by("deadline", "-level_then", "pk")
    )  # fmt: skip
    result = []
    for row in rows:
        result.append({
            "id": row["pk"],
            "number": row["number"],
            "zone_id": row["zone_id"],
            "grid_id": row["grid_id"],
            "deadline": row["deadline"].isoformat(),
            "days_overdue": (today - row["deadline"]).days,
            "status": row["status_then"],
            "escalation_level": row["level_then"],
            "major": row["is_major"],
            "responsible_kind": row["responsible_kind"],
            "responsible": (
                row["enterprise__name"] if row["responsible_kind"] == ResponsibleKind.ENTERPRISE
                else row["parcel__landlord_name"]
            ) or "",
            "parcel": row["parcel__name"] or "",
            "_ranks": (row["rank_all"], row["rank_zone"], row["rank_grid"]),
        })  # fmt: skip
    return result


def _current_campaigns(day):
    """Campaigns running on ``day``; when none runs, the one that started last before it."""
    started = Campaign.objects.filter(start_date__lte=day).prefetch_related("risk_tags")
    running = list(started.filter(Q(end_date__isnull=True) | Q(end_date__gte=day)).order_by("-start_date", "pk"))
    if running:
        return running
    return list(started.order_by("-start_date", "-pk")[:1])


def _campaign_progress(day):
    """Per current campaign and target risk tag, per grid: tagged (active) enterprises; inspected in the
    campaign (专项检查: inspections linked to it, or campaign/third-party inspections in its window);
    with hazards found in those inspections; rectified (all those hazards rectified by the day's end).
    One grouped statement."""
    campaigns = _current_campaigns(day)
    if not campaigns:
        return [], None
    day_end = day_bounds(day)[1]
    specs = []
    for index, campaign in enumerate(campaigns):
        tags = sorted(t.code for t in campaign.risk_tags.all()) or list(RiskTag.values)
        start = day_start(campaign.start_date)
        end = min(day_end, day_start(campaign.end_date + timedelta(days=1))) if campaign.end_date else day_end
        specs.append((index, campaign, tags, start, end))
    all_tags = sorted({tag for spec in specs for tag in spec[2]})

    # A campaign's inspections: linked to it, or made in its window as campaign or third-party checks.
    special = [InspectionSource.CAMPAIGN, InspectionSource.THIRD_PARTY]

    def of_campaign(campaign, start, end):
        return Q(campaign=campaign) | Q(source__in=special, inspected_at__gte=start, inspected_at__lt=end)

    # One pass over the tagged enterprises, each asked whether it is among the enterprises a campaign inspected,
    # found hazards at, or left one open at: three sets PostgreSQL reads once each (IN, hashed), the hazards
    # from the campaign's inspections (the inspection_id index), not from every hazard of the history.
    open_at_end = open_hazard_q() | Q(status=HazardStatus.RECTIFIED, rectified_at__gte=day_end)
    aggregates = {"enterprises": Count("enterprise_id", filter=Q(enterprise__active=True))}
    for index, campaign, _tags, start, end in specs:
        inspections = Inspection.objects.filter(of_campaign(campaign, start, end), inspected_at__lt=day_end)
        hazards = Hazard.objects.counted().filter(inspection__in=inspections.values("pk"), reported_at__lt=day_end)
        for name, units in (
            ("inspected", inspections),
            ("found", hazards),
            ("open", hazards.filter(open_at_end)),
        ):
            aggregates[f"{name}_{index}"] = Count(
                "enterprise_id", filter=Q(enterprise_id__in=units.values("enterprise_id"))
            )
    # per (tag, grid): {"enterprises": n, "found_0": n, "open_0": n, "inspected_0": n, ...}
    cells = {
        (row.pop("risktagoption_id"), row.pop("enterprise__grid_id")): row
        for row in Enterprise.risk_tags.through.objects.filter(risktagoption_id__in=all_tags)
        .values("risktagoption_id", "enterprise__grid_id")
        .annotate(**aggregates)
        .order_by()
    }

    def progress(grid_ids):
        result = []
        for index, campaign, tags, _start, _end in specs:
            rows = []
            for tag in tags:
                sums = {"enterprises": 0, "inspected": 0, "with_hazards": 0, "open": 0}
                for grid_id in grid_ids:
                    cell = cells.get((tag, grid_id))
                    if not cell:
                        continue
                    sums["enterprises"] += cell.get("enterprises", 0)
                    sums["inspected"] += cell.get(f"inspected_{index}", 0)
                    sums["with_hazards"] += cell.get(f"found_{index}", 0)
                    sums["open"] += cell.get(f"open_{index}", 0)
                rows.append({
                    "code": tag,
                    "enterprises": sums["enterprises"],
                    "inspected": sums["inspected"],
                    "with_hazards": sums["with_hazards"],
                    "rectified": sums["with_hazards"] - sums["open"],
                })  # fmt: skip
            result.append({
                "id": campaign.pk,
                "name": campaign.name,
                "start_date": campaign.start_date.isoformat(),
                "end_date": campaign.end_date.isoformat() if campaign.end_date else None,
                "active": campaign.end_date is None or campaign.end_date >= day,
                "tags": rows,
            })  # fmt: skip
        return result

    return specs, progress


def _coverage(day, day_end, grid_zone):
    """Patrol coverage on ``day`` per grid and zone and in total, with the plan then in force."""
    plan = plan_on(day_end)
    units = {"enterprise": Enterprise.objects.filter(active=True), "parcel": Parcel.objects.all()}
    table = coverage_table(units, grid_zone, day=day, until=day_end, plan=plan)
    plan_data = {
        "id": plan.plan.pk if plan.plan else None,
        **{f"{RiskLevel(level).name.lower()}_days": plan.days_for(level) for level in RiskLevel},
    }
    return table, plan_data


def build_report_data(day, *, now=None):
    """``{scope: data}`` for the whole area, every zone and every grid, for local day ``day``."""
    now = now or timezone.now()
    day_from, day_to = day_bounds(day)
    as_of = report_as_of(day, now)
    start = report_start_date()
    escalations_from = day_from
    figure_set = compute_figures(
        start=start,
        end=day_to,
        activity=(day_from, day_to),
        as_of=as_of,
        escalations=(escalations_from, as_of),
    )
    first = figure_set.total.first_reported_at
    start_date = start or (local_day(first) if first else None)
    overdue = _overdue_tickets(as_of, OVERDUE_LIST_LIMIT)
    specs, progress = _campaign_progress(day)
    zone_names, grid_names, grid_zone = figure_set.zone_names, figure_set.grid_names, figure_set.grid_zone
    patrol, patrol_plan = _coverage(day, day_to, grid_zone)
    campaign = compute_campaign_figures(day, since=start, as_of=as_of)

    def covered(table, pk):
        return (table.get(pk) or Coverage()).as_dict()

    def ledgers(table, pk):
        return (table.get(pk) or CampaignFigures()).as_dict()

    zone_items = [
        {
            "id": pk,
            "name": zone_names.get(pk, ""),
            **summary(figure_set.zones[pk]),
            "coverage": covered(patrol.zones, pk),
            "ledgers": ledgers(campaign.zones, pk),
        }
        for pk in figure_set.zone_order
        if pk in figure_set.zones
    ]
    grid_items = [
        {
            "id": pk,
            "name": grid_names.get(pk, ""),
            "zone_id": grid_zone.get(pk),
            **summary(figures),
            "coverage": covered(patrol.grids, pk),
            "ledgers": ledgers(campaign.grids, pk),
        }
        for pk, figures in figure_set.grids.items()
    ]
    zone_of = {item["id"]: item for item in zone_items}
    for ticket in overdue:
        ticket["zone"] = zone_names.get(ticket["zone_id"], "")
        ticket["grid"] = grid_names.get(ticket["grid_id"], "")

    common = {
        "version": DATA_VERSION,
        "date": day.isoformat(),
        "start_date": start_date.isoformat() if start_date else None,
        "period": {"from": day_from.isoformat(), "to": day_to.isoformat()},
        "as_of": timezone.localtime(as_of, local_tz()).isoformat(),
        "escalation_window": {"from": escalations_from.isoformat(), "to": as_of.astimezone(local_tz()).isoformat()},
        "patrol_plan": patrol_plan,
    }

    def tickets_for(rank_index, match):
        chosen = [t for t in overdue if match(t) and t["_ranks"][rank_index] <= OVERDUE_LIST_LIMIT]
        return [{k: v for k, v in t.items() if k != "_ranks"} for t in chosen]

    all_grid_ids = list(figure_set.grids)
    reports = {
        ALL: {
            **common,
            "scope": ALL,
            "scope_kind": "all",
            "zone_id": None,
            "grid_id": None,
            "scope_name": "",
            **summary(figure_set.total),
            "coverage": patrol.total.as_dict(),
            "ledgers": campaign.total.as_dict(),
            "overdue_tickets": tickets_for(0, lambda t: True),
            "campaigns": progress(all_grid_ids) if specs else [],
            "zones": zone_items,
            "grids": grid_items,
            "ranking": {"level": "zone", **ranking(zone_items)},
        }
    }
    for item in zone_items:
        pk = item["id"]
        grids_here = [g for g in grid_items if g["zone_id"] == pk]
        reports[zone_scope(pk)] = {
            **common,
            "scope": zone_scope(pk),
            "scope_kind": "zone",
            "zone_id": pk,
            "grid_id": None,
            "scope_name": item["name"],
            **summary(figure_set.zones[pk]),
            "coverage": item["coverage"],
            "ledgers": item["ledgers"],
            "overdue_tickets": tickets_for(1, lambda t, pk=pk: t["zone_id"] == pk),
            "campaigns": progress([g["id"] for g in grids_here]) if specs else [],
            "zones": [item],
            "grids": grids_here,
            "ranking": {"level": "grid", **ranking(grids_here)},
        }
    for item in grid_items:
        pk, zone_id = item["id"], item["zone_id"]
        zone = zone_of.get(zone_id)
        reports[grid_scope(pk)] = {
            **common,
            "scope": grid_scope(pk),
            "scope_kind": "grid",
            "zone_id": zone_id,
            "grid_id": pk,
            "scope_name": f"{zone['name']} / {item['name']}" if zone else item["name"],
            **summary(figure_set.grids[pk]),
            "coverage": item["coverage"],
            "ledgers": item["ledgers"],
            "overdue_tickets": tickets_for(2, lambda t, pk=pk: t["grid_id"] == pk),
            "campaigns": progress([pk]) if specs else [],
            "zones": [],
            "grids": [item],
            "ranking": {"level": "grid", "by_rate": [], "by_overdue": []},
        }
    return reports


@transaction.atomic
def generate_daily_reports(day=None, *, now=None):
    """Build and store the reports of ``day`` (default: yesterday) for every scope; returns them.

    One upsert on (date, scope): generating again updates the rows and never duplicates them.
    """
    now = now or timezone.now()
    day = parse_day(day, now=now)
    summaries.catch_up()  # the day summaries the figures add up (briefing.summaries), up to date
    data = build_report_data(day, now=now)
    # Each report as its own JSON parameter (an expression: Django then writes VALUES rows, not its UNNEST of
    # arrays, whose array literal psycopg quotes character by character: 130 ms for the 127 reports of a city)
    rows = [
        DailyReport(
            date=day,
            scope=scope,
            zone_id=item["zone_id"],
            grid_id=item["grid_id"],
            data=Value(item, output_field=JSONField()),
            generated_at=now,
        )
        for scope, item in data.items()
    ]
    DailyReport.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["date", "scope"],
        update_fields=["data", "generated_at", "zone", "grid"],
        batch_size=500,
    )
    return list(DailyReport.objects.filter(date=day).order_by("scope"))


# --- presenting --------------------------------------------------------------------------------------


STATUS_LABELS = dict(TicketStatus.choices)
RESPONSIBLE_LABELS = dict(ResponsibleKind.choices)


def scope_title(data):
    """The scope's name for a reader: 全区 for the whole area."""
    if data.get("scope_kind", "all") == "all" or data.get("scope") == ALL:
        return _("全区")
    return data.get("scope_name") or data.get("scope", "")


def display_rate(rate):
    return "—" if rate is None else f"{rate}%"


def responsible_label(ticket):
    if ticket.get("responsible_kind") == ResponsibleKind.LANDLORD:
        return _("%(landlord)s（%(parcel)s 房东）") % {
            "landlord": ticket.get("responsible") or _("房东"),
            "parcel": ticket.get("parcel", ""),
        }
    return ticket.get("responsible", "")


def presentation(data):
    """A template context for one report's data, with labels in the active language."""
    overdue = [
        {
            **ticket,
            "responsible_label": responsible_label(ticket),
            "status_label": str(STATUS_LABELS.get(ticket["status"], ticket["status"])),
            "escalation_label": _escalation_label(ticket["escalation_level"]),
        }
        for ticket in data.get("overdue_tickets", [])
    ]
    campaigns = [
        {
            **campaign,
            "tags": [{**tag, "label": _tag_label(tag["code"])} for tag in campaign.get("tags", [])],
        }
        for campaign in data.get("campaigns", [])
    ]
    rows = data.get("zones") if data.get("scope_kind", "all") == "all" else data.get("grids")
    return {
        "report": data,
        "title": _("每日问题整改简报"),
        "scope_title": scope_title(data),
        "as_of_display": (data.get("as_of") or "")[:16].replace("T", " "),
        "rate": display_rate(data.get("rectification_rate")),
        "overdue_tickets": overdue,
        "overdue_more": max(0, data.get("overdue", 0) - len(overdue)),
        "campaigns": campaigns,
        "rows": [
            {
                **row,
                "rate": display_rate(row.get("rectification_rate")),
                "coverage": _coverage_shown(row.get("coverage")),
            }
            for row in rows or []
        ],
        "coverage": _coverage_shown(data.get("coverage")),
        "ledgers": _ledgers_shown(data.get("ledgers")),
        "patrol_plan": data.get("patrol_plan"),
        "rows_are_zones": data.get("scope_kind", "all") == "all",
        "ranking_by_rate": [
            {**item, "rate": display_rate(item.get("rectification_rate"))}
            for item in data.get("ranking", {}).get("by_rate", [])
        ],
        "ranking_by_overdue": data.get("ranking", {}).get("by_overdue", []),
        "report_url": report_url(data),
        "ledger_anchor": ledger_anchor(data.get("date")),
    }


def ledger_anchor(day):
    """The timeline's newest daily anchor up to the report's day (``timeline.chain.anchor_day``, written at
    00:05), as the briefing prints it: every mail and robot message is a copy outside the system that
    witnesses the day's root and anchor hash. None before the first anchor."""
    if not day:
        return None
    anchor = DailyAnchor.objects.filter(date__lte=day).order_by("-date").first()
    if anchor is None:
        return None
    return {
        "date": anchor.date.isoformat(),
        "root": anchor.root,
        "events": anchor.events,
        "streams": anchor.streams,
        "key_id": anchor.key_id or "sha256",
        "hash": anchor.hash,
    }


def _coverage_shown(coverage):
    """A scope's stored coverage with its rate for a reader ("87.50%", "—"); None for a report made before
    the briefing had one."""
    if not coverage:
        return None
    return {**coverage, "rate_label": display_rate(coverage.get("rate"))}


def _ledgers_shown(ledgers):
    """A scope's stored campaign-ledger figures with their rates for a reader; None for a report made before
    the briefing had them."""
    if not ledgers:
        return None
    letters = ledgers["letters"]
    return {
        **ledgers,
        "rating_label": ledgers["service_requests"]["rating"] or "—",
        "letters": {
            **letters,
            "landlord_label": display_rate(letters["landlord_rate"]),
            "enterprise_label": display_rate(letters["enterprise_rate"]),
            "agreement_label": display_rate(letters["agreement_rate"]),
        },
    }


def report_url(data):
    """The archive page of a report, absolute (for mail and webhooks)."""
    try:
        path = reverse("briefing:report_detail", args=[data["date"]])
    except NoReverseMatch:
        return settings.SITE_URL + "/"
    if data.get("scope", ALL) != ALL:
        path += "?" + urlencode({"scope": data["scope"]})
    return settings.SITE_URL + path


def _escalation_label(level):
    try:
        return str(EscalationLevel(level).label)
    except ValueError:
        return str(level)


def _tag_label(code):
    try:
        return str(RiskTag(code).label)
    except ValueError:
        return code


def render_text(data, language=None):
    """The briefing as plain text (the command's output and the e-mail's text body)."""
    with translation.override(language or settings.LANGUAGE_CODE):
        return render_to_string("briefing/email/daily_report.txt", presentation(data)).strip() + "\n"


def render_html(data, language=None):
    with translation.override(language or settings.LANGUAGE_CODE):
        return render_to_string("briefing/email/daily_report.html", presentation(data))


def subject(data, language=None):
    with translation.override(language or settings.LANGUAGE_CODE):
        return _("每日问题整改简报 %(date)s %(scope)s") % {"date": data["date"], "scope": scope_title(data)}


__all__ = [
    "ALL",
    "ReportDateError",
    "build_report_data",
    "generate_daily_reports",
    "parse_day",
    "render_html",
    "render_text",
    "report_as_of",
    "subject",
    "yesterday",
]
