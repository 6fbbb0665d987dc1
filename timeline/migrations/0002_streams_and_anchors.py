"""One hash chain per stream instead of one global chain; stream heads; daily anchors.

A database that already holds events is re-chained here: each event gets its stream (the rule of
timeline.chain.stream_of, copied below so that this migration keeps working when the module changes),
every stream is chained again in id order, and its head is written; the old global head
(core.Sequence "event-chain") is removed. Going back re-chains every event into one global chain.
"""

import hashlib
import json
from datetime import UTC

import django.utils.timezone
from django.db import migrations, models

GENESIS = "0" * 64
OLD_CHAIN_KEY = "event-chain"
BATCH = 2000


def stream_of(event):
    if event.ticket_id is not None:
        return f"ticket:{event.ticket_id}"
    if event.hazard_id is not None:
        return f"hazard:{event.hazard_id}"
    inspection = (event.data or {}).get("inspection")
    if isinstance(inspection, int) and not isinstance(inspection, bool):
        return f"inspection:{inspection}"
    if event.parcel_id is not None:
        return f"parcel:{event.parcel_id}"
    return "global"


def event_hash(event, prev_hash, *, with_stream=True):
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
    if with_stream:
        payload["stream"] = event.stream
    content = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256((prev_hash + content).encode("utf-8")).hexdigest()


def _write_hashes(schema_editor, Event, batch, fields):
    """One UPDATE per row, executed as a batch (much faster than a CASE per field over many rows)."""
    quote = schema_editor.quote_name
    assignments = ", ".join(f"{quote(field)} = %s" for field in fields)
    statement = f"UPDATE {quote(Event._meta.db_table)} SET {assignments} WHERE {quote(Event._meta.pk.column)} = %s"
    with schema_editor.connection.cursor() as cursor:
        cursor.executemany(statement, [[getattr(event, field) for field in fields] + [event.pk] for event in batch])


def _batches(Event):
    last_id = 0
    while True:
        batch = list(Event.objects.filter(pk__gt=last_id).order_by("pk")[:BATCH])
        if not batch:
            return
        yield batch
        last_id = batch[-1].pk


def chain_per_stream(apps, schema_editor):
    Event = apps.get_model("timeline", "Event")
    StreamHead = apps.get_model("timeline", "StreamHead")
    Sequence = apps.get_model("core", "Sequence")
    heads = {}  # stream -> [head, count]
    for batch in _batches(Event):
        for event in batch:
            event.stream = stream_of(event)
            head = heads.setdefault(event.stream, [GENESIS, 0])
            event.prev_hash = head[0]
            event.hash = event_hash(event, head[0])
            head[0] = event.hash
            head[1] += 1
        _write_hashes(schema_editor, Event, batch, ["stream", "prev_hash", "hash"])
    now = django.utils.timezone.now()
    StreamHead.objects.bulk_create(
        [StreamHead(stream=stream, head=head, count=count, updated_at=now) for stream, (head, count) in heads.items()],
        batch_size=BATCH,
    )
    Sequence.objects.filter(key=OLD_CHAIN_KEY).delete()


def chain_globally(apps, schema_editor):
    Event = apps.get_model("timeline", "Event")
    StreamHead = apps.get_model("timeline", "StreamHead")
    Sequence = apps.get_model("core", "Sequence")
    prev, count = GENESIS, 0
    for batch in _batches(Event):
        for event in batch:
            event.prev_hash = prev
            event.hash = prev = event_hash(event, prev, with_stream=False)
            count += 1
        _write_hashes(schema_editor, Event, batch, ["prev_hash", "hash"])
    StreamHead.objects.all().delete()
    if count:
        Sequence.objects.update_or_create(key=OLD_CHAIN_KEY, defaults={"text": prev, "value": count})


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("timeline", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="event",
            name="stream",
            field=models.CharField(db_index=True, default="", editable=False, max_length=64, verbose_name="事件流"),
            preserve_default=False,
        ),
        migrations.CreateModel(
            name="StreamHead",
            fields=[
                ("stream", models.CharField(max_length=64, primary_key=True, serialize=False, verbose_name="事件流")),
                ("head", models.CharField(max_length=64, verbose_name="链头哈希")),
                ("count", models.PositiveBigIntegerField(default=0, verbose_name="事件数")),
                ("updated_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="更新时间")),
            ],
            options={
                "verbose_name": "事件流链头",
                "verbose_name_plural": "事件流链头",
            },
        ),
        migrations.CreateModel(
            name="DailyAnchor",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("date", models.DateField(unique=True, verbose_name="日期")),
                ("root", models.CharField(max_length=64, verbose_name="根哈希")),
                ("streams", models.PositiveBigIntegerField(verbose_name="事件流数")),
                ("events", models.PositiveBigIntegerField(verbose_name="事件数")),
                ("prev_hash", models.CharField(editable=False, max_length=64, unique=True)),
                ("hash", models.CharField(editable=False, max_length=64, unique=True, verbose_name="锚点哈希")),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="生成时间")),
            ],
            options={
                "verbose_name": "每日锚点",
                "verbose_name_plural": "每日锚点",
                "ordering": ["date"],
            },
        ),
        migrations.RunPython(chain_per_stream, chain_globally),
    ]
