"""The English catalogue: complete, placeholders intact, and used by the pages.

msgids are Chinese (the default language shows them as they are); English comes from
locale/en/LC_MESSAGES/django.po, compiled to .mo by the session fixture in conftest.py.
After adding strings, refresh the catalogue, translate the new entries, and run this file:

    python manage.py makemessages -l en --ignore=.venv --ignore=var --ignore=static/vendor \
        --ignore=node_modules --ignore=tests --no-obsolete
"""

import re
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from inspections.choices import EscalationLevel, TicketStatus

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
