"""The nightly verify_events: scheduled by beat, its last result kept, shown on the admin index and to
managers and leaders (a banner on every page while it is a failure; a line on the leader's home when OK)."""

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from config.celery import app
from core.models import CheckResult
from core.tasks import verify_events_task
from tests import factories as f
from timeline.chain import append_event
from timeline.models import Event

BANNER = "时间线校验失败"


def test_beat_runs_verify_events_every_night():
    entries = [
        entry for entry in settings.CELERY_BEAT_SCHEDULE.values() if entry["task"] == "core.tasks.verify_events_task"
    ]
    assert len(entries) == 1
    schedule = entries[0]["schedule"]
    assert len(schedule.hour) == 1 and len(schedule.minute) == 1 and len(schedule.day_of_month) == 31  # once a day
    app.loader.import_default_modules()
    assert "core.tasks.verify_events_task" in app.tasks


@pytest.mark.django_db
def test_a_passing_run_is_kept_and_shown_to_the_leader_and_the_admin(client, world):
    f.HazardFactory(enterprise=world.tenant1)
    assert verify_events_task() is True
    result = CheckResult.objects.get(name="verify_events")
    assert result.ok and "校验通过" in result.message

    client.force_login(world.leader)
    page = client.get(reverse("briefing:dashboard")).content.decode()
    assert "时间线夜间校验通过" in page and BANNER not in page

    client.force_login(world.admin)
    admin_index = client.get(reverse("admin:index")).content.decode()
    assert "最近一次校验通过" in admin_index


@pytest.mark.django_db
def test_a_forged_event_fails_the_nightly_check_and_managers_and_leaders_see_it_on_every_page(client, world):
    ticket = f.TicketFactory()
    genuine = append_event(kind="inspections.ticket.commented", ticket=ticket, comment="genuine")
    # An insider adds an event to a stream with the database's own tools, bypassing the application.
    Event.objects.bulk_create(
        [Event(kind=genuine.kind, ticket=ticket, stream=genuine.stream, prev_hash=genuine.hash,
               hash="f" * 64, created_at=timezone.now(), comment="forged")]
    )  # fmt: skip

    assert verify_events_task() is False
    result = CheckResult.objects.get(name="verify_events")
    assert not result.ok and "时间线校验失败" in result.message

    for user, url in ((world.manager, "/"), (world.manager, reverse("cases:hazard_list")), (world.leader, "/")):
        client.force_login(user)
        response = client.get(url, follow=True)
        assert response.status_code == 200
        assert BANNER in response.content.decode(), (user.username, url)
        assert "时间线夜间校验通过" not in response.content.decode()
    client.force_login(world.inspector)
    assert BANNER not in client.get("/").content.decode()

    client.force_login(world.admin)
    admin_index = client.get(reverse("admin:index")).content.decode()
    assert "最近一次校验失败" in admin_index and result.message in admin_index


@pytest.mark.django_db
def test_the_banner_goes_once_a_later_run_passes(client, world):
    f.HazardFactory(enterprise=world.tenant1)
    CheckResult.objects.create(name="verify_events", ran_at=timezone.now(), ok=False, message="时间线校验失败：测试")
    client.force_login(world.manager)
    assert BANNER in client.get("/").content.decode()
    verify_events_task()
    assert BANNER not in client.get("/").content.decode()


@pytest.mark.django_db
def test_the_banner_and_the_line_in_english(client, world):
    world.manager.language = "en"
    world.manager.save()
    world.leader.language = "en"
    world.leader.save()
    CheckResult.objects.create(name="verify_events", ran_at=timezone.now(), ok=False, message="broken")
    client.force_login(world.manager)
    assert "Timeline verification failed" in client.get("/").content.decode()
    verify_events_task()
    client.force_login(world.leader)
    assert "Nightly timeline verification passed" in client.get(reverse("briefing:dashboard")).content.decode()


@pytest.mark.django_db
def test_an_admin_runs_the_check_again_and_the_banner_goes(client, world):
    CheckResult.objects.create(name="verify_events", ran_at=timezone.now(), ok=False, message="时间线校验失败：测试")
    client.force_login(world.admin)
    response = client.post(
        reverse("admin:core_checkresult_changelist"),
        {"action": "run_again", "_selected_action": ["verify_events"]},
        follow=True,
    )
    assert response.status_code == 200
    assert "校验通过" in response.content.decode()
    assert CheckResult.objects.get(name="verify_events").ok
