"""The printed 整改通知书 (cases/views/notice.py): Chromium prints it to an A4 PDF, as an inspector prints it
before handing it over on site. One hazard, major, with its plan and a photo: one page, the table whole,
with the 文号, the inspector's signature and the office's seal lines."""

import io
import unicodedata
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from cases import services
from catalogue.choices import Severity
from tests import factories as f
from tests.e2e.flows import sign_in


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def major_ticket(world):
    category = f.HazardCategoryFactory(
        code="E2E-NOTICE",
        name="消防设施器材",
        legal_basis="《中华人民共和国消防法》第十六条、第二十八条；《机关、团体、企业、事业单位消防安全管理规定》第二十一条",
    )
    hazard = services.report_hazard(
        actor=world.inspector,
        category=category,
        description="二号厂房东侧疏散通道堆放纸箱、木托盘等可燃物，安全出口被锁闭，应急照明灯不亮，"
        "车间内灭火器压力不足且已过期，消防栓被货物遮挡",
        severity=Severity.MAJOR,
        enterprise=world.tenant1,
        location_detail="二号厂房一楼东侧",
        photos=[f.photo_upload()],
    )
    ticket = services.create_ticket([hazard], actor=world.manager_all)
    return services.assign_ticket(
        ticket,
        actor=world.manager_all,
        deadline=timezone.localdate() + timedelta(days=7),
        measures="1. 立即清理疏散通道内堆放的可燃物，保持通道畅通；\n2. 营业期间安全出口不得锁闭；\n"
        "3. 更换过期灭火器并每月检查；\n4. 维修应急照明，移除消防栓前的货物。",
        funds=3000,
        responsible_person="张三（生产主管）",
        contingency="整改期间安排专人巡查，二号厂房东侧禁止动火作业，配备临时灭火器4具。",
    )


def test_a_one_hazard_major_notice_prints_on_one_a4_page_with_signature_and_seal_lines(
    world, live_server, page, major_ticket
):
    sign_in(page, live_server, world.manager_all)
    page.goto(live_server.url + reverse("cases:ticket_notice", args=[major_ticket.pk]))
    page.emulate_media(media="print")

    pdf = PdfReader(io.BytesIO(page.pdf(format="A4")))

    # NFKC: the PDF's CJK font maps a few characters (文) to their Kangxi radical look-alikes (⽂)
    text = unicodedata.normalize("NFKC", "".join(p.extract_text() for p in pdf.pages)).replace(" ", "")
    assert len(pdf.pages) == 1, f"{len(pdf.pages)} pages: the last holds {pdf.pages[-1].extract_text()[:200]!r}"
    for words in ("文号：", major_ticket.number, "检查人员（签名）：", "检查单位（盖章）：", "被检查单位签收："):
        assert unicodedata.normalize("NFKC", words) in text, words
    assert "扫码查看案件办理进度" in text  # the QR code's caption is on the page
    # the table is whole: its right border lies inside the page's printable area
    table = page.locator(".c-notice-table").bounding_box()
    article = page.locator(".c-notice").bounding_box()
    assert table["x"] + table["width"] <= article["x"] + article["width"] + 0.5
