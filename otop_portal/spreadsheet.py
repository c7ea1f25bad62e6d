"""Opening the files that users upload, whatever they saved them with.

`open_workbook` checks a file by its content, not its name: Excel 2007+ (.xlsx, also
as written by LibreOffice), Excel 97-2003 (.xls), OpenDocument (.ods) and CSV. It
refuses anything else, and a zip whose content would unpack to more than
WORKBOOK_MAX_UNCOMPRESSED_BYTES (a zip bomb), before any parsing starts.

Cells are read with python-calamine (in a child process with a memory limit:
otop_portal.bounded), which reads formulas as their cached values and never evaluates them, and keeps no styles: the readers carry merged values down
themselves. All rows keep their real positions (no empty leading rows or columns are
skipped) so that messages can name the right cell.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from otop_portal.bounded import BoundedBook
from otop_portal.cells import clean_text, header_key

# What a file is and its errors live in otop_portal.sheetfile, so that the checks in
# otop_portal.uploads can use them without importing the reader; the readers import
# them from here.
from otop_portal.sheetfile import (  # noqa: F401
    MSG_BROKEN_WORKBOOK,
    MSG_CSV_ENCODING,
    MSG_CSV_NAMED_XLSX,
    MSG_EMPTY_FILE,
    MSG_ENCRYPTED,
    MSG_NO_SHEET,
    MSG_NOT_A_SPREADSHEET,
    MSG_XLSB,
    MSG_ZIP_BOMB,
    XLS_MAGIC,
    ZIP_MAGIC,
    SpreadsheetError,
    cell_name,
    column_letter,
    sniff,
)
from otop_portal.uploads import DISTRICT, KIND_NAMES, REGISTRY, check_workbook

MSG_NOT_CSV = _("ไฟล์นี้เป็นไฟล์ %(found)s ไม่ใช่ CSV กรุณาเลือกรูปแบบไฟล์ให้ตรงกับไฟล์")


@dataclass
class Sheet:
    name: str
    rows: list[list] = field(default_factory=list)

    def cell(self, row: int, col: int):
        """The value at a 0-based row and column, or "" past the edge."""
        if row < len(self.rows) and col < len(self.rows[row]):
            return self.rows[row][col]
        return ""


@dataclass
class Workbook:
    kind: str  # "xlsx", "xls", "ods" or "csv"
    sheets: list[Sheet]


def _read_bytes(file) -> bytes:
    if hasattr(file, "read"):
        if hasattr(file, "seek"):
            file.seek(0)
        data = file.read()
    else:
        with open(file, "rb") as fh:
            data = fh.read()
    return data


def _decode_csv(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp874"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise SpreadsheetError(MSG_CSV_ENCODING)


def _read_csv(data: bytes) -> Workbook:
    text = _decode_csv(data)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = [list(row) for row in csv.reader(io.StringIO(text), dialect)]
    if not any(any(clean_text(c) for c in row) for row in rows):
        raise SpreadsheetError(MSG_NO_SHEET)
    return Workbook("csv", [Sheet("csv", rows)])


def open_workbook(
    file, *, name: str = "", allow_csv: bool = True, limits: str = DISTRICT
) -> Workbook:
    """Read every visible sheet of an uploaded file into rows of raw cell values.

    `file` is a path or a file-like object. `name` is the file name the user gave,
    used only to explain a mismatch (a CSV named .xlsx). `limits` is the kind of upload
    whose budget the file must fit (otop_portal.uploads.DISTRICT or REGISTRY).
    """
    data = _read_bytes(file)
    # A sheet whose extent reaches the last row or column makes calamine allocate the
    # whole grid (gigabytes) or abort the process: refuse it before reading.
    kind = check_workbook(data, kind=limits)
    if kind == "csv":
        if not allow_csv or name.lower().endswith((".xlsx", ".xls", ".ods")):
            if name.lower().endswith(".xlsx"):
                raise SpreadsheetError(MSG_CSV_NAMED_XLSX)
            raise SpreadsheetError(MSG_NOT_A_SPREADSHEET)
        return _read_csv(data)
    book = BoundedBook(data, kind=limits)
    try:
        sheets = [Sheet(sheet, book.rows(sheet)) for sheet, visible in book.sheets if visible]
    finally:
        book.close()
    sheets = [s for s in sheets if any(any(clean_text(c) for c in row) for row in s.rows)]
    if not sheets:
        raise SpreadsheetError(MSG_NO_SHEET)
    return Workbook(kind, sheets)


def first_sheet_rows(data: bytes, *, limits: str = REGISTRY) -> list[list]:
    """Every row of a workbook's first visible sheet, read as open_workbook reads (checked
    against the budget of `limits`, then by calamine in the memory-limited child), with
    its cells as openpyxl gives them: None for an empty cell, a whole number as an int.

    django-import-export's formats read a file in the server process with openpyxl;
    the admin's import formats read through here instead (products.admin.SafeXLSX), so
    that even a file that a check misses cannot take the server's memory.
    """
    if check_workbook(data, kind=limits) == "csv":
        raise SpreadsheetError(MSG_CSV_NAMED_XLSX)
    book = BoundedBook(data, kind=limits)
    try:
        first = next((sheet for sheet, visible in book.sheets if visible), None)
        rows = book.rows(first) if first is not None else []
    finally:
        book.close()
    return [[_as_openpyxl(v) for v in row] for row in rows]


def csv_rows(data: bytes, *, limits: str = REGISTRY) -> list[list[str]]:
    """Every row of a CSV file, each as long as it is, read by Python's csv module in the
    memory-limited child (the admin's CSV import: products.admin.SafeCSV), after the
    checks of `limits`; a file that is a workbook by its content is refused."""
    found = check_workbook(data, kind=limits)
    if found != "csv":
        raise SpreadsheetError(MSG_NOT_CSV % {"found": KIND_NAMES[found]})
    book = BoundedBook(data, kind=limits, text=True)
    try:
        return book.rows("csv")
    finally:
        book.close()


def _as_openpyxl(value):
    if value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def find_header(sheets, matches, *, max_rows: int = 20) -> tuple[Sheet, int] | tuple[None, None]:
    """The first sheet and 0-based row (within each sheet's first max_rows) whose cells,
    as header_key gives them, `matches` accepts; (None, None) if there is none. Every
    reader finds its header row here and says only what its header looks like."""
    for sheet in sheets:
        for index, row in enumerate(sheet.rows[:max_rows]):
            if matches([header_key(c) for c in row]):
                return sheet, index
    return None, None


def find_header_row(sheet: Sheet, required: list[str], *, max_rows: int = 20) -> int | None:
    """The 0-based index of the first row (within max_rows) whose cells contain every
    required header, compared with header_key; None if there is none."""
    wanted = {header_key(h) for h in required}
    return find_header([sheet], lambda keys: wanted <= set(keys), max_rows=max_rows)[1]
