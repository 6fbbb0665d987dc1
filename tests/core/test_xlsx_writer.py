"""core.xlsx.write_workbook (core.sheetwriter, streamed): text is never a formula, columns keep their widths,
long text wraps in a tall enough row, the sheet prints as offices print a ledger, and an empty list is a header;
the package is one LibreOffice opens, whatever the text holds."""

import csv
import shutil
import subprocess
import tracemalloc
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook

from core.xlsx import LINE_HEIGHT, write_workbook

TITLE = "整改单台账"
HEADERS = ["序号", "隐患描述", "发现日期"]


def sheet_of(rows, headers=HEADERS, widths=(6, 20, 12), title=TITLE):
    with write_workbook(title, headers, rows, widths) as handle:
        return load_workbook(handle).worksheets[0]


def test_text_that_looks_like_a_formula_stays_text_with_excels_quote_prefix():
    hostile = ["=1+1", '=HYPERLINK("http://evil.example","点我")', "+86 138", "-2", "@SUM(A1)", "\tcmd"]
    sheet = sheet_of([[i, text, None] for i, text in enumerate(hostile, start=1)] + [[99, "电线乱拉", None]])

    for row, text in enumerate(hostile, start=2):
        cell = sheet.cell(row=row, column=2)
        assert cell.data_type == "s" and cell.value == text
        assert cell.quotePrefix, text
    plain = sheet.cell(row=len(hostile) + 2, column=2)
    assert plain.value == "电线乱拉" and not plain.quotePrefix


def test_a_formula_like_header_characters_a_workbook_cannot_hold_and_carriage_returns():
    rows = [[1, "消防\x00通道\x1b堵塞\x0b", None], [2, "\rcmd", None], [3, "\x01=1+1", None], [4, "一\r\n二", None]]
    sheet = sheet_of(rows, headers=["=序号", "隐患描述", "发现日期"])

    assert sheet["A1"].data_type == "s" and sheet["A1"].value == "=序号" and sheet["A1"].quotePrefix
    assert sheet["B2"].value == "消防通道堵塞"
    assert sheet["B3"].value == "\ncmd" and sheet["B3"].quotePrefix  # a leading CR is quoted, then a line break
    assert sheet["B4"].value == "=1+1" and sheet["B4"].quotePrefix
    assert sheet["B5"].value == "一\n二" and sheet.row_dimensions[5].height == 2 * LINE_HEIGHT


def test_header_bold_widths_and_wrapped_rows_as_tall_as_their_lines():
    long = "灭火器过期未检" * 6  # 42 Chinese characters: 84 of width in a 20-wide column
    sheet = sheet_of([[1, "一\n二\n三", None], [2, long, None], [3, "短", None]])

    assert all(cell.font.b for cell in sheet[1])
    assert [sheet.column_dimensions[letter].width for letter in "ABC"] == [6, 20, 12]
    assert sheet["B2"].alignment.wrap_text and sheet["B2"].alignment.vertical == "top"
    assert sheet.row_dimensions[2].height == 3 * LINE_HEIGHT
    assert sheet.row_dimensions[3].height == 5 * LINE_HEIGHT  # 84 / 19 usable characters a line
    assert sheet.row_dimensions[4].height is None


def test_the_sheet_prints_on_a4_landscape_with_the_header_row_on_every_page():
    sheet = sheet_of([[1, "隐患", None], [2, "隐患", None]], title="A&B 台账")

    assert sheet.title == "A&B 台账"
    assert sheet.page_setup.orientation == "landscape" and int(sheet.page_setup.paperSize) == 9
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.page_setup.fitToWidth in (None, 1) and sheet.page_setup.fitToHeight == 0
    assert sheet.print_title_rows == "$1:$1"
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:C3"
    assert sheet.oddHeader.center.text == "A&&B 台账"  # "&&" prints one "&"
    assert sheet.oddHeader.center.size == 14
    assert timezone.localdate().isoformat() in sheet.oddHeader.right.text
    assert "&P" in sheet.oddFooter.center.text and "&N" in sheet.oddFooter.center.text
    assert sheet.page_margins.left == 0.4 and sheet.page_margins.top == 0.6


def test_an_empty_list_is_a_printable_header():
    sheet = sheet_of(iter(()))

    assert [cell.value for cell in sheet[1]] == HEADERS
    assert sheet.max_row == 1 and sheet.auto_filter.ref == "A1:C1"
    assert sheet.print_title_rows == "$1:$1"


def test_dates_numbers_and_labels_keep_their_types():
    moment = datetime(2024, 3, 9, 16, 30, tzinfo=UTC)  # 00:30 on the 10th in Asia/Shanghai
    sheet = sheet_of(
        [[Decimal("1500.50"), gettext_lazy("整改中"), date(2024, 3, 10)], [True, "", moment]],
        headers=["资金", "状态", "日期"],
    )

    assert sheet["A2"].value == 1500.5 and sheet["A3"].value is True
    assert sheet["B2"].value == "整改中" and sheet["B2"].data_type == "s"
    assert sheet["B3"].value is None
    assert sheet["C2"].is_date and sheet["C2"].value.timetuple()[:5] == (2024, 3, 10, 0, 0)
    assert sheet["C2"].number_format == "yyyy-mm-dd"
    assert sheet["C3"].value.timetuple()[:5] == (2024, 3, 10, 0, 30)  # local time, as the list shows it


def test_memory_stays_flat_however_many_tall_rows():
    def peak(count):
        rows = ([i, "一\n二", None] for i in range(count))
        tracemalloc.start()
        try:
            write_workbook(TITLE, HEADERS, rows, (6, 20, 12)).close()
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    # without forgetting each written row's height, 7,500 more tall rows would keep about 2 MB
    assert peak(8000) - peak(500) < 1_000_000
    sheet = sheet_of([[i, "一\n二", None] for i in range(50)])
    assert sheet.row_dimensions[2].height == sheet.row_dimensions[51].height == 2 * LINE_HEIGHT


def test_markup_characters_in_text_header_and_title_are_escaped():
    rows = [[1, "A&B <b>粗</b> > 1 & 2", None], [2, "_x0041_ 不是 A", None], [3, "\ufffe保留\uffff", None]]
    handle = write_workbook("A&B <台账>", ["序号", "<描述>&", "发现日期"], rows, (6, 20, 12))
    with handle, zipfile.ZipFile(handle) as package:
        workbook = package.read("xl/workbook.xml").decode()
        handle.seek(0)
        book = load_workbook(handle)
    sheet = book.worksheets[0]

    assert sheet.title == "A&B <台账>" and book.properties.title == "A&B <台账>"
    assert sheet["B1"].value == "<描述>&"
    assert sheet["B2"].value == "A&B <b>粗</b> > 1 & 2"
    # a literal escape gets Excel's escaped underscore: Excel and LibreOffice show "_x0041_" (openpyxl does
    # not undo it in an inline string)
    assert sheet["B3"].value == "_x005F_x0041_ 不是 A"
    assert sheet["B4"].value == "保留"  # noncharacters XML cannot hold are dropped
    assert sheet.oddHeader.center.text == "A&&B <台账>"
    # Excel's hidden name of the autofilter, beside the print titles
    assert '<definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">' in workbook
    assert "&apos;" not in workbook and "'A&amp;B &lt;台账&gt;'!$A$1:$C$4" in workbook


def test_spaces_long_text_astral_characters_and_empty_rows_survive():
    long = "隐患描述" * 1250  # 5,000 characters
    rows = [
        [1, "  两头有空格 ", None],
        [2, long, None],
        [3, "灭火器 🧯 过期 𠀀", None],
        [None, "", None],
        [5, " ", None],
    ]
    sheet = sheet_of(rows)

    assert sheet["B2"].value == "  两头有空格 "
    assert sheet["B3"].value == long and sheet.row_dimensions[3].height == 408.75  # 409 points in whole pixels
    assert sheet["B4"].value == "灭火器 🧯 过期 𠀀"
    assert [cell.value for cell in sheet[5]] == [None, None, None]  # a row of empties is an empty row
    assert sheet["A6"].value == 5 and sheet["B6"].value == " "
    assert sheet.auto_filter.ref == "A1:C6"


def test_a_text_longer_than_excel_keeps_is_cut_without_splitting_a_character():
    sheet = sheet_of([[1, "a" + "🧯" * 20000, None]])

    text = sheet["B2"].value
    assert len(text.encode("utf-16-le")) // 2 == 32767 and text.endswith("🧯")


def test_a_title_excel_cannot_take_as_a_sheet_name_is_refused():
    with pytest.raises(ValueError, match="cannot name a sheet"):
        write_workbook("隐患/整改", HEADERS, [], (6, 20, 12))


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_reads_the_cells(tmp_path):
    moment = datetime(2024, 3, 9, 16, 30, tzinfo=UTC)
    rows = [
        [1, "A&B <c>\n第二行", date(2024, 3, 10)],
        [2.5, "=1+1", moment],
        [True, "  空格 ", None],
        [4, "_x0041_", ""],
    ]
    with write_workbook(TITLE, HEADERS, rows, (6, 20, 12)) as handle:
        (tmp_path / "ledger.xlsx").write_bytes(handle.read())

    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--headless",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76",  # comma, double quote, UTF-8
            "--outdir",
            str(tmp_path),
            str(tmp_path / "ledger.xlsx"),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    with open(tmp_path / "ledger.csv", encoding="utf-8", newline="") as converted:
        cells = list(csv.reader(converted))

    assert cells == [
        HEADERS,
        ["1", "A&B <c>\n第二行", "2024-03-10"],
        ["2.5", "=1+1", "2024-03-10 0:30:00"],  # yyyy-mm-dd h:mm:ss
        ["TRUE", "  空格 ", ""],
        ["4", "_x0041_", ""],
    ]
