"""A parcel's close-out state as people read it (宗地销号状态): the one definition.

The parcel row stores where its close-out stands (``register.choices.CloseoutState``: green, red
since a hazard was found, a cross-check requested); what a person needs is that together with its
hazards. Every page, tile, map, figure and briefing reads the state here, as an annotation, a
filter or an aggregate:

* **uninspected** (未排查, grey): never inspected and no hazard ever found on it (a parcel just
  imported);
* **red** (红, 有未整改隐患): it has open hazards (``Hazard.objects.open()``);
* **pending** (待复核, amber): no open hazard, but not closed out yet: waiting for a cross-check
  request (stored red) or under cross-check (stored crosscheck);
* **green** (绿, 已销号): closed out by a passed cross-check, or inspected and never found a hazard.

It is written here, in ``cases`` (the lowest app that knows hazards and inspections), so that the
parcel list (a cases page) reads it too; ``closeout.querysets`` exposes it to the apps above.
"""

import django_filters
from django.db import models
from django.db.models import Case, Count, Q, Value, When
from django.utils.translation import gettext_lazy as _

from cases.models import Hazard, ParcelVisit
from register.choices import CloseoutState
from register.filtersets import ParcelFilterSet


class ParcelState(models.TextChoices):
    UNINSPECTED = "uninspected", _("未排查")
    RED = "red", _("红（有未整改隐患）")
    PENDING = "pending", _("待复核（隐患已整改，待交叉检查销号）")
    GREEN = "green", _("绿（已销号或检查无隐患）")


# Short names for legends and tiles, and the colour each state is drawn in.
STATE_SHORT = {
    ParcelState.UNINSPECTED: _("未排查"),
    ParcelState.RED: _("红"),
    ParcelState.PENDING: _("待复核"),
    ParcelState.GREEN: _("绿"),
}
STATE_COLOUR = {
    ParcelState.UNINSPECTED: "grey",
    ParcelState.RED: "red",
    ParcelState.PENDING: "amber",
    ParcelState.GREEN: "green",
}
STATE_ORDER = [ParcelState.RED, ParcelState.PENDING, ParcelState.GREEN, ParcelState.UNINSPECTED]


def _has_open_hazards(ref="pk"):
    """``ref`` (a parcel's id) is among the parcels with open hazards: ``ref IN (SELECT parcel_id …)``, which
    PostgreSQL reads once into a hash for many rows (a semi-join in ``WHERE``), or probes per row for a few."""
    return Q(**{f"{ref}__in": Hazard.objects.open().filter(parcel__isnull=False).values("parcel_id")})


def _was_inspected(ref="pk"):
    """Inspected, or a hazard was found on it (a hazard can be reported without an inspection): it has a last
    visit (``ParcelVisit``, kept by the database from both), read as ``_has_open_hazards`` reads its set."""
    return Q(**{f"{ref}__in": ParcelVisit.objects.values("parcel_id")})


def parcel_state_q(state):
    """The Q of parcels in ``state``: a filter, or an aggregate's FILTER clause over parcels."""
    open_ = _has_open_hazards()
    if state == ParcelState.RED:
        return open_
    if state == ParcelState.PENDING:
        return ~open_ & Q(closeout_state__in=[CloseoutState.RED, CloseoutState.CROSSCHECK])
    never_closed = Q(closeout_state=CloseoutState.GREEN, closed_out_at__isnull=True)
    if state == ParcelState.UNINSPECTED:
        return ~open_ & never_closed & ~_was_inspected()
    if state == ParcelState.GREEN:
        return ~open_ & Q(closeout_state=CloseoutState.GREEN) & (Q(closed_out_at__isnull=False) | _was_inspected())
    raise ValueError(state)


def parcel_state(ref="pk"):
    """The state as an expression, for ``annotate(state=parcel_state())`` on parcels; on rows that point
    to a parcel, ``ref`` names the pointer (``parcel_state("parcel_id")``).

    The hazards and visits are asked as sets (``_has_open_hazards``, ``_was_inspected``), not ``EXISTS`` per
    row: PostgreSQL reads each once into a hash for many rows, or probes per row for a few."""
    prefix = "" if ref == "pk" else ref.removesuffix("_id") + "__"
    stored, closed_at = f"{prefix}closeout_state", f"{prefix}closed_out_at"
    return Case(
        When(_has_open_hazards(ref), then=Value(ParcelState.RED.value)),
        When(**{f"{stored}__in": [CloseoutState.RED, CloseoutState.CROSSCHECK]}, then=Value(ParcelState.PENDING.value)),
        When(**{f"{closed_at}__isnull": False}, then=Value(ParcelState.GREEN.value)),
        When(_was_inspected(ref), then=Value(ParcelState.GREEN.value)),
        default=Value(ParcelState.UNINSPECTED.value),
        output_field=models.CharField(),
    )


def with_parcel_state(parcels):
    """Parcels with ``state`` (a ParcelState value) annotated."""
    return parcels.annotate(state=parcel_state())


def state_counts(parcels):
    """``{"total": n, "uninspected": n, "red": n, "pending": n, "green": n}``, in four counts.

    Each state is counted with its condition in ``WHERE``, where PostgreSQL reads the open hazards' parcels
    and the visited parcels once (a semi-join, or a hashed set for ``NOT IN``); as ``COUNT(…) FILTER (WHERE
    EXISTS …)`` of one aggregate it probed them for every parcel and every state (524 ms for a zone of the
    city-scale register, against a few ms). The four states split the parcels (``parcel_state``: the first
    that holds), so green is what the others leave."""
    parcels = parcels.order_by()
    others = [state for state in ParcelState if state != ParcelState.GREEN]
    counts = {"total": parcels.count()}
    counts.update({state.value: parcels.filter(parcel_state_q(state)).count() for state in others})
    counts[ParcelState.GREEN.value] = green_by_partition(counts["total"], (counts[state.value] for state in others))
    return counts


def green_by_partition(total, others):
    """The green parcels: ``total`` less those of the other three states (``others``)."""
    return max(0, total - sum(others))


def state_count_kwargs():
    """The four counts as keyword arguments of an ``annotate`` over parcels grouped by zone or grid."""
    return {state.value: Count("pk", filter=parcel_state_q(state)) for state in ParcelState}


class ParcelStateFilterSet(ParcelFilterSet):
    """The parcel list's filters, with ``state`` (this module's definition) besides the stored field."""

    state = django_filters.MultipleChoiceFilter(method="filter_state", choices=ParcelState.choices, label=_("销号状态"))

    class Meta(ParcelFilterSet.Meta):
        fields = [*ParcelFilterSet.Meta.fields, "state"]

    def filter_state(self, queryset, name, value):
        if not value:
            return queryset
        condition = Q()
        for state in value:
            condition |= parcel_state_q(state)
        return queryset.filter(condition)
