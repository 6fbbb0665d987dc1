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
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ValidationFailed

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


def local_day(moment):
    """The local date (Asia/Shanghai) of an aware datetime."""
    return timezone.localtime(moment, local_tz()).date()


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
    if value < EARLIEST_DAY:
        raise ReportDateError(date_window_error(value))
    return value


def round_start(day=None):
    """The first day of the inspection round (一轮走访: the calendar month) that ``day`` is in."""
    return (day or timezone.localdate()).replace(day=1)


def parse_captured_at(value):
    """When a phone captured a record it sends later (the outbox): an ISO 8601 time with its offset,
    not after now (a few minutes of clock skew allowed) and not older than ``CAPTURE_MAX_AGE_DAYS``.
    ``""`` is None (the record is from now). Refused with ValidationFailed otherwise."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None or timezone.is_naive(moment):
        message = _("记录时间格式无效。")
        raise ValidationFailed(message, {"captured_at": [message]}, code="captured_at_invalid")
    return check_captured_at(moment)


def check_captured_at(moment):
    """``moment`` if it may be a record's time of capture (see parse_captured_at), else ValidationFailed."""
    current = now()
    if moment > current + timedelta(minutes=10):
        message = _("记录时间晚于服务器时间：请检查手机的日期和时间设置。")
        raise ValidationFailed(message, {"captured_at": [message]}, code="captured_in_future")
    if moment < current - timedelta(days=settings.CAPTURE_MAX_AGE_DAYS):
        message = _(
            "这条记录是 %(days)d 天前在手机上保存的，超过了 %(max)d 天的期限，不能再提交：请重新检查后录入。"
        ) % {
            "days": (current - moment).days,
            "max": settings.CAPTURE_MAX_AGE_DAYS,
        }
        raise ValidationFailed(message, {"captured_at": [message]}, code="captured_too_old")
    return moment


# --- dates people type: within a sane window -----------------------------------------------------------

#: No record of this system's work is older than this day.
EARLIEST_DAY = date(2000, 1, 1)


def latest_day():
    """The last day anyone may give: today plus ``DATE_MAX_YEARS_AHEAD`` years (default 3)."""
    years = int(getattr(settings, "DATE_MAX_YEARS_AHEAD", 3))
    current = today()
    try:
        return current.replace(year=current.year + years)
    except ValueError:  # 29 February
        return current.replace(year=current.year + years, day=28)


def _as_day(value):
    if isinstance(value, datetime):
        return timezone.localtime(value, local_tz()).date() if timezone.is_aware(value) else value.date()
    return value


def date_window_error(value, *, latest=None):
    """The message when the date (or datetime) ``value`` lies outside ``EARLIEST_DAY`` .. ``latest``
    (default ``latest_day()``), else None. The one rule of every date a person or a client gives."""
    if value is None or not isinstance(value, date):
        return None
    day, latest = _as_day(value), latest or latest_day()
    if EARLIEST_DAY <= day <= latest:
        return None
    return _("日期 %(value)s 超出允许范围，应在 %(first)s 至 %(last)s 之间。") % {
        "value": day.isoformat(),
        "first": EARLIEST_DAY.isoformat(),
        "last": latest.isoformat(),
    }


def check_date_window(value, field, *, latest=None):
    """``value`` if within the window (``date_window_error``), else ValidationFailed on ``field``."""
    message = date_window_error(value, latest=latest)
    if message:
        raise ValidationFailed(message, {field: [message]}, code="date_out_of_range")
    return value


def sane_date(value):
    """A validator (forms, filters, API serializer fields) of ``date_window_error``."""
    message = date_window_error(value)
    if message:
        raise DjangoValidationError(message, code="date_out_of_range")
