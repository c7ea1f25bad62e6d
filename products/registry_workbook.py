"""The flat OTOP registry: one header row, one row per product.

The department's registration program (โปรแกรมลงทะเบียนโอท็อป) exports the registry as
a flat table. Its columns are found by their header, in any order; whitespace and line
breaks inside a header do not matter. รหัสผลิตภัณฑ์ and สถานะ are optional.

`registry_read` is phases 1 and 2 of an import (STYLE.md): it reads and cleans every
row and collects a Problem for every bad cell and every duplicate, without touching the
database except to load the gazetteer. `products.services.registry_import` is phase 3.
`registry_write` writes the same layout, for generated registries and tests.

The reader is built for a country-sized file (200,000 rows, bench/registry.py): it
streams the sheet's rows from calamine rather than holding every cell as a Python object;
values that repeat (types, places, an entrepreneur's details) are parsed once per column
and cached; a cell that is already clean skips the shared parsers' cleaning, with the
same result; and the gazetteer is loaded once for the provinces present.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from districts.models import Province
from districts.selectors import Gazetteer, name_key
from otop_portal.bounded import BoundedBook
from otop_portal.cells import (
    THAI_DIGITS,
    CellError,
    clean_text,
    csv_safe,
    header_key,
    is_blank,
    parse_be_year,
    parse_code,
    parse_name,
    parse_phone,
    parse_small_text,
)
from otop_portal.importing import Notice, Problem, ProblemCollector
from otop_portal.spreadsheet import (
    Sheet,
    SpreadsheetError,
    Workbook,
    column_letter,
    open_workbook,
)
from otop_portal.uploads import REGISTRY, check_workbook
from products.models import ProductStatus
from products.vocab import (
    ENTREPRENEUR_TYPE_TH,
    PRODUCT_TYPE_TH,
    parse_entrepreneur_type,
    parse_product_type,
)

# The columns of the registry: field name, the department's header, aliases seen in use.
COLUMNS: list[tuple[str, str, tuple[str, ...]]] = [
    ("entrepreneur_code", "รหัสผู้ประกอบการ OTOP", ("รหัสผู้ประกอบการ",)),
    ("entrepreneur_name", "ชื่อผู้ผลิตผู้ประกอบการ OTOP", ("ชื่อผู้ผลิตผู้ประกอบการ", "ชื่อผู้ประกอบการ")),
    ("entrepreneur_type", "ประเภทผู้ประกอบการ", ()),
    ("product_code", "รหัสผลิตภัณฑ์", ()),
    ("product_name", "ชื่อผลิตภัณฑ์", ()),
    ("product_type", "ประเภทผลิตภัณฑ์", ()),
    ("registered_year", "ปีที่ลงทะเบียน", ("ปีที่ลงทะเบียน (พ.ศ.)", "ปีลงทะเบียน")),
    ("house_no", "เลขที่", ()),
    ("moo", "หมู่ที่", ("หมู่",)),
    ("subdistrict", "ตำบล", ()),
    ("district", "อำเภอ", ()),
    ("province", "จังหวัด", ()),
    ("phone", "เบอร์โทรศัพท์", ("โทรศัพท์", "เบอร์โทร")),
    ("status", "สถานะ", ()),
]
HEADERS = {name: header for name, header, _aliases in COLUMNS}
OPTIONAL = {"product_code", "status"}
REQUIRED = [name for name, _header, _aliases in COLUMNS if name not in OPTIONAL]

STATUS_WORDS = {
    "ปกติ": ProductStatus.ACTIVE,
    "active": ProductStatus.ACTIVE,
    "ยกเลิก": ProductStatus.CANCELLED,
    "cancelled": ProductStatus.CANCELLED,
    "canceled": ProductStatus.CANCELLED,
}
#: The status as the registration program writes it: Thai whatever the UI's language.
STATUS_TH = {ProductStatus.ACTIVE: "ปกติ", ProductStatus.CANCELLED: "ยกเลิก"}

# Limits of the model's fields, so that a long value is refused here and not by the
# database in the middle of the write.
LIMITS = {"house_no": 30, "moo": 10}
NAME_LIMIT = 255
PHONE_LIMIT = 100  # Entrepreneur.phone
#: The header is looked for in the first rows of each sheet.
HEADER_SEARCH_ROWS = 20
#: From this many rows, a file is read with the whole country's gazetteer, loaded at once.
GAZETTEER_ALL_ROWS = 20_000
#: A reader's progress callback is called every this many rows.
PROGRESS_ROWS = 5000

MSG_NO_HEADER = _("ไม่พบแถวหัวตารางของทะเบียน ต้องมีหัวคอลัมน์: %(headers)s")
MSG_MISSING_COLUMN = _("ไม่พบคอลัมน์ “%(header)s”")
MSG_NO_ROWS = _("ไม่มีแถวข้อมูลใต้หัวตาราง")
MSG_BAD_STATUS = _("“%(value)s” ไม่ใช่สถานะ ต้องเป็น ปกติ หรือ ยกเลิก")
MSG_DUPLICATE_PRODUCT_CODE = _("รหัสผลิตภัณฑ์ “%(code)s” ซ้ำกับแถว %(row)s")
MSG_DUPLICATE_PRODUCT = _("ผลิตภัณฑ์ “%(name)s” ของผู้ประกอบการ %(code)s ซ้ำกับแถว %(row)s")
MSG_ENTREPRENEUR_TWO_DISTRICTS = _(
    "ผู้ประกอบการ %(code)s อยู่อำเภอ%(district)s ในแถว %(row)s แต่แถวนี้เป็นอำเภอ%(other)s"
)
MSG_ENTREPRENEUR_DIFFERS = _(
    "ผู้ประกอบการ %(code)s มีชื่อ ประเภท ที่อยู่ หรือเบอร์โทรศัพท์ต่างจากแถว %(row)s ระบบใช้ข้อมูลของแถว %(row)s"
)
MSG_SAME_SLIP_ROWS = _("%(message)s (%(count)s แถว)")


@dataclass(slots=True)
class RegistryRow:
    """One clean row of the registry: a product and its entrepreneur.

    Places are resolved: the codes are DOPA codes, the names the real names.
    `row` is the row number as Excel shows it (0 for rows that were not read from a file).
    """

    entrepreneur_code: str
    entrepreneur_name: str
    entrepreneur_type: int
    product_name: str
    product_type: int
    registered_year: int
    subdistrict_code: str
    district_code: str
    house_no: str = ""
    moo: str = ""
    phone: str = ""
    product_code: str = ""
    status: str = ProductStatus.ACTIVE
    subdistrict_name: str = ""
    district_name: str = ""
    province_name: str = ""
    row: int = 0

    @property
    def product_key(self) -> tuple[str, str]:
        """How a product is known when it has no code: its entrepreneur and its name."""
        return (self.entrepreneur_code, self.product_name)

    def entrepreneur_values(self) -> tuple:
        """What an entrepreneur's rows must agree on (first row wins, with a notice)."""
        return (
            self.entrepreneur_name,
            self.entrepreneur_type,
            self.house_no,
            self.moo,
            self.subdistrict_code,
            self.phone,
        )


@dataclass
class RegistryFile:
    """What `registry_read` found: the clean rows, and every problem and notice."""

    rows: list[RegistryRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    sheet: str = ""
    #: The column letter of each field found, e.g. {"product_code": "D"}.
    columns: dict[str, str] = field(default_factory=dict)

    @property
    def has_product_code(self) -> bool:
        return "product_code" in self.columns


def _key(value) -> str:
    return header_key(value).lower()


_HEADER_LOOKUP = {
    _key(text): name for name, header, aliases in COLUMNS for text in (header, *aliases)
}


def _header_columns(row: list) -> dict[str, int]:
    """The fields named by a row's cells (first occurrence wins)."""
    found: dict[str, int] = {}
    for index, value in enumerate(row):
        name = _HEADER_LOOKUP.get(_key(value))
        if name and name not in found:
            found[name] = index
    return found


def _find_header(sheets: list[Sheet], max_rows: int = HEADER_SEARCH_ROWS):
    """The sheet, header row index and columns that best look like the registry's."""
    best = None
    for sheet in sheets:
        for index, row in enumerate(sheet.rows[:max_rows]):
            columns = _header_columns(row)
            if best is None or len(columns) > len(best[2]):
                best = (sheet, index, columns)
            if all(name in columns for name in REQUIRED):
                return sheet, index, columns
    return best


def parse_status(value) -> str:
    """ปกติ is active, ยกเลิก is cancelled; a blank status is active."""
    if is_blank(value):
        return ProductStatus.ACTIVE
    found = STATUS_WORDS.get(re.sub(r"\s+", "", clean_text(value)).lower())
    if found is None:
        raise CellError(MSG_BAD_STATUS % {"value": clean_text(value)}, value)
    return found


def _limited(parser, limit):
    def parse(value):
        text = parser(value)
        if len(text) > limit:
            raise CellError(_("ยาวเกิน %(limit)s ตัวอักษร") % {"limit": limit}, value)
        return text

    return parse


# Fast paths for the usual, already clean cell. Each returns exactly what the general
# parser would (tests/products/test_registry_workbook.py compares them), skipping the
# Unicode normalisation and regular expressions that dominate reading a country's file.
_ASCII_CODE = re.compile(r"[0-9A-Za-z][0-9A-Za-z\-_/.]{0,39}")


def _parse_code(value, *, required: bool = True) -> str:
    """parse_code; a code of ASCII letters, digits and -_/. needs no cleaning."""
    if value.__class__ is str and _ASCII_CODE.fullmatch(value):
        return value.upper()
    return parse_code(value, required=required)


def _parse_name(value) -> str:
    """parse_name, without cleaning a name that clean_text would return as it is: a str
    with no line break, tab, zero-width or no-break space (none of them is printable),
    no double space, no space at either end, and already in NFC."""
    if (
        value.__class__ is str
        and value
        and len(value) <= NAME_LIMIT
        and value.isprintable()
        and value[0] != " "
        and value[-1] != " "
        and "  " not in value
        and unicodedata.is_normalized("NFC", value)
    ):
        return value
    return parse_name(value, limit=NAME_LIMIT)


def _parse_phone(value) -> str:
    """parse_phone; a phone number of ASCII digits only needs no cleaning."""
    if value.__class__ is str and value.isdigit() and value.isascii() and len(value) <= PHONE_LIMIT:
        return value
    return parse_phone(value, limit=PHONE_LIMIT)


# The parser of each column but the places. Their results are cached by raw value, per
# column: types, years, statuses and an entrepreneur's details repeat on many rows, and
# product names repeat between entrepreneurs. Product codes are unique to a row.
_PARSERS = {
    "entrepreneur_code": _parse_code,
    "entrepreneur_name": _parse_name,
    "entrepreneur_type": lambda v: int(parse_entrepreneur_type(v)),
    "product_code": lambda v: _parse_code(v, required=False),
    "product_name": _parse_name,
    "product_type": lambda v: int(parse_product_type(v)),
    "registered_year": parse_be_year,
    "status": parse_status,
    "house_no": _limited(parse_small_text, LIMITS["house_no"]),
    "moo": _limited(parse_small_text, LIMITS["moo"]),
    "phone": _parse_phone,
}
_UNCACHED = {"product_code"}
# The order in which the fast path reads the required columns: RegistryRow's.
_FAST_FIELDS = [
    "entrepreneur_code",
    "entrepreneur_name",
    "entrepreneur_type",
    "product_name",
    "product_type",
    "registered_year",
]
_FAST_FIELDS_AFTER_PLACES = ["house_no", "moo", "phone"]
_PLACE_FIELDS = ("province", "district", "subdistrict")


class _Failed:
    """A cached CellError: the parser refused this raw value."""

    __slots__ = ("error",)

    def __init__(self, error: CellError):
        self.error = error


def _cache_key(value):
    # 1, 1.0 and True are equal as dict keys but parse differently (True is not a
    # number), so only strings are keys as they are.
    return value if value.__class__ is str else (value.__class__, value)


def _parse_cached(cache: dict | None, parser, value):
    """The parsed value, or a _Failed; cache is None for a column of unique values."""
    if cache is None:
        try:
            return parser(value)
        except CellError as exc:
            return _Failed(exc)
    key = _cache_key(value)
    parsed = cache.get(key)
    if parsed is None:
        try:
            parsed = parser(value)
        except CellError as exc:
            parsed = _Failed(exc)
        cache[key] = parsed
    return parsed


def _row_is_blank(raw: list) -> bool:
    """True when no cell of a row holds anything; fast for the usual, filled row."""
    for c in raw:
        if c is None or c == "":
            continue
        if isinstance(c, str) and c.strip().strip("\u200b") == "":
            continue
        return False
    return True


class _Places:
    """Resolves (province, district, subdistrict) as typed, once per distinct triple.

    The provinces are loaded at once (one query); each province's districts and
    subdistricts when its first row comes (three queries), so that a district's file
    loads one province only. A file of more than GAZETTEER_ALL_ROWS rows loads the
    whole country at once instead (three queries).
    """

    def __init__(self, *, everything: bool = False):
        if everything:
            self.gazetteer = Gazetteer.load()
            self.loaded = set(self.gazetteer.districts_by_province)
        else:
            self.gazetteer = Gazetteer()
            for p in Province.objects.all():
                for key in (name_key(p.name_th), name_key(p.name_en), p.code):
                    self.gazetteer.provinces[key] = p
            self.loaded: set[str] = set()
        self.cache: dict[tuple, tuple] = {}
        self.raw_cache: dict[tuple, tuple] = {}

    def resolve(self, province, district, subdistrict):
        """Returns (subdistrict, district, province, notes) or a (field, CellError) pair."""
        raw = (province, district, subdistrict)
        found = self.raw_cache.get(raw)
        if found is None:
            key = (clean_text(province), clean_text(district), clean_text(subdistrict))
            found = self.cache.get(key)
            if found is None:
                found = self.cache[key] = self._resolve(*key)
            self.raw_cache[raw] = found
        return found

    def _load(self, code: str) -> None:
        loaded = Gazetteer.load([code])
        self.gazetteer.districts_by_province.update(loaded.districts_by_province)
        self.gazetteer.subdistricts_by_district.update(loaded.subdistricts_by_district)
        self.loaded.add(code)

    def _resolve(self, province, district, subdistrict):
        g = self.gazetteer
        notes = []
        try:
            p = g.province(province)
        except CellError as exc:
            return ("province", exc)
        if p.note:
            notes.append(("province", p.note))
        if p.obj.code not in self.loaded:
            self._load(p.obj.code)
        try:
            d = g.district(district, p.obj)
        except CellError as exc:
            return ("district", exc)
        if d.note:
            notes.append(("district", d.note))
        try:
            s = g.subdistrict(subdistrict, d.obj)
        except CellError as exc:
            return ("subdistrict", exc)
        if s.note:
            notes.append(("subdistrict", s.note))
        return (s.obj, d.obj, p.obj, notes)


# ---------------------------------------------------------------------------
# Opening the file
# ---------------------------------------------------------------------------


@dataclass
class _Opened:
    """The sheet chosen for the registry: its header and its rows, streamed."""

    kind: str
    sheet: str
    header_index: int
    columns: dict[str, int]
    #: (0-based row index, cells) of the rows under the header.
    rows: Iterator[tuple[int, list]]
    #: The number of rows of the sheet (for progress).
    height: int
    close: Callable[[], None] = lambda: None


def _read_bytes(file) -> bytes:
    if hasattr(file, "read"):
        if hasattr(file, "seek"):
            file.seek(0)
        return file.read()
    with open(file, "rb") as fh:
        return fh.read()


def _open(file, *, name: str) -> _Opened | Workbook:
    """The registry's sheet, streamed, when a visible sheet has the registry's complete
    header in its first rows; otherwise the whole workbook (open_workbook), so that the
    reader can say what is missing. Raises SpreadsheetError as open_workbook does."""
    data = _read_bytes(file)
    # A sheet whose extent reaches the last row or column makes calamine allocate the
    # whole grid (gigabytes) or abort the process: refuse it before reading.
    kind = check_workbook(data, kind=REGISTRY)
    if kind != "csv":
        book = BoundedBook(data, kind=REGISTRY)
        try:
            for sheet, visible in book.sheets:
                if not visible:
                    continue
                head, height = book.head(sheet, HEADER_SEARCH_ROWS)
                for index, row in enumerate(head):
                    columns = _header_columns(row)
                    if all(n in columns for n in REQUIRED):
                        rows = enumerate(book.stream(sheet, head), start=0)
                        return _Opened(
                            kind=kind,
                            sheet=sheet,
                            header_index=index,
                            columns=columns,
                            rows=((i, r) for i, r in rows if i > index),
                            height=height,
                            close=book.close,
                        )
        except BaseException:
            book.close()
            raise
        book.close()
    return open_workbook(io.BytesIO(data), name=name, limits=REGISTRY)


def registry_read(file, *, name: str = "", progress=None) -> RegistryFile:
    """Read and clean a registry file (a path or a file object).

    Never raises for bad content: every problem (an unreadable file, a missing column, a
    bad cell, a duplicate) is in the result's `problems`, and the caller refuses the file
    if there is any. `progress(done, total)`, if given, is called every PROGRESS_ROWS
    rows read.
    """
    result = RegistryFile()
    try:
        opened = _open(file, name=name)
    except SpreadsheetError as exc:
        result.problems.append(Problem(str(exc.message)))
        return result
    if isinstance(opened, Workbook):
        book = opened
        sheet, header_index, found = _find_header(book.sheets)
        opened = _Opened(
            kind=book.kind,
            sheet=sheet.name,
            header_index=header_index,
            columns=found,
            rows=enumerate(sheet.rows[header_index + 1 :], start=header_index + 1),
            height=len(sheet.rows),
        )
    try:
        _read_rows(opened, result, progress)
    except SpreadsheetError as exc:  # the reader's child ended while streaming
        result.problems.append(Problem(str(exc.message)))
    finally:
        opened.close()
    return result


def _read_rows(opened: _Opened, result: RegistryFile, progress) -> None:
    """Phases 1 and 2 on the opened sheet: clean every row, then check between rows."""
    found, header_index = opened.columns, opened.header_index
    result.sheet = opened.sheet if opened.kind != "csv" else ""
    collector = ProblemCollector(sheet=result.sheet)
    missing = [n for n in REQUIRED if n not in found]
    if len(found) < 3:
        collector.add(MSG_NO_HEADER % {"headers": ", ".join(HEADERS[n] for n in REQUIRED)})
        result.problems = collector.problems
        return
    for n in missing:
        collector.add(
            MSG_MISSING_COLUMN % {"header": HEADERS[n]}, row=header_index + 1, header=HEADERS[n]
        )
    if missing:
        result.problems = collector.problems
        return
    result.columns = {n: column_letter(i) for n, i in found.items()}

    places = None  # loaded with the first row, so that a file without rows makes no query
    caches: dict[str, dict | None] = {n: (None if n in _UNCACHED else {}) for n in _PARSERS}
    # Every column in the file's order, for the exact report of a row with a problem.
    fields = [(n, i, caches[n], _PARSERS[n]) for n, i in found.items() if n not in _PLACE_FIELDS]
    fast = [(found[n], caches[n], _PARSERS[n]) for n in _FAST_FIELDS]
    fast_after = [(found[n], caches[n], _PARSERS[n]) for n in _FAST_FIELDS_AFTER_PLACES]
    c_province, c_district, c_subdistrict = (found[n] for n in _PLACE_FIELDS)
    c_code = found.get("product_code")
    c_status = found.get("status")
    status_cache = caches["status"]
    width = max(found.values()) + 1
    padding = [""] * width
    slips: dict[tuple[str, str], list] = {}  # (message, column) -> [first row, count]
    rows = result.rows
    append = rows.append
    seen = 0
    content = False

    for index, raw in opened.rows:
        if len(raw) < width:
            raw = [*raw, *padding[len(raw) :]]
        if _row_is_blank(raw):
            continue
        seen += 1
        if not content:
            # A row of zero-width spaces is not skipped above but holds nothing.
            content = any(not is_blank(c) for c in raw)
        if progress is not None and seen % PROGRESS_ROWS == 0:
            progress(index + 1, opened.height)
        if places is None:
            places = _Places(everything=opened.height > GAZETTEER_ALL_ROWS)
        excel_row = index + 1

        # The fast path: every cell parses (from the caches, mostly) and the place
        # resolves. Any problem and the row is read again below, cell by cell in the
        # file's column order, so that its problems are reported exactly.
        values = []
        for col, cache, parser in fast:
            value = raw[col]
            parsed = cache.get(value if value.__class__ is str else (value.__class__, value))
            if parsed is None:
                parsed = _parse_cached(cache, parser, value)
            if parsed.__class__ is _Failed:
                break
            values.append(parsed)
        else:
            place = places.resolve(raw[c_province], raw[c_district], raw[c_subdistrict])
            if place[0].__class__ is not str:
                subdistrict, district, province, notes = place
                values += (subdistrict.code, district.code)
                for col, cache, parser in fast_after:
                    value = raw[col]
                    parsed = cache.get(
                        value if value.__class__ is str else (value.__class__, value)
                    )
                    if parsed is None:
                        parsed = _parse_cached(cache, parser, value)
                    if parsed.__class__ is _Failed:
                        break
                    values.append(parsed)
                else:
                    if c_code is None:
                        code = ""
                    else:
                        code = raw[c_code]
                        if code.__class__ is str and _ASCII_CODE.fullmatch(code):
                            code = code.upper()
                        else:
                            code = _parse_cached(None, _PARSERS["product_code"], code)
                    status = (
                        ProductStatus.ACTIVE
                        if c_status is None
                        else _parse_cached(status_cache, parse_status, raw[c_status])
                    )
                    if code.__class__ is not _Failed and status.__class__ is not _Failed:
                        for field_name, note in notes:
                            slot = slips.setdefault(
                                (str(note), column_letter(found[field_name])), [excel_row, 0]
                            )
                            slot[1] += 1
                        append(
                            RegistryRow(
                                *values,
                                code,
                                status,
                                subdistrict.name_th,
                                district.name_th,
                                province.name_th,
                                excel_row,
                            )
                        )
                        continue
        _report_row(raw, excel_row, fields, found, places, collector, slips, append)

    if not content:
        result.rows = []
        result.problems = [Problem(str(MSG_NO_ROWS), sheet=result.sheet, row=header_index + 1)]
        return
    for (message, column), (row, count) in slips.items():
        text = message if count == 1 else MSG_SAME_SLIP_ROWS % {"message": message, "count": count}
        collector.notice(text, row=row, column=column)
    registry_check(result.rows, collector, columns=result.columns)
    result.problems = collector.problems
    result.notices = collector.notices


def _report_row(raw, excel_row, fields, found, places, collector, slips, append) -> None:
    """Read one row cell by cell in the file's column order, reporting every problem;
    the row is kept if it has none."""
    values = {}
    ok = True
    for n, col, cache, parser in fields:
        value = raw[col]
        parsed = _parse_cached(cache, parser, value)
        if parsed.__class__ is _Failed:
            ok = False
            collector.add(
                parsed.error.message,
                row=excel_row,
                column=column_letter(col),
                header=HEADERS[n],
                value=value,
            )
        else:
            values[n] = parsed
    place = places.resolve(*(raw[found[n]] for n in _PLACE_FIELDS))
    if place[0].__class__ is str:
        field_name, error = place
        ok = False
        col = found[field_name]
        collector.add(
            error.message,
            row=excel_row,
            column=column_letter(col),
            header=HEADERS[field_name],
            value=raw[col],
        )
    else:
        subdistrict, district, province, notes = place
        for field_name, note in notes:
            slot = slips.setdefault((str(note), column_letter(found[field_name])), [excel_row, 0])
            slot[1] += 1
    if ok:
        append(
            RegistryRow(
                subdistrict_code=subdistrict.code,
                district_code=district.code,
                subdistrict_name=subdistrict.name_th,
                district_name=district.name_th,
                province_name=province.name_th,
                row=excel_row,
                **values,
            )
        )


def registry_check(
    rows: Iterable[RegistryRow],
    collector: ProblemCollector,
    *,
    columns: dict[str, str] | None = None,
) -> None:
    """Problems between rows: a product code or (entrepreneur, product name) twice, an
    entrepreneur in two districts. An entrepreneur whose other details differ between
    its rows is taken from its first row, with a notice: real registries carry such
    slips (a phone number updated on one product only) and refusing them would block
    the whole country's import for a cosmetic difference."""
    columns = columns or {}
    by_code: dict[str, int] = {}
    by_key: dict[tuple[str, str], int] = {}
    entrepreneurs: dict[str, RegistryRow] = {}
    differs_noted: set[str] = set()
    for r in rows:
        if r.product_code:
            first = by_code.setdefault(r.product_code, r.row)
            if first != r.row:
                collector.add(
                    MSG_DUPLICATE_PRODUCT_CODE % {"code": r.product_code, "row": first},
                    row=r.row,
                    column=columns.get("product_code", ""),
                    header=HEADERS["product_code"],
                    value=r.product_code,
                )
        first = by_key.setdefault(r.product_key, r.row)
        if first != r.row:
            collector.add(
                MSG_DUPLICATE_PRODUCT
                % {"name": r.product_name, "code": r.entrepreneur_code, "row": first},
                row=r.row,
                column=columns.get("product_name", ""),
                header=HEADERS["product_name"],
                value=r.product_name,
            )
        owner = entrepreneurs.setdefault(r.entrepreneur_code, r)
        if owner is r:
            continue
        if owner.district_code != r.district_code:
            collector.add(
                MSG_ENTREPRENEUR_TWO_DISTRICTS
                % {
                    "code": r.entrepreneur_code,
                    "district": owner.district_name or owner.district_code,
                    "row": owner.row,
                    "other": r.district_name or r.district_code,
                },
                row=r.row,
                column=columns.get("district", ""),
                header=HEADERS["district"],
                value=r.district_name,
            )
        elif (
            owner.entrepreneur_values() != r.entrepreneur_values()
            and r.entrepreneur_code not in differs_noted
        ):
            differs_noted.add(r.entrepreneur_code)
            collector.notice(
                MSG_ENTREPRENEUR_DIFFERS % {"code": r.entrepreneur_code, "row": owner.row},
                row=r.row,
            )


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------


def registry_cells(row: RegistryRow) -> list:
    """A clean row as the cells of the flat registry, in COLUMNS order.

    The types and status are written with their Thai labels, never the translated ones:
    the registry is the department's file and reads the same in any UI language."""
    return [
        row.entrepreneur_code,
        row.entrepreneur_name,
        ENTREPRENEUR_TYPE_TH[row.entrepreneur_type],
        row.product_code,
        row.product_name,
        PRODUCT_TYPE_TH[row.product_type],
        row.registered_year,
        row.house_no,
        row.moo,
        row.subdistrict_name,
        row.district_name,
        row.province_name,
        row.phone,
        STATUS_TH[ProductStatus(row.status)],
    ]


def registry_write(rows: Iterable[RegistryRow], output) -> None:
    """Write rows as a flat registry workbook (.xlsx), streaming.

    `output` is a path or a binary file object. Codes and phone numbers are text cells,
    as the registration program writes them.
    """
    # Loaded here, not at the top: only the writers of test and benchmark files need it,
    # not every process that reads a registry.
    import xlsxwriter

    book = xlsxwriter.Workbook(
        output,
        {
            "constant_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    sheet = book.add_worksheet("registry")
    for col, (_name, header, _aliases) in enumerate(COLUMNS):
        sheet.write_string(0, col, header)
    for index, row in enumerate(rows, start=1):
        for col, value in enumerate(registry_cells(row)):
            if isinstance(value, int):
                sheet.write_number(index, col, value)
            else:
                sheet.write_string(index, col, str(value))
    book.close()


def registry_csv(rows: Iterable[RegistryRow]) -> bytes:
    """The same rows as a UTF-8 CSV file (with a byte-order mark, as Excel saves it)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([header for _name, header, _aliases in COLUMNS])
    for row in rows:
        writer.writerow([csv_safe(c) for c in registry_cells(row)])
    return buffer.getvalue().encode("utf-8-sig")


def parse_date_option(text: str) -> dt.date:
    """A date given on the command line: 2021-04-01, or in Buddhist Era, 2564-04-01.

    A year of 2400 or more is read as Buddhist Era. Thai digits are accepted.
    """
    value = clean_text(text).translate(THAI_DIGITS)
    try:
        date = dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(
            _("“%(value)s” ไม่ใช่วันที่ ให้เขียนแบบ YYYY-MM-DD เช่น 2021-04-01 หรือ 2564-04-01")
            % {"value": text}
        ) from None
    if date.year >= 2400:
        try:
            date = date.replace(year=date.year - 543)
        except ValueError:  # 29 February of a BE year whose CE year is not leap
            raise ValueError(_("“%(value)s” ไม่มีวันนี้ในปฏิทิน") % {"value": text}) from None
    return date
