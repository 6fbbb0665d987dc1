"""A party's messages through a real `celery worker` on Redis, exactly once across a worker restart.

Follows tests/cases/test_worker.py (whose Worker and helpers this reuses): the database must be one
another process can open (PostgreSQL; skipped otherwise) and Redis must be set (REDIS_URL)."""

import json
import uuid

import pytest
from django.db.models.signals import post_save

from briefing import outreach, signals
from briefing.choices import RobotKind
from briefing.models import Delivery, GroupRobot, InboxMessage
from briefing.tasks import deliver_message_task
from cases import services
from tests.briefing.conftest import MOBILE, TEMPLATES
from tests.briefing.providers import ROBOT_SECRET, SMS_KEY_ID, SMS_KEY_SECRET, Providers
from tests.cases.test_worker import RESULT_TIMEOUT, Worker, shared_database_url, wait_for, worker_env
from timeline.kinds import EventKind
from timeline.models import Event

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def no_trigger():
    """The test publishes to its worker's own queue: the web process's trigger (which would publish to the
    default queue) is off meanwhile."""
    from timeline.models import Event as EventModel

    post_save.disconnect(sender=EventModel, dispatch_uid="briefing.outreach.event_written")
    try:
        yield
    finally:
        signals.connect()


def test_an_assignment_goes_to_the_robots_and_by_sms_once_across_a_worker_restart(
    party, redis_url, tmp_path, no_trigger
):
    shared_database_url()  # skips unless a worker can open this database
    queue = f"outreach-{uuid.uuid4().hex[:10]}"
    templates = tmp_path / "sms-templates.json"
    templates.write_text(json.dumps(TEMPLATES), encoding="utf-8")
    with Providers() as providers:
        env = worker_env(
            tmp_path, queue, REDIS_URL=redis_url, SMS_BACKEND="aliyun", SMS_ENDPOINT=providers.url("/aliyun/"),
            SMS_ACCESS_KEY_ID=SMS_KEY_ID, SMS_ACCESS_KEY_SECRET=SMS_KEY_SECRET, SMS_SIGN_NAME="安全隐患整改",
            SMS_TEMPLATES_FILE=templates, SITE_URL="https://tracker.example.com",
        )  # fmt: skip
        GroupRobot.objects.create(name="A1 群", kind=RobotKind.WECOM, grid=party.grid_a1,
                                  url=providers.url("/wecom?key=k"))  # fmt: skip
        GroupRobot.objects.create(name="中申达群", kind=RobotKind.DINGTALK, zone=party.zone_a,
                                  url=providers.url("/dingtalk?access_token=t"), secret=ROBOT_SECRET)  # fmt: skip
        hazard = services.report_hazard(actor=party.inspector, category=party.category, description="电线私拉乱接",
                                        enterprise=party.tenant1)  # fmt: skip
        ticket = services.assign_ticket(services.create_ticket([hazard], actor=party.manager), actor=party.manager)
        event = Event.objects.get(ticket=ticket, kind=EventKind.TICKET_ASSIGNED)
        with pytest.MonkeyPatch.context() as patch:  # this process plans as the worker's settings would
            patch.setattr("django.conf.settings.SMS_BACKEND", "aliyun")
            patch.setattr("django.conf.settings.SMS_TEMPLATES", TEMPLATES)
            planned = outreach.plan_event(event.pk)
        assert len(planned) == 4

        first, second = Worker(tmp_path, env, queue, "first"), Worker(tmp_path, env, queue, "second")
        try:
            first.start()
            for pk in planned:
                deliver_message_task.apply_async(args=[pk], queue=queue)
            wait_for(lambda: Delivery.objects.filter(pk__in=planned, status="sent").count() == 4, RESULT_TIMEOUT,
                     "the four messages sent", first)  # fmt: skip
            first.stop()

            # a new worker, the same tasks again (as a redelivery or the sweep would queue them): nothing more
            second.start()
            for pk in planned:
                deliver_message_task.apply_async(args=[pk], queue=queue)
            wait_for(lambda: second.log().count("'already_sent'") == 4, RESULT_TIMEOUT, "the repeats to finish", second)
            with pytest.MonkeyPatch.context() as patch:
                patch.setattr("django.conf.settings.SMS_BACKEND", "aliyun")
                patch.setattr("django.conf.settings.SMS_TEMPLATES", TEMPLATES)
                assert outreach.plan_event(event.pk) == []  # re-planning creates nothing
        finally:
            first.stop()
            second.stop()

        assert [providers.count(p) for p in ("/wecom", "/dingtalk", "/aliyun/")] == [1, 1, 1]
        assert [providers.count(p, accepted=False) for p in ("/wecom", "/dingtalk", "/aliyun/")] == [1, 1, 1]
        assert providers.problems == []
        assert providers.payloads("/wecom")[0]["text"]["mentioned_mobile_list"] == [MOBILE]
        assert ticket.number in providers.payloads("/dingtalk")[0]["text"]["content"]
        assert InboxMessage.objects.filter(user=party.enterprise_user, ticket=ticket).count() == 1
        assert set(Delivery.objects.filter(pk__in=planned).values_list("attempts", flat=True)) == {1}
