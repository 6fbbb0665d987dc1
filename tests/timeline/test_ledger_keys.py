"""The ledger insiders cannot quietly rewrite: the chain is an HMAC under a key kept outside the database
(rotatable, its id on each event and anchor), the database refuses UPDATE and DELETE on the ledger, and
``verify_events`` names what an insider without the key changed, and every key it lacks."""

import hashlib
import importlib
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test import override_settings
from django.utils import timezone

from core.dates import day_start
from tests import factories as f
from timeline.chain import (
    GENESIS,
    anchor_day,
    append_event,
    bulk_append,
    canonical,
    compute_hash,
    verify_chain,
)
from timeline.models import Event, LedgerSeal, StreamHead

from .tampering import tamper

pytestmark = pytest.mark.django_db

KIND = "inspections.ticket.commented"
KEY_ONE = "k2025", "first-ledger-secret-0123456789"
KEY_TWO = "k2026", "second-ledger-secret-9876543210"
BASE_DIR = settings.BASE_DIR


def days_ago(n, hours=10):
    return day_start(timezone.localdate() - timedelta(days=n)) + timedelta(hours=hours)


def keys(*pairs, current=None):
    """override_settings for these ledger keys (the last one current unless ``current``)."""
    return override_settings(LEDGER_KEYS=dict(pairs), LEDGER_KEY_ID=current or pairs[-1][0], LEDGER_KEY_FILE="")


def refused(statement, params=()):
    """The statement, run as the project's own database user, fails; the transaction goes on."""
    with pytest.raises(DatabaseError) as failed, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, params)
    return str(failed.value)


def rewrite_stream(stream, edited_pk, comment, *, legacy=False):
    """What an insider without the key does after editing an event: hash the whole stream again with the
    project's own function (under whatever key they have, or as plain SHA-256) and move the head."""
    tamper("UPDATE timeline_event SET comment = %s WHERE id = %s", [comment, edited_pk])
    prev = Event.objects.get(pk=edited_pk).prev_hash
    for event in Event.objects.filter(stream=stream, pk__gte=edited_pk).order_by("pk"):
        if legacy:
            event.key_id = ""
        new = compute_hash(event, prev)
        tamper(
            "UPDATE timeline_event SET prev_hash = %s, hash = %s, key_id = %s WHERE id = %s",
            [prev, new, event.key_id, event.pk],
        )
        prev = new
    tamper("UPDATE timeline_streamhead SET head = %s WHERE stream = %s", [prev, stream])


# --- the key --------------------------------------------------------------------------------------


def test_events_and_anchors_are_chained_under_the_current_key(db):
    ticket = f.TicketFactory()
    with keys(KEY_ONE):
        first = append_event(kind=KIND, ticket=ticket, comment="已通知", created_at=days_ago(2))
        anchor, _ = anchor_day(timezone.localdate() - timedelta(days=2))
        [second] = bulk_append([Event(kind=KIND, ticket=ticket, comment="已复查", created_at=days_ago(1))])

        assert (first.key_id, second.key_id, anchor.key_id) == ("k2025", "k2025", "k2025")
        stored = Event.objects.get(pk=first.pk)
        assert stored.hash == compute_hash(stored, GENESIS)
        # not the plain SHA-256 anyone can recompute
        assert stored.hash != hashlib.sha256((GENESIS + canonical(stored)).encode()).hexdigest()
        report = verify_chain()
        assert report.ok and report.checked == 2 and report.anchors == 1


def test_an_insider_without_the_key_who_rewrites_an_event_and_its_chain_is_named(db, capsys):
    ticket = f.TicketFactory()
    with keys(KEY_ONE):
        append_event(kind=KIND, ticket=ticket, comment="企业已整改")
        edited = append_event(kind=KIND, ticket=ticket, comment="复查合格")
        append_event(kind=KIND, ticket=ticket, comment="销号")
        assert verify_chain().ok

    with keys(("k2025", "a-guessed-secret-that-is-wrong")):  # the right key id, not its secret
        rewrite_stream(edited.stream, edited.pk, "复查不合格")
    with keys(KEY_ONE):
        report = verify_chain()
        assert (report.ok, report.code, report.broken_at, report.stream) == (False, "content", edited.pk, edited.stream)
        with pytest.raises(CommandError) as failed:
            call_command("verify_events")
        assert f"第 {edited.pk} 号事件" in str(failed.value) and edited.stream in str(failed.value)


def test_stripping_the_key_to_plain_sha256_is_named(db):
    ticket = f.TicketFactory()
    with keys(KEY_ONE):
        append_event(kind=KIND, ticket=ticket)
        edited = append_event(kind=KIND, ticket=ticket, comment="原始记录")
    rewrite_stream(edited.stream, edited.pk, "改写的记录", legacy=True)  # as before the keys: needs none
    with keys(KEY_ONE):
        report = verify_chain()
        assert (report.ok, report.code, report.broken_at) == (False, "unkeyed", edited.pk)
        with pytest.raises(CommandError, match="未用台账密钥签名"):
            call_command("verify_events")


# --- rotation and unknown keys ----------------------------------------------------------------------


def test_events_and_anchors_under_two_keys_verify_and_a_missing_key_is_reported(db):
    a, b = f.TicketFactory(), f.TicketFactory()
    with keys(KEY_ONE):
        old = [append_event(kind=KIND, ticket=t, created_at=days_ago(3)) for t in (a, b)]
        old_anchor, _ = anchor_day(timezone.localdate() - timedelta(days=3))
    with keys(KEY_ONE, KEY_TWO):  # rotated: the new key is current, the old one still listed
        new = [append_event(kind=KIND, ticket=t, created_at=days_ago(2)) for t in (a, b)]
        new_anchor, _ = anchor_day(timezone.localdate() - timedelta(days=2))
        append_event(kind=KIND, ticket=a)
        assert [e.key_id for e in old + new] == ["k2025", "k2025", "k2026", "k2026"]
        assert (old_anchor.key_id, new_anchor.key_id) == ("k2025", "k2026")
        assert new[0].prev_hash == old[0].hash  # one chain across the rotation
        report = verify_chain()
        assert report.ok and report.checked == 5 and report.anchors == 2 and report.missing_keys == ()
        call_command("verify_events")

    with keys(KEY_TWO):  # the old key dropped from the settings too early
        report = verify_chain()
        assert (report.ok, report.code, report.key_id, report.broken_at) == (False, "key", "k2025", old[0].pk)
        assert report.missing_keys == ("k2025",)
        with pytest.raises(CommandError) as failed:
            call_command("verify_events")
        assert "台账密钥 k2025 未配置" in str(failed.value) and "未配置的台账密钥：k2025" in str(failed.value)


def test_an_unknown_key_id_on_an_event_is_reported(db):
    ticket = f.TicketFactory()
    with keys(KEY_ONE, ("k-lost", "a-key-that-was-never-kept-0000")):
        append_event(kind=KIND, ticket=ticket)
    with keys(KEY_ONE):
        report = verify_chain()
        assert (report.code, report.key_id, report.missing_keys) == ("key", "k-lost", ("k-lost",))


def test_a_deployment_must_set_the_ledger_keys(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DJANGO_ALLOW_ASYNC", "LEDGER_"))}
    env.update(
        DATABASE_URL="postgres://tracker@127.0.0.1:5432/tracker", SECRET_KEY="x" * 50, VAR_DIR=str(tmp_path / "var")
    )
    env.pop("DEBUG", None)
    code = "import django; django.setup()"
    done = subprocess.run([sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True)
    assert done.returncode != 0 and "LEDGER_KEYS must be set" in done.stderr

    env["LEDGER_KEYS"] = "k1:short"
    done = subprocess.run([sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True)
    assert done.returncode != 0 and "shorter than 16" in done.stderr

    env["LEDGER_KEYS"], env["LEDGER_KEY_ID"] = f"{KEY_ONE[0]}:{KEY_ONE[1]},{KEY_TWO[0]}:{KEY_TWO[1]}", "k2025"
    show = (
        code + "; from timeline.keys import current_key_id, ledger_keys; print(current_key_id(), sorted(ledger_keys()))"
    )
    done = subprocess.run([sys.executable, "-c", show], cwd=BASE_DIR, env=env, capture_output=True, text=True)
    assert done.stdout.strip() == "k2025 ['k2025', 'k2026']", done.stderr


def test_the_embedded_run_makes_its_key_once_in_var_dir(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DJANGO_ALLOW_ASYNC", "LEDGER_"))}
    env.pop("DATABASE_URL", None)
    env.update(VAR_DIR=str(tmp_path / "var"), SECRET_KEY="x" * 50)
    show = "import django; django.setup(); from timeline.keys import current_key_id, ledger_keys; print(current_key_id(), ledger_keys()[current_key_id()])"

    def key():
        done = subprocess.run([sys.executable, "-c", show], cwd=BASE_DIR, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    first = key()
    assert first.startswith("local-") and key() == first  # made once, then read
    key_file = tmp_path / "var" / "ledger_key"
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"


# --- the database refuses (PostgreSQL) ---------------------------------------------------------------


@pytest.fixture
def ledger(db):
    ticket = f.TicketFactory()
    first = append_event(kind=KIND, ticket=ticket, comment="原始记录", created_at=days_ago(2))
    anchor, _ = anchor_day(timezone.localdate() - timedelta(days=2))
    second = append_event(kind=KIND, ticket=ticket, comment="第二条")
    return first, second, anchor


def test_the_database_refuses_update_and_delete_on_the_ledger(require_postgres, ledger):
    first, second, anchor = ledger
    stream = first.stream

    assert "append-only" in refused("UPDATE timeline_event SET comment = %s WHERE id = %s", ["改过的记录", first.pk])
    assert "append-only" in refused("DELETE FROM timeline_event WHERE id = %s", [second.pk])
    assert "append-only" in refused("UPDATE timeline_dailyanchor SET root = %s WHERE id = %s", ["f" * 64, anchor.pk])
    assert "append-only" in refused("DELETE FROM timeline_dailyanchor WHERE id = %s", [anchor.pk])
    # a head only moves forward, to an event of its stream
    assert "only moves forward" in refused(
        "UPDATE timeline_streamhead SET head = %s, count = 1 WHERE stream = %s", [first.hash, stream]
    )
    assert "only moves forward" in refused(
        "UPDATE timeline_streamhead SET head = %s, count = 3 WHERE stream = %s", ["e" * 64, stream]
    )
    assert "only moves forward" in refused("UPDATE timeline_streamhead SET count = 5 WHERE stream = %s", [stream])
    assert "append-only" in refused("DELETE FROM timeline_streamhead WHERE stream = %s", [stream])

    assert Event.objects.get(pk=first.pk).comment == "原始记录" and Event.objects.count() == 2
    assert StreamHead.objects.get(stream=stream).count == 2
    append_event(kind=KIND, ticket=first.ticket)  # the application goes on appending
    assert verify_chain().ok


def test_the_apps_role_without_update_and_delete_grants_works_and_cannot_rewrite(require_postgres, ledger):
    """The role of README "Deploying on several machines": the app appends, anchors and verifies; the
    grants refuse UPDATE, DELETE and TRUNCATE on the ledger before any trigger."""
    first, _second, _anchor = ledger
    with connection.cursor() as cursor:
        cursor.execute("CREATE ROLE tracker_app_test NOLOGIN")
        cursor.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO tracker_app_test")
        cursor.execute("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO tracker_app_test")
        cursor.execute(
            "REVOKE UPDATE, DELETE, TRUNCATE ON timeline_event, timeline_dailyanchor, timeline_ledgerseal "
            "FROM tracker_app_test"
        )
        cursor.execute("REVOKE DELETE, TRUNCATE ON timeline_streamhead FROM tracker_app_test")
        cursor.execute("SET LOCAL ROLE tracker_app_test")
    try:
        append_event(kind=KIND, ticket=first.ticket, comment="以应用账号写入")
        anchor_day(timezone.localdate() - timedelta(days=1))
        assert verify_chain().ok
        for statement in (
            "UPDATE timeline_event SET comment = 'x'",
            "DELETE FROM timeline_event",
            "TRUNCATE timeline_event CASCADE",
            "UPDATE timeline_dailyanchor SET root = 'x'",
            "DELETE FROM timeline_streamhead",
        ):
            assert "permission denied" in refused(statement), statement
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")


@pytest.mark.django_db(transaction=True)
def test_the_demo_reset_empties_the_ledger_past_the_triggers(require_postgres):
    from demo.reset import reset_business_data

    ticket = f.TicketFactory()
    append_event(kind=KIND, ticket=ticket)
    with transaction.atomic():
        reset_business_data()
    assert not Event.objects.exists() and not StreamHead.objects.exists()
    append_event(kind=KIND, ticket=f.TicketFactory())
    assert "append-only" in refused("DELETE FROM timeline_event")  # the triggers are still there
    assert verify_chain().ok


# --- the events from before the keys -----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_events_from_before_the_keys_are_sealed_and_stay_verifiable(db):
    old_chain = importlib.import_module("timeline.migrations.0002_streams_and_anchors")
    a, b = f.TicketFactory(), f.TicketFactory()
    executor = MigrationExecutor(connection)
    target = [("timeline", "0002_streams_and_anchors")]
    executor.migrate(target)
    try:
        old = executor.loader.project_state(target).apps
        OldEvent, OldHead = old.get_model("timeline", "Event"), old.get_model("timeline", "StreamHead")
        heads = {}
        for i, ticket in enumerate([a, b, a]):
            event = OldEvent(kind=KIND, ticket_id=ticket.pk, comment=f"旧记录{i}", data={}, created_at=days_ago(3))
            event.stream = f"ticket:{ticket.pk}"
            count, prev = heads.get(event.stream, (0, GENESIS))
            event.prev_hash, event.hash = prev, old_chain.event_hash(event, prev)
            event.save()
            heads[event.stream] = (count + 1, event.hash)
        for stream, (count, head) in heads.items():
            OldHead.objects.create(stream=stream, head=head, count=count)
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes("timeline"))

    seal = LedgerSeal.objects.get()
    assert (seal.key_id, seal.events, seal.streams) == (settings.LEDGER_KEY_ID, 3, 2)
    assert set(Event.objects.values_list("key_id", flat=True)) == {""}
    assert verify_chain().ok
    newer = append_event(kind=KIND, ticket=a, comment="新记录")  # keyed, chained to the legacy head
    assert newer.key_id == settings.LEDGER_KEY_ID and verify_chain().ok

    # a legacy event rewritten with plain SHA-256 (no key needed) and its stream re-hashed: the seal tells
    only_b = Event.objects.get(ticket=b)
    rewrite_stream(only_b.stream, only_b.pk, "改写的旧记录", legacy=True)
    report = verify_chain()
    assert (report.ok, report.code) == (False, "seal")
    with pytest.raises(CommandError, match="旧链封存记录与事件或锚点不符"):
        call_command("verify_events")


# --- the published anchors -------------------------------------------------------------------------


def test_an_insider_with_the_key_is_caught_by_the_published_anchor(db):
    """Even holding the key, someone who rewrites an event, its stream and the anchors since cannot change
    the copies of the anchor that went out with the briefing: ``verify_events --anchor`` compares them."""
    ticket = f.TicketFactory()
    day = timezone.localdate() - timedelta(days=2)
    edited = append_event(kind=KIND, ticket=ticket, comment="复查合格", created_at=days_ago(2))
    anchor, _ = anchor_day(day)
    published = f"{day.isoformat()}:{anchor.hash}"  # as printed in the daily briefing
    call_command("verify_events", anchor=[published])

    rewrite_stream(edited.stream, edited.pk, "复查不合格")  # with the right key this time
    tamper("DELETE FROM timeline_dailyanchor WHERE id = %s", [anchor.pk])
    forged, _ = anchor_day(day)
    assert verify_chain().ok and forged.hash != anchor.hash  # the database alone looks whole

    with pytest.raises(CommandError) as failed:
        call_command("verify_events", anchor=[published])
    assert "与公布的锚点哈希不符" in str(failed.value) and day.isoformat() in str(failed.value)
    with pytest.raises(CommandError, match="日期:锚点哈希"):
        call_command("verify_events", anchor=["yesterday:abc"])
