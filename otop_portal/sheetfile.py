"""What an uploaded file is, by its content, and the errors of reading one.

The ground floor of the spreadsheet code: `otop_portal.uploads` (the checks every upload
passes) and `otop_portal.spreadsheet` (the reader) both build on it, and it imports
neither.
"""

from __future__ import annotations

import io
import zipfile

import olefile
from django.conf import settings
from django.utils.translation import gettext_lazy as _

MSG_NOT_A_SPREADSHEET = _("ไฟล์นี้ไม่ใช่ไฟล์ Excel (.xlsx, .xls), OpenDocument (.ods) หรือ CSV ที่อ่านได้")
MSG_CSV_NAMED_XLSX = _("ไฟล์นี้เป็นข้อความ CSV แต่ตั้งชื่อเป็น .xlsx กรุณาบันทึกใหม่เป็น Excel หรือใช้นามสกุล .csv")
MSG_BROKEN_WORKBOOK = _("ไฟล์ Excel เสียหายหรืออ่านไม่ได้ (%(detail)s)")
MSG_ZIP_BOMB = _("ไฟล์นี้เมื่อคลายออกจะมีขนาดเกิน %(limit)s MB จึงไม่รับ")
MSG_ENCRYPTED = _("ไฟล์นี้มีรหัสผ่าน กรุณาเอารหัสผ่านออกก่อนส่ง")
MSG_EMPTY_FILE = _("ไฟล์ว่างเปล่า")
MSG_NO_SHEET = _("ไม่พบแผ่นงานที่มีข้อมูลในไฟล์นี้")
MSG_CSV_ENCODING = _("อ่านตัวอักษรในไฟล์ CSV ไม่ได้ กรุณาบันทึกเป็น UTF-8")
MSG_XLSB = _(
    "ไฟล์นี้เป็น Excel แบบไบนารี (.xlsb) ซึ่งระบบอ่านไม่ได้ "
    "กรุณาเปิดไฟล์แล้วบันทึกเป็น (Save As) Excel Workbook (.xlsx) แล้วส่งใหม่"
)

XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
# Excel keeps a password-protected .xlsx (or .xlsb) in an OLE container like an .xls's,
# with the encrypted zip in a stream of this name (MS-OFFCRYPTO); its directory entry
# holds the name in UTF-16.
ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")


class SpreadsheetError(Exception):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


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


def _has_stream(data: bytes, name: str) -> bool:
    """Whether an OLE container has a stream of this name (False if it is damaged)."""

    try:
        with olefile.OleFileIO(data) as ole:
            return ole.exists(name)
    except (OSError, ValueError, IndexError, KeyError, TypeError):
        return False


def sniff(data: bytes) -> str:
    """The kind of file by its first bytes and, for zips, by its members."""
    if not data:
        raise SpreadsheetError(MSG_EMPTY_FILE)
    if data.startswith(XLS_MAGIC):
        if ENCRYPTED_PACKAGE in data and _has_stream(data, "EncryptedPackage"):
            raise SpreadsheetError(MSG_ENCRYPTED)
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
                lower = {n.lower() for n in names}
                if "xl/workbook.bin" in lower:
                    raise SpreadsheetError(MSG_XLSB)
                if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
                    return "xlsx"
        except zipfile.BadZipFile as exc:
            raise SpreadsheetError(MSG_BROKEN_WORKBOOK % {"detail": exc}) from None
        raise SpreadsheetError(MSG_NOT_A_SPREADSHEET)
    if b"\x00" in data[:4096]:
        raise SpreadsheetError(MSG_NOT_A_SPREADSHEET)
    return "csv"
