"""A unit's risk level (单位风险等级), computed in the database for the whole register at once.

The rule (README, "Risk grading and patrols"):

1. **Base.** An enterprise: the highest level of its active risk points (低/blue when it has none),
   raised to at least the floor of each of its special-risk tags (``RiskTagOption.min_risk_level``:
   metal dust, confined space, lithium, spraying and welding ≥ 较大/orange; data, not code).
   A parcel: the highest of its common-area risk points and of its active tenants' bases, at least
   一般/yellow when it is multi-tenant (一厂多租: more than one active tenant).
2. **Raise.** One step up (at most 重大/red) while the unit has an open major hazard or an overdue
   ticket (a parcel: anything on it).

``recompute()`` is one UPDATE per unit table (enterprises, then parcels), its inputs as correlated
sub-selects; given ids it recomputes only those units (and the parcels they stand on). The risk app
calls it when a risk point changes, when an event of a case is written (``risk.receivers``: a hazard
reported or closed, a ticket assigned, closed, reopened), when tags change, and the morning job
recomputes the whole register (a deadline passes without an event).
"""

from django.db.models import Case, Exists, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, Greatest, Least
from django.db.models.lookups import GreaterThan

from cases.deadlines import overdue_q
from cases.models import Hazard, Ticket
from catalogue.choices import Severity
from core import dates
from register.choices import RiskLevel
from register.models import Enterprise, Parcel, RiskTagOption
from register.querysets import active_tenants_of
from risk.models import RiskPoint

INT = IntegerField()


def _highest(queryset, field):
    """The highest ``field`` of ``queryset`` (correlated to the outer unit), or None."""
    return Subquery(queryset.order_by(f"-{field}").values(field)[:1], output_field=INT)


def _at_least(*levels):
    """The highest of ``levels``, each NULL read as blue (Greatest is NULL on SQLite when any is)."""
    return Greatest(*(Coalesce(level, Value(int(RiskLevel.BLUE)), output_field=INT) for level in levels))


def enterprise_base(ref="pk"):
    """Step 1 for the enterprise whose id is the outer query's ``ref``."""
    points = _highest(RiskPoint.objects.filter(enterprise_id=OuterRef(ref), active=True), "level")
    tags = _highest(
        RiskTagOption.objects.filter(enterprises=OuterRef(ref), min_risk_level__isnull=False), "min_risk_level"
    )
    return _at_least(points, tags)


def _raised(base, troubles):
    """Step 2: one step up while ``troubles`` (a Q of Exists) holds, never above red."""
    step = Case(When(troubles, then=Value(1)), default=Value(0), output_field=INT)
    return Least(base + step, Value(int(RiskLevel.RED)), output_field=INT)


def _troubles(field, today):
    major = Hazard.objects.open().filter(severity=Severity.MAJOR, **{field: OuterRef("pk")})
    overdue = Ticket.objects.filter(overdue_q(today), **{field: OuterRef("pk")})
    return Q(Exists(major)) | Q(Exists(overdue))


def enterprise_level(today):
    return _raised(enterprise_base(), _troubles("enterprise", today))


def parcel_level(today):
    common = _highest(RiskPoint.objects.filter(parcel_id=OuterRef("pk"), enterprise__isnull=True, active=True), "level")
    # The highest base of the parcel's active tenants: a sub-select over the tenants' own sub-selects.
    tenants = Subquery(
        Enterprise.objects.filter(parcel_id=OuterRef("pk"), active=True)
        .annotate(base=enterprise_base())
        .order_by("-base")
        .values("base")[:1],
        output_field=INT,
    )
    multi = Case(
        When(GreaterThan(active_tenants_of(), 1), then=Value(int(RiskLevel.YELLOW))),
        default=Value(int(RiskLevel.BLUE)),
        output_field=INT,
    )
    return _raised(_at_least(common, tenants, multi), _troubles("parcel", today))


def recompute(*, enterprises=None, parcels=None, today=None):
    """Write every unit's level (or only ``enterprises`` / ``parcels``: ids or querysets, and the parcels
    those enterprises stand on). Two UPDATE statements; returns (enterprises, parcels) updated."""
    today = today or dates.today()
    enterprise_rows = Enterprise.objects.all()
    parcel_rows = Parcel.objects.all()
    if enterprises is not None or parcels is not None:
        enterprise_ids = list(enterprises or ())
        parcel_ids = set(parcels or ())
        parcel_ids |= set(
            Enterprise.objects.filter(pk__in=enterprise_ids, parcel__isnull=False).values_list("parcel_id", flat=True)
        )
        enterprise_rows = enterprise_rows.filter(pk__in=enterprise_ids)
        parcel_rows = parcel_rows.filter(pk__in=parcel_ids)
    changed_enterprises = enterprise_rows.update(risk_level=enterprise_level(today))
    changed_parcels = parcel_rows.update(risk_level=parcel_level(today))
    return changed_enterprises, changed_parcels
