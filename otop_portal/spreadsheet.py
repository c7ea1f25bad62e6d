"""Opening the files that users upload, whatever they saved them with.

`open_workbook` checks a file by its content, not its name: Excel 2007+ (.xlsx, also
as written by LibreOffice), Excel 97-2003 (.xls), OpenDocument (.ods) and CSV. It
refuses anything else, and a zip whose content would unpack to more than
WORKBOOK_MAX_UNCOMPRESSED_BYTES (a zip bomb), before any parsing starts.

Cells are read with python-calamine, which reads formulas as their cached values and
never evaluates them, and keeps no styles: the readers carry merged values down
themselves. All rows keep their real positions (no empty leading rows or columns are
skipped) so that messages can name the right cell.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from python_calamine import CalamineError, CalamineWorkbook

from otop_portal.cells import clean_text, header_key

MSG_NOT_A_SPREADSHEET = _("ไฟล์นี้ไม่ใช่ไฟล์ Excel (.xlsx, .xls), OpenDocument (.ods) หรือ CSV ที่อ่านได้")
MSG_CSV_NAMED_XLSX = _("ไฟล์นี้เป็นข้อความ CSV แต่ตั้งชื่อเป็น .xlsx กรุณาบันทึกใหม่เป็น Excel หรือใช้นามสกุล .csv")
MSG_BROKEN_WORKBOOK = _("ไฟล์ Excel เสียหายหรืออ่านไม่ได้ (%(detail)s)")
MSG_ZIP_BOMB = _("ไฟล์นี้เมื่อคลายออกจะมีขนาดเกิน %(limit)s MB จึงไม่รับ")
MSG_ENCRYPTED = _("ไฟล์นี้มีรหัสผ่าน กรุณาเอารหัสผ่านออกก่อนส่ง")
MSG_EMPTY_FILE = _("ไฟล์ว่างเปล่า")
MSG_NO_SHEET = _("ไม่พบแผ่นงานที่มีข้อมูลในไฟล์นี้")
MSG_CSV_ENCODING = _("อ่านตัวอักษรในไฟล์ CSV ไม่ได้ กรุณาบันทึกเป็น UTF-8")

XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"


class SpreadsheetError(Exception):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


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


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def cell_name(row: int, col: int) -> str:
    """0-based row and column to an Excel reference such as B7."""
    return f"{column_letter(col)}{row + 1}"


def _read_bytes(file) -> bytes:
    if hasattr(file, "read"):
        if hasattr(file, "seek"):
            file.seek(0)
        data = file.read()
    else:
        with open(file, "rb") as fh:
            data = fh.read()
    return data


def sniff(data: bytes) -> str:
    """The kind of file by its first bytes and, for zips, by its members."""
    if not data:
        raise SpreadsheetError(MSG_EMPTY_FILE)
    if data.startswith(XLS_MAGIC):
        return "xls"
    if data.startswith(ZIP_MAGIC):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = set(zf.namelist())
                total = sum(info.file_size for info in zf.infolist())
                limit = settings.WORKBOOK_MAX_UNCOMPRESSED_BYTES
                if total > limit:
                    raise SpreadsheetError(MSG_ZIP_BOMB % {"limit": limit // (1024 * 1024)})
                if "mimetype" in names and zf.read("mimetype").startswith(
                    b"application/vnd.oasis.opendocument.spreadsheet"
                ):
                    return "ods"
                if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
                    return "xlsx"
        except zipfile.BadZipFile as exc:
            raise SpreadsheetError(MSG_BROKEN_WORKBOOK % {"detail": exc}) from None
        raise SpreadsheetError(MSG_NOT_A_SPREADSHEET)
    if b"\x00" in data[:4096]:
        raise SpreadsheetError(MSG_NOT_A_SPREADSHEET)
    return "csv"


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


def open_workbook(file, *, name: str = "", allow_csv: bool = True) -> Workbook:
    """Read every visible sheet of an uploaded file into rows of raw cell values.

    `file` is a path or a file-like object. `name` is the file name the user gave,
    used only to explain a mismatch (a CSV named .xlsx).
    """
    data = _read_bytes(file)
    kind = sniff(data)
    if kind in ("xlsx", "ods"):
        # A sheet whose extent reaches the last row or column makes calamine allocate
        # the whole grid (gigabytes) or abort the process: refuse it before reading.
        from otop_portal.uploads import check_extent  # uploads imports this module

        check_extent(data, kind)
    if kind == "csv":
        if not allow_csv or name.lower().endswith((".xlsx", ".xls", ".ods")):
            if name.lower().endswith(".xlsx"):
                raise SpreadsheetError(MSG_CSV_NAMED_XLSX)
            raise SpreadsheetError(MSG_NOT_A_SPREADSHEET)
        return _read_csv(data)
    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except CalamineError as exc:
        if "password" in str(exc).lower() or "encrypt" in str(exc).lower():
            raise SpreadsheetError(MSG_ENCRYPTED) from None
        raise SpreadsheetError(MSG_BROKEN_WORKBOOK % {"detail": type(exc).__name__}) from None
    except Exception as exc:  # calamine raises plain errors for some broken files
        raise SpreadsheetError(MSG_BROKEN_WORKBOOK % {"detail": type(exc).__name__}) from None
    sheets = []
    try:
        for meta in wb.sheets_metadata:
            if str(meta.visible).endswith("Visible") is False:
                continue
            sheet = wb.get_sheet_by_name(meta.name)
            rows = sheet.to_python(skip_empty_area=False)
            sheets.append(Sheet(meta.name, [list(r) for r in rows]))
    except CalamineError as exc:
        raise SpreadsheetError(MSG_BROKEN_WORKBOOK % {"detail": type(exc).__name__}) from None
    finally:
        wb.close()
    sheets = [s for s in sheets if any(any(clean_text(c) for c in row) for row in s.rows)]
    if not sheets:
        raise SpreadsheetError(MSG_NO_SHEET)
    return Workbook(kind, sheets)


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
