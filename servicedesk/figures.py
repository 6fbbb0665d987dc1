"""Enterprise service requests' figures (企业服务问题) per zone and grid, in one grouped statement, read with
the tickets' own rules (cases.deadlines): open and overdue are what they are for a ticket.

    request_rows(since=…, until=…, day=(day_from, day_to), as_of=…)

``raised``: requests raised in ``[since, until)``; ``solved``: closed (confirmed by the enterprise) by
``until``; ``rated``/``rating_sum``: of those, rated, and the sum of their ratings (the average is
``rating_sum / rated``); ``raised_day``/``solved_day``: raised and closed during ``day``; ``open``:
not closed at ``as_of``; ``overdue``: open at ``as_of`` with the deadline before that day.
Datetimes are aware bounds (``core.dates.day_bounds``); None leaves that side open.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from cases.deadlines import open_ticket_q, overdue_q
from core.dates import local_tz
from servicedesk.choices import ServiceRequestStatus
from servicedesk.models import ServiceRequest

CLOSED = ServiceRequestStatus.CLOSED


def _between(field, start, end):
    q = Q()
    if start is not None:
        q &= Q(**{f"{field}__gte": start})
    if end is not None:
        q &= Q(**{f"{field}__lt": end})
    return q


def request_rows(*, since=None, until=None, day=None, as_of=None, requests=None):
    """The figures above per ``zone_id`` and ``grid_id``. One statement."""
    requests = ServiceRequest.objects.all() if requests is None else requests
    as_of = as_of or timezone.now()
    today = timezone.localtime(as_of, local_tz()).date()
    raised = _between("created_at", since, until)
    solved = Q(status=CLOSED, closed_at__isnull=False) & _between("closed_at", None, until)
    rated = solved & Q(rating__isnull=False)
    if day is not None:
        raised_day = _between("created_at", *day)
        solved_day = Q(status=CLOSED) & _between("closed_at", *day)
    else:
        raised_day = solved_day = Q(pk__in=[])
    return (
        requests.values("zone_id", "grid_id")
        .annotate(
            raised=Count("pk", filter=raised) if raised else Count("pk"),
            solved=Count("pk", filter=solved),
            rated=Count("pk", filter=rated),
            rating_sum=Coalesce(Sum("rating", filter=rated), 0),
            raised_day=Count("pk", filter=raised_day),
            solved_day=Count("pk", filter=solved_day),
            open=Count("pk", filter=open_ticket_q(as_of)),
            overdue=Count("pk", filter=overdue_q(today, as_of=as_of)),
        )
        .order_by()
    )


def average_rating(rating_sum, rated):
    """The average rating to one decimal (Decimal), or None when nothing was rated."""
    if not rated:
        return None
    return (Decimal(rating_sum) / rated).quantize(Decimal("0.1"))


def by_zone(requests=None, **bounds):
    """``{zone id: {figure: n, "rating": Decimal | None}}`` from ``request_rows``."""
    zones = {}
    for row in request_rows(requests=requests, **bounds):
        sums = zones.setdefault(row["zone_id"], {})
        for name, value in row.items():
            if name not in ("zone_id", "grid_id"):
                sums[name] = sums.get(name, 0) + (value or 0)
    for sums in zones.values():
        sums["rating"] = average_rating(sums["rating_sum"], sums["rated"])
    return zones
