"""The ledgers as a clerk prints them: the .xlsx converted to PDF by LibreOffice (soffice --headless), as
Excel or WPS would print it with the workbook's own page setup.

Needs LibreOffice Calc (``apt-get install libreoffice-calc-nogui``; .ci/run installs it): without it the
test skips, and in CI a skipped test fails the run (tests/conftest.py).
"""

import io
import shutil
import subprocess

import pytest
from django.urls import reverse
from pypdf import PdfReader

from cases import services
from tests import factories as f

pytestmark = pytest.mark.django_db

A4_LONG, A4_SHORT = 842, 595  # points
LAST_LINE = "整改完成后报网格员复查销号"


def soffice():
    path = shutil.which("soffice") or shutil.which("libreoffice")
    if path is None:
        pytest.skip("needs LibreOffice (soffice): apt-get install libreoffice-calc-nogui")
    return path


def to_pdf(content, tmp_path):
    source = tmp_path / "ledger.xlsx"
    source.write_bytes(content)
    profile = tmp_path / "lo-profile"  # a profile of its own: parallel conversions do not share a lock
    done = subprocess.run(
        [
            soffice(),
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    target = tmp_path / "ledger.pdf"
    assert done.returncode == 0 and target.exists(), done.stdout + done.stderr
    return PdfReader(io.BytesIO(target.read_bytes()))


@pytest.mark.parametrize("url_name", ["cases:ticket_export", "cases:hazard_export"])
def test_a_printed_ledger_is_a4_landscape_and_shows_every_line_of_a_long_cell(client, world, tmp_path, url_name):
    lines = [f"第{n}处：二号厂房东侧消防通道堆放纸箱、木托盘等可燃杂物，占用疏散通道" for n in range(1, 6)]
    description = "\n".join([*lines, LAST_LINE])
    hazard = services.report_hazard(
        actor=world.inspector, category=f.HazardCategoryFactory(code="P1"), description=description,
        enterprise=world.tenant1,
    )  # fmt: skip
    services.create_ticket([hazard], actor=world.manager)
    client.force_login(world.manager)
    response = client.get(reverse(url_name))
    assert response.status_code == 200

    pdf = to_pdf(b"".join(response.streaming_content), tmp_path)

    for page in pdf.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        if page.rotation in (90, 270):
            width, height = height, width
        assert width > height  # landscape
        assert abs(width - A4_LONG) < 3 and abs(height - A4_SHORT) < 3  # A4
    text = "".join(page.extract_text() for page in pdf.pages).replace(" ", "").replace("\n", "")
    assert LAST_LINE in text  # the cell wraps: its last line is printed, not cut off
    assert lines[0].replace(" ", "") in text
