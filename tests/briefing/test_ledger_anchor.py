"""Each day's ledger anchor goes out with the daily briefing (mail and group robots): copies outside the
system witness the day's root and anchor hash."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from briefing import tasks
from core.dates import day_start
from tests import factories as f
from timeline.chain import anchor_day, append_event

pytestmark = pytest.mark.django_db


def test_the_briefing_mail_and_webhook_carry_the_days_anchor(world, robot, settings, run):
    yesterday = timezone.localdate() - timedelta(days=1)
    ticket = f.TicketFactory(enterprise=world.tenant1)
    append_event(kind="inspections.ticket.commented", ticket=ticket, created_at=day_start(yesterday))
    anchor_day(yesterday - timedelta(days=1))
    anchor, _ = anchor_day(yesterday)
    settings.REPORT_WEBHOOK_URLS = [robot.url + "/wecom?key=k", robot.url + "/dingtalk?access_token=t"]

    run(tasks.send_daily_report_task, yesterday.isoformat())

    line = f"{anchor.date.isoformat()}，事件 {anchor.events} 条、事件流 {anchor.streams} 条，根哈希 {anchor.root}"
    assert anchor.key_id and anchor.events == 1
    assert mail.outbox, "the briefing went to no one"
    for message in mail.outbox:
        assert "台账锚点：" in message.body and line in message.body, message.body
        assert f"密钥 {anchor.key_id}，锚点哈希 {anchor.hash}" in message.body
        [(html, _type)] = message.alternatives
        assert anchor.hash in html and anchor.root in html
    texts = [p["markdown"].get("content") or p["markdown"].get("text") for p in robot.received]
    assert len(texts) == 2
    for text in texts:
        assert "台账锚点：" in text and line in text and anchor.hash in text, text


def test_the_briefing_in_english_names_the_anchor(world, robot, settings):
    from briefing import reports

    yesterday = timezone.localdate() - timedelta(days=1)
    anchor, _ = anchor_day(yesterday)
    reports.generate_daily_reports(yesterday)
    report = reports.DailyReport.objects.filter(date=yesterday).first()
    text = reports.render_text(report.data, "en")
    assert "Ledger anchor" in text and anchor.hash in text and "台账锚点" not in text
