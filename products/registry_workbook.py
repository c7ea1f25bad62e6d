"""The flat OTOP registry: one header row, one row per product.

The department's registration program (โปรแกรมลงทะเบียนโอท็อป) exports the registry as
a flat table. Its columns are found by their header, in any order; whitespace and line
breaks inside a header do not matter. รหัสผลิตภัณฑ์ and สถานะ are optional.

`registry_read` is phases 1 and 2 of an import (STYLE.md): it reads and cleans every
row and collects a Problem for every bad cell and every duplicate, without touching the
database except to load the gazetteer. `products.services.registry_import` is phase 3.
`registry_write` writes the same layout, for generated registries and tests.

The reader is built for a country-sized file (200,000 rows): values that repeat (types,
places, statuses) are parsed once and cached, and the gazetteer is loaded once for the
provinces present.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from districts.models import Province
from districts.selectors import Gazetteer, name_key
from otop_portal.cells import (
    THAI_DIGITS,
    CellError,
    clean_text,
    header_key,
    is_blank,
    parse_be_year,
    parse_code,
    parse_name,
    parse_phone,
    parse_small_text,
)
from otop_portal.importing import Notice, Problem, ProblemCollector
from otop_portal.spreadsheet import Sheet, SpreadsheetError, column_letter, open_workbook
from products.models import ProductStatus
from products.vocab import parse_entrepreneur_type, parse_product_type

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

# Limits of the model's fields, so that a long value is refused here and not by the
# database in the middle of the write.
LIMITS = {"house_no": 30, "moo": 10}

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


def _find_header(sheets: list[Sheet], max_rows: int = 20):
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


# Parsers of the columns whose values repeat (types, years, and an entrepreneur's
# details on each of its product rows); their results are cached by raw value.
_CACHED_PARSERS = {
    "entrepreneur_code": parse_code,
    "entrepreneur_name": parse_name,
    "entrepreneur_type": lambda v: int(parse_entrepreneur_type(v)),
    "product_type": lambda v: int(parse_product_type(v)),
    "registered_year": parse_be_year,
    "status": parse_status,
    "house_no": _limited(parse_small_text, LIMITS["house_no"]),
    "moo": _limited(parse_small_text, LIMITS["moo"]),
    "phone": parse_phone,
}
# Parsers of the columns whose values are unique to a row.
_PLAIN_PARSERS = {
    "product_code": lambda v: parse_code(v, required=False),
    "product_name": parse_name,
}


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
    """Resolves (province, district, subdistrict) as typed, once per distinct triple."""

    def __init__(self, sheet: Sheet, start: int, columns: dict[str, int]):
        col = columns["province"]
        provinces = {
            clean_text(v) for v in {row[col] for row in sheet.rows[start:] if col < len(row)}
        }
        index = Gazetteer()
        for p in Province.objects.all():
            for key in (name_key(p.name_th), name_key(p.name_en), p.code):
                index.provinces[key] = p
        codes = set()
        for value in provinces:
            try:
                codes.add(index.province(value).obj.code)
            except CellError:
                pass
        self.gazetteer = Gazetteer.load(sorted(codes)) if codes else index
        self.gazetteer.provinces = index.provinces
        self.cache: dict[tuple, tuple] = {}
        self.raw_cache: dict[tuple, tuple] = {}

    def resolve(self, province, district, subdistrict):
        """Returns (subdistrict, district, province, notes) or raises (field, CellError)."""
        raw = (province, district, subdistrict)
        found = self.raw_cache.get(raw)
        if found is None:
            key = (clean_text(province), clean_text(district), clean_text(subdistrict))
            found = self.cache.get(key)
            if found is None:
                found = self.cache[key] = self._resolve(*key)
            self.raw_cache[raw] = found
        if isinstance(found[0], str):
            raise _PlaceError(*found)
        return found

    def _resolve(self, province, district, subdistrict):
        g = self.gazetteer
        notes = []
        try:
            p = g.province(province)
        except CellError as exc:
            return ("province", exc)
        if p.note:
            notes.append(("province", p.note))
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


class _PlaceError(Exception):
    def __init__(self, field_name, error):
        super().__init__(str(error))
        self.field_name = field_name
        self.error = error


def registry_read(file, *, name: str = "") -> RegistryFile:
    """Read and clean a registry file (a path or a file object).

    Never raises for bad content: every problem (an unreadable file, a missing column, a
    bad cell, a duplicate) is in the result's `problems`, and the caller refuses the file
    if there is any.
    """
    result = RegistryFile()
    try:
        book = open_workbook(file, name=name)
    except SpreadsheetError as exc:
        result.problems.append(Problem(str(exc.message)))
        return result
    sheet, header_index, found = _find_header(book.sheets)
    result.sheet = sheet.name if book.kind != "csv" else ""
    collector = ProblemCollector(sheet=result.sheet)
    missing = [n for n in REQUIRED if n not in found]
    if len(found) < 3:
        collector.add(MSG_NO_HEADER % {"headers": ", ".join(HEADERS[n] for n in REQUIRED)})
        result.problems = collector.problems
        return result
    for n in missing:
        collector.add(
            MSG_MISSING_COLUMN % {"header": HEADERS[n]}, row=header_index + 1, header=HEADERS[n]
        )
    if missing:
        result.problems = collector.problems
        return result
    result.columns = {n: column_letter(i) for n, i in found.items()}
    start = header_index + 1
    if not any(any(not is_blank(c) for c in row) for row in sheet.rows[start:]):
        collector.add(MSG_NO_ROWS, row=start)
        result.problems = collector.problems
        return result

    places = _Places(sheet, start, found)
    caches: dict[str, dict] = {n: {} for n in _CACHED_PARSERS}
    slips: dict[tuple[str, str], list] = {}  # (message, column) -> [first row, count]
    fields = [
        (n, i, _CACHED_PARSERS.get(n), _PLAIN_PARSERS.get(n))
        for n, i in found.items()
        if n not in ("province", "district", "subdistrict")
    ]

    for index in range(start, len(sheet.rows)):
        raw = sheet.rows[index]
        if _row_is_blank(raw):
            continue
        excel_row = index + 1
        values = {}
        ok = True
        for n, col, cached, plain in fields:
            value = raw[col] if col < len(raw) else ""
            try:
                if cached is not None:
                    cache = caches[n]
                    key = (type(value), value)
                    parsed = cache.get(key)
                    if parsed is None:
                        try:
                            parsed = cache[key] = cached(value)
                        except CellError as exc:
                            parsed = cache[key] = exc
                    if isinstance(parsed, CellError):
                        raise parsed
                    values[n] = parsed
                else:
                    values[n] = plain(value)
            except CellError as exc:
                ok = False
                collector.add(
                    exc.message,
                    row=excel_row,
                    column=column_letter(col),
                    header=HEADERS[n],
                    value=value,
                )
        cells = [
            raw[found[n]] if found[n] < len(raw) else ""
            for n in ("province", "district", "subdistrict")
        ]
        try:
            subdistrict, district, province, notes = places.resolve(*cells)
        except _PlaceError as exc:
            ok = False
            col = found[exc.field_name]
            collector.add(
                exc.error.message,
                row=excel_row,
                column=column_letter(col),
                header=HEADERS[exc.field_name],
                value=raw[col] if col < len(raw) else "",
            )
        else:
            for field_name, note in notes:
                slot = slips.setdefault(
                    (str(note), column_letter(found[field_name])), [excel_row, 0]
                )
                slot[1] += 1
        if not ok:
            continue
        result.rows.append(
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

    for (message, column), (row, count) in slips.items():
        text = message if count == 1 else MSG_SAME_SLIP_ROWS % {"message": message, "count": count}
        collector.notice(text, row=row, column=column)
    registry_check(result.rows, collector, columns=result.columns)
    result.problems = collector.problems
    result.notices = collector.notices
    return result


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
    """A clean row as the cells of the flat registry, in COLUMNS order."""
    from products.vocab import EntrepreneurType, ProductType

    return [
        row.entrepreneur_code,
        row.entrepreneur_name,
        EntrepreneurType(row.entrepreneur_type).label,
        row.product_code,
        row.product_name,
        ProductType(row.product_type).label,
        row.registered_year,
        row.house_no,
        row.moo,
        row.subdistrict_name,
        row.district_name,
        row.province_name,
        row.phone,
        ProductStatus(row.status).label,
    ]


def registry_write(rows: Iterable[RegistryRow], output) -> None:
    """Write rows as a flat registry workbook (.xlsx), streaming.

    `output` is a path or a binary file object. Codes and phone numbers are text cells,
    as the registration program writes them.
    """
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
    import csv
    import io

    from otop_portal.cells import csv_safe

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
