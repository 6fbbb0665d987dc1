"""What the briefing and the reminders say on each channel, and how one message is sent.

* e-mail: HTML and plain-text bodies in the recipient's language (Chinese unless
  ``user.language`` is 'en'), the briefing's tables as an .xlsx attachment;
* group robots (``REPORT_WEBHOOK_URLS``): WeCom ``{"msgtype": "markdown", "markdown": {"content": …}}``
  or DingTalk ``{"msgtype": "markdown", "markdown": {"title": …, "text": …}}``, told apart by the URL
  (``qyapi.weixin`` → WeCom, ``dingtalk`` → DingTalk, anything else → WeCom's format), POSTed with
  ``requests`` (10 s timeout). A robot answers 200 with ``{"errcode": 0}``; anything else is a failure.

Which messages exist and whether each was sent is kept in Delivery rows (briefing.delivery).
"""

from __future__ import annotations

import hashlib
import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import NoReverseMatch
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.models import User
from briefing import reports
from briefing.channels.robots import safe_url  # noqa: F401 (notifications.safe_url: what logs and pages show)
from briefing.workbook import XLSX_TYPE, report_filename, report_workbook  # noqa: F401 (notifications.*)

logger = logging.getLogger(__name__)

WECOM, DINGTALK = "wecom", "dingtalk"
EMAIL = "email"
WECOM_LIMIT = 4000  # bytes of markdown content WeCom accepts (4096), with room to spare
DINGTALK_LIMIT = 18000


def language_of(user):
    """The language to write to ``user`` in: theirs when set, else the site's (Chinese)."""
    language = getattr(user, "language", "") or settings.LANGUAGE_CODE
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def message_id(key):
    """A Message-ID fixed by the delivery key: a resent copy carries the same id, so mail clients and
    archives can tell it is the same message."""
    domain = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"


# --- who gets the briefing ---------------------------------------------------------------------------


def report_recipients():
    """``[(user, scopes)]``: active leaders, and managers who opted in, with an e-mail address.
    A user responsible for the whole area gets the whole area's report; one with zones, one report
    per zone; one with neither, none (scope fails closed)."""
    users = (
        User.objects.filter(is_active=True)
        .exclude(email="")
        .filter(Q(role=Role.LEADER) | Q(role=Role.MANAGER, receives_daily_report=True))
        .prefetch_related("zones")
        .order_by("pk")
    )
    result = []
    for user in users:
        if user.whole_area:
            scopes = [reports.ALL]
        else:
            scopes = [reports.zone_scope(pk) for pk in sorted(zone.pk for zone in user.zones.all())]
        if scopes:
            result.append((user, scopes))
    return result


# --- the briefing by e-mail ------------------------------------------------------------------------------


def report_email(report, *, to, language, key):
    """The briefing of one report for one address, in ``language``, with the .xlsx attached."""
    data = report.data
    with translation.override(language):
        message = EmailMultiAlternatives(
            subject=reports.subject(data, language),
            body=reports.render_text(data, language),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[to],
            headers={"Message-ID": message_id(key), "Content-Language": language},
        )
        message.attach_alternative(reports.render_html(data, language), "text/html")
        message.attach(report_filename(data, language), report_workbook(data, language), XLSX_TYPE)
    return message


# --- the briefing to group robots -------------------------------------------------------------------


def webhook_kind(url):
    host = (urlsplit(url).hostname or "").lower()
    if "dingtalk" in host or "dingtalk" in url.lower():
        return DINGTALK
    return WECOM  # qyapi.weixin.qq.com, and the default format


def webhook_markdown(data, language=None):
    with translation.override(language or settings.LANGUAGE_CODE):
        return render_to_string("briefing/email/daily_report_webhook.md", reports.presentation(data)).strip()


def _truncate(text, limit):
    """At most ``limit`` UTF-8 bytes, cut at a line."""
    if len(text.encode("utf-8")) <= limit:
        return text
    lines, size, kept = text.splitlines(), 0, []
    for line in lines:
        size += len(line.encode("utf-8")) + 1
        if size > limit - 8:
            break
        kept.append(line)
    return "\n".join(kept + ["……"])


def webhook_payload(kind, data, language=None):
    text = webhook_markdown(data, language)
    if kind == DINGTALK:
        title = reports.subject(data, language)
        return {"msgtype": "markdown", "markdown": {"title": title, "text": _truncate(text, DINGTALK_LIMIT)}}
    return {"msgtype": "markdown", "markdown": {"content": _truncate(text, WECOM_LIMIT)}}


# --- reminders --------------------------------------------------------------------------------------


def ticket_url(ticket):
    try:
        return settings.SITE_URL + ticket.get_absolute_url()
    except NoReverseMatch:
        return settings.SITE_URL + "/"


def deadline_reminder_email(ticket, *, to, language, key, today):
    """To whoever fixes ``ticket``: its deadline is near (or today)."""
    context = {
        "ticket": ticket,
        "days_left": (ticket.deadline - today).days,
        "url": ticket_url(ticket),
        "responsible": ticket.responsible_name,
    }
    with translation.override(language):
        if context["days_left"] <= 0:
            subject = _("整改单 %(number)s 今天到期") % {"number": ticket.number}
        else:
            subject = _("整改单 %(number)s 还有 %(days)d 天到期") % {
                "number": ticket.number,
                "days": context["days_left"],
            }
        return _email(subject, "briefing/email/deadline_reminder", context, to=to, language=language, key=key)


def landlord_overdue_email(tickets, *, to, language, key, today):
    """To a landlord: the overdue tickets of tenants on their parcels."""
    rows = [
        {
            "ticket": t,
            "days_overdue": (today - t.deadline).days,
            "url": ticket_url(t),
            "responsible": t.responsible_name,
        }
        for t in tickets
    ]
    with translation.override(language):
        subject = _("您名下宗地有 %(count)d 张租户整改单已逾期") % {"count": len(rows)}
        return _email(subject, "briefing/email/landlord_overdue", {"rows": rows, "today": today},
                      to=to, language=language, key=key)  # fmt: skip


def _email(subject, template, context, *, to, language, key):
    context = {**context, "site_url": settings.SITE_URL}
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"{template}.txt", context).strip() + "\n",
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={"Message-ID": message_id(key), "Content-Language": language},
    )
    message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    return message


def tickets_due(today, days):
    """Assigned tickets whose deadline is between today and ``days`` days from now."""
    from cases.models import Ticket

    return Ticket.objects.due_soon(today, days)
