"""The case timeline: append-only events, chained by hash per stream, anchored once a day.

**Streams.** Every event belongs to one stream, its most specific subject (``stream_of``):
``ticket:<id>`` when it has a ticket, else ``hazard:<id>`` when it has a hazard, else
``inspection:<id>`` when its data names an inspection (an inspection recorded, a cross-check's
close-out), else ``parcel:<id>`` (a cross-check requested), else ``global``.

**Chains.** An event's ``hash`` is SHA-256 over the previous hash of its stream and its canonical
content, the stream included; a stream's first event follows ``GENESIS``. ``StreamHead`` holds each
stream's newest hash and count. ``append_event`` locks only that one row (inside the service's
transaction), so writers on different cases never wait on each other; writers on the same case
queue, as they already do on the case's own row. Changing, inserting or removing an event breaks
its stream (``verify_chain``); removing a stream's newest event leaves the head pointing at nothing.

**Anchors.** Just after midnight ``anchor_day`` (the task ``anchor_event_chains_task``) writes the
day's ``DailyAnchor``: ``root`` is SHA-256 over the listing ``"<stream> <count> <head>\\n"`` of every
stream as it stood at the end of the day (up to its last event created before midnight), in code
point order of the stream keys; the anchor's own ``hash`` covers its date, root and counts and the
previous anchor's hash. Whoever rewrites a whole stream and its head after editing an event still
changes the root of every anchored day since the edit, and rewriting an anchor breaks the next one:
``verify_chain`` recomputes every anchored day from the events. An event dated on or before an
anchored day would change that day's root, so such appends are refused. (The job runs at 00:05, so
that a transaction stamped before midnight has committed when the day is anchored.)
"""

import hashlib
import json
import logging
from bisect import bisect_right, insort
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import dates
from core.dates import day_bounds
from timeline.models import DailyAnchor, Event, StreamHead

logger = logging.getLogger(__name__)

GENESIS = "0" * 64
GLOBAL_STREAM = "global"
CANONICAL_FIELDS = (
    "kind",
    "stream",
    "ticket_id",
    "hazard_id",
    "parcel_id",
    "actor_id",
    "created_at",
    "from_status",
    "to_status",
    "comment",
    "internal",
    "data",
    "pk",
    "prev_hash",
    "hash",
)


def stream_of(*, ticket_id=None, hazard_id=None, parcel_id=None, data=None):
    """The stream of an event with these subjects: its most specific one (see the module's docstring)."""
    if ticket_id is not None:
        return f"ticket:{ticket_id}"
    if hazard_id is not None:
        return f"hazard:{hazard_id}"
    inspection = (data or {}).get("inspection")
    if isinstance(inspection, int) and not isinstance(inspection, bool):
        return f"inspection:{inspection}"
    if parcel_id is not None:
        return f"parcel:{parcel_id}"
    return GLOBAL_STREAM


def event_stream(event):
    return stream_of(ticket_id=event.ticket_id, hazard_id=event.hazard_id, parcel_id=event.parcel_id, data=event.data)


def _canonical(
    kind, stream, ticket, hazard, parcel, actor, created_at, from_status, to_status, comment, internal, data
):
    payload = {
        "kind": kind,
        "stream": stream,
        "ticket": ticket,
        "hazard": hazard,
        "parcel": parcel,
        "actor": actor,
        "created_at": created_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "from": from_status,
        "to": to_status,
        "comment": comment,
        "internal": bool(internal),
        "data": data or {},
    }
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def canonical(event):
    """The content an event's hash covers, as a stable JSON string."""
    return _canonical(*(getattr(event, name) for name in CANONICAL_FIELDS[:12]))


def compute_hash(event, prev_hash):
    return hashlib.sha256((prev_hash + canonical(event)).encode("utf-8")).hexdigest()


def _row_hash(row, prev_hash):
    return hashlib.sha256((prev_hash + _canonical(*row[:12])).encode("utf-8")).hexdigest()


# --- writing ---------------------------------------------------------------------------------------


def _refuse_backdating(moments):
    """An anchored day is closed: an event dated on or before it would change its published root."""
    latest = DailyAnchor.objects.order_by("-date").values_list("date", flat=True).first()
    if latest is not None and min(moments) < day_bounds(latest)[1]:
        raise ValueError(f"events up to {latest} are anchored; an event cannot be dated on or before that day")


def _lock_head(stream):
    """The stream's head row under a row lock, created at GENESIS for a new stream (a concurrent creator
    makes the INSERT fail: get_or_create then reads the row it committed, under the lock)."""
    head, _created = StreamHead.objects.select_for_update().get_or_create(stream=stream, defaults={"head": GENESIS})
    return head


def append_event(
    *,
    kind,
    actor=None,
    ticket=None,
    hazard=None,
    parcel=None,
    from_status="",
    to_status="",
    comment="",
    internal=False,
    data=None,
    created_at=None,
    stream=None,
):
    """Write one event at the end of its stream. Call inside the service's transaction: the stream's
    head stays locked until it commits. ``stream`` overrides the stream of the event's subject."""
    event = Event(
        kind=kind,
        actor=actor,
        ticket=ticket,
        hazard=hazard,
        parcel=parcel,
        from_status=from_status or "",
        to_status=to_status or "",
        comment=comment or "",
        internal=internal,
        data=data or {},
    )
    event.stream = stream or event_stream(event)
    if created_at is None and dates.story_clock_running():
        created_at = dates.now()
    if created_at is not None:
        _refuse_backdating([created_at])
    with transaction.atomic():
        head = _lock_head(event.stream)
        # Stamped under the lock, so a stream's events are in time order as well as in chain order.
        event.created_at = created_at or dates.now()
        event.prev_hash = head.head
        event.hash = compute_hash(event, event.prev_hash)
        event.save()
        head.head = event.hash
        head.count += 1
        head.updated_at = timezone.now()
        head.save(update_fields=["head", "count", "updated_at"])
    logger.info("event %s on %s by actor %s", event.kind, event.stream, event.actor_id)
    return event


def _lock_heads(streams, batch_size):
    """The head rows of many streams, created where missing, all locked (in one order: no deadlock
    between two bulk writers over the same streams)."""
    streams = sorted(streams)
    StreamHead.objects.bulk_create(
        [StreamHead(stream=stream, head=GENESIS) for stream in streams], ignore_conflicts=True, batch_size=batch_size
    )
    heads = {}
    for i in range(0, len(streams), 500):
        chunk = streams[i : i + 500]
        for head in StreamHead.objects.select_for_update().filter(stream__in=chunk).order_by("stream"):
            heads[head.stream] = head
    return heads


def bulk_append(events, batch_size=2000):
    """Chain and insert many unsaved Event objects, in the order given, each at the end of its stream
    (demo data, imports). The heads of the streams touched are locked and written in bulk."""
    events = list(events)
    if not events:
        return events
    _refuse_backdating([event.created_at for event in events])
    for event in events:
        event.data = event.data or {}
        event.stream = event.stream or event_stream(event)
    with transaction.atomic():
        heads = _lock_heads({event.stream for event in events}, batch_size)
        for event in events:
            head = heads[event.stream]
            event.prev_hash = head.head
            event.hash = compute_hash(event, head.head)
            head.head = event.hash
            head.count += 1
        Event.objects.bulk_create(events, batch_size=batch_size)
        now = timezone.now()
        for head in heads.values():
            head.updated_at = now
        StreamHead.objects.bulk_create(
            list(heads.values()),
            update_conflicts=True,
            unique_fields=["stream"],
            update_fields=["head", "count", "updated_at"],
            batch_size=batch_size,
        )
    logger.info("%d events appended in bulk on %d streams", len(events), len(heads))
    return events


# --- verifying and anchoring ---------------------------------------------------------------------


@dataclass
class ChainReport:
    """What ``verify_chain`` found: counts, and the first break (``code`` says which kind)."""

    checked: int = 0
    streams: int = 0
    anchors: int = 0
    broken_at: int | None = None  # the event's id
    stream: str = ""
    anchor: date | None = None
    code: str = ""
    reason: str = ""

    @property
    def ok(self):
        return not self.code


BREAKS = {
    "link": _("与本事件流上一条事件的哈希不衔接"),
    "content": _("事件内容与其哈希不符"),
    "head": _("事件流的最新事件不是其链头（事件被删除，或链头被改写）"),
    "anchor_hash": _("锚点内容与其哈希不符"),
    "anchor_link": _("未衔接前一个锚点"),
    "anchor_root": _("截至当日的事件与锚点的根哈希不符"),
}


def anchor_hash(anchor, prev_hash):
    payload = json.dumps(
        {"date": anchor.date.isoformat(), "root": anchor.root, "streams": anchor.streams, "events": anchor.events},
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256((prev_hash + payload).encode("utf-8")).hexdigest()


def day_end(day):
    return day_bounds(day)[1]


class _Walk:
    """One pass over every event in id order (a stream's order): collects, for each of the given day ends,
    every stream's count and head as of that moment, and with ``check`` recomputes every hash."""

    LIGHT_FIELDS = ("stream", "created_at", "pk", "prev_hash", "hash")

    def __init__(self, ends, *, check=True):
        self.ends = ends
        self.check = check
        self.fields = CANONICAL_FIELDS if check else self.LIGHT_FIELDS
        self.at = tuple(self.fields.index(name) for name in self.LIGHT_FIELDS)
        self.state = {}  # stream -> (count, hash, last event id)
        self.breakpoints = {}  # stream -> [(index of the first end after the event, count, hash)]
        self.checked = 0
        self.first_break = None

    def run(self, chunk_size=5000):
        last_id = 0
        rows = Event.objects.order_by("pk").values_list(*self.fields)
        while True:
            batch = list(rows.filter(pk__gt=last_id)[:chunk_size])
            if not batch:
                return self
            for row in batch:
                self._step(row)
            last_id = batch[-1][self.at[2]]

    def _step(self, row):
        stream, created_at, pk, prev_hash, stored = (row[i] for i in self.at)
        count, head, _last = self.state.get(stream, (0, GENESIS, None))
        if self.first_break is None:
            if prev_hash != head:
                self.first_break = ("link", pk, stream)
            elif self.check and _row_hash(row, head) != stored:
                self.first_break = ("content", pk, stream)
        # Go on from the stored hash, so that one break is reported once.
        count += 1
        self.state[stream] = (count, stored, pk)
        self.checked += 1
        index = bisect_right(self.ends, created_at)
        if index < len(self.ends):
            points = self.breakpoints.setdefault(stream, [])
            while points and points[-1][0] >= index:
                points.pop()
            points.append((index, count, stored))

    def head_break(self):
        """The first stream (in key order) whose head row does not match its events."""
        heads = {
            stream: (count, head) for stream, count, head in StreamHead.objects.values_list("stream", "count", "head")
        }
        for stream in sorted(set(heads) | set(self.state)):
            count, head, last_id = self.state.get(stream, (0, GENESIS, None))
            if heads.get(stream, (0, GENESIS)) != (count, head):
                return ("head", last_id, stream)
        return None

    def roots(self):
        """For each day end: (root, streams, events), the listing growing one day at a time."""
        updates = [[] for _ in self.ends]
        for stream, points in self.breakpoints.items():
            for index, count, head in points:
                updates[index].append((stream, count, head))
        lines, keys, counts, total = {}, [], {}, 0
        for changed in updates:
            for stream, count, head in changed:
                if stream not in lines:
                    insort(keys, stream)
                lines[stream] = f"{stream} {count} {head}\n"
                total += count - counts.get(stream, 0)
                counts[stream] = count
            root = hashlib.sha256("".join(lines[key] for key in keys).encode("utf-8")).hexdigest()
            yield root, len(keys), total


@contextmanager
def _snapshot():
    """Read events and heads as of one moment, so that appends committed meanwhile (on PostgreSQL, in
    READ COMMITTED, each statement sees new rows) do not look like breaks. Inside a caller's transaction,
    that transaction's view is used."""
    if connection.in_atomic_block:
        yield
        return
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


def _report(walk, code, event_id=None, stream="", anchor=None, anchors=0):
    return ChainReport(
        checked=walk.checked,
        streams=len(walk.state),
        anchors=anchors,
        broken_at=event_id,
        stream=stream,
        anchor=anchor,
        code=code,
        reason=str(BREAKS[code]) if code else "",
    )


def verify_chain(chunk_size=5000):
    """Check every stream's chain, every head, and every daily anchor (its own hash, its link to the one
    before, and its root recomputed from the events)."""
    with _snapshot():
        anchors = list(DailyAnchor.objects.order_by("date"))
        walk = _Walk([day_end(anchor.date) for anchor in anchors]).run(chunk_size)
        found = walk.first_break or walk.head_break()
    if found is not None:
        code, event_id, stream = found
        return _report(walk, code, event_id, stream)
    prev = GENESIS
    for checked, (anchor, (root, streams, events)) in enumerate(zip(anchors, walk.roots(), strict=True)):
        if anchor.hash != anchor_hash(anchor, anchor.prev_hash):
            return _report(walk, "anchor_hash", anchor=anchor.date, anchors=checked)
        if anchor.prev_hash != prev:
            return _report(walk, "anchor_link", anchor=anchor.date, anchors=checked)
        if (anchor.root, anchor.streams, anchor.events) != (root, streams, events):
            return _report(walk, "anchor_root", anchor=anchor.date, anchors=checked)
        prev = anchor.hash
    return _report(walk, "", anchors=len(anchors))


def anchor_day(day, chunk_size=5000):
    """Write the DailyAnchor of ``day`` (a local day that has ended) unless it exists.

    Returns ``(anchor, created)``. Anchors chain in date order, so a day before the latest anchored one
    is refused (ValueError), as is today or later."""
    if day >= timezone.localdate():
        raise ValueError(f"{day} has not ended: only a past day can be anchored")
    existing = DailyAnchor.objects.filter(date=day).first()
    if existing is not None:
        return existing, False
    _refuse_anchoring_before(DailyAnchor.objects.order_by("-date").first(), day)
    with _snapshot():
        # Reads each event's stream, time and hashes only: verify_chain recomputes the hashes.
        walk = _Walk([day_end(day)], check=False).run(chunk_size)
        found = walk.first_break or walk.head_break()
    if found is not None:
        logger.error("anchoring %s over a broken chain: %s at event %s of stream %s", day, *found)
    [(root, streams, events)] = walk.roots()
    anchor = DailyAnchor(date=day, root=root, streams=streams, events=events)
    try:
        with transaction.atomic():
            latest = DailyAnchor.objects.select_for_update().order_by("-date").first()
            _refuse_anchoring_before(latest, day)
            anchor.prev_hash = latest.hash if latest is not None else GENESIS
            anchor.hash = anchor_hash(anchor, anchor.prev_hash)
            anchor.save()
    except IntegrityError:
        # A concurrent run anchored this day (unique date) or another one (unique prev_hash) meanwhile.
        existing = DailyAnchor.objects.filter(date=day).first()
        if existing is None:
            raise
        return existing, False
    logger.info("anchored %s: %d events on %d streams, root %s", day, events, streams, root)
    return anchor, True


def _refuse_anchoring_before(latest, day):
    if latest is not None and latest.date > day:
        raise ValueError(f"{latest.date} is anchored already: {day} cannot be anchored after it")
