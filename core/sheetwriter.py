"""A streaming one-sheet .xlsx: the SpreadsheetML of a ledger written as its rows arrive.

``SheetWriter`` writes each row's XML to a temporary file as it is given (so memory stays flat however
long the list), then packs the workbook: the few parts Excel, LibreOffice and WPS need, the sheet's
print setup (as ``core.xlsx.print_setup`` gives an openpyxl sheet) and the rows, deflated into a zip.
Cells are built by the functions below (``text_cell``, ``number_cell``…), one f-string each: a long
export writes a quarter of a million of them, so there is no cell object and no per-cell check beyond
a few ``in`` tests. The caller decides what a value is (core.xlsx.write_workbook: text is never a
formula); this module only writes it. Strings are inline (``t="inlineStr"``): a shared-string table
would hold every distinct string in memory to the end.
"""

import re
import shutil
import tempfile
import zipfile
from datetime import UTC, date, datetime

from openpyxl.utils import get_column_letter

# The cell formats (cellXfs of styles.xml, by index): a ledger needs no others.
HEADER, HEADER_QUOTED, TEXT, TEXT_QUOTED, DATE, DATETIME, TIME = range(1, 8)

MAX_STRING = 32767  # the most UTF-16 units Excel keeps in a cell
# zlib level of the package: the 25 MB sheet of 9,689 tickets deflates in 0.12 s to 4.45 MB at level 1,
# 0.14 s to 4.07 MB at 3, 0.28 s to 3.21 MB at 6 (the default): half the time for a quarter more bytes
COMPRESS_LEVEL = 3
FLUSH_ROWS = 64  # rows joined in memory before they go to the temporary file

DATE_FORMAT = "yyyy-mm-dd"  # openpyxl's formats for a date and a datetime, kept for the same look
DATETIME_FORMAT = "yyyy-mm-dd h:mm:ss"
TIME_FORMAT = "h:mm:ss"
DIGIT_PIXELS = 7  # the width in pixels of one character of the column width (Calibri 11)
EPOCH_ORDINAL = date(1899, 12, 31).toordinal()  # Excel's day 0 (1900 date system)
INVALID_SHEET_CHARS = frozenset("[]:*?/\\")
_ESCAPED_CHARACTER = re.compile("(_x[0-9a-fA-F]{4}_)")  # how SpreadsheetML escapes a character


def column_letter(index):
    """The letter of the 0-based column ``index`` (A, …, Z, AA, …)."""
    return get_column_letter(index + 1)


def text_cell(ref, text, style):
    """A cell holding ``text`` as a string (never a formula), in cell format ``style``."""
    if "&" in text or "<" in text or ">" in text or "_x" in text:
        text = _escape_text(text)
    if len(text) > MAX_STRING // 2:
        text = _truncate(text)
    if text[0].isspace() or text[-1].isspace():
        return f'<c r="{ref}" s="{style}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'
    return f'<c r="{ref}" s="{style}" t="inlineStr"><is><t>{text}</t></is></c>'


def number_cell(ref, value):
    return f'<c r="{ref}"><v>{value:.16G}</v></c>'


def boolean_cell(ref, value):
    return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'


def date_cell(ref, value):
    """A date as Excel's day number (1900 date system, which counts a 29 February 1900)."""
    days = value.toordinal() - EPOCH_ORDINAL
    return f'<c r="{ref}" s="{DATE}"><v>{days + (days > 59)}</v></c>'


def datetime_cell(ref, value):
    """A naive datetime as Excel's day number and fraction of the day."""
    days = value.toordinal() - EPOCH_ORDINAL
    serial = days + (days > 59) + _day_fraction(value)
    return f'<c r="{ref}" s="{DATETIME}"><v>{serial:.16G}</v></c>'


def time_cell(ref, value):
    return f'<c r="{ref}" s="{TIME}"><v>{_day_fraction(value):.16G}</v></c>'


def _day_fraction(value):
    seconds = value.hour * 3600 + value.minute * 60 + value.second
    return (seconds + value.microsecond / 1e6) / 86400


def _escape_text(text):
    """``text`` as XML character data; a literal ``_xHHHH_`` gets its underscore escaped, as Excel does,
    so that Excel and LibreOffice show it as typed rather than as the character it escapes."""
    if "_x" in text:
        text = _ESCAPED_CHARACTER.sub(r"_x005F\1", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _truncate(text):
    """``text`` cut to what Excel keeps (32,767 UTF-16 units) without splitting a character."""
    if len(text.encode("utf-16-le", "surrogatepass")) // 2 <= MAX_STRING:
        return text
    length = 0
    for index, char in enumerate(text):
        length += 2 if ord(char) > 0xFFFF else 1
        if length > MAX_STRING:
            return text[:index]
    return text


def _escape(text):
    """``text`` escaped for XML character data or a double-quoted attribute."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def sheet_name(title):
    """The sheet's name: the first 31 characters of ``title``, which Excel must accept as a name."""
    name = str(title)[:31] or "Sheet1"
    if INVALID_SHEET_CHARS.intersection(name) or name.startswith("'") or name.endswith("'"):
        raise ValueError(f"{name!r} cannot name a sheet: no []:*?/\\ and no leading or trailing apostrophe.")
    if len(name.encode("utf-16-le", "surrogatepass")) // 2 > 31:
        raise ValueError(f"{name!r} cannot name a sheet: longer than 31 characters.")
    return name


class SheetWriter:
    """One sheet of a workbook, written row by row to a temporary file and packed by ``save``.

    ``widths``: the columns' widths in characters (as a column width of openpyxl or Excel);
    ``header``/``footer``: the page header and footer in Excel's codes (``&C``, ``&P``…)."""

    def __init__(self, title, widths=(), *, header="", footer=""):
        self.title = str(title)
        self.name = sheet_name(self.title)
        self.widths = list(widths)
        self.header, self.footer = header, footer
        self.rows = 0  # rows written
        self.columns = 0  # the widest row's width
        self.filter_columns = 0  # set by ``save``
        self._pending = []
        self._data = tempfile.TemporaryFile()  # noqa: SIM115 - closed by save (or close)

    def add_row(self, cells, height=None, *, columns=0):
        """Add the next row: ``cells`` built by the ``*_cell`` functions for this row (``self.rows + 1``),
        ``height`` in points when the row must be taller than the default, ``columns`` the row's width
        (its empty cells are not in ``cells``) for the sheet's dimension."""
        self.rows += 1
        if columns > self.columns:
            self.columns = columns
        if height:
            height = int(height * 4 / 3 + 0.5) * 0.75  # whole pixels, as Excel keeps it: 409 is 408.75
            self._pending.append(f'<row r="{self.rows}" ht="{height:.16g}" customHeight="1">{"".join(cells)}</row>')
        else:
            self._pending.append(f'<row r="{self.rows}">{"".join(cells)}</row>')
        if len(self._pending) >= FLUSH_ROWS:
            self._flush()

    def _flush(self):
        self._data.write("".join(self._pending).encode("utf-8"))
        self._pending.clear()

    def save(self, handle, *, filter_columns):
        """Write the workbook to the binary file ``handle``, with an autofilter over the first
        ``filter_columns`` columns of every row; the temporary file of rows is closed."""
        self._flush()
        self.filter_columns = filter_columns
        size = self._data.tell()
        self._data.seek(0)
        with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL) as package:
            for name, text in self._parts():
                package.writestr(name, text)
            start, end = self._sheet_xml()
            large = size + len(start) + len(end) >= zipfile.ZIP64_LIMIT  # zipfile must know before it starts
            with package.open("xl/worksheets/sheet1.xml", "w", force_zip64=large) as sheet:
                sheet.write(start)
                shutil.copyfileobj(self._data, sheet)
                sheet.write(end)
        self.close()

    def close(self):
        self._data.close()

    def _sheet_xml(self):
        """(the sheet's XML before its rows, after them) as bytes."""
        last = column_letter(max(self.columns, self.filter_columns, 1) - 1)
        dimension = f"A1:{last}{self.rows}" if self.rows else "A1"
        cols = "".join(
            f'<col min="{index}" max="{index}" width="{_column_width(width):.16g}" customWidth="1"/>'
            for index, width in enumerate(self.widths, start=1)
        )
        start = (
            f"{XML}<worksheet {MAIN_NS} {R_NS}>"
            '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
            f'<dimension ref="{dimension}"/>'
            '<sheetViews><sheetView tabSelected="1" workbookViewId="0">'
            '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
            '<selection pane="bottomLeft"/></sheetView></sheetViews>'
            '<sheetFormatPr defaultRowHeight="15"/>' + (f"<cols>{cols}</cols>" if cols else "") + "<sheetData>"
        )
        autofilter = f'<autoFilter ref="{self._filter_range()}"/>' if self.filter_columns else ""
        end = (
            f"</sheetData>{autofilter}"
            '<printOptions horizontalCentered="1"/>'
            '<pageMargins left="0.4" right="0.4" top="0.6" bottom="0.6" header="0.3" footer="0.3"/>'
            '<pageSetup paperSize="9" fitToHeight="0" orientation="landscape"/>'
            f"<headerFooter><oddHeader>{_escape(self.header)}</oddHeader>"
            f"<oddFooter>{_escape(self.footer)}</oddFooter></headerFooter>"
            "</worksheet>"
        )
        return start.encode("utf-8"), end.encode("utf-8")

    def _filter_range(self, absolute=""):
        """The autofilter's range: the header row and every row under it (``absolute``: "$" for a name)."""
        last = column_letter(self.filter_columns - 1)
        return f"{absolute}A{absolute}1:{absolute}{last}{absolute}{max(self.rows, 1)}"

    def _parts(self):
        """(name, XML) of every part but the sheet."""
        sheet = _escape("'" + self.name.replace("'", "''") + "'")  # as a formula names a sheet
        names = f'<definedName name="_xlnm.Print_Titles" localSheetId="0">{sheet}!$1:$1</definedName>'
        if self.filter_columns:  # Excel keeps an autofilter's range in this hidden name too
            filtered = f"{sheet}!{self._filter_range('$')}"
            names = (
                f'<definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">{filtered}</definedName>'
                + names
            )
        now = _now().strftime("%Y-%m-%dT%H:%M:%SZ")
        return [
            ("[Content_Types].xml", CONTENT_TYPES),
            ("_rels/.rels", PACKAGE_RELS),
            ("docProps/app.xml", APP),
            ("docProps/core.xml", CORE.format(title=_escape(self.title), now=now)),
            ("xl/workbook.xml", WORKBOOK.format(name=_escape(self.name), names=names)),
            ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
            ("xl/styles.xml", STYLES),
        ]


def _column_width(width):
    """The width a column of ``width`` characters is stored with: whole pixels of Calibri 11, as Excel
    sets it (an integral width stays the same)."""
    return (round(width * DIGIT_PIXELS) * 256 // DIGIT_PIXELS) / 256


def _now():
    return datetime.now(UTC)


# --- the parts of the package around the sheet ------------------------------------------------------

XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
MAIN_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
R_NS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
OFFICE_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CONTENT_TYPES = (
    f"{XML}"
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/docProps/app.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
    '<Override PartName="/docProps/core.xml" '
    'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
PACKAGE_RELS = (
    f"{XML}"
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{OFFICE_RELS}/officeDocument" Target="xl/workbook.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/'
    'core-properties" Target="docProps/core.xml"/>'
    f'<Relationship Id="rId3" Type="{OFFICE_RELS}/extended-properties" Target="docProps/app.xml"/>'
    "</Relationships>"
)
APP = (
    f"{XML}"
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
    "<Application>Microsoft Excel</Application><DocSecurity>0</DocSecurity><ScaleCrop>false</ScaleCrop>"
    "<LinksUpToDate>false</LinksUpToDate><SharedDoc>false</SharedDoc>"
    "<HyperlinksChanged>false</HyperlinksChanged><AppVersion>12.0000</AppVersion></Properties>"
)
CORE = (
    f"{XML}"
    '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
    'xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    "<dc:title>{title}</dc:title>"
    '<dcterms:created xsi:type="dcterms:W3CDTF">{now}</dcterms:created>'
    '<dcterms:modified xsi:type="dcterms:W3CDTF">{now}</dcterms:modified>'
    "</cp:coreProperties>"
)
WORKBOOK = (
    f"{XML}<workbook {MAIN_NS} {R_NS}>"
    '<bookViews><workbookView xWindow="240" yWindow="15" windowWidth="16095" windowHeight="9660"/></bookViews>'
    '<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets>'
    "<definedNames>{names}</definedNames>"
    "</workbook>"
)
WORKBOOK_RELS = (
    f"{XML}"
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{OFFICE_RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{OFFICE_RELS}/styles" Target="styles.xml"/>'
    "</Relationships>"
)
_QUOTED = ' quotePrefix="1"'
_HEADER_XF = (
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" applyAlignment="1"{quoted}>'
    '<alignment horizontal="center" vertical="center" wrapText="1"/></xf>'
)
_TEXT_XF = (
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1"{quoted}>'
    '<alignment vertical="top" wrapText="1"/></xf>'
)
_NUMBER_XF = '<xf numFmtId="{format}" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
STYLES = (  # the cellXfs in the order of HEADER, HEADER_QUOTED, TEXT…, after the default format
    f"{XML}<styleSheet {MAIN_NS}>"
    f'<numFmts count="3"><numFmt numFmtId="164" formatCode="{DATE_FORMAT}"/>'
    f'<numFmt numFmtId="165" formatCode="{DATETIME_FORMAT}"/><numFmt numFmtId="166" formatCode="{TIME_FORMAT}"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="8"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    + _HEADER_XF.format(quoted="")
    + _HEADER_XF.format(quoted=_QUOTED)
    + _TEXT_XF.format(quoted="")
    + _TEXT_XF.format(quoted=_QUOTED)
    + "".join(_NUMBER_XF.format(format=number_format) for number_format in (164, 165, 166))
    + "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    '<dxfs count="0"/><tableStyles count="0" defaultTableStyle="TableStyleMedium9" defaultPivotStyle="PivotStyleLight16"/>'
    "</styleSheet>"
)
