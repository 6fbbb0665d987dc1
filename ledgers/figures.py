"""The campaign ledgers' figures per zone and grid (drills, welding devices, responsibility letters), each
question one grouped statement, for the briefing (briefing.figures), the dashboard and the ledgers' pages.

Every function returns rows ``{"zone_id", "grid_id", <figure>: n …}`` (``grid_id`` None for a park-wide
drill recorded for a zone); the caller adds them up per grid, per zone and in total, as
``briefing.figures`` does with the case figures. Dates are local days (``DateField``\\ s): ``since``
included, ``until`` excluded, None leaves that side open.

* **drills** (培训演练): sessions and person-times (参加人次) in the period and on one day;
* **units drilled**: active enterprises, and those that took part in a drill of the year (recorded for
  them, or among a session's units) — the difference is "never drilled this year";
* **welding devices** ("焊有序"): installed (not removed), of which offline; per risk tag of the enterprise;
* **letter coverage** (责任书): per year, the landlords of multi-tenant parcels with a signed landlord
  letter, active enterprises with a signed enterprise letter, tenants of multi-tenant parcels with a
  signed landlord–tenant agreement. Until ``ledgers.letters`` offers its coverage function, this is the
  one definition; ``letter_rows`` then reads it from there.
"""

from __future__ import annotations

from django.db.models import BigIntegerField, Case, Count, Exists, F, OuterRef, Q, Sum, Value, When
from django.db.models.functions import Coalesce

from ledgers import letters
from ledgers.choices import DeviceStatus
from ledgers.models import Drill, WeldingDevice
from register.models import Enterprise, Parcel
from register.querysets import shared_parcel_ids


def _days(field, since, until):
    q = Q()
    if since is not None:
        q &= Q(**{f"{field}__gte": since})
    if until is not None:
        q &= Q(**{f"{field}__lt": until})
    return q


def drill_rows(*, since=None, until=None, day=None, drills=None):
    """Sessions and person-times per zone and grid over ``[since, until)`` and on ``day``. One statement."""
    drills = Drill.objects.all() if drills is None else drills
    period = _days("held_on", since, until)
    on_day = Q(held_on=day) if day is not None else Q(pk__in=[])
    where = period | on_day if period else Q()
    return (
        drills.filter(where)
        .values("zone_id", "grid_id")
        .annotate(
            drills=Count("pk", filter=period),
            person_times=Coalesce(Sum("participants", filter=period), 0),
            drills_day=Count("pk", filter=on_day),
            person_times_day=Coalesce(Sum("participants", filter=on_day), 0),
        )
        .order_by()
    )


def drilled_in(year, *, until=None):
    """Enterprise ids that took part in a drill of ``year`` (before ``until``): recorded for them or among
    a session's units. A subquery (uncorrelated) for a WHERE or a FILTER."""
    held = Q(held_on__year=year) & _days("held_on", None, until)
    own = Drill.objects.filter(held, enterprise__isnull=False).values("enterprise_id")
    attended = Drill.units.through.objects.filter(drill__in=Drill.objects.filter(held).values("pk")).values(
        "enterprise_id"
    )
    return Q(pk__in=own) | Q(pk__in=attended)


def drilled_exists(year, *, until=None):
    """``drilled_in`` for a few enterprises (the outer query's rows): two ``EXISTS`` probes of the drills'
    enterprise indexes per row, where ``drilled_in`` hashes every drill of the year once for many rows."""
    held = Q(held_on__year=year) & _days("held_on", None, until)
    own = Drill.objects.filter(held, enterprise=OuterRef("pk"))
    attended = Drill.units.through.objects.filter(
        enterprise=OuterRef("pk"), drill__in=Drill.objects.filter(held).values("pk")
    )
    return Q(Exists(own)) | Q(Exists(attended))


INSTALLED = ~Q(status=DeviceStatus.REMOVED)


def welding_rows(*, until=None, devices=None):
    """Devices installed (not removed; installed before ``until``) per zone and grid, of which offline."""
    devices = WeldingDevice.objects.all() if devices is None else devices
    return (
        devices.filter(INSTALLED & _days("installed_on", None, until))
        .values("zone_id", "grid_id")
        .annotate(welding_devices=Count("pk"), welding_offline=Count("pk", filter=Q(status=DeviceStatus.OFFLINE)))
        .order_by()
    )


def welding_by_tag(*, devices=None):
    """``{risk tag code: installed devices}`` at enterprises carrying the tag (a device counts under each of
    its enterprise's tags), and ``""`` for untagged enterprises. One statement."""
    devices = WeldingDevice.objects.all() if devices is None else devices
    rows = devices.filter(INSTALLED).values(tag=F("enterprise__risk_tags")).annotate(n=Count("pk")).order_by()
    return {row["tag"] or "": row["n"] for row in rows}


def letter_rows(year, *, until=None, parcels=None, enterprises=None):
    """Letter coverage of ``year`` per zone and grid, and the units drilled that year (before ``until``): two
    statements (parcels; enterprises, read once for both questions), on the letters' own rules
    (``ledgers.letters.required_parcels`` / ``required_enterprises``: what a year requires and what counts as
    signed).

    ``units``/``units_drilled``: active enterprises and those that took part in a drill of the year;

    ``landlords``/``landlords_signed``: multi-tenant parcels (一厂多租, the source's figure) and those whose
    landlord signed; ``enterprises``/``enterprises_signed``: active enterprises and those that signed their
    letter; ``tenants``/``agreements_signed``: active tenants of multi-tenant parcels and those whose
    landlord–tenant agreement is signed. (The coverage page, ``ledgers.letters.coverage``, also counts the
    landlord letters of single-tenant parcels.)"""
    parcels = Parcel.objects.all() if parcels is None else parcels
    enterprises = Enterprise.objects.all() if enterprises is None else enterprises
    shared = shared_parcel_ids()  # one hashed set, not a count of each row's tenants
    parcel_rows = (
        letters.required_parcels(parcels.filter(pk__in=shared), year)
        .values("grid_id", zone_id=F("grid__zone_id"))
        .annotate(landlords=Count("pk"), landlords_signed=Count("pk", filter=Q(landlord_signed=True)))
        .order_by()
    )
    # a tenant of a multi-tenant parcel counts 1, its signed agreement SIGNED more: one look-up in the set
    tenant = Case(
        When(
            parcel_id__in=shared,
            then=Case(When(agreement_signed=True, then=Value(SIGNED + 1)), default=Value(1)),
        ),
        default=Value(0),
        output_field=BigIntegerField(),
    )
    enterprise_rows = (
        letters.required_enterprises(enterprises, year)
        .values("grid_id", zone_id=F("grid__zone_id"))
        .annotate(
            units=Count("pk"),
            units_drilled=Count("pk", filter=drilled_in(year, until=until)),
            enterprises=Count("pk"),
            enterprises_signed=Count("pk", filter=Q(enterprise_signed=True)),
            tenant_states=Coalesce(Sum(tenant), 0),
        )
        .order_by()
    )
    rows = list(parcel_rows)
    for row in enterprise_rows:
        row["agreements_signed"], row["tenants"] = divmod(row.pop("tenant_states"), SIGNED)
        rows.append(row)
    return rows


SIGNED = 1 << 32  # more than any grid's tenants


def by_zone(*row_sets):
    """The rows of any of the functions above added up per zone: ``{zone id: {figure: n}}``."""
    zones = {}
    for rows in row_sets:
        for row in rows:
            row = dict(row)
            zone_id = row.pop("zone_id")
            row.pop("grid_id", None)
            sums = zones.setdefault(zone_id, {})
            for name, value in row.items():
                sums[name] = sums.get(name, 0) + (value or 0)
    return zones
