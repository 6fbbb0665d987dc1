"""The ledger's keys (timeline.keys): each event and anchor names the key its hash was made with.

The events and anchors already written keep their plain SHA-256 hashes (key id "", legacy) and stay
verifiable; so that nobody can later add or rewrite a legacy one (or strip the key from a new one), they
are sealed here: one LedgerSeal under the current ledger key holds the last legacy event and anchor, the
listing of every stream as of that event (as an anchor's root) and the last anchor's hash. A database with
no events and no anchors gets no seal. Sealing needs the ledger key: the settings' LEDGER_KEYS (or the
embedded run's VAR_DIR/ledger_key).
"""

import hashlib
import json

import django.utils.timezone
from django.db import migrations, models

GENESIS = "0" * 64


def seal_legacy(apps, schema_editor):
    from timeline.keys import current_key_id, digest

    Event = apps.get_model("timeline", "Event")
    DailyAnchor = apps.get_model("timeline", "DailyAnchor")
    LedgerSeal = apps.get_model("timeline", "LedgerSeal")
    if not Event.objects.exists() and not DailyAnchor.objects.exists():
        return
    state, last_event = {}, 0
    for pk, stream, stored in Event.objects.order_by("pk").values_list("pk", "stream", "hash").iterator(5000):
        state[stream] = (state.get(stream, (0, ""))[0] + 1, stored)
        last_event = pk
    listing = "".join(f"{stream} {count} {head}\n" for stream, (count, head) in sorted(state.items()))
    last = DailyAnchor.objects.order_by("-pk").first()
    seal = LedgerSeal(
        key_id=current_key_id(),
        last_event=last_event,
        last_anchor=last.pk if last else 0,
        root=hashlib.sha256(listing.encode("utf-8")).hexdigest(),
        streams=len(state),
        events=sum(count for count, _head in state.values()),
        anchor_head=last.hash if last else GENESIS,
    )
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
    seal.hash = digest(seal.key_id, "ledger-seal:" + payload)
    seal.save()


def unseal(apps, schema_editor):
    apps.get_model("timeline", "LedgerSeal").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("timeline", "0002_streams_and_anchors"),
    ]

    operations = [
        migrations.CreateModel(
            name="LedgerSeal",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("key_id", models.CharField(max_length=32, verbose_name="密钥编号")),
                ("last_event", models.BigIntegerField(verbose_name="最后一条事件")),
                ("last_anchor", models.BigIntegerField(verbose_name="最后一个锚点")),
                ("root", models.CharField(max_length=64, verbose_name="根哈希")),
                ("streams", models.PositiveBigIntegerField(verbose_name="事件流数")),
                ("events", models.PositiveBigIntegerField(verbose_name="事件数")),
                ("anchor_head", models.CharField(max_length=64)),
                ("hash", models.CharField(max_length=64, unique=True, verbose_name="封存哈希")),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="生成时间")),
            ],
            options={
                "verbose_name": "旧链封存",
                "verbose_name_plural": "旧链封存",
            },
        ),
        migrations.AddField(
            model_name="dailyanchor",
            name="key_id",
            field=models.CharField(blank=True, default="", editable=False, max_length=32, verbose_name="密钥编号"),
        ),
        migrations.AddField(
            model_name="event",
            name="key_id",
            field=models.CharField(blank=True, default="", editable=False, max_length=32, verbose_name="密钥编号"),
        ),
        migrations.RunPython(seal_legacy, unseal),
    ]
