"""The case timeline: append-only events, chained by hash per stream, anchored once a day.

**Streams.** Every event belongs to one stream, its most specific subject (``stream_of``):
``ticket:<id>`` when it has a ticket, else ``hazard:<id>`` when it has a hazard, else
``inspection:<id>`` when its data names an inspection (an inspection recorded, a cross-check's
close-out), else ``parcel:<id>`` (a cross-check requested), else ``global``.

**Chains.** An event's ``hash`` is HMAC-SHA256, under the ledger key named by its ``key_id``
(``timeline.keys``: kept outside the database, rotatable), over the previous hash of its stream and its
canonical content, the stream included; a stream's first event follows ``GENESIS``. Without the key,
whoever can write to the database cannot make a rewritten event verify. Events and anchors from before
the keys (``key_id`` "", plain SHA-256) are accepted only up to the ``LedgerSeal`` the key migration
wrote; an event or anchor under a key the settings do not list is reported (``missing_keys``).
``StreamHead`` holds each stream's newest hash and count. ``append_event`` locks only that one row (inside the service's
transaction), so writers on different cases never wait on each other; writers on the same case
queue, as they already do on the case's own row. Changing, inserting or removing an event breaks
its stream (``verify_chain``); removing a stream's newest event leaves the head pointing at nothing.

**Anchors.** Just after midnight ``anchor_day`` (the task ``anchor_event_chains_task``) writes the
day's ``DailyAnchor``: ``root`` is SHA-256 over the listing ``"<stream> <count> <head>\\n"`` of every
stream as it stood at the end of the day (up to its last event created before midnight), in code
point order of the stream keys; the anchor's own ``hash`` (an HMAC under its ``key_id``) covers its
date, root and counts and the previous anchor's hash. The daily briefing prints the day's anchor
(``briefing.reports.ledger_anchor``), so that copies outside the system witness it. Whoever rewrites a
whole stream and its head after editing an event (holding the key) still changes the root of every
anchored day since the edit, and rewriting an anchor breaks the next one: ``verify_chain`` recomputes
every anchored day from the events, and ``verify_events --anchor`` compares published copies. An event
dated on or before an anchored day would change that day's root, so such appends are refused. (The job
runs at 00:05, so that a transaction stamped before midnight has committed when the day is anchored.)

**The database refuses.** On PostgreSQL, triggers (migration 0004) refuse UPDATE and DELETE on events,
anchors and the seal, and let a stream head only move forward; the app's own role lacks those grants.
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
from timeline.keys import LEGACY, UnknownKey, current_key_id, digest, ledger_keys
from timeline.models import DailyAnchor, Event, LedgerSeal, StreamHead

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
    "key_id",
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


def compute_hash(event, prev_hash, keys=None):
    """HMAC-SHA256, under the ledger key ``event.key_id``, of the previous hash and the event's content
    (plain SHA-256 for a legacy event, key id ""). UnknownKey when that key is not configured."""
    return digest(event.key_id, prev_hash + canonical(event), keys)


def _row_hash(row, prev_hash, keys):
    return digest(row[15], prev_hash + _canonical(*row[:12]), keys)


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
        event.key_id = current_key_id()
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
    keys, key_id = ledger_keys(), current_key_id()
    with transaction.atomic():
        heads = _lock_heads({event.stream for event in events}, batch_size)
        for event in events:
            head = heads[event.stream]
            event.prev_hash = head.head
            event.key_id = key_id
            event.hash = compute_hash(event, head.head, keys)
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
    key_id: str = ""  # for "key": the key id the settings do not list
    missing_keys: tuple = ()  # every key id named by an event or anchor that the settings do not list

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
    "key": _("台账密钥 %(key)s 未配置，无法校验"),
    "unkeyed": _("未用台账密钥签名，且不在旧链封存范围内"),
    "seal": _("旧链封存记录与事件或锚点不符"),
}


def anchor_hash(anchor, prev_hash, keys=None):
    """HMAC-SHA256 under the anchor's key (plain SHA-256 for a legacy anchor) of the previous anchor's
    hash and the anchor's date, root and counts."""
    payload = json.dumps(
        {"date": anchor.date.isoformat(), "root": anchor.root, "streams": anchor.streams, "events": anchor.events},
        sort_keys=True,
        separators=(",", ":"),
    )
    return digest(anchor.key_id, prev_hash + payload, keys)


def listing_root(state):
    """SHA-256 over ``"<stream> <count> <head>\n"`` of every stream, in code point order of the keys."""
    text = "".join(f"{stream} {count} {head}\n" for stream, (count, head) in sorted(state.items()))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def seal_hash(seal, keys=None):
    payload = json.dumps(
        {
            "last_event": seal.last_event,
            "last_anchor": seal.last_anchor,
            "root": seal.root,
            "streams": seal.streams,
            "events": seal.events,
            "anchor_head": seal.anchor_head,
        },
        sort_keys=True,
        separators=(",", ":"),
    )
    return digest(seal.key_id, "ledger-seal:" + payload, keys)


def day_end(day):
    return day_bounds(day)[1]


class _Walk:
    """One pass over every event in id order (a stream's order): collects, for each of the given day ends,
    every stream's count and head as of that moment, and with ``check`` recomputes every hash."""

    LIGHT_FIELDS = ("stream", "created_at", "pk", "prev_hash", "hash")

    def __init__(self, ends, *, check=True, keys=None, seal=None):
        self.ends = ends
        self.check = check
        self.keys = keys if keys is not None else {}
        self.legacy_until = seal.last_event if seal is not None else 0  # legacy events allowed up to this id
        self.sealed = None  # the listing {stream: (count, head)} as of the seal's last event
        self.missing = set()
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
                if self.sealed is None:
                    self._seal_point()
                return self
            for row in batch:
                self._step(row)
            last_id = batch[-1][self.at[2]]

    def _seal_point(self):
        self.sealed = {stream: (count, head) for stream, (count, head, _last) in self.state.items()}

    def _step(self, row):
        stream, created_at, pk, prev_hash, stored = (row[i] for i in self.at)
        if self.check and self.sealed is None and pk > self.legacy_until:
            self._seal_point()
        count, head, _last = self.state.get(stream, (0, GENESIS, None))
        if self.check:
            key_id = row[15]
            if key_id != LEGACY and key_id not in self.keys:
                self.missing.add(key_id)
        if self.first_break is None:
            if prev_hash != head:
                self.first_break = ("link", pk, stream)
            elif self.check and key_id == LEGACY and pk > self.legacy_until:
                self.first_break = ("unkeyed", pk, stream)
            elif self.check and key_id in self.missing:
                self.first_break = ("key", pk, stream, key_id)
            elif self.check and _row_hash(row, head, self.keys) != stored:
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


def _report(walk, code, event_id=None, stream="", anchor=None, anchors=0, key_id="", missing=()):
    reason = str(BREAKS[code]) if code else ""
    if code == "key":
        reason %= {"key": key_id or "?"}
    return ChainReport(
        checked=walk.checked,
        streams=len(walk.state),
        anchors=anchors,
        broken_at=event_id,
        stream=stream,
        anchor=anchor,
        code=code,
        reason=reason,
        key_id=key_id,
        missing_keys=tuple(sorted(set(walk.missing) | set(missing))),
    )


def _check_anchor(anchor, prev, keys, seal):
    """The break code of one anchor's own hash and link, or ""; plus the key id when it is unknown."""
    if anchor.key_id == LEGACY and (seal is None or anchor.pk > seal.last_anchor):
        return "unkeyed", ""
    try:
        if anchor.hash != anchor_hash(anchor, anchor.prev_hash, keys):
            return "anchor_hash", ""
    except UnknownKey as exc:
        return "key", exc.key_id
    if anchor.prev_hash != prev:
        return "anchor_link", ""
    if seal is not None and anchor.pk == seal.last_anchor and anchor.hash != seal.anchor_head:
        return "seal", ""
    return "", ""


def _check_seal(seals, walk, keys):
    """The break (code, key id) of the legacy seal, or None: at most one, under a known key, its HMAC
    right, its listing that of the events up to its last one."""
    if not seals:
        return None
    if len(seals) > 1:
        return "seal", ""
    [seal] = seals
    try:
        if seal.hash != seal_hash(seal, keys):
            return "seal", ""
    except UnknownKey as exc:
        return "key", exc.key_id
    sealed = walk.sealed or {}
    expected = (listing_root(sealed), len(sealed), sum(count for count, _head in sealed.values()))
    if (seal.root, seal.streams, seal.events) != expected:
        return "seal", ""
    return None


def verify_chain(chunk_size=5000):
    """Check every stream's chain, every head, and every daily anchor (its own hash, its link to the one
    before, and its root recomputed from the events)."""
    keys = ledger_keys()
    with _snapshot():
        anchors = list(DailyAnchor.objects.order_by("date"))
        seals = list(LedgerSeal.objects.order_by("pk"))
        walk = _Walk([day_end(anchor.date) for anchor in anchors], keys=keys, seal=seals[0] if seals else None)
        walk.run(chunk_size)
        found = walk.first_break or walk.head_break()
    seal = seals[0] if len(seals) == 1 else None
    missing = {a.key_id for a in anchors if a.key_id != LEGACY and a.key_id not in keys}
    missing |= {s.key_id for s in seals if s.key_id not in keys}
    if found is not None:
        code, event_id, stream, *key_id = found
        return _report(walk, code, event_id, stream, key_id=key_id[0] if key_id else "", missing=missing)
    sealed = _check_seal(seals, walk, keys)
    if sealed is not None:
        return _report(walk, sealed[0], key_id=sealed[1], missing=missing)
    prev = GENESIS
    for checked, (anchor, (root, streams, events)) in enumerate(zip(anchors, walk.roots(), strict=True)):
        code, key_id = _check_anchor(anchor, prev, keys, seal)
        if not code and (anchor.root, anchor.streams, anchor.events) != (root, streams, events):
            code = "anchor_root"
        if code:
            return _report(walk, code, anchor=anchor.date, anchors=checked, key_id=key_id, missing=missing)
        prev = anchor.hash
    if seal is not None and seal.last_anchor and not any(anchor.pk == seal.last_anchor for anchor in anchors):
        return _report(walk, "seal", anchors=len(anchors), missing=missing)
    return _report(walk, "", anchors=len(anchors), missing=missing)


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
            # No row lock (FOR UPDATE needs the UPDATE grant, which the app's role lacks on anchors): two
            # concurrent runs both chain to the same predecessor, and the unique prev_hash refuses the second.
            latest = DailyAnchor.objects.order_by("-date").first()
            _refuse_anchoring_before(latest, day)
            anchor.prev_hash = latest.hash if latest is not None else GENESIS
            anchor.key_id = current_key_id()
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
