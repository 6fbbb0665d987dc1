"""Reading a spreadsheet as rows, streamed (constant memory): CSV in any encoding offices save, the first
recognisable sheet of an .xlsx, and an upload copied to a seekable file when it cannot seek.
"""

import codecs
import contextlib
import csv
import io
import shutil
import tempfile
import zipfile
from xml.etree import ElementTree

from django.utils.translation import gettext as _

from register.importing.columns import HEADER_SEARCH_ROWS, match_header
from register.importing.results import ImportFailed


class Table:
    """Rows of the first recognisable sheet: ``total`` (an estimate, or None) and ``rows()``."""

    def __init__(self, total, rows, close=None):
        self.total = total
        self._rows = rows
        self._close = close

    def rows(self):
        """(row number, tuple of cell values), numbered as the spreadsheet shows them."""
        return self._rows

    def close(self):
        self._rows.close()
        if self._close:
            self._close()


def _detect_encoding(binary):
    """The text encoding of a CSV and its line count, reading in chunks (constant memory)."""
    head = binary.read(4)
    binary.seek(0)
    if head.startswith(codecs.BOM_UTF16_LE) or head.startswith(codecs.BOM_UTF16_BE):
        encoding = "utf-16"
    else:
        encoding = "utf-8-sig"
    lines = 0
    for candidate in (encoding, "gb18030") if encoding != "utf-16" else (encoding,):
        binary.seek(0)
        decoder = codecs.getincrementaldecoder(candidate)()
        lines = 0
        try:
            while chunk := binary.read(1 << 16):
                lines += decoder.decode(chunk).count("\n")
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        binary.seek(0)
        return candidate, lines
    raise ImportFailed(_("无法识别 CSV 文件的编码：请另存为 UTF-8 或 GB18030（Excel 的“CSV（逗号分隔）”）。"))


def csv_table(binary):
    encoding, lines = _detect_encoding(binary)
    text = io.TextIOWrapper(binary, encoding=encoding, newline="")
    sample = text.read(8192)
    text.seek(0)
    if not sample.strip():
        text.detach()  # leave the caller's file open
        raise ImportFailed(_("文件是空的。"))
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(text, delimiter=delimiter)

    def rows():
        try:
            yield from enumerate(reader, start=1)
        except (csv.Error, UnicodeDecodeError) as exc:
            raise ImportFailed(_("CSV 文件第%(row)d行无法读取：%(error)s") % {"row": reader.line_num, "error": exc})

    return Table(lines or None, rows(), close=text.detach)  # detach: leave the caller's file open


XLSX_ERRORS = (zipfile.BadZipFile, ElementTree.ParseError, KeyError, OSError, ValueError, TypeError, IndexError)


def xlsx_table(binary):
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    unreadable = ImportFailed(_("无法读取 Excel 文件：文件已损坏、加了密码，或不是 .xlsx 格式。"))
    try:
        workbook = openpyxl.load_workbook(binary, read_only=True, data_only=True)
    except (*XLSX_ERRORS, InvalidFileException):
        raise unreadable
    sheets = [ws for ws in workbook.worksheets if hasattr(ws, "iter_rows")]
    if not sheets:
        raise ImportFailed(_("Excel 文件中没有工作表。"))

    def total_of(ws):
        max_row = ws.max_row
        return max_row if max_row and max_row > 1 else None

    def rows_of(ws):
        ws.reset_dimensions()  # some writers record wrong dimensions; read to the real end
        try:
            yield from enumerate(ws.iter_rows(values_only=True), start=1)
        except XLSX_ERRORS:
            raise unreadable
        finally:
            workbook.close()

    # The first sheet whose first rows hold a recognisable header; else the first sheet (to report it).
    try:
        for ws in sheets:
            for _number, values in zip(range(HEADER_SEARCH_ROWS), ws.iter_rows(values_only=True), strict=False):
                if sum(1 for v in values if v is not None and match_header(v)) >= 2:
                    return Table(total_of(ws), rows_of(ws))
    except XLSX_ERRORS:
        workbook.close()
        raise unreadable
    return Table(total_of(sheets[0]), rows_of(sheets[0]))


class SeekableCopy:
    """A seekable binary file for an uploaded file, copied to a temporary file when it cannot seek."""

    def __init__(self, source):
        self.source = source
        self.copy = None

    def __enter__(self):
        source = self.source
        if hasattr(source, "open") and getattr(source, "closed", False):
            source.open("rb")
        stream = getattr(source, "file", source)
        try:
            seekable = stream.seekable()
        except (AttributeError, ValueError):
            seekable = False
        if seekable and isinstance(stream.read(0), bytes):
            stream.seek(0)
            return stream
        self.copy = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)
        if hasattr(source, "chunks"):
            for chunk in source.chunks():
                self.copy.write(chunk)
        else:
            shutil.copyfileobj(source, self.copy)
        self.copy.seek(0)
        return self.copy

    def __exit__(self, *exc):
        if self.copy is not None:
            self.copy.close()
        elif hasattr(self.source, "seek"):
            with contextlib.suppress(OSError, ValueError):
                self.source.seek(0)
        return False
