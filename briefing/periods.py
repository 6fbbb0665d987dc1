"""Reports for any period (周报、月报、自定义时段): the daily briefing's figures over a week, a month or a
range of days, by zone, grid and inspector, and a performance table (考核) per grid and per inspector.

A period is whole local days ``[first, last]`` (Asia/Shanghai), at most ``MAX_DAYS`` long, not after
today. Its figures have the daily briefing's three time references (``briefing.reports``):

* **activity** over the period: hazards newly found and rectified by severity, inspections (家次),
  escalations raised — each the sum of the daily briefings of its days; units covered (覆盖单位) are the
  distinct units visited in the period, so at most the sum of the days' (a unit visited on two days
  counts once);
* **cumulative** from ``REPORT_START_DATE`` (or the first hazard) to the end of the last day: found,
  rectified by severity, the rate — the last day's briefing;
* **state** at the end of the last day (now, while it lasts): open tickets by status, overdue,
  escalated, parcels closed out — the last day's briefing.

The performance table (考核), per grid and per inspector:

* **coverage** (覆盖率): units covered in the period / units (active enterprises and parcels, as
  ``risk.patrols`` counts them) of the grid; for an inspector, the units of their grids they visited
  themselves / the units of their grids;
* **hazards found** (发现隐患): counted hazards reported in the period — in the grid, or by the inspector;
* **verified on time** (按时验收): a submission (提交整改) falls due for verification
  ``VERIFICATION_DAYS`` days (setting, default 3) after it was received; of the submissions falling due
  in the period, the share verified (passed, rejected, or passed to the close-out approval) before that.
  Each submission counts in exactly one period, the one in which it falls due, so the figures of the days
  add up to the week's; a submission never verified counts as late;
* **overdue tickets** (逾期整改单) at the end of the period, and **rework** (退回整改): tickets sent back in
  the period (a failed verification or a close-out approval returned), each time counted.

An inspector's ticket figures (verification, overdue, rework) are those of their grids: the grid's
inspectors verify its tickets (DESIGN.md). Only the grids in the report's scope count: a manager of one
zone never sees an inspector's work in another.

Every figure comes from grouped statements bounded by the period's dates (``briefing.figures`` for the
briefing's figures, four more for the performance table): the number of statements does not grow with
zones, grids, inspectors or tickets.

    report = period_report(Period.parse("last_week"), scope="zone:3")
    report["activity"]["new"], report["performance"]["grids"][0]["on_time_rate"]
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.choices import Role
from accounts.policy import has_role
from accounts.scoping import visible_row
from briefing.archive import scope_visible
from briefing.figures import Figures, compute_figures, counted_as_of
from briefing.models import DailyReport
from briefing.reports import ALL, grid_scope, report_as_of, report_start_date, summary, zone_scope
from cases.exports import VERIFICATION_KINDS
from cases.models import Inspection
from catalogue.choices import Severity
from core.dates import date_window_error, day_start, format_rate, local_day, local_tz, rate_of
from register.models import Enterprise
from timeline.kinds import EventKind
from timeline.models import Event

MAX_DAYS = 366
REWORK_KINDS = (EventKind.TICKET_REJECTED, EventKind.TICKET_CLOSEOUT_RETURNED)
DATA_VERSION = 1

PERIOD_KINDS = {
    "this_week": gettext_lazy("本周"),
    "last_week": gettext_lazy("上周"),
    "this_month": gettext_lazy("本月"),
    "last_month": gettext_lazy("上月"),
    "custom": gettext_lazy("自定义"),
}


class PeriodError(ValueError):
    """A period that cannot be reported: the message says why, in the active language; ``field`` names the
    input it is about (``start``, ``end`` or ``period``)."""

    def __init__(self, message, field="period"):
        super().__init__(message)
        self.field = field


READERS = (Role.LEADER, Role.MANAGER, Role.INSPECTOR)


def may_read_reports(user):
    """The roles that read the briefings (as the daily briefing's API): leaders, managers, inspectors, and
    whoever sees the whole area."""
    return has_role(user, READERS) or user.sees_everything


def verification_days():
    return int(getattr(settings, "VERIFICATION_DAYS", 3))


# --- the period ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Local days ``first`` to ``last`` (both included); ``kind`` one of PERIOD_KINDS."""

    first: date
    last: date
    kind: str = "custom"

    @property
    def days(self):
        return (self.last - self.first).days + 1

    @property
    def label(self):
        return str(PERIOD_KINDS.get(self.kind, PERIOD_KINDS["custom"]))

    def bounds(self):
        """``[start, end)`` as aware datetimes: the first day's start, the start of the day after the last."""
        return day_start(self.first), day_start(self.last + timedelta(days=1))

    def as_dict(self):
        return {
            "kind": self.kind,
            "start": self.first.isoformat(),
            "end": self.last.isoformat(),
            "days": self.days,
        }

    @classmethod
    def preset(cls, kind, today=None):
        """本周 (Monday to today), 上周, 本月 (the 1st to today), 上月."""
        today = today or timezone.localdate()
        if kind == "this_week":
            return cls(today - timedelta(days=today.weekday()), today, kind)
        if kind == "last_week":
            monday = today - timedelta(days=today.weekday() + 7)
            return cls(monday, monday + timedelta(days=6), kind)
        if kind == "this_month":
            return cls(today.replace(day=1), today, kind)
        if kind == "last_month":
            last = today.replace(day=1) - timedelta(days=1)
            return cls(last.replace(day=1), last, kind)
        raise PeriodError(_("时段应为本周、上周、本月、上月或自定义起止日期。"), "period")

    @classmethod
    def parse(cls, kind=None, start=None, end=None, *, today=None):
        """The period a person or client asked for: a preset ``kind``, or ``start`` and ``end`` (dates or
        ``YYYY-MM-DD``; ``kind`` "custom" or empty). Default: last week. Raises PeriodError."""
        today = today or timezone.localdate()
        kind = (kind or "").strip()
        if not kind and not start and not end:
            kind = "last_week"
        if kind and kind != "custom":
            if start or end:
                raise PeriodError(_("选择了预设时段时不能同时填写起止日期。"), "period")
            return cls.preset(kind, today)
        first, last = _day(start, "start"), _day(end, "end")
        if last < first:
            raise PeriodError(_("结束日期不能早于开始日期。"), "end")
        if last > today:
            raise PeriodError(_("结束日期不能晚于今天（%(today)s）。") % {"today": today.isoformat()}, "end")
        if (last - first).days + 1 > MAX_DAYS:
            raise PeriodError(_("时段最长 %(days)d 天，请缩短起止日期。") % {"days": MAX_DAYS}, "end")
        return cls(first, last, "custom")


def _day(value, name):
    if isinstance(value, date):
        day = value
    else:
        text = (value or "").strip()
        if not text:
            raise PeriodError(_("请填写开始日期和结束日期。"), name)
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise PeriodError(
                _("日期格式应为 YYYY-MM-DD，例如 2024-03-01：%(value)s") % {"value": text[:40]}, name
            ) from None
    message = date_window_error(day)  # from 2000-01-01 to a few years ahead
    if message:
        raise PeriodError(message, name)
    return day


def month_period(year, month):
    """The whole calendar month (for tests and commands)."""
    return Period(date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]), "custom")


# --- scopes ----------------------------------------------------------------------------------------


def scope_allowed(user, scope, grid_zone):
    """Whether ``user`` may read the report of ``scope``: the daily briefings' rule
    (``DailyReport.objects.visible_to``: the whole area for those who see everything, a manager's or
    leader's zones and their grids, an inspector's grids), read in memory from ``grid_zone``."""
    kind, _sep, pk = scope.partition(":")
    if kind == ALL:
        return visible_row(DailyReport, user, zone_id=None, grid_id=None)
    try:
        pk = int(pk)
    except ValueError:
        return False
    if kind == "zone":
        return visible_row(DailyReport, user, zone_id=pk, grid_id=None)
    if kind == "grid":
        return pk in grid_zone and visible_row(DailyReport, user, zone_id=grid_zone[pk], grid_id=pk)
    return False


def visible_scopes(user, zone_order, zone_names, grid_zone, grid_names):
    """``[(scope, name)]`` the user may read, widest first: the whole area, zones, each zone's grids."""
    result = []
    if scope_allowed(user, ALL, grid_zone):
        result.append((ALL, _("全区")))
    for zone_id in zone_order:
        if scope_allowed(user, zone_scope(zone_id), grid_zone):
            result.append((zone_scope(zone_id), zone_names.get(zone_id, "")))
        for grid_id, grid_zone_id in grid_zone.items():
            if grid_zone_id == zone_id and scope_allowed(user, grid_scope(grid_id), grid_zone):
                result.append((grid_scope(grid_id), f"{zone_names.get(zone_id, '')} / {grid_names.get(grid_id, '')}"))
    return result


# --- the performance table (考核) ---------------------------------------------------------------------


@dataclass
class Performance:
    """One row of the performance table: a grid, or an inspector over their grids in scope."""

    units: int = 0
    units_covered: int = 0
    inspections: int = 0
    found_general: int = 0
    found_major: int = 0
    submissions_due: int = 0
    verified_on_time: int = 0
    overdue: int = 0
    rework: int = 0
    grids: list = field(default_factory=list)

    @property
    def found(self):
        return self.found_general + self.found_major

    def add_tickets(self, other):
        """The ticket figures of a grid (verification, overdue, rework) added to an inspector's."""
        self.submissions_due += other.submissions_due
        self.verified_on_time += other.verified_on_time
        self.overdue += other.overdue
        self.rework += other.rework
        self.units += other.units

    def as_dict(self):
        return {
            "units": self.units,
            "units_covered": self.units_covered,
            "coverage_rate": format_rate(rate_of(min(self.units_covered, self.units), self.units)),
            "inspections": self.inspections,
            "found": self.found,
            "found_general": self.found_general,
            "found_major": self.found_major,
            "submissions_due": self.submissions_due,
            "verified_on_time": self.verified_on_time,
            "on_time_rate": format_rate(rate_of(self.verified_on_time, self.submissions_due)),
            "overdue": self.overdue,
            "rework": self.rework,
        }


def _ticket_rows(start, end, as_of, days, grid_ids):
    """Per grid: submissions falling due for verification in ``[start, as_of)``, how many of them were
    verified within ``days`` days, and the tickets sent back in ``[start, end)``. One grouped statement over
    the events of the period (and the ``days`` before it), read by the time index."""
    limit = timedelta(days=days)
    due = Q(kind=EventKind.TICKET_SUBMITTED, created_at__gte=start - limit, created_at__lt=as_of - limit)
    rework = Q(kind__in=REWORK_KINDS, created_at__gte=start, created_at__lt=end)
    verified_in_time = Exists(
        Event.objects.filter(
            ticket_id=OuterRef("ticket_id"),
            kind__in=VERIFICATION_KINDS,
            created_at__gte=OuterRef("created_at"),
            created_at__lt=OuterRef("created_at") + limit,
        )
    )
    return (
        Event.objects.filter(due | rework, ticket__grid_id__in=grid_ids)
        .values("ticket__grid_id")
        .annotate(
            submissions_due=Count("pk", filter=due),
            verified_on_time=Count("pk", filter=due & Q(verified_in_time)),
            rework=Count("pk", filter=rework),
        )
        .order_by()
    )


def _inspector_rows(start, end, grid_ids):
    """Per inspector and grid: inspections in the period, distinct units visited (the enterprise, or the
    parcel of a visit to a parcel as a whole), and counted hazards they reported. Two grouped statements."""
    period = Q(inspected_at__gte=start, inspected_at__lt=end)
    inspections = (
        Inspection.objects.filter(period, grid_id__in=grid_ids, inspector__role=Role.INSPECTOR)
        .values("inspector_id", "grid_id")
        .annotate(
            n=Count("pk"),
            ue=Count("enterprise_id", distinct=True),
            up=Count("parcel_id", filter=Q(enterprise__isnull=True), distinct=True),
        )
        .order_by()
    )
    hazards = (
        counted_as_of(end)
        .filter(reported_at__gte=start, reported_at__lt=end, grid_id__in=grid_ids, reporter__role=Role.INSPECTOR)
        .values("reporter_id", "grid_id")
        .annotate(
            general=Count("pk", filter=Q(severity=Severity.GENERAL)),
            major=Count("pk", filter=Q(severity=Severity.MAJOR)),
        )
        .order_by()
    )
    return inspections, hazards


def _inspectors(grid_ids):
    """``{user id: (name, [grid ids])}`` of the active inspectors of ``grid_ids``. One statement."""
    rows = (
        get_user_model()
        .objects.filter(role=Role.INSPECTOR, is_active=True, grids__in=grid_ids)
        .order_by("username", "pk")
        .values_list("pk", "username", "first_name", "last_name", "grids")
    )
    result = {}
    for pk, username, first, last, grid_id in rows:
        name = f"{first} {last}".strip() or username  # as User.get_full_name, as core.xlsx.person
        result.setdefault(pk, (name, []))[1].append(grid_id)
    return result


def performance(figure_set, grid_ids, *, start, end, as_of):
    """``(grids, inspectors)``: the performance rows of ``grid_ids`` (``{grid id: Performance}``) and of the
    inspectors of those grids, counted over those grids only (``{user id: (name, Performance)}``)."""
    wanted = set(grid_ids)
    units = dict(
        Enterprise.objects.filter(active=True, grid_id__in=list(wanted))
        .values("grid_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("grid_id", "n")
    )
    grids = {}
    for pk in grid_ids:
        figures = figure_set.grids.get(pk) or Figures()
        grids[pk] = Performance(
            units=units.get(pk, 0) + figures.parcels_total,
            units_covered=figures.units_covered,
            inspections=figures.inspections,
            found_general=figures.new_general,
            found_major=figures.new_major,
            overdue=figures.overdue,
        )
    for row in _ticket_rows(start, end, as_of, verification_days(), list(wanted)):
        if row["ticket__grid_id"] in wanted:
            grid = grids[row["ticket__grid_id"]]
            grid.submissions_due, grid.verified_on_time, grid.rework = (
                row["submissions_due"],
                row["verified_on_time"],
                row["rework"],
            )

    people = _inspectors(list(wanted))
    inspectors = {}
    for pk, (name, their_grids) in people.items():
        row = Performance(grids=[g for g in grid_ids if g in their_grids])
        for grid_id in row.grids:
            row.add_tickets(grids[grid_id])
        inspectors[pk] = (name, row)
    inspections, hazards = _inspector_rows(start, end, list(wanted))
    for item in inspections:
        entry = inspectors.get(item["inspector_id"])
        if entry is None or item["grid_id"] not in wanted:
            continue
        row = entry[1]
        row.inspections += item["n"]
        if item["grid_id"] in row.grids:
            row.units_covered += item["ue"] + item["up"]
    for item in hazards:
        entry = inspectors.get(item["reporter_id"])
        if entry is not None and item["grid_id"] in wanted:
            entry[1].found_general += item["general"]
            entry[1].found_major += item["major"]
    return grids, inspectors


# --- the report --------------------------------------------------------------------------------------


def figures_data(figures):
    """The briefing's figures of one scope (``briefing.reports.summary``) with the period's activity under
    ``activity`` (the daily briefing's ``day``)."""
    data = summary(figures)
    data["activity"] = data.pop("day")
    return data


def compute_period_figures(period, *, now=None):
    """``(figure_set, start, end, as_of)``: the briefing's figures of every grid and zone for ``period``,
    read as the daily briefing of its last day reads them, with the activity of the whole period."""
    now = now or timezone.now()
    start, end = period.bounds()
    as_of = report_as_of(period.last, now)
    figure_set = compute_figures(
        start=report_start_date(), end=end, activity=(start, end), as_of=as_of, escalations=(start, as_of)
    )
    return figure_set, start, end, as_of


def _scope_rows(figure_set, scope):
    """``(figures, scope name, zone id, grid id, zone ids, grid ids)`` of ``scope``, or None for an unknown one."""
    kind, _sep, pk = scope.partition(":")
    zone_names, grid_names, grid_zone = figure_set.zone_names, figure_set.grid_names, figure_set.grid_zone
    if kind == ALL:
        zone_ids = [z for z in figure_set.zone_order if z in figure_set.zones]
        return figure_set.total, "", None, None, zone_ids, [g for z in zone_ids for g in figure_set.grids_of(z)]
    try:
        pk = int(pk)
    except ValueError:
        return None
    if kind == "zone" and pk in figure_set.zones:
        return figure_set.zones[pk], zone_names.get(pk, ""), pk, None, [pk], figure_set.grids_of(pk)
    if kind == "grid" and pk in grid_zone:
        zone_id = grid_zone[pk]
        name = f"{zone_names.get(zone_id, '')} / {grid_names.get(pk, '')}"
        return figure_set.grids[pk], name, zone_id, pk, [], [pk]
    return None


def _performance_data(figure_set, figures, grid_ids, *, start, end, as_of):
    grid_perf, inspector_perf = performance(figure_set, grid_ids, start=start, end=end, as_of=as_of)
    zone_names, grid_names, grid_zone = figure_set.zone_names, figure_set.grid_names, figure_set.grid_zone
    total = Performance()
    for row in grid_perf.values():
        total.add_tickets(row)
        total.inspections += row.inspections
        total.found_general += row.found_general
        total.found_major += row.found_major
    total.units_covered = figures.units_covered  # distinct over the scope's grids
    return {
        "total": total.as_dict(),
        "grids": [
            {
                "id": g,
                "name": grid_names.get(g, ""),
                "zone": zone_names.get(grid_zone.get(g), ""),
                **grid_perf[g].as_dict(),
            }
            for g in grid_ids
        ],
        "inspectors": [
            {"id": uid, "name": name, "grids": [grid_names.get(g, "") for g in row.grids], **row.as_dict()}
            for uid, (name, row) in inspector_perf.items()
        ],
    }


def period_report(period, scope=None, *, user=None, now=None):
    """The report of ``period`` for ``scope`` (``all``, ``zone:<id>``, ``grid:<id>``; None: the widest the
    user may read, or the whole area) as JSON-ready data. With ``user``: None when the user may not read
    that scope or it does not exist (the caller answers 404); ``scopes`` lists the scopes they may pick."""
    now = now or timezone.now()
    if user is not None and scope is not None and not scope_visible(user, scope):
        return None  # refused before anything is computed
    figure_set, start, end, as_of = compute_period_figures(period, now=now)
    zone_names, grid_names, grid_zone = figure_set.zone_names, figure_set.grid_names, figure_set.grid_zone
    scopes = None
    if user is not None:
        scopes = visible_scopes(user, figure_set.zone_order, zone_names, grid_zone, grid_names)
        scope = scope or (scopes[0][0] if scopes else None)
        if scope is None or not scope_allowed(user, scope, grid_zone):
            return None
    scope = scope or ALL
    rows = _scope_rows(figure_set, scope)
    if rows is None:
        return None
    figures, scope_name, zone_id, grid_id, zone_ids, grid_ids = rows
    first = figure_set.total.first_reported_at
    start_date = report_start_date() or (local_day(first) if first else None)
    data = {
        "version": DATA_VERSION,
        "period": period.as_dict(),
        "as_of": timezone.localtime(as_of, local_tz()).isoformat(),
        "start_date": start_date.isoformat() if start_date else None,
        "verification_days": verification_days(),
        "scope": scope,
        "scope_kind": scope.partition(":")[0],
        "scope_name": scope_name,
        "zone_id": zone_id,
        "grid_id": grid_id,
        **figures_data(figures),
        "zones": [{"id": z, "name": zone_names.get(z, ""), **figures_data(figure_set.zones[z])} for z in zone_ids],
        "grids": [
            {"id": g, "name": grid_names.get(g, ""), "zone_id": grid_zone.get(g), **figures_data(figure_set.grids[g])}
            for g in grid_ids
        ],
        "performance": _performance_data(figure_set, figures, grid_ids, start=start, end=end, as_of=as_of),
    }
    if scopes is not None:
        data["scopes"] = [{"scope": value, "name": str(name)} for value, name in scopes]
    return data


__all__ = ["MAX_DAYS", "PERIOD_KINDS", "Period", "PeriodError", "month_period", "period_report"]
