"""The English catalogue: complete, placeholders intact, and used by the pages.

msgids are Chinese (the default language shows them as they are); English comes from
locale/en/LC_MESSAGES/django.po, compiled to .mo by the session fixture in conftest.py.
After adding strings, refresh the catalogue, translate the new entries, and run this file:

    python manage.py makemessages -l en -e html,txt,py,md --ignore=.venv --ignore=var --ignore=static/vendor \
        --ignore=node_modules --ignore=tests --no-obsolete

(``-e … md``: the robot message, templates/briefing/email/daily_report_webhook.md, has strings of its own.)
"""

import re
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from cases.choices import EscalationLevel, TicketStatus

CATALOGUES = sorted(Path(settings.BASE_DIR, "locale", "en", "LC_MESSAGES").glob("*.po"))
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# %(name)s, %(n)d, %(seconds).1f, %s, %d; %% is a literal percent sign.
# Translations that quote the Chinese a user must type into a spreadsheet cell.
KEEPS_CHINESE = {"应填写“是”或“否”。"}
PLACEHOLDER = re.compile(r"%\(\w+\)[#0 +-]*\d*(?:\.\d+)?[sdifr]|%[#0 +-]*\d*(?:\.\d+)?[sdifr]")


def placeholders(text):
    return sorted(PLACEHOLDER.findall(text.replace("%%", "")))


def entries(po):
    return [entry for entry in po if not entry.obsolete]


def test_english_catalogue_exists():
    assert [path.name for path in CATALOGUES][:1] == ["django.po"]


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda path: path.name)
def test_catalogue_is_complete(path):
    po = polib.pofile(str(path))
    untranslated = [entry.msgid for entry in po.untranslated_entries()]
    fuzzy = [entry.msgid for entry in po.fuzzy_entries()]
    plural_gaps = [entry.msgid for entry in entries(po) if entry.msgid_plural and not all(entry.msgstr_plural.values())]

    assert untranslated == [], f"{len(untranslated)} untranslated in {path.name}, e.g. {untranslated[:5]}"
    assert fuzzy == [], f"{len(fuzzy)} fuzzy in {path.name}, e.g. {fuzzy[:5]}"
    assert plural_gaps == []
    assert po.percent_translated() == 100
    assert po.metadata.get("Language") == "en"


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda path: path.name)
def test_translations_keep_placeholders_and_leave_no_chinese(path):
    po = polib.pofile(str(path))
    problems = []
    for entry in entries(po):
        if entry.msgid_plural:
            expected = placeholders(entry.msgid_plural)
            translations = list(entry.msgstr_plural.values())
        else:
            expected = placeholders(entry.msgid)
            translations = [entry.msgstr]
        for text in translations:
            if placeholders(text) != expected:
                problems.append(f"line {entry.linenum}: {entry.msgid!r} -> {text!r}: placeholders differ")
            if CJK.search(text) and entry.msgid not in KEEPS_CHINESE:
                problems.append(f"line {entry.linenum}: {entry.msgid!r} -> {text!r}: Chinese left in translation")
    assert problems == []


def test_key_terms_translate():
    with translation.override("en"):
        assert translation.gettext("整改单") == "Rectification tickets"
        assert translation.gettext("网格员") == "Grid inspector"
        assert translation.gettext("重大隐患") == "Major hazard"
        assert translation.gettext("每日简报") == "Daily briefing"
        assert str(TicketStatus.SUBMITTED.label) == "Awaiting verification"
        assert str(TicketStatus.CLOSED.label) == "Closed out"
        assert str(EscalationLevel.LISTED.label) == "Listed for supervision"
        assert translation.gettext("整改单 %(number)s 还有 %(days)d 天到期") % {"number": "ZG1", "days": 3} == (
            "Rectification ticket ZG1 is due in 3 day(s)"
        )
        assert translation.ngettext("共 %(n)s 张整改单", "共 %(n)s 张整改单", 1) % {"n": 1} == "1 rectification ticket"
        assert translation.ngettext("共 %(n)s 张整改单", "共 %(n)s 张整改单", 2) % {"n": 2} == "2 rectification tickets"
    with translation.override("zh-hans"):
        assert translation.gettext("整改单") == "整改单"


class HeadingsAndButtons(HTMLParser):
    """Collects the visible text of <h1>, <h2> and <button> elements (with the lang attribute of each)."""

    TAGS = {"h1", "h2", "button"}

    def __init__(self):
        super().__init__()
        self.open = []
        self.found = []

    def handle_starttag(self, tag, attrs):
        if tag in self.TAGS:
            self.open.append([tag, dict(attrs).get("lang", ""), ""])

    def handle_endtag(self, tag):
        if tag in self.TAGS and self.open and self.open[-1][0] == tag:
            self.found.append(tuple(self.open.pop()))

    def handle_data(self, data):
        for item in self.open:
            item[2] += data


def visible(html):
    parser = HeadingsAndButtons()
    parser.feed(html)
    # The language switcher names each language in that language ("中文"): it is marked with lang="zh-hans".
    return [(tag, " ".join(text.split())) for tag, lang, text in parser.found if not lang.startswith("zh")]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "how", [{"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"}, {"cookie": "en"}], ids=["accept-language", "cookie"]
)
def test_login_page_in_english(client, how):
    if "cookie" in how:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = how["cookie"]
        response = client.get(reverse("accounts:login"))
    else:
        response = client.get(reverse("accounts:login"), **how)

    assert response.status_code == 200
    html = response.content.decode()
    shown = visible(html)
    assert ("h1", "Safety Hazard Inspection and Rectification System") in shown
    assert ("button", "Sign in") in shown
    assert [text for _tag, text in shown if CJK.search(text)] == []
    assert '<html lang="en"' in html


@pytest.mark.django_db
def test_login_page_stays_chinese_by_default(client):
    response = client.get(reverse("accounts:login"))

    assert ("h1", "安全隐患排查整改系统") in visible(response.content.decode())


# --- whole pages in English --------------------------------------------------------------------------
# With every name and description in the data written in ASCII, an English page must show no Chinese at
# all: whatever Chinese is left comes from a template or from Python, i.e. a string that is not translated
# (or punctuation typed straight into a template, "签发日期：" → "Date issued：").


class VisibleText(HTMLParser):
    """The text a person sees or hears: text nodes (not scripts or styles) and the attributes shown or read out.

    Elements marked lang="zh-…" are skipped (the language switcher names Chinese in Chinese).
    """

    SHOWN_ATTRIBUTES = {"placeholder", "title", "aria-label", "alt", "data-label"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self):
        super().__init__()
        self.stack = []  # (tag, hidden)
        self.texts = []

    @property
    def hidden(self):
        return bool(self.stack) and self.stack[-1][1]

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        hidden = self.hidden or tag in ("script", "style") or (attrs.get("lang") or "").startswith("zh")
        if not hidden:
            for name, value in attrs.items():
                if value and (name in self.SHOWN_ATTRIBUTES or name.startswith("data-msg-")):
                    self.texts.append(f"<{tag} {name}> {value}")
                if value and name == "value" and attrs.get("type") in ("submit", "button"):
                    self.texts.append(f"<{tag} value> {value}")
        if tag not in self.VOID:
            self.stack.append((tag, hidden))

    def handle_endtag(self, tag):
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                break

    def handle_data(self, data):
        if not self.hidden and data.strip():
            self.texts.append(" ".join(data.split()))


# Chinese characters and the full-width punctuation typed with them ("：", "，", "、", "（）", "【】").
CHINESE = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65]")


def chinese_left(html):
    parser = VisibleText()
    parser.feed(html)
    return [text for text in parser.texts if CHINESE.search(text)]


@pytest.fixture
def english_world(world):
    """The ``world`` with every name, description and catalogue text in ASCII, and cases in each state.

    The catalogue (categories, checklists) comes from a data migration in Chinese; it is data, so it
    is renamed here like the rest.
    """
    from django.db.models import F, Value
    from django.db.models.functions import Concat

    from accounts.models import User
    from cases import services
    from catalogue.choices import CategoryLevel, Severity
    from catalogue.models import Checklist, ChecklistItem, HazardCategory
    from closeout import services as closeout_services
    from register.models import Enterprise, Grid, Parcel, Zone
    from tests.factories import photo_upload

    Zone.objects.update(name=Concat(Value("Zone "), F("pk")))
    Grid.objects.update(name=Concat(Value("Grid "), F("pk")))
    Parcel.objects.update(
        name=Concat(Value("Plant "), F("code")), landlord_name="Mr. Landlord", address="1 Industrial Road"
    )
    Enterprise.objects.update(
        name=Concat(Value("Acme Hardware Co. "), F("pk")), legal_representative="Jane Doe", safety_contact="John Doe"
    )
    User.objects.update(first_name=Concat(Value("User "), F("username")), last_name="")
    HazardCategory.objects.update(
        name=Concat(Value("Category "), F("code")), legal_basis="Fire Safety Law, art. 16", standard_measures="Fix it."
    )
    Checklist.objects.update(name=Concat(Value("Checklist "), F("code")))
    ChecklistItem.objects.update(text=Concat(Value("Check item "), F("pk")))
    for name in (
        "zone_a",
        "zone_b",
        "grid_a1",
        "grid_a2",
        "grid_b1",
        "parcel",
        "parcel_a2",
        "tenant1",
        "tenant2",
        "other_a2",
    ):
        getattr(world, name).refresh_from_db()

    enterprise_level = HazardCategory.objects.filter(level=CategoryLevel.ENTERPRISE, active=True).order_by("code")
    parcel_level = HazardCategory.objects.filter(level=CategoryLevel.PARCEL, active=True).order_by("code")
    general, other = enterprise_level[0], enterprise_level[1]
    inspector, manager = world.inspector, world.manager
    deadline = timezone.localdate() + timedelta(days=10)

    def report(category, description, actor=inspector, **unit):
        return services.report_hazard(
            actor=actor, category=category, description=description, location_detail="Workshop 2", **unit
        )

    # An assigned ticket of tenant 1 with two hazards (one major), a comment and an escalation.
    first = report(general, "Extension leads daisy-chained", enterprise=world.tenant1)
    major = report(other, "Fire exit blocked", enterprise=world.tenant1, severity=Severity.MAJOR)
    # Measures given: the default ones quote the categories' names in Chinese brackets (stored text, not UI).
    ticket = services.create_ticket([first, major], actor=manager, measures="Clear the exit.")
    services.assign_ticket(
        ticket,
        actor=manager,
        deadline=deadline,
        funds=1000,
        responsible_person="John Doe",
        contingency="Keep a fire watch.",
    )
    services.comment_ticket(ticket, actor=manager, comment="Called the owner.")
    services.escalate_ticket(ticket, actor=manager, comment="Slow progress.")
    # A landlord's ticket (the parcel's own hazard), waiting to be assigned; a hazard still in the inbox.
    shed = report(parcel_level[0], "Shed built in the yard", parcel=world.parcel)
    landlord_ticket = services.create_ticket([shed], actor=manager, measures="Pull the shed down.")
    report(general, "Loose wiring", enterprise=world.tenant2)
    # Tenant 1's second ticket, rectified and waiting for verification.
    submitted = services.create_ticket(
        [report(other, "No extinguisher", enterprise=world.tenant1)], actor=manager, measures="Buy one."
    )
    services.assign_ticket(submitted, actor=manager, deadline=deadline)
    services.submit_rectification(
        submitted, actor=world.enterprise_user, comment="Bought one.", photos=[photo_upload()]
    )
    # A parcel in grid A2 whose hazards are all rectified, sent to inspector A1 for a cross-check.
    fixed = services.create_ticket(
        [report(general, "Frayed cable", world.inspector_a2, enterprise=world.other_a2)],
        actor=manager,
        measures="Replace it.",
    )
    services.assign_ticket(fixed, actor=manager, deadline=deadline)
    services.submit_rectification(fixed, actor=world.admin, comment="Replaced.", photos=[photo_upload()])
    services.verify_ticket(fixed, actor=world.inspector_a2, passed=True, comment="Fine.")
    world.crosscheck = closeout_services.request_crosscheck(world.parcel_a2, actor=manager, inspector=inspector)
    world.ticket, world.landlord_ticket, world.submitted = ticket, landlord_ticket, submitted
    return world


def english_client(client, user):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "page"),
    [
        ("manager", "ticket"),
        ("manager", "landlord_ticket"),
        ("manager", "notice"),
        ("manager", "ticket_list"),
        ("manager", "hazard_list"),
        ("manager", "desk"),
        ("manager", "desk_pending"),
        ("manager", "home"),
        ("manager", "parcel"),
        ("manager", "enterprise"),
        ("manager", "closeout"),
        ("manager_all", "import"),
        ("manager_all", "dashboard"),
        ("leader", "dashboard"),
        ("leader", "map"),
        ("leader", "reports"),
        ("leader", "report"),
        ("inspector", "home"),
        ("inspector", "submitted"),
        ("inspector", "units"),
        ("inspector", "inspect"),
        ("inspector", "report_hazard"),
        ("inspector", "verify_queue"),
        ("inspector", "crosschecks"),
        ("inspector", "crosscheck"),
        ("enterprise_user", "home"),
        ("enterprise_user", "ticket"),
        ("enterprise_user", "my_tickets"),
        ("enterprise_user", "self_check"),
        ("landlord", "home"),
        ("landlord", "my_tickets"),
    ],
)
def test_english_pages_show_no_chinese(client, english_world, who, page):
    w = english_world
    urls = {
        "ticket": reverse("cases:ticket_detail", args=[w.ticket.pk]),
        "landlord_ticket": reverse("cases:ticket_detail", args=[w.landlord_ticket.pk]),
        "notice": reverse("cases:ticket_notice", args=[w.ticket.pk]),
        "ticket_list": reverse("cases:ticket_list"),
        "hazard_list": reverse("cases:hazard_list"),
        "desk": reverse("cases:desk"),
        "desk_pending": reverse("cases:desk_pending"),
        "home": reverse("home"),
        "my_tickets": reverse("cases:my_tickets"),
        "parcel": reverse("cases:parcel_detail", args=[w.parcel.pk]),
        "enterprise": reverse("cases:enterprise_detail", args=[w.tenant1.pk]),
        "closeout": reverse("closeout:closeout_desk"),
        "import": reverse("register:import"),
        "dashboard": reverse("briefing:dashboard"),
        "submitted": reverse("cases:ticket_detail", args=[w.submitted.pk]),
        "units": reverse("cases:inspector_units"),
        "inspect": reverse("cases:inspection_create", args=["enterprise", w.tenant1.pk]),
        "report_hazard": reverse("cases:hazard_report") + f"?enterprise={w.tenant1.pk}",
        "verify_queue": reverse("cases:verify_queue"),
        "crosschecks": reverse("closeout:crosscheck_list"),
        "crosscheck": reverse("closeout:crosscheck_record", args=[w.crosscheck.pk]),
        "self_check": reverse("cases:self_check"),
        "map": reverse("closeout:map"),
        "reports": reverse("briefing:report_list"),
        "report": reverse("briefing:report_detail", args=[timezone.localdate().isoformat()]),
    }
    if page.startswith("report"):
        from briefing import reports

        reports.generate_daily_reports(timezone.localdate())

    response = english_client(client, getattr(w, who)).get(urls[page])

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en"' in html
    assert chinese_left(html) == []


@pytest.mark.django_db
def test_english_messages_show_no_chinese(english_world):
    """The daily briefing (text, HTML, robot message) and the reminders, for an English reader."""
    from briefing import notifications, reports
    from cases.models import Ticket
    from register.models import RiskTagOption
    from tests import factories as f

    w = english_world
    today = timezone.localdate()
    Ticket.objects.filter(pk=w.ticket.pk).update(deadline=today - timedelta(days=3))
    w.ticket.refresh_from_db()
    f.CampaignFactory(
        name="Hundred-day campaign", start_date=today - timedelta(days=30), risk_tags=list(RiskTagOption.objects.all())
    )
    all_data = reports.build_report_data(today)
    briefings = [all_data["all"], next(data for scope, data in all_data.items() if scope.startswith("zone"))]
    reminder = notifications.deadline_reminder_email(w.ticket, to="a@example.com", language="en", key="r", today=today)
    landlord = notifications.landlord_overdue_email([w.ticket], to="b@example.com", language="en", key="l", today=today)

    texts = [reminder.subject, reminder.body, landlord.subject, landlord.body]
    htmls = [reminder.alternatives[0][0], landlord.alternatives[0][0]]
    for data in briefings:
        texts += [
            reports.subject(data, "en"),
            reports.render_text(data, "en"),
            notifications.webhook_markdown(data, "en"),
        ]
        htmls.append(reports.render_html(data, "en"))

    assert "Hundred-day campaign" in texts[5] and w.ticket.number in texts[5]  # the briefing has every section
    assert [line for text in texts for line in text.splitlines() if CHINESE.search(line)] == []
    assert [text for html in htmls for text in chinese_left(html)] == []
