"""The leader's dashboard (驾驶舱) and the red/green parcel map (红绿图), with their JSON.

Key figures, the zone ranking and the other ledgers (drills, service requests, welding devices,
letters: ``campaign_ledgers``) come from ``briefing.figures`` (the ledger figures, the
same numbers as the daily briefing), restricted to the zones the user may see. The trend and
the category breakdown are grouped queries over ``Hazard.objects.visible_to(user)``; the map
over ``Parcel.objects.visible_to(user)``. Each answer takes a constant number of queries,
however many parcels, hazards or tickets there are.
"""

import hashlib
import logging
from datetime import date, timedelta

from django.core.cache import cache
from django.db.models import Count, F, Max, Q, Subquery, Sum, Value
from django.db.models.functions import TruncDate
from django.http import JsonResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from accounts.choices import Role
from accounts.mixins import RoleRequiredMixin
from briefing import campaign_figures, summaries, unit_tally
from briefing import figures as ledger
from briefing.figures import rate_tone
from briefing.models import CategoryTotalSummary, DaySummary, SummaryState
from cases.choices import COUNTED_HAZARD_STATUSES, OPEN_HAZARD_STATUSES, OPEN_TICKET_STATUSES, HazardStatus
from cases.models import Hazard
from cases.querysets import rectified_hazard_q
from catalogue.choices import Severity
from catalogue.models import HazardCategory
from closeout import map_cells
from closeout.querysets import ParcelState
from core.dates import day_start, local_tz
from core.links import safe_reverse
from core.parsing import parse_int
from core.text import join_list
from ledgers.models import Drill, ResponsibilityLetter, WeldingDevice
from register.choices import RiskLevel, risk_colour
from register.models import Enterprise, Parcel, Zone
from risk.patrols import Coverage, plan_on
from timeline.models import Event

logger = logging.getLogger(__name__)

TREND_DAYS = (30, 90)
CACHE_SECONDS = 15 * 60
# The cumulative figures start here: an explicit lower bound (rather than None) keeps
# figures.compute_figures from reading "no start" as "only the activity window".
OPEN_TICKETS = list(OPEN_TICKET_STATUSES)
OPEN_HAZARDS = list(OPEN_HAZARD_STATUSES)
COUNTED_HAZARDS = list(COUNTED_HAZARD_STATUSES)


# --- the figures ----------------------------------------------------------------------------


def _hazards(**query):
    # every hazard figure counts counted hazards (not withdrawn): so does the list it opens
    return safe_reverse("cases:hazard_list", query={**query, "counted": "true"})


def _tickets(**query):
    return safe_reverse("cases:ticket_list", query=query or None)


def visible_zones(user):
    """(zone ids the user sees, or None for all; their names in order)."""
    rows = list(Zone.objects.visible_to(user).order_by("order", "name").values_list("pk", "name"))
    return (None if user.sees_everything else [pk for pk, _name in rows]), rows


def key_figures(figures, today):
    """The dashboard's key figures from a ``figures.Figures``, each with the list behind it."""
    day = today.isoformat()
    found, rectified = figures.found, figures.rectified
    rate = figures.rate
    return {
        "found": found,
        "found_today": figures.new,
        "found_major": figures.found_major,
        "rectified": rectified,
        "rectified_today": figures.fixed,
        "rectified_major": figures.rectified_major,
        "rate": None if rate is None else f"{rate:.2f}",
        "rate_tone": rate_tone(rate),
        "open": found - rectified,
        "major_open": figures.found_major - figures.rectified_major,
        "open_tickets": figures.open_tickets,
        "pending": figures.pending,
        "assigned": figures.assigned,
        "submitted": figures.submitted,
        "overdue": figures.overdue,
        "escalated": figures.escalated,
        "listed": figures.escalated_listed,
        "inspections_today": figures.inspections,
        "units_today": figures.units_covered,
        "parcels_total": figures.parcels_total,
        "parcels_red": figures.parcels_red,
        "parcels_crosscheck": figures.parcels_crosscheck,
        # the close-out states as closeout.querysets defines them (the map, the parcel list, the desk alike)
        "parcels_pending": figures.parcels_pending,
        "parcels_green": figures.parcels_green,
        "parcels_uninspected": figures.parcels_uninspected,
        "parcels_closed_out": figures.parcels_closed_out,
        "links": {
            "found": _hazards(status=COUNTED_HAZARDS),
            "found_today": _hazards(status=COUNTED_HAZARDS, reported_after=day, reported_before=day),
            "rectified": _hazards(status=HazardStatus.RECTIFIED),
            "open": _hazards(status=OPEN_HAZARDS),
            "major_open": _hazards(severity=Severity.MAJOR, status=OPEN_HAZARDS),
            "open_tickets": _tickets(status=OPEN_TICKETS),
            "overdue": _tickets(overdue="true"),
            "escalated": _tickets(escalation_level=[1, 2], status=OPEN_TICKETS),
            "listed": _tickets(escalation_level=2, status=OPEN_TICKETS),
            "map": safe_reverse("closeout:map"),
            **{
                f"parcels_{state}": safe_reverse("cases:parcel_list", query={"state": state})
                for state in ParcelState.values
            },
        },
    }


def zone_ranking(figure_set, zone_rows, zone_ids):
    """Zones ranked by rectification rate (highest first), then fewest overdue tickets."""
    rows = []
    for pk, name in zone_rows:
        if zone_ids is not None and pk not in zone_ids:
            continue
        f = figure_set.zones.get(pk) or ledger.Figures()
        rate = f.rate
        rows.append(
            {
                "id": pk,
                "name": name,
                "found": f.found,
                "found_today": f.new,
                "rectified": f.rectified,
                "rate": None if rate is None else f"{rate:.2f}",
                "rate_tone": rate_tone(rate),
                "open": f.found - f.rectified,
                "major_open": f.found_major - f.rectified_major,
                "open_tickets": f.open_tickets,
                "overdue": f.overdue,
                "escalated": f.escalated,
                "parcels_total": f.parcels_total,
                "parcels_red": f.parcels_red,  # with open hazards (closeout.querysets.ParcelState.RED)
                "links": {
                    "zone": _tickets(zone_id=pk),
                    "found": _hazards(zone_id=pk, status=COUNTED_HAZARDS),
                    "open": _hazards(zone_id=pk, status=OPEN_HAZARDS),
                    "major_open": _hazards(zone_id=pk, severity=Severity.MAJOR, status=OPEN_HAZARDS),
                    "open_tickets": _tickets(zone_id=pk, status=OPEN_TICKETS),
                    "overdue": _tickets(zone_id=pk, overdue="true"),
                    "escalated": _tickets(zone_id=pk, escalation_level=[1, 2], status=OPEN_TICKETS),
                    "parcels_red": safe_reverse(
                        "cases:parcel_list",
                        query={"zone_id": pk, "state": ParcelState.RED},
                    ),
                },
            }
        )
    rows.sort(key=lambda r: (r["rate"] is None, -float(r["rate"] or 0), r["overdue"], -r["found"], r["name"]))
    for rank, row in enumerate(rows, start=1):
        row["rank"] = rank
    return rows


def _in_zones(zone_ids):
    return Q() if zone_ids is None else Q(zone_id__in=zone_ids)


def trend(zone_ids, today, days):
    """Hazards found and rectified per local day over the last ``days`` days: the closed days from the day
    summaries (briefing.summaries), the days since from the hazards (two statements on time indexes).
    Before the first summary, every day from the hazards."""
    first = today - timedelta(days=days - 1)
    until = summaries.covered_until() or first
    cut = day_start(max(first, min(until, today + timedelta(days=1))))
    per_day = {}
    rows = (
        DaySummary.objects.filter(_in_zones(zone_ids), day__gte=first, day__lt=until)
        .values("day")
        .annotate(
            found=Sum(F("found_general") + F("found_major")),
            rectified=Sum(F("fixed_general") + F("fixed_major")),
        )
        .order_by()
    )
    for row in rows:
        per_day[row["day"]] = [row["found"] or 0, row["rectified"] or 0]
    tz = local_tz()
    counted = Hazard.objects.filter(_in_zones(zone_ids)).counted()
    found = (
        counted.filter(reported_at__gte=cut)
        .annotate(day=TruncDate("reported_at", tzinfo=tz))
        .values("day")
        .annotate(found=Count("pk"), rectified=Value(0))
        .order_by()
    )
    fixed = (
        counted.rectified()
        .filter(rectified_at__gte=cut)
        .annotate(day=TruncDate("rectified_at", tzinfo=tz))
        .values("day")
        .annotate(found=Value(0), rectified=Count("pk"))
        .order_by()
    )
    for row in found.union(fixed, all=True):
        day = row["day"]
        if isinstance(day, str):
            day = date.fromisoformat(day[:10])
        entry = per_day.setdefault(day, [0, 0])
        entry[0] += row["found"] or 0
        entry[1] += row["rectified"] or 0
    dates = [first + timedelta(days=i) for i in range(days)]
    return {
        "days": days,
        "dates": [d.isoformat() for d in dates],
        "found": [per_day.get(d, (0, 0))[0] for d in dates],
        "rectified": [per_day.get(d, (0, 0))[1] for d in dates],
        "found_url": _hazards(status=COUNTED_HAZARDS, reported_after="__day__", reported_before="__day__"),
        "rectified_url": _hazards(status=HazardStatus.RECTIFIED),
    }


def categories(zone_ids, limit=12):
    """Hazards by category (the most found first): found, rectified, open, major. The closed days from the
    category totals, the days since from the hazards: two grouped statements, and one for the names."""
    until = summaries.covered_until()
    counts = {}

    def add(rows):
        for row in rows:
            entry = counts.setdefault(row["category_id"], [0, 0, 0])
            entry[0] += row["found"] or 0
            entry[1] += row["rectified"] or 0
            entry[2] += row["major"] or 0

    live = Hazard.objects.filter(_in_zones(zone_ids)).counted()
    if until is not None:
        add(  # every summarised day: the totals add them up
            CategoryTotalSummary.objects.filter(_in_zones(zone_ids))
            .values("category_id")
            .annotate(found=Sum("found"), rectified=Sum("rectified"), major=Sum("major"))
            .order_by()
        )
        live = live.filter(reported_at__gte=day_start(until))
    add(
        live.values("category_id")
        .annotate(
            found=Count("pk"),
            rectified=Count("pk", filter=rectified_hazard_q()),
            major=Count("pk", filter=Q(severity=Severity.MAJOR)),
        )
        .order_by()
    )
    names = {
        pk: (code, name)
        for pk, code, name in HazardCategory.objects.filter(pk__in=list(counts)).values_list("pk", "code", "name")
    }
    ranked = sorted(
        ((pk, entry) for pk, entry in counts.items() if entry[0] and pk in names),
        key=lambda item: (-item[1][0], names[item[0]][0]),
    )[:limit]
    return [
        {
            "code": names[pk][0],
            "name": names[pk][1],
            "found": found,
            "rectified": rectified,
            "open": found - rectified,
            "major": major,
            "url": _hazards(category=names[pk][0]),
            "open_url": _hazards(category=names[pk][0], status=OPEN_HAZARDS),
        }
        for pk, (found, rectified, major) in ranked
    ]


CACHE_MINUTES = 1  # a cached answer serves this long: the state figures (open, overdue) show a change this late


def _period(now=None):
    """The cache period of ``now``: a workflow change shows in the next one."""
    return int((now or timezone.now()).timestamp() // (60 * CACHE_MINUTES))


def data_version(now=None):
    """What the cached dashboard depends on, read cheaply. With day summaries (kept by the catch-up job): their
    watermark (one statement on a one-row table) and the cache period, so a workflow change shows in the next
    period (the state figures, today's activity) or after the next catch-up (the history) and does not empty
    every user's cache. Before the first summary: ``rows_version``, which any change moves."""
    state = SummaryState.objects.order_by("pk").values_list("covered_until", "last_event_id", "updated_at").first()
    if state is None or state[2] is None:
        return rows_version()
    return f"{state[0]}:{state[1]}:{state[2].timestamp()}|{_period(now)}"


def rows_version():
    """The head of the event chain (every change of a hazard, ticket or parcel state writes an event, and its
    hash covers its content), the register's parcels, and the newest drill, welding device and letter (they
    write no events). Two statements on indexes."""
    head = Event.objects.order_by("-pk").values_list("pk", "hash").first() or (0, "")

    def newest(model, field):  # the other ledgers write no events: their newest row, in the same statement
        return Max(Subquery(model.objects.order_by(f"-{field}").values(field)[:1]))

    parcels = Parcel.objects.aggregate(
        n=Count("pk"),
        changed=Max("updated_at"),
        drill=newest(Drill, "pk"),
        device=newest(WeldingDevice, "created_at"),
        letter=newest(ResponsibilityLetter, "updated_at"),
    )
    changed = parcels["changed"].isoformat() if parcels["changed"] else ""
    ledgers = ":".join(str(parcels[name] or "") for name in ("drill", "device", "letter"))
    return f"{head[0]}:{head[1][:16]}:{parcels['n']}:{changed}:{ledgers}"


def patrols(user, zone_rows, today, units=None, plan=None):
    """巡查覆盖 and the four-colour distribution (安全风险四色) of the user's units per zone: coverage today
    (units visited within their cycle) and enterprises and parcels per risk level. From the units' tallies
    when given (``units``, ``unit_tally.zone_units``: the plan's statement), else four statements."""
    if units is not None:
        plan = plan or plan_on()
        per_zone = {pk: figures.coverage for pk, figures in units.items()}
        levels = {pk: figures.levels for pk, figures in units.items()}
        total = Coverage()
        for figures in per_zone.values():
            total.add(figures)
    else:
        enterprises = Enterprise.objects.visible_to(user).filter(active=True)
        parcels = Parcel.objects.visible_to(user)
        per_zone, total, plan = campaign_figures.patrol_coverage_by_zone(enterprises, parcels, day=today)
        levels = campaign_figures.risk_level_distribution(enterprises, parcels)
    colours = [risk_colour(level) for level in sorted(RiskLevel, reverse=True)]
    empty = {"enterprise": {}, "parcel": {}}
    zones = []
    for pk, name in zone_rows:
        counts = levels.get(pk, empty)
        figures = per_zone.get(pk) or Coverage()
        zones.append(
            {
                "id": pk,
                "name": name,
                "coverage": figures.as_dict(),
                "levels": {
                    colour: {kind: counts[kind].get(colour, 0) for kind in ("enterprise", "parcel")}
                    for colour in colours
                },
                "patrol_url": safe_reverse("risk:patrol", query={"zone_id": pk}),
            }
        )
    return {
        "coverage": total.as_dict(),
        "cycles": {risk_colour(level): plan.days_for(level) for level in RiskLevel},
        "colours": colours,
        "colour_labels": {risk_colour(level): str(level.label) for level in RiskLevel},
        "zones": zones,
        "links": {"coverage": safe_reverse("risk:coverage"), "plan": safe_reverse("risk:plan")},
    }


def campaign_ledgers(user, zone_ids, zone_rows, today, units=None):
    """培训演练, 企业服务问题, 焊有序设备 and 责任书 of the user's zones (``campaign_figures.compute_campaign_figures``,
    the briefing's numbers): the total and each zone, with the lists behind them. Five statements; with the
    units' tallies (``units``) the records' tallies too (``campaign_figures.campaign_from_tallies``), three."""
    if units is not None:
        campaign = campaign_figures.campaign_from_tallies(user, today, units)
    else:
        campaign = campaign_figures.compute_campaign_figures(today)
    figures = campaign.total if zone_ids is None else campaign.for_zones(zone_ids)
    zones = [
        {"id": pk, "name": name, **(campaign.zones.get(pk) or campaign_figures.CampaignFigures()).as_dict()}
        for pk, name in zone_rows
        if zone_ids is None or pk in zone_ids
    ]
    return {
        **figures.as_dict(),
        "year": campaign.year,
        "zones": zones,
        "links": {
            "drills": safe_reverse("ledgers:drill_list"),
            "requests": safe_reverse("servicedesk:request_list"),
            "requests_open": safe_reverse(
                "servicedesk:request_list", query={"status": ["open", "dispatched", "answered"]}
            ),
            "requests_overdue": safe_reverse("servicedesk:request_list", query={"overdue": "true"}),
            "welding": safe_reverse("ledgers:welding_list", "ledgers:device_list"),
            "letters": safe_reverse("ledgers:letter_list"),
        },
    }


def _compute_dashboard(user, zone_ids, zone_rows, days, today):
    # for a scope of whole zones today, the register's figures are read from what is kept of it: the parcels'
    # states from the map's cells, the units' and the campaign records' from their tallies
    kept = unit_tally.serves(user, today)
    figure_set = ledger.compute_figures(activity=(today, today), parcels=map_cells.zone_states(user) if kept else None)
    plan = plan_on() if kept else None  # (without the tallies, patrols reads the plan with the units)
    units = unit_tally.zone_units(user, today, plan) if kept else None
    figures = figure_set.total if zone_ids is None else figure_set.for_zones(zone_ids)
    return {
        "today": today.isoformat(),
        "generated_at": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
        "scope": _("全域") if zone_ids is None else join_list(name for _pk, name in zone_rows) or _("无"),
        "figures": key_figures(figures, today),
        "zones": zone_ranking(figure_set, zone_rows, zone_ids),
        "categories": categories(zone_ids),
        "trend": trend(zone_ids, today, days),
        "patrols": patrols(user, zone_rows, today, units, plan),
        "ledgers": campaign_ledgers(user, zone_ids, zone_rows, today, units),
    }


def dashboard_data(user, *, days=30, today=None, cached=True):
    """Everything the dashboard shows, JSON-ready.

    The answer is cached under the user's scope (all, or their zones), the day, the window,
    the language and ``data_version()`` (the summaries' watermark and the minute): users of one scope
    share it, a cached answer is at most a minute behind, and leaders opening the dashboard repeatedly
    cost one cheap statement.
    """
    today = today or timezone.localdate()
    zone_ids, zone_rows = visible_zones(user)
    if not cached:
        return _compute_dashboard(user, zone_ids, zone_rows, days, today)
    scope = "all" if zone_ids is None else ",".join(str(pk) for pk in sorted(zone_ids))
    key = (
        "dashboard:"
        + hashlib.sha256(
            f"{scope}|{days}|{today.isoformat()}|{translation.get_language()}|{data_version()}".encode()
        ).hexdigest()
    )
    try:
        data = cache.get(key)
    except Exception:  # a cache that is down must not take the dashboard with it
        logger.warning("dashboard cache unavailable", exc_info=True)
        data = None
    if data is None:
        data = _compute_dashboard(user, zone_ids, zone_rows, days, today)
        try:
            cache.set(key, data, CACHE_SECONDS)
        except Exception:
            logger.warning("dashboard cache unavailable", exc_info=True)
    return data


def _days(request):
    days = parse_int(request.GET.get("days", TREND_DAYS[0]))
    return days if days in TREND_DAYS else TREND_DAYS[0]


class DashboardView(RoleRequiredMixin, TemplateView):
    template_name = "briefing/dashboard.html"
    roles = (Role.LEADER, Role.MANAGER)
    refusal_message = gettext_lazy("只有领导和交办人员可以查看此页面。")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        days = _days(self.request)
        data = dashboard_data(self.request.user, days=days)
        context.update(
            data=data,
            figures=data["figures"],
            zones=data["zones"],
            days=days,
            trend_days=TREND_DAYS,
            chart_labels={
                "found": _("发现"),
                "rectified": _("整改"),
                "open": _("未整改"),
                "red": _("红"),
                "green": _("绿"),
                "pending": _("待复核"),
                "uninspected": _("未排查"),
                "noData": _("暂无数据"),
                "rate": _("整改率"),
                "covered": _("周期内已巡查"),
                "uncovered": _("超期未巡"),
                "enterprises": _("企业"),
                "parcels": _("宗地"),
                "units": _("家"),
                "sessions": _("培训演练（场）"),
                "personTimes": _("参加人次"),
            },
            links={
                "map": safe_reverse("closeout:map"),
                "reports": safe_reverse("briefing:report_list"),
                "data": safe_reverse("briefing:dashboard_data"),
                "tickets": _tickets(),
            },
        )
        return context


class DashboardDataView(RoleRequiredMixin, View):
    roles = (Role.LEADER, Role.MANAGER)
    refusal_message = gettext_lazy("只有领导和交办人员可以查看此页面。")

    def get(self, request):
        return JsonResponse(
            dashboard_data(request.user, days=_days(request)), json_dumps_params={"ensure_ascii": False}
        )
