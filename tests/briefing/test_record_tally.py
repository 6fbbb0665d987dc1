"""The campaign ledgers' tallies (briefing.record_tally) give the dashboard the figures to date that the records
give (drills and person-times, service requests raised, solved and rated, welding devices), through every change
that counts; with the day's and the open requests read from the records, the dashboard's campaign figures equal
``compute_campaign_figures``' for a leader and a manager."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from briefing import campaign_figures, record_tally, unit_tally
from briefing.models import RecordChange, RecordCount
from briefing.views import dashboard
from core.dates import day_start
from ledgers.choices import DeviceStatus
from ledgers.models import Drill, WeldingDevice
from risk.patrols import plan_on
from servicedesk.choices import ServiceRequestStatus as S
from servicedesk.models import ServiceRequest
from tests.briefing.test_campaign_figures import device, drill, request

pytestmark = pytest.mark.django_db


def ledgers(user, *, tallies):
    today = timezone.localdate()
    zone_ids, zone_rows = dashboard.visible_zones(user)
    units = unit_tally.zone_units(user, today, plan_on()) if tallies else None
    return dashboard.campaign_ledgers(user, zone_ids, zone_rows, today, units)


def assert_true(world):
    """The campaign figures from the tallies equal those from the records, for a leader and a manager (zone A),
    and the tallies agree with a fresh count."""
    for user in (world.leader, world.manager):
        assert ledgers(user, tallies=True) == ledgers(user, tallies=False), user.username
    assert record_tally.check() == []
    assert not RecordChange.objects.exists()


def now(days=0):
    return timezone.now() - timedelta(days=days)


def earlier_today():
    """A moment of today before now (whatever the hour the test runs at)."""
    start = day_start(timezone.localdate())
    return start + (timezone.now() - start) / 2


def test_the_tallies_follow_every_change_of_a_record(world):
    w = world
    today = timezone.localdate()
    assert_true(w)

    # drills: earlier ones and one today; person-times corrected, one moved to the other zone, one deleted
    first = drill(w, today - timedelta(days=40), 30, enterprise=w.tenant1)
    drill(w, today - timedelta(days=400), 20, enterprise=w.other_b)
    on_the_day = drill(w, today, 50, grid=w.grid_a2, units=[w.other_a2])
    assert_true(w)
    figures = ledgers(w.leader, tallies=True)["drills"]
    assert (figures["sessions"], figures["person_times"], figures["sessions_day"], figures["person_times_day"]) == (
        3, 100, 1, 50,
    )  # fmt: skip
    Drill.objects.filter(pk=first.pk).update(participants=35)
    Drill.objects.filter(pk=on_the_day.pk).update(zone=w.zone_b, grid=w.grid_b1)
    assert_true(w)
    first.delete()
    assert_true(w)

    # service requests: solved and rated, open and overdue, raised today, closed today; then reopened, re-rated,
    # moved to the other zone, deleted
    solved = request(w, w.tenant1, 1, S.CLOSED, now(30), closed_at=now(25), rating=5)
    request(w, w.other_b, 2, S.CLOSED, now(20), closed_at=earlier_today(), rating=4)
    late = request(w, w.tenant2, 3, S.DISPATCHED, now(15), deadline=today - timedelta(days=5))
    request(w, w.tenant1, 4, S.OPEN, earlier_today())
    answered = request(w, w.other_a2, 5, S.ANSWERED, now(3), deadline=today + timedelta(days=5))
    assert_true(w)
    figures = ledgers(w.leader, tallies=True)["service_requests"]
    assert (figures["raised"], figures["solved"], figures["rated"], figures["rating"]) == (5, 2, 2, "4.5")
    assert (figures["open"], figures["overdue"], figures["raised_day"], figures["solved_day"]) == (3, 1, 1, 1)
    ServiceRequest.objects.filter(pk=answered.pk).update(status=S.CLOSED, closed_at=timezone.now(), rating=3)
    ServiceRequest.objects.filter(pk=solved.pk).update(status=S.OPEN, closed_at=None)
    assert_true(w)
    ServiceRequest.objects.filter(pk=answered.pk).update(rating=1)
    ServiceRequest.objects.filter(pk=late.pk).update(zone=w.zone_b, grid=w.grid_b1)
    assert_true(w)
    late.delete()
    assert_true(w)

    # welding devices: installed, offline, removed
    one = device(w, w.tenant1, 1)
    two = device(w, w.other_b, 2, DeviceStatus.OFFLINE)
    device(w, w.other_a2, 3, DeviceStatus.REMOVED)
    assert_true(w)
    assert ledgers(w.leader, tallies=True)["welding"] == {"devices": 2, "offline": 1}
    WeldingDevice.objects.filter(pk=one.pk).update(status=DeviceStatus.OFFLINE)
    WeldingDevice.objects.filter(pk=two.pk).update(status=DeviceStatus.REMOVED)
    assert_true(w)
    assert ledgers(w.leader, tallies=True)["welding"] == {"devices": 1, "offline": 1}


def test_the_dashboard_folds_a_new_record_in(client, world, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    client.force_login(world.leader)
    url = reverse("briefing:dashboard_data")
    before = client.get(url).json()["ledgers"]["drills"]
    session = drill(world, timezone.localdate(), 12, enterprise=world.other_b)
    assert set(RecordChange.objects.values_list("kind", "record_id")) == {("drill", session.pk)}
    after = client.get(url).json()["ledgers"]["drills"]
    assert (after["sessions"], after["person_times_day"]) == (before["sessions"] + 1, before["person_times_day"] + 12)
    assert not RecordChange.objects.exists()


def test_past_days_and_other_scopes_read_the_records(world):
    """The tallies hold today: the briefing of a past day and an inspector's figures read the records."""
    yesterday = timezone.localdate() - timedelta(days=1)
    assert not unit_tally.serves(world.leader, yesterday) and not unit_tally.serves(world.inspector, yesterday)
    drill(world, yesterday, 10, enterprise=world.tenant1)
    assert campaign_figures.compute_campaign_figures(yesterday).total.drills_day == 1


def test_the_command_rebuilds_and_checks_the_record_tallies(world, capsys):
    drill(world, timezone.localdate(), 10, enterprise=world.tenant1)
    call_command("rebuild_summaries")
    assert "台账记录汇总" in capsys.readouterr().out
    call_command("rebuild_summaries", "--check")
    RecordCount.objects.filter(kind="drill").update(participants=99)
    with pytest.raises(CommandError) as failed:
        call_command("rebuild_summaries", "--check")
    assert "briefing_recordcount" in capsys.readouterr().out and failed.value.returncode == 1
    call_command("rebuild_summaries")
    assert_true(world)
