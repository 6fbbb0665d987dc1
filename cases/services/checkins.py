"""巡更打卡 (check-ins) and 现场核验: proof that an inspector stood at the unit.

A check-in is recorded when an inspector opens a unit's plate (its QR code, ``/p/<token>/``) with the
position the phone gives. It is flagged when the position is missing, when the unit has no
coordinates, or when it is farther than CHECKIN_MAX_DISTANCE_M from the unit (its parcel's point).
An inspection of the unit by the same inspector within CHECKIN_WINDOW_MINUTES after an unflagged
check-in is verified on site (``Inspection.checkin``, set by ``record_inspection``); others are not
proven.
"""

import math
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.policy import Action, require
from cases.choices import CheckInFlag
from cases.models import CheckIn
from cases.services.base import _unit
from core import dates
from core.errors import ValidationFailed

EARTH_RADIUS_M = 6_371_000


def distance_m(lat1, lon1, lat2, lon2):
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(min(1.0, a)))


def _coordinate(value, name, low, high):
    if value in (None, ""):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number) or not low <= number <= high:
        raise ValidationFailed(_("定位数据无效。"), {name: [_("定位数据无效。")]}, code="position_invalid")
    return number


def unit_point(enterprise, parcel):
    """(latitude, longitude) of a unit: its parcel's point, or None."""
    place = parcel if parcel is not None else getattr(enterprise, "parcel", None)
    if place is None or place.latitude is None or place.longitude is None:
        return None
    return place.latitude, place.longitude


@transaction.atomic
def record_checkin(*, actor, enterprise=None, parcel=None, latitude=None, longitude=None, accuracy=None, at=None):
    """Record one check-in at a unit; returns the CheckIn (its ``flag`` says whether it proves presence)."""
    enterprise, parcel, grid = _unit(enterprise, parcel)
    unit = enterprise if enterprise is not None else parcel
    require(actor, Action.CHECKIN_RECORD, unit)
    latitude = _coordinate(latitude, "latitude", -90, 90)
    longitude = _coordinate(longitude, "longitude", -180, 180)
    accuracy = _coordinate(accuracy, "accuracy", 0, 1_000_000)
    distance = None
    point = unit_point(enterprise, parcel)
    if latitude is None or longitude is None:
        flag = CheckInFlag.NO_POSITION
    elif point is None:
        flag = CheckInFlag.NO_UNIT_LOCATION
    else:
        distance = round(distance_m(latitude, longitude, *point), 1)
        flag = CheckInFlag.FAR if distance > settings.CHECKIN_MAX_DISTANCE_M else CheckInFlag.NONE
    return CheckIn.objects.create(
        inspector=actor,
        enterprise=enterprise,
        parcel=parcel,
        grid=grid,
        zone_id=grid.zone_id,
        checked_in_at=at or dates.now(),
        latitude=latitude,
        longitude=longitude,
        accuracy=accuracy,
        distance=distance,
        flag=flag,
    )


def proving_checkin(*, inspector, enterprise, parcel, at):
    """The unflagged check-in of ``inspector`` at this unit that verifies an inspection made at ``at``:
    the latest within CHECKIN_WINDOW_MINUTES before it, or None."""
    window = timedelta(minutes=settings.CHECKIN_WINDOW_MINUTES)
    unit = {"enterprise": enterprise} if enterprise is not None else {"parcel": parcel, "enterprise__isnull": True}
    return (
        CheckIn.objects.filter(
            inspector=inspector,
            flag=CheckInFlag.NONE,
            checked_in_at__gte=at - window,
            checked_in_at__lte=at + timedelta(minutes=5),
            **unit,
        )
        .order_by("-checked_in_at", "-pk")
        .first()
    )
