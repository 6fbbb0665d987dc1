"""The timeline's hash chains per stream, the daily anchors over them, and their verification."""

import os
import subprocess
import sys
import threading
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import OperationalError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from core.dates import day_start
from core.models import Sequence
from tests import factories as f
from timeline.chain import (
    GENESIS,
    GLOBAL_STREAM,
    anchor_day,
    anchor_hash,
    append_event,
    bulk_append,
    compute_hash,
    stream_of,
    verify_chain,
)
from timeline.models import DailyAnchor, Event, StreamHead
from timeline.tasks import anchor_event_chains_task

from .tampering import tamper

pytestmark = pytest.mark.django_db

KIND = "inspections.ticket.commented"


def sql(statement, params=()):
    """An insider's raw SQL (on PostgreSQL past the ledger's triggers, as a superuser could)."""
    tamper(statement, params)


def days_ago(n, hours=10):
    return day_start(timezone.localdate() - timedelta(days=n)) + timedelta(hours=hours)


@pytest.fixture
def two_tickets(db):
    return f.TicketFactory(), f.TicketFactory()


def test_each_subject_has_its_own_chain(two_tickets):
    a, b = two_tickets
    hazard = f.HazardFactory()
    first = append_event(kind="inspections.ticket.created", ticket=a, parcel=a.parcel)
    other = append_event(kind="inspections.ticket.created", ticket=b, parcel=b.parcel)
    second = append_event(kind=KIND, ticket=a, parcel=a.parcel, comment="已通知企业")
    reported = append_event(kind="inspections.hazard.reported", hazard=hazard, parcel=hazard.parcel)
    recorded = append_event(kind="inspections.inspection.recorded", parcel=a.parcel, data={"inspection": 41})
    requested = append_event(kind="enterprises.parcel.crosscheck_requested", parcel=a.parcel, data={"crosscheck": 3})

    assert [e.stream for e in (first, other, second, reported, recorded, requested)] == [
        f"ticket:{a.pk}",
        f"ticket:{b.pk}",
        f"ticket:{a.pk}",
        f"hazard:{hazard.pk}",
        "inspection:41",
        f"parcel:{a.parcel.pk}",
    ]
    assert first.prev_hash == GENESIS and other.prev_hash == GENESIS
    assert second.prev_hash == first.hash
    assert second.hash == compute_hash(Event.objects.get(pk=second.pk), first.hash)
    heads = {h.stream: (h.count, h.head) for h in StreamHead.objects.all()}
    assert heads[f"ticket:{a.pk}"] == (2, second.hash)
    assert heads[f"ticket:{b.pk}"] == (1, other.hash)
    report = verify_chain()
    assert report.ok and report.checked == 6 and report.streams == 5


def test_the_stream_is_the_most_specific_subject():
    assert stream_of(ticket_id=1, hazard_id=2, parcel_id=3, data={"inspection": 4}) == "ticket:1"
    assert stream_of(hazard_id=2, parcel_id=3, data={"inspection": 4}) == "hazard:2"
    assert stream_of(parcel_id=3, data={"inspection": 4, "crosscheck": 5}) == "inspection:4"
    assert stream_of(parcel_id=3, data={"inspection": None}) == "parcel:3"
    assert stream_of() == GLOBAL_STREAM


def test_the_stream_is_part_of_the_hashed_content(two_tickets):
    a, _b = two_tickets
    event = append_event(kind=KIND, ticket=a)
    sql("UPDATE timeline_event SET stream = %s WHERE id = %s", ["ticket:999999", event.pk])
    sql("UPDATE timeline_streamhead SET stream = %s WHERE stream = %s", ["ticket:999999", f"ticket:{a.pk}"])

    report = verify_chain()

    assert (report.ok, report.code, report.broken_at) == (False, "content", event.pk)


def test_bulk_append_chains_each_stream_and_writes_the_heads(two_tickets):
    a, b = two_tickets
    append_event(kind="inspections.ticket.created", ticket=a)
    moment = timezone.now()
    events = [
        Event(kind=KIND, ticket=a if i % 3 else b, comment=f"第{i}条", created_at=moment + timedelta(seconds=i))
        for i in range(10)
    ]

    bulk_append(events, batch_size=4)
    after = append_event(kind=KIND, ticket=b)

    heads = {h.stream: h.count for h in StreamHead.objects.all()}
    assert heads == {f"ticket:{a.pk}": 1 + 6, f"ticket:{b.pk}": 4 + 1}
    assert after.prev_hash == Event.objects.filter(ticket=b).order_by("-pk")[1].hash
    report = verify_chain()
    assert report.ok and report.checked == 12


def test_events_stay_append_only(two_tickets):
    event = append_event(kind=KIND, ticket=two_tickets[0])
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()


def test_an_edited_event_is_named(two_tickets):
    a, b = two_tickets
    append_event(kind=KIND, ticket=a)
    edited = append_event(kind=KIND, ticket=a, comment="企业已整改")
    append_event(kind=KIND, ticket=a)
    append_event(kind=KIND, ticket=b)
    assert verify_chain().ok

    sql("UPDATE timeline_event SET comment = %s WHERE id = %s", ["未整改", edited.pk])
    report = verify_chain()

    assert (report.ok, report.code, report.broken_at, report.stream) == (False, "content", edited.pk, edited.stream)


def test_a_removed_event_is_found_in_the_middle_and_at_the_end(two_tickets):
    a, b = two_tickets
    events = [append_event(kind=KIND, ticket=a, comment=str(i)) for i in range(4)]
    append_event(kind=KIND, ticket=b)

    sql("DELETE FROM timeline_event WHERE id = %s", [events[-1].pk])  # the newest of its stream
    report = verify_chain()
    assert (report.code, report.broken_at, report.stream) == ("head", events[-2].pk, f"ticket:{a.pk}")

    sql("DELETE FROM timeline_event WHERE id = %s", [events[1].pk])
    report = verify_chain()
    assert (report.code, report.broken_at, report.stream) == ("link", events[2].pk, f"ticket:{a.pk}")


def test_a_stream_whose_only_event_was_removed_is_named(two_tickets):
    a, b = two_tickets
    append_event(kind=KIND, ticket=a)
    only = append_event(kind=KIND, ticket=b)

    sql("DELETE FROM timeline_event WHERE id = %s", [only.pk])
    report = verify_chain()

    assert (report.ok, report.code, report.broken_at, report.stream) == (False, "head", None, f"ticket:{b.pk}")


def test_a_rewritten_head_is_found(two_tickets):
    a, _b = two_tickets
    first = append_event(kind=KIND, ticket=a)
    append_event(kind=KIND, ticket=a)

    # the newest event removed and the head wound back to the one before: the stream alone looks whole …
    sql("DELETE FROM timeline_event WHERE stream = %s AND id > %s", [first.stream, first.pk])
    sql("UPDATE timeline_streamhead SET head = %s WHERE stream = %s", [first.hash, first.stream])
    report = verify_chain()
    assert (report.code, report.stream) == ("head", first.stream)  # … but not its count

    sql("UPDATE timeline_streamhead SET count = 1 WHERE stream = %s", [first.stream])
    assert verify_chain().ok  # a consistent rewrite of an unanchored day: only an anchor can tell


# --- anchors ----------------------------------------------------------------------------------------


def rechain(stream):
    """What someone with database access does after editing an event: hash the whole stream again."""
    prev = GENESIS
    for event in Event.objects.filter(stream=stream).order_by("pk"):
        new = compute_hash(event, prev)
        sql("UPDATE timeline_event SET prev_hash = %s, hash = %s WHERE id = %s", [prev, new, event.pk])
        prev = new
    sql("UPDATE timeline_streamhead SET head = %s WHERE stream = %s", [prev, stream])


@pytest.fixture
def anchored(two_tickets):
    """Events over three past days, the first two days anchored, and events of today."""
    a, b = two_tickets
    append_event(kind=KIND, ticket=a, created_at=days_ago(3))
    append_event(kind=KIND, ticket=b, created_at=days_ago(3, hours=11))
    append_event(kind=KIND, ticket=a, created_at=days_ago(2))
    append_event(kind=KIND, ticket=a, created_at=days_ago(1))
    first, _ = anchor_day(timezone.localdate() - timedelta(days=3))
    second, _ = anchor_day(timezone.localdate() - timedelta(days=2))
    append_event(kind=KIND, ticket=b)
    return first, second


def test_an_anchor_covers_every_stream_as_of_the_end_of_its_day(two_tickets):
    a, b = two_tickets
    day = timezone.localdate() - timedelta(days=2)
    append_event(kind=KIND, ticket=a, created_at=day_start(day) + timedelta(hours=23, minutes=59))
    append_event(kind=KIND, ticket=b, created_at=day_start(day) + timedelta(days=1, seconds=1))  # after midnight

    anchor, created = anchor_day(day)

    assert created and (anchor.date, anchor.streams, anchor.events, anchor.prev_hash) == (day, 1, 1, GENESIS)
    assert anchor_day(day + timedelta(days=1))[0].events == 2  # the next day has both
    assert DailyAnchor.objects.get(date=day + timedelta(days=1)).prev_hash == anchor.hash
    report = verify_chain()
    assert report.ok and report.anchors == 2


def test_the_anchor_task_is_idempotent(anchored):
    day = (timezone.localdate() - timedelta(days=1)).isoformat()

    first = anchor_event_chains_task(day)
    again = anchor_event_chains_task(day)

    assert first == again == DailyAnchor.objects.get(date=day).hash
    assert DailyAnchor.objects.count() == 3
    assert anchor_event_chains_task() == first  # default: yesterday
    assert verify_chain().ok


def test_the_anchor_runs_just_after_midnight_in_shanghai():
    from config.celery import app

    [entry] = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"].endswith("anchor_event_chains_task")]
    assert entry["task"] in app.tasks and entry["options"]["expires"] > 0
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({0}, {5})
    assert settings.CELERY_TIMEZONE == "Asia/Shanghai"


def test_only_a_day_that_has_ended_in_order_is_anchored(anchored):
    with pytest.raises(ValueError, match="has not ended"):
        anchor_day(timezone.localdate())
    with pytest.raises(ValueError, match="anchored already"):
        anchor_day(timezone.localdate() - timedelta(days=5))


def test_an_anchored_day_takes_no_more_events(anchored, two_tickets):
    with pytest.raises(ValueError, match="anchored"):
        append_event(kind=KIND, ticket=two_tickets[0], created_at=days_ago(2))
    with pytest.raises(ValueError, match="anchored"):
        bulk_append([Event(kind=KIND, ticket=two_tickets[1], created_at=days_ago(3))])
    append_event(kind=KIND, ticket=two_tickets[0], created_at=days_ago(1))  # not anchored yet
    assert verify_chain().ok


def test_a_stream_hashed_again_after_an_edit_is_caught_by_the_anchors(anchored, two_tickets):
    first, _second = anchored
    event = Event.objects.filter(ticket=two_tickets[0]).order_by("pk").first()
    sql("UPDATE timeline_event SET comment = %s WHERE id = %s", ["改写的记录", event.pk])
    assert verify_chain().code == "content"

    rechain(event.stream)
    report = verify_chain()

    assert (report.ok, report.code, report.anchor) == (False, "anchor_root", first.date)


def test_a_rewritten_anchor_of_a_past_day_is_found(anchored):
    first, second = anchored
    sql("UPDATE timeline_dailyanchor SET root = %s WHERE id = %s", ["f" * 64, first.pk])
    report = verify_chain()
    assert (report.code, report.anchor) == ("anchor_hash", first.date)

    # root and hash rewritten together: the root no longer matches the events of that day
    forged = DailyAnchor.objects.get(pk=first.pk)
    sql("UPDATE timeline_dailyanchor SET hash = %s WHERE id = %s", [anchor_hash(forged, GENESIS), first.pk])
    assert (verify_chain().code, verify_chain().anchor) == ("anchor_root", first.date)

    # a past anchor removed: the next one no longer follows its predecessor
    sql("DELETE FROM timeline_dailyanchor WHERE id = %s", [first.pk])
    report = verify_chain()
    assert (report.code, report.anchor) == ("anchor_link", second.date)


def test_anchors_are_written_once(anchored):
    first, _second = anchored
    with pytest.raises(PermissionError):
        first.save()
    with pytest.raises(PermissionError):
        first.delete()


# --- the command ------------------------------------------------------------------------------------


def test_verify_events_passes_then_names_the_first_break(anchored, two_tickets, capsys):
    call_command("verify_events")
    out = capsys.readouterr().out
    assert "5 条事件、2 条事件流" in out and "2 个每日锚点校验通过" in out

    newest = Event.objects.filter(ticket=two_tickets[1]).order_by("-pk").first()
    sql("DELETE FROM timeline_event WHERE id = %s", [newest.pk])
    with pytest.raises(CommandError, match="断链") as failed:
        call_command("verify_events")
    assert f"ticket:{two_tickets[1].pk}" in str(failed.value)
    assert failed.value.returncode == 1  # the exit status of manage.py


@pytest.mark.django_db(transaction=True)
def test_verify_events_exit_status_from_a_shell(require_postgres, two_tickets):
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}",
        "SECRET_KEY": "test-not-secret",
    }
    event = append_event(kind=KIND, ticket=two_tickets[0], comment="原始记录")

    def verify_events():
        command = [sys.executable, str(settings.BASE_DIR / "manage.py"), "verify_events"]
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)

    intact = verify_events()
    sql("UPDATE timeline_event SET comment = %s WHERE id = %s", ["改过的记录", event.pk])
    broken = verify_events()

    assert intact.returncode == 0 and "校验通过" in intact.stdout, intact.stderr
    assert broken.returncode == 1 and f"第 {event.pk} 号事件" in broken.stderr


def test_verify_events_names_a_broken_anchor(anchored):
    first, _second = anchored
    sql("UPDATE timeline_dailyanchor SET events = 99 WHERE id = %s", [first.pk])

    with pytest.raises(CommandError, match=first.date.isoformat()):
        call_command("verify_events")


# --- concurrency (PostgreSQL) ------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_held_stream_does_not_block_another_one(require_postgres, two_tickets):
    a, b = two_tickets
    append_event(kind=KIND, ticket=a)
    append_event(kind=KIND, ticket=b)
    holding, release = threading.Event(), threading.Event()

    def hold_stream_a():
        try:
            with transaction.atomic():
                append_event(kind=KIND, ticket=a, comment="长事务")
                holding.set()
                release.wait(30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_stream_a)
    holder.start()
    try:
        assert holding.wait(10)
        started = time.monotonic()
        with transaction.atomic():
            sql("SET LOCAL lock_timeout = '5s'")
            append_event(kind=KIND, ticket=b)  # an existing stream
            append_event(kind=KIND, ticket=f.TicketFactory())  # a new one
        assert time.monotonic() - started < 2
        with pytest.raises(OperationalError, match="lock timeout"), transaction.atomic():  # noqa: PT012 - the timeout is set in the transaction it limits
            sql("SET LOCAL lock_timeout = '300ms'")
            append_event(kind=KIND, ticket=a)  # the held stream waits for the holder
    finally:
        release.set()
        holder.join(30)
    report = verify_chain()
    assert report.ok and report.checked == 5


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_every_chain_whole(require_postgres, two_tickets):
    a, _b = two_tickets
    fresh = f.TicketFactory()  # no head yet: the writers race to create it
    barrier = threading.Barrier(6)
    errors = []

    def write(ticket):
        try:
            barrier.wait(10)
            for i in range(10):
                append_event(kind=KIND, ticket=ticket, comment=str(i))
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(t,)) for t in (a, a, fresh, fresh, fresh, f.TicketFactory())]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == []
    assert StreamHead.objects.get(stream=f"ticket:{fresh.pk}").count == 30
    report = verify_chain()
    assert report.ok and report.checked == 60


# --- the migration ----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_chains_existing_events_per_stream(two_tickets):
    import importlib

    migration = importlib.import_module("timeline.migrations.0002_streams_and_anchors")
    a, b = two_tickets
    executor = MigrationExecutor(connection)
    executor.migrate([("timeline", "0001_initial")])
    old = executor.loader.project_state([("timeline", "0001_initial")]).apps
    OldEvent = old.get_model("timeline", "Event")
    prev = GENESIS
    for i, ticket_id in enumerate([a.pk, b.pk, a.pk, None]):
        event = OldEvent(kind=KIND, ticket_id=ticket_id, parcel_id=a.parcel_id, comment=str(i), data={})
        event.created_at = timezone.now()
        event.prev_hash = prev
        event.hash = prev = migration.event_hash(event, prev, with_stream=False)
        event.save()
    Sequence.objects.create(key=migration.OLD_CHAIN_KEY, value=4, text=prev)

    executor = MigrationExecutor(connection)
    executor.migrate([("timeline", "0002_streams_and_anchors")])
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes("timeline"))  # the keys: the legacy chain sealed

    assert not Sequence.objects.filter(key=migration.OLD_CHAIN_KEY).exists()
    heads = dict(StreamHead.objects.values_list("stream", "count"))
    assert heads == {f"ticket:{a.pk}": 2, f"ticket:{b.pk}": 1, f"parcel:{a.parcel_id}": 1}
    report = verify_chain()
    assert report.ok and report.checked == 4
    append_event(kind=KIND, ticket=a)
    assert verify_chain().ok
