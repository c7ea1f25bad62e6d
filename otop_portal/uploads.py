"""Checks every uploaded workbook passes before anything else looks at it.

Two kinds of upload have their own size limit, both set in the environment:
- "district": the forms a district or province sends (attachments 1, 2 and 3), small
  (settings.DISTRICT_UPLOAD_MAX_BYTES);
- "registry": a registry snapshot, which can be the whole country
  (settings.REGISTRY_UPLOAD_MAX_BYTES).

`check_upload` refuses a file that is too large, or that is not by its content a
spreadsheet the reader accepts (otop_portal.spreadsheet.sniff: the name is not trusted,
a zip bomb is refused by its uncompressed size), with a message in Thai that says what
to do; a form calls it from its clean_<field>().

Django checks a form's file only after the whole request has arrived, so
`UploadLimitHandler`, listed first in settings.FILE_UPLOAD_HANDLERS, stops storing an
upload once it passes the larger of the two limits: a client cannot fill the server's
disk, and the form still says the file is too large.

`check_workbook(data, kind=...)` is the one check of a file's content, called by
check_upload and again by the reader (otop_portal.spreadsheet.open_workbook, the
registry reader) before python-calamine opens anything. calamine holds a sheet as a
dense grid from its first to its last cell with a value, so a 5 KB .xlsx with one value
in A1 and one in XFD1048576 asks for 17 billion cells and aborts the process (not an
exception: the worker dies). `check_extent` finds each sheet's extent before calamine
opens it, and refuses a workbook whose sheets would hold more cells than the kind of
upload allows (workbook_limits: a district's form 200,000, the registry 10 million),
naming the far cell so that the user can delete it:
- .xlsx/.xlsm: every sheet the workbook lists is found through workbook.xml.rels, as
  the reader finds it (any part name, any letter case), and counted once for each
  sheet that points at it; the shared-strings table is bounded by its unpacked size;
- .xls: the cell records of each sheet's substream, where each BOUNDSHEET points (a
  password, FILEPASS, is refused as such);
- .ods: content.xml, with its repeated rows and cells counted.
It decompresses through Python's zipfile, which stops at each member's declared size and
checks its CRC, so a zip that understates its sizes (to pass the zip-bomb check on the
declared sizes) is refused too. Should a check ever miss, the reader runs calamine in a
child process with a memory limit (otop_portal.bounded).
"""

from __future__ import annotations

import functools
import hashlib
import io
import posixpath
import re
import struct
import threading
import xml.parsers.expat
import zipfile
import zlib
from dataclasses import dataclass

import olefile
from defusedxml.ElementTree import fromstring, iterparse
from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.utils.translation import gettext_lazy as _

from otop_portal.sheetfile import (
    MSG_BROKEN_WORKBOOK,
    MSG_ENCRYPTED,
    MSG_ZIP_BOMB,
    SpreadsheetError,
    column_letter,
    sniff,
)

DISTRICT = "district"
REGISTRY = "registry"

#: What each kind of file is called in messages.
KIND_NAMES = {
    "xlsx": "Excel (.xlsx)",
    "xls": "Excel 97-2003 (.xls)",
    "ods": "OpenDocument (.ods)",
    "csv": "CSV",
}

MSG_TOO_LARGE = _(
    "ไฟล์ %(name)s มีขนาด %(size)s MB ใหญ่เกินกว่าที่รับได้ (%(limit)s MB) "
    "กรุณาลบแผ่นงานหรือแถวที่ไม่ใช้ออกแล้วบันทึกใหม่"
)
MSG_WRONG_KIND = _("ไฟล์ %(name)s เป็นไฟล์ %(found)s แต่ที่นี่รับเฉพาะ %(accepted)s")
MSG_NOT_ACCEPTED = _("ไฟล์ %(name)s ใช้ไม่ได้: %(reason)s")


def upload_limit(kind: str) -> int:
    """The size limit in bytes of a kind of upload ("district" or "registry")."""
    if kind == DISTRICT:
        return settings.DISTRICT_UPLOAD_MAX_BYTES
    if kind == REGISTRY:
        return settings.REGISTRY_UPLOAD_MAX_BYTES
    raise ValueError(f"unknown upload kind {kind!r}")


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):,.1f}"


def check_upload(file, *, kind: str, accept: tuple[str, ...] = ("xlsx", "xls", "ods")) -> str:
    """Check an uploaded file's size and content; return what it is ("xlsx", ...).

    `kind` is DISTRICT or REGISTRY: the budgets (size, cells, unpacked bytes) the file
    must fit, the same that the reader checks again (check_workbook). Raises
    ValidationError with a message for the user. The file is left at its start.
    """
    name = getattr(file, "name", "") or ""
    limit = upload_limit(kind)
    if file.size > limit:
        raise forms.ValidationError(
            MSG_TOO_LARGE % {"name": name, "size": _mb(file.size), "limit": _mb(limit)},
            code="too_large",
        )
    file.seek(0)
    try:
        found = check_workbook(file.read(), kind=kind)
    except SpreadsheetError as exc:
        raise forms.ValidationError(
            MSG_NOT_ACCEPTED % {"name": name, "reason": exc.message}, code="not_spreadsheet"
        ) from None
    finally:
        file.seek(0)
    if found not in accept:
        raise forms.ValidationError(
            MSG_WRONG_KIND
            % {
                "name": name,
                "found": KIND_NAMES[found],
                "accepted": ", ".join(KIND_NAMES[k] for k in accept),
            },
            code="wrong_kind",
        )
    return found


class OversizedUpload(UploadedFile):
    """What is left of an upload that passed every limit: its name and true size, no
    content. A form's size check then refuses it with its usual message."""

    def __init__(self, name: str, size: int, content_type: str = ""):
        super().__init__(io.BytesIO(b""), name=name, content_type=content_type, size=size)


class UploadLimitHandler(FileUploadHandler):
    """Stops keeping an uploaded file once it passes the largest upload limit.

    It passes every chunk on to the next handlers (memory or temporary file) until the
    file is larger than the largest limit; from then on it drops the chunks and, at the
    end, gives the form an OversizedUpload that carries the size received.
    """

    def new_file(self, field_name, file_name, content_type, *args, **kwargs):
        super().new_file(field_name, file_name, content_type, *args, **kwargs)
        self.received = 0
        self.over = False

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        limit = max(upload_limit(DISTRICT), upload_limit(REGISTRY))
        if self.received > limit:
            self.over = True
            return None
        return raw_data

    def file_complete(self, file_size):
        if self.over:
            return OversizedUpload(self.file_name, self.received, self.content_type)
        return None


# ---------------------------------------------------------------------------
# The extent of a workbook's sheets, before the reader opens them
# ---------------------------------------------------------------------------

#: The default of settings.WORKBOOK_MAX_CELLS: a country's registry (about 200,000 rows
#: of 20 columns, 4 million cells) fits; a sheet that runs to row 1,048,576 does not.
DEFAULT_MAX_CELLS = 10_000_000

MSG_TOO_MANY_CELLS = _(
    "แผ่นงาน “%(sheet)s” มีข้อมูลไปถึงช่อง %(cell)s (%(cells)s ช่อง) มากเกินกว่าที่อ่านได้ "
    "อาจมีค่าที่พิมพ์ไว้โดยไม่ตั้งใจไกลจากตาราง กรุณาลบแถวและคอลัมน์ว่างใต้และข้างตาราง "
    "(รวมถึงช่อง %(cell)s) แล้วบันทึกใหม่"
)

# A cell as every common writer starts it (Excel, LibreOffice, openpyxl, xlsxwriter):
# <c r="B12" ...>.
_CELL_ROW = re.compile(rb'<c r="[A-Z]{1,3}([0-9]{1,7})"')
_CELL_COLUMN = re.compile(rb'<c r="([A-Z]{1,3})[0-9]')
# An empty cell, such as a border drawn down to row 1,048,576: calamine leaves it out,
# and so does the scan. Only attributes in double quotes are followed, so that a ">" in
# a value cannot make a cell with a value look empty; anything else counts (the safe
# side), as does an empty cell written <c r="B12"></c>.
_EMPTY_TAIL = rb'(?:\s+[\w:.-]+="[^"]*")*\s*/>'  # what follows its address
_EMPTY_CELL = re.compile(rb'<c r="[A-Z]{1,3}[0-9]{1,7}"' + _EMPTY_TAIL)
# Every way a cell element can start, with or without an address.
_CELL_TAG = re.compile(rb"<c[\s/>]")
# What the fast scan cannot follow, so that such a sheet is parsed instead: a prefixed
# cell element (<x:c>), and markup that can hide or fake a cell tag (a comment, CDATA,
# a DTD, a processing instruction other than the XML declaration).
_PREFIXED_CELL = re.compile(rb":c[\s/>]")
_XML_DECLARATION = re.compile(rb"^(\xef\xbb\xbf)?<\?xml [^>]*>")
_CHUNK = 1024 * 1024


#: A district's form (attachment 1, 2 or 3) is a few hundred rows of a few dozen columns.
DEFAULT_DISTRICT_MAX_CELLS = 200_000
DEFAULT_DISTRICT_MAX_UNCOMPRESSED_BYTES = 64 * 1024 * 1024
#: The text of every cell (xl/sharedStrings.xml) unpacked: calamine holds it all, at
#: about three times its size.
DEFAULT_DISTRICT_MAX_SHARED_STRINGS_BYTES = 16 * 1024 * 1024
DEFAULT_MAX_SHARED_STRINGS_BYTES = 256 * 1024 * 1024

MSG_TOO_MANY_SHEET_CELLS = _(
    "ไฟล์นี้มี %(sheets)s แผ่นงาน รวม %(cells)s ช่อง มากเกินกว่าที่อ่านได้ (ไม่เกิน %(limit)s ช่อง) "
    "กรุณาลบแผ่นงานที่ไม่ใช้ออกแล้วบันทึกใหม่"
)
MSG_SHARED_STRINGS = _(
    "ข้อความในไฟล์นี้เมื่อคลายออกจะมีขนาดเกิน %(limit)s MB จึงไม่รับ กรุณาลบแผ่นงานหรือข้อความที่ไม่ใช้ออกแล้วบันทึกใหม่"
)


@dataclass(frozen=True)
class Limits:
    """What a workbook of a kind of upload may hold, checked before it is read."""

    cells: int  # the cells of every sheet read, each as calamine holds it (a dense grid)
    unpacked: int  # the bytes its sheets and text unpack to
    shared_strings: int  # the bytes its shared-strings table unpacks to


def workbook_limits(kind: str) -> Limits:
    """The budgets of a kind of upload (DISTRICT or REGISTRY), from the settings."""
    if kind == DISTRICT:
        return Limits(
            cells=getattr(settings, "DISTRICT_WORKBOOK_MAX_CELLS", DEFAULT_DISTRICT_MAX_CELLS),
            unpacked=getattr(
                settings,
                "DISTRICT_WORKBOOK_MAX_UNCOMPRESSED_BYTES",
                DEFAULT_DISTRICT_MAX_UNCOMPRESSED_BYTES,
            ),
            shared_strings=getattr(
                settings,
                "DISTRICT_WORKBOOK_MAX_SHARED_STRINGS_BYTES",
                DEFAULT_DISTRICT_MAX_SHARED_STRINGS_BYTES,
            ),
        )
    if kind == REGISTRY:
        return Limits(
            cells=getattr(settings, "WORKBOOK_MAX_CELLS", DEFAULT_MAX_CELLS),
            unpacked=settings.WORKBOOK_MAX_UNCOMPRESSED_BYTES,
            shared_strings=getattr(
                settings, "WORKBOOK_MAX_SHARED_STRINGS_BYTES", DEFAULT_MAX_SHARED_STRINGS_BYTES
            ),
        )
    raise ValueError(f"unknown upload kind {kind!r}")


def _column_index(letters: bytes | str) -> int:
    index = 0
    for letter in letters.upper() if isinstance(letters, str) else letters.decode().upper():
        index = index * 26 + (ord(letter) - 64)
    return index - 1


class _Budget:
    """The bytes a workbook may still unpack to (workbook_limits(kind).unpacked),
    counted as they come out of the decompressor, not as the zip declares them."""

    def __init__(self, limit: int | None = None):
        self.limit = settings.WORKBOOK_MAX_UNCOMPRESSED_BYTES if limit is None else limit
        self.left = self.limit

    def spend(self, size: int) -> None:
        self.left -= size
        if self.left < 0:
            raise SpreadsheetError(MSG_ZIP_BOMB % {"limit": self.limit // (1024 * 1024)})


class _Extent:
    """The rows and columns a sheet's cells span (0-based), as calamine will hold them."""

    def __init__(self, sheet: str):
        self.sheet = sheet
        self.first_row = self.first_col = None
        self.last_row = self.last_col = -1

    def add(self, row: int, col: int) -> None:
        self.span(row, row, col, col)

    def span(self, first_row: int, last_row: int, first_col: int, last_col: int) -> None:
        if self.first_row is None or first_row < self.first_row:
            self.first_row = first_row
        if self.first_col is None or first_col < self.first_col:
            self.first_col = first_col
        self.last_row = max(self.last_row, last_row)
        self.last_col = max(self.last_col, last_col)

    @property
    def cells(self) -> int:
        if self.first_row is None:
            return 0
        return (self.last_row - self.first_row + 1) * (self.last_col - self.first_col + 1)


def _chunks(zf: zipfile.ZipFile, info: zipfile.ZipInfo, budget: _Budget):
    """A member's content in pieces that end before a tag: no tag is cut in two."""
    tail = b""
    with zf.open(info) as member:
        while chunk := member.read(_CHUNK):
            budget.spend(len(chunk))
            text = tail + chunk
            cut = text.rfind(b"<")
            if cut <= 0:
                tail = text
                continue
            yield text[:cut]
            tail = text[cut:]
    if tail:
        yield tail


#: The unusual markup above, each with a byte that every match of it has (at an offset)
#: and that is rare in a sheet: memchr finds that byte many times faster than a search
#: finds "<!" (whose "<" is everywhere) or ":c".
_UNUSUAL_MARKUP = (
    (b"!", 1, re.compile(rb"<!")),
    (b"?", 1, re.compile(rb"<\?")),
    (b":", 0, _PREFIXED_CELL),
)


def _unusual_markup(text: bytes) -> bool:
    """Whether a chunk has a comment, CDATA, a DTD, a processing instruction or a prefixed
    cell element: b"<!" in text or b"<?" in text or _PREFIXED_CELL.search(text)."""
    for mark, offset, pattern in _UNUSUAL_MARKUP:
        at = text.find(mark)
        for _seen in range(32):
            if at < 0:
                break
            if at >= offset and pattern.match(text, at - offset):
                return True
            at = text.find(mark, at + 1)
        else:  # that byte is not rare in this sheet: search after all
            if pattern.search(text):
                return True
    return False


def _scan_chunk(text: bytes) -> tuple[int, tuple[int, int, int, int] | None]:
    """The exact scan of a chunk: remove the empty cells, then count the cell tags that
    are not a cell with its address in the usual form, and find the first and last row
    number and column index of the cells left (None if there is none)."""
    text = _EMPTY_CELL.sub(b"", text)
    found = _CELL_ROW.findall(text)
    unaddressed = len(_CELL_TAG.findall(text)) - len(found)
    if not found:
        return unaddressed, None
    rows = list(map(int, found))
    columns = [_column_index(c) for c in set(_CELL_COLUMN.findall(text))]
    return unaddressed, (min(rows), max(rows), min(columns), max(columns))


def _class(low: str, high: str) -> str:
    """[low-high], or the one character."""
    return low if low == high else f"[{low}-{high}]"


def _between(low: str, high: str, first: str, last: str) -> str:
    """A pattern for the strings of len(low) == len(high) characters from first to last
    that sort from low to high: ("120", "135", "0", "9") -> 1(?:2[0-9]|3[0-5])."""
    if len(low) <= 1:
        return _class(low, high)
    if low[0] == high[0]:
        return low[0] + _between(low[1:], high[1:], first, last)
    rest = len(low) - 1
    whole_low, whole_high = low[1:] == first * rest, high[1:] == last * rest
    parts = []
    if not whole_low:
        parts.append(low[0] + _between(low[1:], last * rest, first, last))
    lower = low[0] if whole_low else chr(ord(low[0]) + 1)
    upper = high[0] if whole_high else chr(ord(high[0]) - 1)
    if lower <= upper:
        any_rest = _class(first, last) + (f"{{{rest}}}" if rest > 1 else "")
        parts.append(_class(lower, upper) + any_rest)
    if not whole_high:
        parts.append(high[0] + _between(first * rest, high[1:], first, last))
    return parts[0] if len(parts) == 1 else "(?:" + "|".join(parts) + ")"


def _ranked(low: str, high: str, lead: str, first: str, last: str) -> str:
    """A pattern for the strings from low to high, shorter before longer, then as
    _between sorts them: row numbers (no leading zero: lead "1", then "0" to "9") or
    column letters (lead "A", then "A" to "Z"). ("8", "120", "1", "0", "9") ->
    (?:1(?:[0-1][0-9]|20)|[1-9][0-9]|[8-9])."""
    if len(low) == len(high):
        return _between(low, high, first, last)
    # The longest first (most of a sheet's rows), then every length between, then the
    # shortest; the longest and the shortest are part of their length or all of it.
    shortest = len(low) + (low != lead + first * (len(low) - 1))
    longest = len(high) - (high != last * len(high))
    parts = []
    if longest < len(high):
        parts.append(_between(lead + first * (len(high) - 1), high, first, last))
    if shortest <= longest:
        fewest, most = shortest - 1, longest - 1  # characters after the first
        times = f"{{{fewest},{most}}}" if fewest < most else f"{{{most}}}" if most > 1 else ""
        parts.append(_class(lead, last) + (_class(first, last) + times if most else ""))
    if shortest > len(low):
        parts.append(_between(low, last * len(low), first, last))
    return "(?:" + "|".join(parts) + ")"


@functools.lru_cache(maxsize=16)
def _unvouched(first_row: int, last_row: int, first_col: int, last_col: int) -> re.Pattern:
    """What _vouch looks for: a "<c" that

    - is a cell tag (_CELL_TAG) but neither a cell with its address in the usual form
      within these row numbers (1 <= first_row <= last_row, no leading zero) and column
      indexes, nor an empty cell (_EMPTY_CELL) with an address in the usual form;
    - or follows "<", or is followed by "<": broken XML, where removing an empty cell
      could join what is before it and what follows it into a new cell tag.
    """
    columns = _ranked(column_letter(first_col), column_letter(last_col), "A", "A", "Z")
    rows = _ranked(str(first_row), str(last_row), "1", "0", "9")
    within = f'(?! r="{columns}{rows}")'.encode()
    empty = rb'(?! r="[A-Z]{1,3}[0-9]{1,7}"' + _EMPTY_TAIL + rb")"
    return re.compile(rb"<c(?:(?<=<<c)|" + within + rb"(?:<|" + empty + rb"[\s/>]))")


def _vouch(text: bytes, box: tuple[int, int, int, int]) -> int | None:
    """The quick scan of a chunk, given `box`, the first and last row number and column
    index of the cells with a value before it: the last row number with this chunk if
    _unvouched finds nothing in it, else None (the chunk then needs the exact scan).

    Why the exact scan would find the same, when _unvouched finds nothing in the chunk:
    1. Every cell tag is a cell with its address in the usual form, within the box or
       else empty (_EMPTY_CELL).
    2. No cell tag lies inside an empty cell: there a "<" can only be in an attribute
       value, and a cell tag's ` r="B12"` would end that value and go on with a letter
       where _EMPTY_CELL wants a space or "/>". So _EMPTY_CELL.sub removes exactly the
       empty cells that _EMPTY_CELL matches at their start, and no other cell tag.
    3. Removing them makes no new cell tag: the text before a removed cell would be the
       start of one, with no "<" after its first character: "<", "<c", or longer; but a
       longer one starts with "<c " and by 1 is a whole cell tag with its address, not
       cut by a "<". "<<c" and "<c<" are what _unvouched looks for.
    4. So the exact scan counts as many cells as cell tags, and keeps only cells within
       the box, with rows up to `last_row`.
    The box's first row and columns are those of cells with a value in earlier chunks,
    `last_row` too, or that of a cell with a value in this chunk (by 2 and 3 the exact
    scan keeps it): they are what the exact scan finds.
    """
    first_row, last_row, first_col, last_col = box
    # The last cell with a value is most often the last cell (maybe cut before its
    # "</c>"), or else the one before the last "</c>" (empty cells after it). If it is
    # elsewhere, _unvouched finds it (a value past last_row) and the exact scan runs.
    for start in (text.rfind(b'<c r="'), text.rfind(b'<c r="', 0, max(text.rfind(b"</c>"), 0))):
        last = _CELL_ROW.match(text, start) if start >= 0 else None
        if last and not _EMPTY_CELL.match(text, start):
            last_row = max(last_row, int(last[1]))
            break
    first_row = max(first_row, 1)  # a row 0 (or 00...) is left to the exact scan
    if last_row < first_row or _unvouched(first_row, last_row, first_col, last_col).search(text):
        return None
    return last_row


def _xlsx_fast(extent: _Extent, zf, info, budget: _Budget) -> bool:
    """Scan a sheet whose every cell starts with its address in the usual form. False if
    a cell has none (calamine then puts it after the previous one) or the sheet has
    unusual markup: the caller parses it instead.

    The exact scan of a chunk (_scan_chunk) removes the empty cells, finds every address
    and converts every row number: more than 2 s for the 200 MB of XML of a 200,000-row
    registry. A chunk gets it only when the quick scan (_vouch: one regular expression
    that checks each cell tag against the rows and columns found so far) cannot vouch
    for the chunk: the first chunk, or one with a cell with a value out of order, in a
    new column, far away, or a cell without an address... The result is the same.
    """
    box = None  # the first and last row number and column index of the cells with a value
    unaddressed = 0
    for index, text in enumerate(_chunks(zf, info, budget)):
        if index == 0:
            declaration = _XML_DECLARATION.match(text)
            text = text[declaration.end() :] if declaration else text
        if _unusual_markup(text):
            return False
        if box is not None:
            last_row = _vouch(text, box)
            if last_row is not None:
                box = (box[0], last_row, box[2], box[3])
                continue
        missing, found = _scan_chunk(text)
        unaddressed += missing
        if found and box is None:
            box = found
        elif found:
            box = (
                min(box[0], found[0]),
                max(box[1], found[1]),
                min(box[2], found[2]),
                max(box[3], found[3]),
            )
    if unaddressed:
        return False
    if box is not None:
        extent.span(box[0] - 1, box[1] - 1, box[2], box[3])
    return True


def _xlsx_parse(extent: _Extent, zf, info, budget: _Budget) -> None:
    """Follow a sheet's XML as calamine does: a row or cell without an address comes
    after the previous one; a cell counts when it has a value."""
    state = {"row": -1, "col": -1, "cell": None, "value": False, "text": False}

    def forbid(*args):
        raise SpreadsheetError(MSG_BROKEN_WORKBOOK % {"detail": "DTD"})

    def local(name: str) -> str:
        return name.rsplit(" ", 1)[-1]

    def start(name, attrs):
        tag = local(name)
        address = next((v for k, v in attrs.items() if local(k) == "r"), None)
        if tag == "row":
            state["row"] = int(address) - 1 if address and address.isdigit() else state["row"] + 1
            state["col"] = -1
        elif tag == "c":
            if address:
                letters = address.rstrip("0123456789")
                digits = address[len(letters) :]
                if not letters.isalpha() or not digits.isdigit():
                    raise SpreadsheetError(MSG_BROKEN_WORKBOOK % {"detail": address[:20]})
                row, col = int(digits) - 1, _column_index(letters)
            else:
                row, col = state["row"], state["col"] + 1
            state.update(row=row, col=col, cell=(row, col), value=False)
        elif tag in ("v", "t") and state["cell"] is not None:
            state["text"] = True

    def end(name):
        tag = local(name)
        if tag == "c":
            if state["value"]:
                extent.add(*state["cell"])
            state["cell"] = None
        elif tag in ("v", "t"):
            state["text"] = False

    def text(data):
        if state["text"] and data.strip():
            state["value"] = True

    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
    parser.StartDoctypeDeclHandler = forbid
    parser.EntityDeclHandler = forbid
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    for chunk in _chunks(zf, info, budget):
        parser.Parse(chunk, False)
    parser.Parse(b"", True)


def _member(zf: zipfile.ZipFile, path: str) -> zipfile.ZipInfo | None:
    """The zip member at a path as calamine finds it: the same name, or else the same
    name in other letter case (sheet1.XML)."""
    try:
        return zf.getinfo(path)
    except KeyError:
        pass
    lower = path.lower()
    return next((i for i in zf.infolist() if i.filename.lower() == lower), None)


def _read_member(zf: zipfile.ZipFile, path: str, budget: _Budget) -> bytes:
    """A small member's content (the workbook and its relationships), within budget."""
    info = _member(zf, path)
    if info is None:
        raise KeyError(path)
    parts = []
    with zf.open(info) as member:
        while chunk := member.read(_CHUNK):
            budget.spend(len(chunk))
            parts.append(chunk)
    return b"".join(parts)


def _rel_targets(target: str) -> list[str]:
    """Where a relationship's target may lead, every way a reader may resolve it: from
    the root when it starts with "/", else from xl/ (and as written, if it already
    starts with xl/). All are counted, so that no reading escapes the check."""
    target = target.replace("\\", "/")
    found = []
    if target.startswith("/"):
        found.append(target.lstrip("/"))
    else:
        found.append(f"xl/{target}")
        if target.lower().startswith("xl/"):
            found.append(target)
    return list(dict.fromkeys(posixpath.normpath(t).lstrip("/") for t in found))


def _xlsx_sheets(zf: zipfile.ZipFile, budget: _Budget) -> list[tuple[str, list[zipfile.ZipInfo]]]:
    """Every sheet the workbook lists, with the zip members it is read from, found as
    the reader finds them: through the workbook's relationships, whatever the parts are
    named. Two sheets that point at one part are two sheets."""

    book = fromstring(_read_member(zf, "xl/workbook.xml", budget))
    rels = fromstring(_read_member(zf, "xl/_rels/workbook.xml.rels", budget))
    targets: dict[str, list[str]] = {}
    for rel in rels:
        targets.setdefault(rel.get("Id") or "", []).extend(_rel_targets(rel.get("Target") or ""))
    sheets = []
    for element in book.iter():
        if element.tag.rsplit("}", 1)[-1] != "sheet":
            continue
        name = element.get("name", "")
        rid = next((v for k, v in element.attrib.items() if k.rsplit("}", 1)[-1] == "id"), "")
        members = [m for t in targets.get(rid, []) if (m := _member(zf, t)) is not None]
        sheets.append((name, members))
    return sheets


def _xlsx_extent(zf: zipfile.ZipFile, info: zipfile.ZipInfo, sheet: str, budget: _Budget):
    extent = _Extent(sheet)
    left = budget.left
    if not _xlsx_fast(extent, zf, info, budget):
        extent, budget.left = _Extent(sheet), left
        _xlsx_parse(extent, zf, info, budget)
    return extent


def _xlsx_shared_strings(zf: zipfile.ZipFile, budget: _Budget, limit: int) -> None:
    """Refuse a shared-strings table (the text of the cells, which calamine holds whole)
    that unpacks to more than `limit` bytes, counted as they come out of the
    decompressor. Every member named like one counts, wherever it is."""
    for info in zf.infolist():
        if not posixpath.basename(info.filename).lower().startswith("sharedstrings"):
            continue
        size = 0
        with zf.open(info) as member:
            while chunk := member.read(_CHUNK):
                size += len(chunk)
                budget.spend(len(chunk))
                if size > limit:
                    raise SpreadsheetError(MSG_SHARED_STRINGS % {"limit": limit // (1024 * 1024)})


def _xlsx_extents(zf: zipfile.ZipFile, budget: _Budget) -> list[_Extent]:
    """The extent of every sheet the workbook lists; a part shared by several sheets is
    scanned once and counted for each."""
    scanned: dict[str, _Extent] = {}
    extents = []
    for name, members in _xlsx_sheets(zf, budget):
        for info in members:
            if info.filename not in scanned:
                scanned[info.filename] = _xlsx_extent(zf, info, name, budget)
            extent = scanned[info.filename]
            counted = _Extent(name)
            if extent.first_row is not None:
                counted.span(extent.first_row, extent.last_row, extent.first_col, extent.last_col)
            extents.append(counted)
    return extents


# ---------------------------------------------------------------------------
# .xls: the cell records of each sheet's BIFF substream
# ---------------------------------------------------------------------------

_BIFF_BOF = 0x0809
_BIFF_EOF = 0x000A
_BIFF_FILEPASS = 0x002F
_BIFF_BOUNDSHEET = 0x0085
#: Records of one cell: the row and column are their first two 16-bit numbers.
_BIFF_CELLS = {0x0006, 0x0406, 0x0201, 0x0203, 0x0204, 0x0205, 0x027E, 0x00FD, 0x00D6}
#: Records of a run of cells in a row: row, first column, ..., last column.
_BIFF_RUNS = {0x00BD, 0x00BE}


def _biff_sheet(stream: bytes, at: int, name: str) -> _Extent:
    """The cells of the worksheet whose substream starts at `at`: every cell record up
    to its end, blank cells too (the safe side)."""
    extent = _Extent(name)
    depth = 0
    end = len(stream)
    while at + 4 <= end:
        kind, size = struct.unpack_from("<HH", stream, at)
        body = at + 4
        at = body + size
        if kind == _BIFF_BOF:
            depth += 1
        elif kind == _BIFF_EOF:
            depth -= 1
            if depth <= 0:
                break
        elif depth == 1 and kind in _BIFF_CELLS and size >= 4:
            row, col = struct.unpack_from("<HH", stream, body)
            extent.add(row, col)
        elif depth == 1 and kind in _BIFF_RUNS and size >= 6:
            row, first = struct.unpack_from("<HH", stream, body)
            (last,) = struct.unpack_from("<H", stream, body + size - 2)
            extent.span(row, row, min(first, last), max(first, last))
    return extent


def _xls_extents(data: bytes, budget: _Budget) -> list[_Extent]:
    """The extent of every sheet an .xls lists (its BOUNDSHEET records), each read from
    where its record points: two that point at one substream are two sheets."""

    with olefile.OleFileIO(data) as ole:
        if ole.exists("EncryptedPackage"):
            raise SpreadsheetError(MSG_ENCRYPTED)
        name = next((n for n in ("Workbook", "Book") if ole.exists(n)), None)
        if name is None:
            raise KeyError("Workbook")
        budget.spend(ole.get_size(name))
        stream = ole.openstream(name).read()
    sheets = []
    at = 0
    while at + 4 <= len(stream):
        kind, size = struct.unpack_from("<HH", stream, at)
        body = at + 4
        at = body + size
        if kind == _BIFF_FILEPASS:
            raise SpreadsheetError(MSG_ENCRYPTED)
        if kind == _BIFF_BOUNDSHEET and size >= 8:
            (offset,) = struct.unpack_from("<I", stream, body)
            length, wide = stream[body + 6], stream[body + 7] & 1
            raw = stream[body + 8 : body + 8 + length * (2 if wide else 1)]
            sheets.append((offset, raw.decode("utf-16-le" if wide else "latin-1", "replace")))
        elif kind == _BIFF_EOF:
            break
    scanned: dict[int, _Extent] = {}
    extents = []
    for offset, label in sheets:
        if offset not in scanned:
            scanned[offset] = _biff_sheet(stream, offset, label)
        extent = scanned[offset]
        counted = _Extent(label)
        if extent.first_row is not None:
            counted.span(extent.first_row, extent.last_row, extent.first_col, extent.last_col)
        extents.append(counted)
    return extents


_ODS_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_ODS_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"


def _ods_extents(zf: zipfile.ZipFile, budget: _Budget) -> list[_Extent]:
    """Rows and columns of each table of content.xml, counting repeated rows and cells
    (table:number-rows-repeated, table:number-columns-repeated) as calamine does."""

    class Counted:
        def __init__(self, raw):
            self.raw = raw

        def read(self, size=-1):
            data = self.raw.read(_CHUNK if size is None or size < 0 else size)
            budget.spend(len(data))
            return data

    extents: list[_Extent] = []
    extent = None
    row = col = 0
    with zf.open("content.xml") as member:
        for event, element in iterparse(Counted(member), events=("start", "end")):
            tag = element.tag
            if event == "start":
                if tag == f"{_ODS_TABLE}table":
                    extent = _Extent(element.get(f"{_ODS_TABLE}name", ""))
                    extents.append(extent)
                    row = 0
                elif tag == f"{_ODS_TABLE}table-row":
                    col = 0
                continue
            if tag in (f"{_ODS_TABLE}table-cell", f"{_ODS_TABLE}covered-table-cell"):
                repeat = int(element.get(f"{_ODS_TABLE}number-columns-repeated", "1") or 1)
                has_value = element.get(f"{_ODS_OFFICE}value-type") is not None or len(element)
                if has_value and extent is not None:
                    extent.add(row, col + repeat - 1)
                col += repeat
                element.clear()
            elif tag == f"{_ODS_TABLE}table-row":
                repeat = int(element.get(f"{_ODS_TABLE}number-rows-repeated", "1") or 1)
                if extent is not None and extent.last_row == row:
                    extent.add(row + repeat - 1, extent.last_col)
                row += repeat
                element.clear()
    return extents


def check_extent(data: bytes, kind: str | None = None, *, limits: str = REGISTRY) -> None:
    """Refuse (SpreadsheetError) a workbook (.xlsx, .xls or .ods) whose sheets would
    hold more cells than a kind of upload (`limits`: DISTRICT or REGISTRY) may, or whose
    sheets or text unpack to more than its budgets or than the zip declares. `kind` is
    what the file is (sniff). A CSV passes: it is read row by row."""
    kind = kind or sniff(data)
    if kind not in ("xlsx", "xls", "ods"):
        return
    bounds = workbook_limits(limits)
    budget = _Budget(bounds.unpacked)
    try:
        if kind == "xls":
            extents = _xls_extents(data, budget)
        else:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                if kind == "xlsx":
                    _xlsx_shared_strings(zf, budget, bounds.shared_strings)
                    extents = _xlsx_extents(zf, budget)
                else:
                    extents = _ods_extents(zf, budget)
    except (
        zipfile.BadZipFile,  # also a member longer than it says, or with a bad CRC
        zlib.error,  # a damaged compressed stream
        KeyError,  # a member the format needs is missing
        EOFError,
        OSError,  # also a damaged OLE container (.xls)
        RuntimeError,  # an encrypted member
        NotImplementedError,  # a compression method zipfile does not know
        SyntaxError,  # XML that does not parse (ElementTree.ParseError)
        xml.parsers.expat.ExpatError,  # the same, in a sheet the fast scan hands to expat
        ValueError,  # defusedxml's refusal of entities; a bad number in an attribute
        IndexError,  # a BIFF record cut short
        struct.error,
    ) as exc:
        raise SpreadsheetError(MSG_BROKEN_WORKBOOK % {"detail": type(exc).__name__}) from None
    total = sum(e.cells for e in extents)
    if total > bounds.cells:
        far = max(extents, key=lambda e: e.cells)
        if far.cells <= bounds.cells:  # no sheet is too large, but all of them are
            raise SpreadsheetError(
                MSG_TOO_MANY_SHEET_CELLS
                % {
                    "sheets": f"{len(extents):,}",
                    "cells": f"{total:,}",
                    "limit": f"{bounds.cells:,}",
                }
            )
        raise SpreadsheetError(
            MSG_TOO_MANY_CELLS
            % {
                "sheet": far.sheet,
                "cell": f"{column_letter(far.last_col)}{far.last_row + 1}",
                "cells": f"{far.cells:,}",
            }
        )


#: The files that passed check_workbook lately, by their content's digest and the budgets
#: they fit: an upload is checked by its form (check_upload) and again by the reader
#: (open_workbook), the same bytes twice in one request; a district's survey form took
#: 2.8 ms to scan each time (issue #19). Only a pass is remembered, and only for bytes
#: equal to those checked, so the verdict is the one the scan would give again.
_PASSED: dict[tuple[bytes, Limits], str] = {}
_PASSED_MAX = 16
_passed_lock = threading.Lock()


def check_workbook(data: bytes, *, kind: str) -> str:
    """The one check of a file's content before anything reads or keeps it: what it is
    ("xlsx", "xls", "ods" or "csv"), or SpreadsheetError with the reason in Thai. `kind`
    is the kind of upload (DISTRICT or REGISTRY) whose budgets it must fit."""
    key = (hashlib.blake2b(data, digest_size=32).digest(), workbook_limits(kind))
    found = _PASSED.get(key)
    if found is not None:
        return found
    found = sniff(data)
    check_extent(data, found, limits=kind)
    with _passed_lock:
        if len(_PASSED) >= _PASSED_MAX:
            _PASSED.pop(next(iter(_PASSED)))  # the oldest
        _PASSED[key] = found
    return found
