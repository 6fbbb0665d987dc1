"""A delivery says in the log what became of it: claimed, sent, already sent, busy elsewhere, retried, taken over."""

import logging
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from briefing import delivery, reports
from briefing.choices import DeliveryStatus
from briefing.models import Delivery

DAY = date(2024, 3, 1)
MORNING = datetime(2024, 3, 2, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def email(world, settings):
    """The leader's e-mail of the day's briefing, planned and not sent yet."""
    settings.DELIVERY_LEASE_SECONDS = 60
    reports.generate_daily_reports(DAY, now=MORNING)
    (pk,) = [pk for pk in delivery.plan_report_deliveries(DAY) if Delivery.objects.get(pk=pk).channel == "email"]
    return Delivery.objects.get(pk=pk)


def logged(caplog):
    return [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "briefing.delivery"]


def test_a_first_send_logs_the_claim_and_the_sending(email, caplog):
    with caplog.at_level(logging.INFO, logger="briefing.delivery"):
        delivery.deliver(email.pk)
        delivery.deliver(email.pk)

    assert logged(caplog) == [
        (logging.INFO, f"delivery {email.key} claimed (attempt 1)"),
        (logging.INFO, f"delivery {email.key} sent to {email.recipient}"),
        (logging.INFO, f"delivery {email.key} was sent already: nothing to do"),
    ]


def test_a_retry_names_the_error_it_follows(email, caplog):
    Delivery.objects.filter(pk=email.pk).update(status=DeliveryStatus.FAILED, attempts=1, last_error="SMTPError: busy")

    with caplog.at_level(logging.INFO, logger="briefing.delivery"):
        delivery.deliver(email.pk)

    assert logged(caplog)[0] == (
        logging.INFO,
        f"delivery {email.key} claimed to retry (attempt 2) after: SMTPError: busy",
    )


def test_busy_elsewhere_is_info_and_taking_over_an_abandoned_claim_is_a_warning(email, caplog):
    assert delivery.claim(email.pk)  # another worker holds it

    with caplog.at_level(logging.INFO, logger="briefing.delivery"):
        with pytest.raises(delivery.DeliveryBusy):
            delivery.deliver(email.pk)
        Delivery.objects.filter(pk=email.pk).update(claimed_at=timezone.now() - timedelta(seconds=61))
        delivery.deliver(email.pk)

    (busy, taken_over, sent) = logged(caplog)
    assert busy[0] == logging.INFO and "being sent by another worker" in busy[1]
    assert taken_over == (
        logging.WARNING,
        f"delivery {email.key} claimed again (attempt 2): the previous claim's lease ran out",
    )
    assert sent[1].startswith(f"delivery {email.key} sent to")
