"""The case timeline: append-only events chained by hash.

Each event's ``hash`` is SHA-256 over its content and the previous event's hash,
so that changing or removing a past event breaks the chain (``verify_chain``).
The chain head lives in a Sequence row taken under a row lock, which serialises
writers; the services call ``append_event`` inside their transaction.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC

from django.db import transaction
from django.utils import timezone

from core.models import Sequence
from timeline.models import Event

CHAIN_KEY = "event-chain"
GENESIS = "0" * 64


def canonical(event):
    """The content an event's hash covers, as a stable JSON string."""
    payload = {
        "kind": event.kind,
        "ticket": event.ticket_id,
        "hazard": event.hazard_id,
        "parcel": event.parcel_id,
        "actor": event.actor_id,
        "created_at": event.created_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "from": event.from_status,
        "to": event.to_status,
        "comment": event.comment,
        "internal": bool(event.internal),
        "data": event.data or {},
    }
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def compute_hash(event, prev_hash):
    return hashlib.sha256((prev_hash + canonical(event)).encode("utf-8")).hexdigest()


def _lock_head():
    head, _created = Sequence.objects.select_for_update().get_or_create(key=CHAIN_KEY, defaults={"text": GENESIS})
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
):
    """Write one event at the end of the chain. Call inside the service's transaction."""
    with transaction.atomic():
        head = _lock_head()
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
            created_at=created_at or timezone.now(),
        )
        event.prev_hash = head.text or GENESIS
        event.hash = compute_hash(event, event.prev_hash)
        event.save()
        head.text = event.hash
        head.value += 1
        head.save(update_fields=["text", "value"])
    return event


def bulk_append(events, batch_size=2000):
    """Chain and insert many unsaved Event objects in order (demo data, imports)."""
    with transaction.atomic():
        head = _lock_head()
        prev = head.text or GENESIS
        for event in events:
            event.data = event.data or {}
            event.prev_hash = prev
            event.hash = compute_hash(event, prev)
            prev = event.hash
        Event.objects.bulk_create(events, batch_size=batch_size)
        head.text = prev
        head.value += len(events)
        head.save(update_fields=["text", "value"])
    return events


@dataclass
class ChainReport:
    checked: int
    broken_at: int | None = None
    reason: str = ""

    @property
    def ok(self):
        return self.broken_at is None


def verify_chain(chunk_size=5000):
    """Walk every event in id order and recompute the chain."""
    prev = GENESIS
    checked = 0
    last_id = 0
    while True:
        batch = list(Event.objects.filter(pk__gt=last_id).order_by("pk")[:chunk_size])
        if not batch:
            break
        for event in batch:
            if event.prev_hash != prev:
                return ChainReport(checked, event.pk, "prev_hash does not match the previous event")
            if compute_hash(event, prev) != event.hash:
                return ChainReport(checked, event.pk, "content does not match its hash")
            prev = event.hash
            checked += 1
        last_id = batch[-1].pk
    head = Sequence.objects.filter(key=CHAIN_KEY).first()
    if checked and (head is None or head.text != prev):
        # The newest events were removed, or the head was rewritten.
        return ChainReport(checked, last_id, "the last event is not the chain head")
    return ChainReport(checked)
