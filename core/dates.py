"""Days and rates in the project's time zone (Asia/Shanghai): the one definition of each.

A day is a local calendar day; its bounds are aware datetimes passed to queries as literals
(PERFORMANCE.md). An inspection round (一轮走访) is a calendar month.
"""

from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

TWO_PLACES = Decimal("0.01")

_story_moment = ContextVar("story_moment", default=None)


def now():
    """The moment a change happens: ``timezone.now()``, or the moment of a story being replayed through
    the services (``story_clock``). Services and the timeline stamp their changes with this."""
    return _story_moment.get() or timezone.now()


def today():
    """The local day of ``now()``."""
    return timezone.localdate(now())


def story_clock_running():
    return _story_moment.get() is not None


@contextmanager
def story_clock(moment):
    """Replay a dated story through the real services, e.g. the demo's small world: inside, every
    service, event and deadline check reads ``moment`` as now, so its timeline stays in order (reported,
    then aggregated, assigned, submitted, verified). Never used by a request; the timeline still
    refuses a moment on or before an anchored day."""
    if moment > timezone.now():
        raise ValueError("a story cannot be told in the future")
    token = _story_moment.set(moment)
    try:
        yield moment
    finally:
        _story_moment.reset(token)


def local_tz():
    return ZoneInfo(settings.TIME_ZONE)


def day_start(day):
    """The aware datetime at which ``day`` begins in the project's time zone (Asia/Shanghai)."""
    return datetime.combine(day, time.min, tzinfo=local_tz())


def day_bounds(day):
    """``[start, end)`` of one local day as aware datetimes."""
    return day_start(day), day_start(day + timedelta(days=1))


def as_bound(value, *, end=False):
    """A date (a local day: its start, or for ``end`` the start of the next day), a datetime, or None."""
    if value is None or isinstance(value, datetime):
        if value is not None and timezone.is_naive(value):
            value = timezone.make_aware(value, local_tz())
        return value
    if isinstance(value, date):
        return day_start(value + timedelta(days=1) if end else value)
    raise TypeError(f"expected a date or a datetime, not {type(value).__name__}")


def rate_of(rectified, found):
    """Rectified / found as a percentage, Decimal quantized to 0.01; None when nothing was found."""
    if not found:
        return None
    return (Decimal(rectified) * 100 / Decimal(found)).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def format_rate(rate):
    """``Decimal('99.21')`` → ``"99.21"``; None → None."""
    return None if rate is None else f"{rate:.2f}"


class ReportDateError(ValueError):
    """A date the briefing cannot be made for (malformed, or in the future)."""


def yesterday(now=None):
    """The day before ``now`` in Asia/Shanghai: what the morning briefing covers."""
    return timezone.localtime(now or timezone.now(), local_tz()).date() - timedelta(days=1)


def parse_day(value, *, now=None):
    """A date from a date, an ISO string ``YYYY-MM-DD`` or None (yesterday). Refuses the future."""
    if value is None or value == "":
        return yesterday(now)
    if isinstance(value, datetime):
        value = timezone.localtime(value, local_tz()).date() if timezone.is_aware(value) else value.date()
    if not isinstance(value, date):
        try:
            value = date.fromisoformat(str(value).strip())
        except ValueError:
            raise ReportDateError(_("日期格式应为 YYYY-MM-DD，例如 2023-12-31：%(value)s") % {"value": value}) from None
    today = timezone.localtime(now or timezone.now(), local_tz()).date()
    if value > today:
        raise ReportDateError(_("不能生成未来日期的简报：%(value)s") % {"value": value.isoformat()})
    return value


def round_start(day=None):
    """The first day of the inspection round (一轮走访: the calendar month) that ``day`` is in."""
    return (day or timezone.localdate()).replace(day=1)
