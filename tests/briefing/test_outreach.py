"""Messages to a ticket's responsible party: the grid's and zone's robots, SMS, the in-app inbox.

The providers are a local server (tests.briefing.providers) that recomputes every signature as the
provider documents it and answers as the provider does. Celery runs eagerly (``run``); the real
worker across a restart is in test_outreach_worker.py.
"""

import base64
import hashlib
import hmac
import json
from datetime import timedelta
from urllib.parse import parse_qs

import pytest
from django.utils import timezone

from briefing import delivery, outreach, tasks
from briefing.channels import robots, sms
from briefing.choices import RobotKind
from briefing.models import Delivery, GroupRobot, InboxMessage, OutreachPreference
from cases import services
from cases.models import Ticket
from tests.briefing.conftest import MOBILE
from tests.briefing.providers import ROBOT_SECRET
from timeline.kinds import EventKind
from timeline.models import Event

pytestmark = pytest.mark.django_db


def party_rows():
    return Delivery.objects.filter(key__startswith="party:").order_by("pk")


def test_an_assignment_reaches_the_grid_robots_the_party_sms_and_inbox_once(
    party, grid_robots, sms_settings, providers, pending_ticket, run
):
    ticket = run(services.assign_ticket, pending_ticket, actor=party.manager)

    url = f"https://tracker.example.com/cases/tickets/{ticket.pk}/"
    # WeCom: a text message @-mentioning the party's mobile, with the link
    (wecom,) = providers.payloads("/wecom")
    assert wecom["msgtype"] == "text" and wecom["text"]["mentioned_mobile_list"] == [MOBILE]
    assert ticket.number in wecom["text"]["content"] and url in wecom["text"]["content"]
    assert "已交办给永康甲五金有限公司" in wecom["text"]["content"]
    # DingTalk (signed): atMobiles and the mobile written in the text
    (dingtalk,) = providers.payloads("/dingtalk")
    assert dingtalk["at"]["atMobiles"] == [MOBILE] and f"@{MOBILE}" in dingtalk["text"]["content"]
    assert url in dingtalk["text"]["content"]
    # Aliyun SMS with the assignment's template and its parameters
    (message,) = providers.payloads("/aliyun/")
    assert (message["PhoneNumbers"], message["TemplateCode"], message["SignName"]) == (
        MOBILE, "SMS_100001", "安全隐患整改",
    )  # fmt: skip
    assert json.loads(message["TemplateParam"]) == {"number": ticket.number, "deadline": ticket.deadline.isoformat()}
    # the inbox
    (inbox,) = InboxMessage.objects.all()
    assert (inbox.user, inbox.ticket, inbox.kind) == (party.enterprise_user, ticket, "assigned")
    # the zone-B robot heard nothing; every signature and format was right
    assert providers.count("/wecom/b", accepted=False) == 0 and providers.problems == []
    rows = party_rows()
    assert sorted(rows.values_list("channel", flat=True)) == ["dingtalk", "inbox", "sms", "wecom"]
    assert set(rows.values_list("status", flat=True)) == {"sent"}

    # Exactly once: delivering again, re-planning the event and the sweep send and create nothing
    assert {delivery.deliver(pk) for pk in rows.values_list("pk", flat=True)} == {delivery.ALREADY_SENT}
    event = Event.objects.get(ticket=ticket, kind=EventKind.TICKET_ASSIGNED)
    assert outreach.plan_event(event.pk) == []
    assert run(tasks.sweep_outreach_task) == 0
    assert [providers.count(p, accepted=False) for p in ("/wecom", "/dingtalk", "/aliyun/")] == [1, 1, 1]
    assert party_rows().count() == 4 and InboxMessage.objects.count() == 1


def test_an_sms_in_tencent_cloud_format_signed_tc3(party, sms_settings, providers, pending_ticket, run):
    sms_settings.SMS_BACKEND = "tencent"
    sms_settings.SMS_ENDPOINT = providers.url("/tencent/")

    ticket = run(services.assign_ticket, pending_ticket, actor=party.manager)

    (message,) = providers.payloads("/tencent/")
    assert message["PhoneNumberSet"] == [f"+86{MOBILE}"]
    assert (message["SmsSdkAppId"], message["SignName"], message["TemplateId"]) == (
        "1400000001", "安全隐患整改", "SMS_100001",
    )  # fmt: skip
    assert message["TemplateParamSet"] == [ticket.number, ticket.deadline.isoformat()]  # in the template's order
    assert providers.problems == []
    sent = Delivery.objects.get(channel="sms")
    assert (sent.status, sent.attempts, sent.recipient) == ("sent", 1, MOBILE)
    assert delivery.deliver(sent.pk) == delivery.ALREADY_SENT
    assert providers.count("/tencent/", accepted=False) == 1


@pytest.mark.parametrize(("backend", "path"), [("aliyun", "/aliyun/"), ("tencent", "/tencent/")])
def test_a_provider_error_answer_is_retried(party, grid_robots, sms_settings, providers, pending_ticket, run,
                                            backend, path):  # fmt: skip
    sms_settings.SMS_BACKEND = backend
    sms_settings.SMS_ENDPOINT = providers.url(path)
    providers.refuse[path] = 1  # 天级流控 / daily limit, once
    providers.refuse["/wecom"] = 2  # api freq out of limit, twice

    run(services.assign_ticket, pending_ticket, actor=party.manager)

    by_channel = {row.channel: row for row in party_rows()}
    assert (by_channel["sms"].status, by_channel["sms"].attempts, by_channel["sms"].last_error) == ("sent", 2, "")
    assert (by_channel["wecom"].status, by_channel["wecom"].attempts) == ("sent", 3)
    assert providers.count(path) == 1 and providers.count(path, accepted=False) == 2
    assert providers.count("/wecom") == 1 and providers.problems == []


def test_a_refusal_that_lasts_leaves_the_message_failed_with_the_providers_words(
    party, sms_settings, providers, pending_ticket, run
):
    providers.refuse["/aliyun/"] = 10

    run(services.assign_ticket, pending_ticket, actor=party.manager)

    failed = Delivery.objects.get(channel="sms")
    assert (failed.status, failed.attempts) == ("failed", 3)  # the first try and DELIVERY_MAX_RETRIES = 2
    assert "isv.BUSINESS_LIMIT_CONTROL" in failed.last_error
    assert Delivery.objects.get(channel="inbox").status == "sent"  # the other channels are not held up


def test_a_signed_feishu_robot(party, providers, pending_ticket, run):
    GroupRobot.objects.create(name="飞书群", kind=RobotKind.FEISHU, grid=party.grid_a1,
                              url=providers.url("/feishu/hook"), secret=ROBOT_SECRET)  # fmt: skip

    ticket = run(services.assign_ticket, pending_ticket, actor=party.manager)

    (message,) = providers.payloads("/feishu/hook")
    assert message["msg_type"] == "text" and ticket.number in message["content"]["text"]
    assert providers.problems == []
    assert Delivery.objects.get(channel="feishu").status == "sent"


def test_rejection_escalation_and_close_out_reach_the_party(party, pending_ticket, run, settings):
    settings.SMS_BACKEND = ""  # SMS off: none planned
    ticket = run(services.assign_ticket, pending_ticket, actor=party.manager)
    photo = __import__("tests.factories", fromlist=["photo_upload"]).photo_upload
    ticket = services.submit_rectification(ticket, actor=party.enterprise_user, comment="已整改", photos=[photo()])
    ticket = run(services.verify_ticket, ticket, actor=party.inspector, passed=False, comment="照片不清楚")
    ticket = run(services.escalate_ticket, ticket, actor=party.manager)
    ticket = services.submit_rectification(ticket, actor=party.enterprise_user, comment="已重新整改", photos=[photo()])
    run(services.verify_ticket, ticket, actor=party.inspector, passed=True)

    kinds = list(InboxMessage.objects.order_by("pk").values_list("kind", flat=True))
    assert kinds == ["assigned", "rejected", "escalated", "closed"]
    texts = [outreach.text(m.kind, m.data) for m in InboxMessage.objects.order_by("pk")]
    assert "验收不通过" in texts[1] and "已被督办" in texts[2] and "已销号" in texts[3]
    assert not Delivery.objects.filter(channel="sms").exists()


def test_the_daily_job_warns_of_a_deadline_two_days_away_and_of_an_overdue_ticket_once(
    party, grid_robots, sms_settings, providers, pending_ticket, run
):
    today = timezone.localdate()
    ticket = services.assign_ticket(pending_ticket, actor=party.manager)  # its own messages are not run here
    Ticket.objects.filter(pk=ticket.pk).update(deadline=today + timedelta(days=2))

    run(tasks.remind_deadlines_task, today.isoformat())
    assert run(tasks.remind_deadlines_task, today.isoformat()) == 0  # once per ticket and deadline

    (inbox,) = InboxMessage.objects.filter(kind="due")
    assert "还有 2 天到期" in outreach.text(inbox.kind, inbox.data)
    (message,) = providers.payloads("/aliyun/")
    assert (message["TemplateCode"], json.loads(message["TemplateParam"])) == (
        "SMS_100003", {"number": ticket.number, "days": "2"},
    )  # fmt: skip
    assert providers.count("/wecom") == 1 and providers.count("/dingtalk") == 1

    # a ticket one day past its deadline: one more message per channel, once
    Ticket.objects.filter(pk=ticket.pk).update(deadline=today - timedelta(days=1))
    run(tasks.remind_deadlines_task, today.isoformat())
    run(tasks.remind_deadlines_task, today.isoformat())
    overdue = InboxMessage.objects.get(kind="overdue")
    assert overdue.data["days"] == 1 and providers.count("/aliyun/") == 2 and providers.count("/wecom") == 2
    assert "已逾期 1 天" in providers.payloads("/wecom")[-1]["text"]["content"]


def test_preferences_sms_off_and_no_mention_in_groups(party, grid_robots, sms_settings, providers, pending_ticket, run):
    OutreachPreference.objects.create(user=party.enterprise_user, sms=False, robots=False, inbox=True)

    run(services.assign_ticket, pending_ticket, actor=party.manager)

    assert providers.count("/aliyun/", accepted=False) == 0
    assert providers.payloads("/wecom")[0]["text"]["mentioned_mobile_list"] == []
    assert providers.payloads("/dingtalk")[0]["at"]["atMobiles"] == []
    assert InboxMessage.objects.filter(user=party.enterprise_user).count() == 1


def test_an_account_without_a_mobile_gets_no_sms(party, sms_settings, providers, pending_ticket, run):
    party.enterprise_user.phone = ""
    party.enterprise_user.save(update_fields=["phone"])

    run(services.assign_ticket, pending_ticket, actor=party.manager)

    assert not Delivery.objects.filter(channel="sms").exists() and InboxMessage.objects.count() == 1


def test_the_sweep_sends_what_an_events_own_trigger_missed(party, grid_robots, sms_settings, providers,
                                                           pending_ticket, run):  # fmt: skip
    # the assignment commits, but its on-commit trigger never runs (the web process died, say)
    services.assign_ticket(pending_ticket, actor=party.manager)
    assert not party_rows().exists()

    assert run(tasks.sweep_outreach_task) == 4
    assert run(tasks.sweep_outreach_task) == 0
    assert providers.count("/wecom") == providers.count("/dingtalk") == providers.count("/aliyun/") == 1
    assert InboxMessage.objects.count() == 1


def test_a_message_planned_but_never_queued_is_requeued_by_the_sweep(party, pending_ticket, run, settings):
    settings.SMS_BACKEND = ""
    services.assign_ticket(pending_ticket, actor=party.manager)
    event = Event.objects.get(kind=EventKind.TICKET_ASSIGNED)
    (planned,) = outreach.plan_event(event)  # planned, and its task lost with the broker
    Delivery.objects.filter(pk=planned).update(created_at=timezone.now() - timedelta(minutes=5))

    assert run(tasks.sweep_outreach_task) == 1
    assert Delivery.objects.get(pk=planned).status == "sent" and InboxMessage.objects.count() == 1


def test_the_aliyun_signature_reproduces_the_documented_examples(settings):
    # dysmsapi's SendSms example (AccessKeyId testId, AccessKeySecret testSecret)
    example = {
        "AccessKeyId": "testId", "Action": "SendSms", "Format": "XML", "OutId": "123", "PhoneNumbers": "15300000001",
        "RegionId": "cn-hangzhou", "SignName": "阿里云短信测试专用", "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466", "SignatureVersion": "1.0",
        "TemplateCode": "SMS_71390007", "TemplateParam": '{"customer":"test"}', "Timestamp": "2017-07-12T02:42:19Z",
        "Version": "2017-05-25",
    }  # fmt: skip
    assert sms.aliyun_signature(example, "testSecret") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="
    # the RPC signature document's DescribeRegions example
    regions = {
        "Format": "XML", "AccessKeyId": "testid", "Action": "DescribeRegions", "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf", "SignatureVersion": "1.0", "Version": "2014-05-26",
        "Timestamp": "2016-02-23T12:46:24Z",
    }  # fmt: skip
    assert sms.aliyun_signature(regions, "testsecret") == "OLeaidS1JvxuMvnyHOwuJ+uX5qY="
    assert sms.percent_encode("a b*~/") == "a%20b%2A~%2F"


def test_dingtalk_signature_is_urlencoded_in_the_query():
    url, _body = robots.signed(
        RobotKind.DINGTALK, "https://oapi.dingtalk.com/robot/send?access_token=t", {}, "SECx", now=1700000000.0
    )
    query = parse_qs(url.split("?", 1)[1])
    assert query["timestamp"] == ["1700000000000"] and query["access_token"] == ["t"]
    digest = hmac.new(b"SECx", b"1700000000000\nSECx", hashlib.sha256).digest()
    assert query["sign"] == [base64.b64encode(digest).decode()]
    raw_sign = url.split("sign=", 1)[1]
    assert not set(raw_sign) & set("+/=")  # base64's characters are percent-encoded in the query


def test_feishu_signature_is_in_the_body():
    _url, body = robots.signed(RobotKind.FEISHU, "https://open.feishu.cn/hook/x", {"msg_type": "text"}, "sec",
                               now=1700000000.9)  # fmt: skip
    digest = hmac.new(b"1700000000\nsec", b"", hashlib.sha256).digest()
    assert body == {"timestamp": "1700000000", "sign": base64.b64encode(digest).decode(), "msg_type": "text"}


def test_a_parcel_closed_out_reaches_its_landlord_and_the_grid_robot(party, grid_robots, providers, pending_ticket,
                                                                     run, settings):  # fmt: skip
    from closeout import services as closeout

    settings.SMS_BACKEND = ""
    settings.SITE_URL = "https://tracker.example.com"
    photo = __import__("tests.factories", fromlist=["photo_upload"]).photo_upload
    ticket = services.assign_ticket(pending_ticket, actor=party.manager)
    ticket = services.submit_rectification(ticket, actor=party.enterprise_user, comment="已整改", photos=[photo()])
    services.verify_ticket(ticket, actor=party.inspector, passed=True)
    crosscheck = closeout.request_crosscheck(party.parcel, actor=party.manager, inspector=party.inspector_b)

    run(closeout.record_crosscheck, crosscheck, actor=party.inspector_b, passed=True)

    (message,) = InboxMessage.objects.filter(kind="parcel_closed")
    assert message.user == party.landlord and message.parcel == party.parcel
    assert outreach.text(message.kind, message.data) == "宗地 中申达1号厂房 交叉检查通过，已销号。"
    assert "中申达1号厂房 交叉检查通过" in providers.payloads("/wecom")[0]["text"]["content"]
    assert providers.count("/dingtalk") == 1 and providers.problems == []
    assert (
        "https://tracker.example.com" + party.parcel.get_absolute_url()
        in providers.payloads("/wecom")[0]["text"]["content"]
    )


def test_the_log_backend_only_writes_the_sms_to_the_log(party, sms_settings, providers, pending_ticket, run, caplog):
    sms_settings.SMS_BACKEND = "log"

    ticket = run(services.assign_ticket, pending_ticket, actor=party.manager)

    assert Delivery.objects.get(channel="sms").status == "sent"
    assert providers.count("/aliyun/", accepted=False) == 0
    assert any(MOBILE in r.getMessage() and ticket.number in r.getMessage() for r in caplog.records)
