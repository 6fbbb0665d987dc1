"""The state figures at a moment ``as_of``: tickets open then (by status, overdue, under escalation) and
the parcels' close-out states, read from the rows as they are now and turned back to ``as_of`` with the
first change since (events). Open tickets are read in two index-served parts (open now; closed since
``as_of``) rather than one ``OR`` that no partial index serves."""

from __future__ import annotations

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce, RowNumber

from cases.choices import EscalationLevel, TicketStatus
from cases.models import Ticket
from cases.querysets import open_ticket_q
from closeout.querysets import ParcelState, parcel_state, parcel_state_q
from core.dates import local_day
from register.choices import CloseoutState
from register.models import Parcel
from timeline.kinds import EventKind
from timeline.models import Event


def ticket_state_at(as_of):
    """``(open, submitted, assigned)`` Q objects: a ticket open at ``as_of``, and among those, submitted
    then, and assigned-or-submitted then (read from the timestamps; the current status where one is missing)."""
    open_at = open_ticket_q(as_of)
    submitted = Q(status__in=[TicketStatus.SUBMITTED, TicketStatus.CLOSED], submitted_at__lt=as_of) | Q(
        status=TicketStatus.SUBMITTED, submitted_at__isnull=True
    )
    assigned = Q(assigned_at__lt=as_of) | Q(
        assigned_at__isnull=True, status__in=[TicketStatus.ASSIGNED, TicketStatus.SUBMITTED]
    )
    return open_at, submitted, assigned


def status_at(as_of):
    """An expression for a ticket's status at ``as_of`` (for tickets open then)."""
    _open, submitted, assigned = ticket_state_at(as_of)
    return Case(
        When(submitted, then=Value(TicketStatus.SUBMITTED.value)),
        When(assigned, then=Value(TicketStatus.ASSIGNED.value)),
        default=Value(TicketStatus.PENDING.value),
        output_field=CharField(),
    )


def open_at_parts(as_of):
    """The tickets open at ``as_of`` as two disjoint parts each served by an index: open now (the partial
    indexes on open tickets) and closed since ``as_of`` (the index on closed_at). ``open_ticket_q(as_of)``
    in one OR defeats both indexes."""
    made = Q(created_at__lt=as_of)
    return [made & ~Q(status=TicketStatus.CLOSED), made & Q(status=TicketStatus.CLOSED, closed_at__gte=as_of)]


def open_at_ids(as_of, **filters):
    """The ids of the tickets open at ``as_of`` (and matching ``filters``): the two index-served parts of
    ``open_at_parts`` in a UNION ALL, for ``pk__in``."""
    first, second = (Ticket.objects.filter(part, **filters).order_by().values("pk") for part in open_at_parts(as_of))
    return first.union(second, all=True)


def ticket_rows(as_of):
    _open, submitted, assigned = ticket_state_at(as_of)
    escalated = Q(escalated_at__lt=as_of) | Q(escalated_at__isnull=True)
    today = local_day(as_of)
    totals = {}
    for part in open_at_parts(as_of):
        rows = (
            Ticket.objects.filter(part)
            .values("zone_id", "grid_id")
            .annotate(
                open=Count("pk"),
                submitted=Count("pk", filter=submitted),
                assigned_or_submitted=Count("pk", filter=submitted | assigned),
                overdue=Count("pk", filter=Q(deadline__lt=today)),  # overdue_q on tickets open at as_of
                escalated_supervised=Count("pk", filter=escalated & Q(escalation_level=EscalationLevel.SUPERVISED)),
                escalated_listed=Count("pk", filter=escalated & Q(escalation_level=EscalationLevel.LISTED)),
            )
            .order_by()
        )
        for row in rows:
            key = (row.pop("zone_id"), row.pop("grid_id"))
            into = totals.setdefault(key, dict.fromkeys(row, 0))
            for name, value in row.items():
                into[name] += value
    return [{"zone_id": zone_id, "grid_id": grid_id, **row} for (zone_id, grid_id), row in totals.items()]


def parcel_rows(as_of):
    """Parcels by grid and close-out state as they are now; ``_parcel_corrections`` turns the parcels
    changed since ``as_of`` back (a parcel closed out counts from its 销号 time)."""
    return (
        Parcel.objects.values("grid_id")
        .annotate(
            parcels_total=Count("pk"),
            parcels_closed_out=Count(
                "pk", filter=Q(closeout_state=CloseoutState.GREEN, closed_out_at__isnull=False, closed_out_at__lt=as_of)
            ),
            parcels_crosscheck=Count("pk", filter=Q(closeout_state=CloseoutState.CROSSCHECK)),
            # the close-out states as closeout.querysets defines them (red: open hazards), one Exists per parcel
            **{f"parcels_{state}": Count("pk", filter=parcel_state_q(state)) for state in ParcelState.values},
        )
        .order_by()
    )


def _first_after(events, partition, as_of):
    """Of ``events`` at or after ``as_of``, the first per ``partition`` (the change that ended the state
    at ``as_of``)."""
    order = [F("created_at").asc(), F("pk").asc()]
    return (
        events.filter(created_at__gte=as_of)
        .annotate(nth=Window(RowNumber(), partition_by=[F(partition)], order_by=order))
        .filter(nth=1)
    )


PARCEL_STATE_EVENTS = [
    EventKind.PARCEL_CROSSCHECK_REQUESTED,
    EventKind.PARCEL_CROSSCHECK_CANCELLED,
    EventKind.PARCEL_CLOSED_OUT,
    EventKind.PARCEL_CROSSCHECK_FAILED,
]


def _parcel_state_buckets(stored, closed_out, state):
    """The figures one parcel adds: ``stored`` its CloseoutState, ``state`` its ParcelState."""
    return {
        "parcels_closed_out": int(stored == CloseoutState.GREEN and closed_out),
        "parcels_crosscheck": int(stored == CloseoutState.CROSSCHECK),
        **{f"parcels_{value}": int(state == value) for value in ParcelState.values},
    }


def _parcel_state_then(stored, closed_out, state_now):
    """A parcel's close-out state before its first change since ``as_of``, from its stored state then
    (its hazards then are not reconstructed: turned red means open hazards then)."""
    if stored == CloseoutState.RED:
        return ParcelState.RED
    if stored == CloseoutState.CROSSCHECK:
        return ParcelState.PENDING
    if closed_out or state_now != ParcelState.UNINSPECTED:
        return ParcelState.GREEN
    return ParcelState.UNINSPECTED


def _parcel_corrections(as_of):
    """``(grid_id, {figure: delta})`` for each parcel whose close-out state changed since ``as_of``: its
    state now taken out, its state then (before the first change since) put in. One statement."""
    changes = Q(kind__in=PARCEL_STATE_EVENTS) | Q(kind=EventKind.HAZARD_REPORTED, data__has_key="parcel_state")
    closed_before = Event.objects.filter(
        kind=EventKind.PARCEL_CLOSED_OUT, parcel_id=OuterRef("parcel_id"), created_at__lt=as_of
    )
    rows = _first_after(Event.objects.filter(changes, parcel__isnull=False), "parcel_id", as_of).values(
        "parcel__grid_id", "parcel__closeout_state", "parcel__closed_out_at",
        "kind", "from_status", "data", closed_before=Exists(closed_before), state_now=parcel_state("parcel_id"),
    )  # fmt: skip
    for row in rows:
        closed_now = row["parcel__closed_out_at"] is not None and row["parcel__closed_out_at"] < as_of
        now = _parcel_state_buckets(row["parcel__closeout_state"], closed_now, row["state_now"])
        if row["kind"] == EventKind.HAZARD_REPORTED:
            then_state = (row["data"] or {}).get("parcel_state", [None])[0]
        else:
            then_state = row["from_status"]
        closed_then = row["closed_before"] or closed_now
        then = _parcel_state_buckets(
            then_state, closed_then, _parcel_state_then(then_state, closed_then, row["state_now"])
        )
        yield row["parcel__grid_id"], {name: then[name] - now[name] for name in now}


def _escalation_corrections(as_of):
    """``(zone_id, grid_id, level)`` for each ticket open at ``as_of`` and escalated since: its level
    then (the level before the first escalation since). One statement; rows only for those tickets."""
    # driven by the escalations since as_of (the events' time index), not by a scan of the tickets
    since = Event.objects.filter(kind=EventKind.TICKET_ESCALATED, created_at__gte=as_of, ticket__isnull=False)
    escalated_since = Ticket.objects.filter(pk__in=since.values("ticket_id")).filter(
        open_ticket_q(as_of), escalated_at__gte=as_of
    )
    events = Event.objects.filter(kind=EventKind.TICKET_ESCALATED, ticket__in=escalated_since.values("pk"))
    return _first_after(events, "ticket_id", as_of).values_list(
        "ticket__zone_id", "ticket__grid_id", Cast(KeyTextTransform("from_level", "data"), IntegerField())
    )


def escalation_level_at(as_of):
    """An expression for a ticket's escalation level at ``as_of`` (for a row query, never a grouped one:
    a subquery, run only for tickets escalated since)."""
    first_since = (
        Event.objects.filter(kind=EventKind.TICKET_ESCALATED, ticket_id=OuterRef("pk"), created_at__gte=as_of)
        .order_by("created_at", "pk")
        .values_list(Cast(KeyTextTransform("from_level", "data"), IntegerField()))[:1]
    )
    return Case(
        When(escalated_at__gte=as_of, then=Coalesce(Subquery(first_since), F("escalation_level"))),
        default=F("escalation_level"),
        output_field=IntegerField(),
    )


def turn_back_changes_since(as_of, at, grid_zone, *, parcels=True):
    """Put the tickets escalated and (``parcels``) the parcels whose close-out state changed since ``as_of`` back
    in their state then (the grouped rows read the levels and states as they are now)."""
    for zone_id, grid_id, level in _escalation_corrections(as_of):
        figures = at(zone_id, grid_id)
        if level == EscalationLevel.SUPERVISED:
            figures.escalated_supervised += 1
        elif level == EscalationLevel.LISTED:
            figures.escalated_listed += 1
    for grid_id, deltas in _parcel_corrections(as_of) if parcels else ():
        figures = at(grid_zone.get(grid_id), grid_id)
        for name, delta in deltas.items():
            setattr(figures, name, getattr(figures, name) + delta)
