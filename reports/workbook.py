"""Attachment 3, the result report (แบบรายงานผล), as docs/forms.md lays it out.

The writer turns rows (reports.selectors.report_export_rows) into the department's layout,
streaming with xlsxwriter's constant_memory mode strictly top to bottom. The reader reads
the form as officers fill it and returns clean rows and every problem; `match_rows` then
identifies each row's product by (entrepreneur code, product name) in the district.

Layout (for a six-month round; the month columns follow the round):

    row 1   U: สิ่งที่ส่งมาด้วย ๓ (right)
    row 2-4 A:U merged titles
    row 5-6 two header rows; F:K and M:R merged on the first, the others merged down
    data    one row per product; S = the sum of M..R (a formula with its value)
    total   รวม (A:L merged), sums of M..T
    then the signature block of attachment 2
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from districts.models import District
from otop_portal.cells import (
    MSG_TOO_LONG,
    CellError,
    clean_text,
    display,
    header_key,
    match_key,
    parse_amount,
    parse_code,
    parse_name,
    parse_yes,
)
from otop_portal.dates import THAI_MONTHS, THAI_MONTHS_SHORT
from otop_portal.importing import (
    KIND_DUPLICATE,
    KIND_NOT_IN_REGISTRY,
    KIND_OTHER_DISTRICT,
    Notice,
    Problem,
    ProblemCollector,
)
from otop_portal.spreadsheet import Sheet, column_letter, find_header, open_workbook
from otop_portal.xlsx import FormWriter
from products.models import Entrepreneur, Product, Round
from products.selectors import as_held, base_filter_for
from products.targets_workbook import print_footer
from reports.models import LINE_TEXT_LIMITS, MONTH_FIELDS, clean_shop_url
from reports.selectors import ExportRow

THAI_DIGITS = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")

ATTACHMENT = "สิ่งที่ส่งมาด้วย ๓"
SHEET_NAME = "แบบรายงานผล"
TITLE = "แบบรายงานผลการส่งเสริมผลิตภัณฑ์ OTOP ในตลาดออนไลน์ ประจำปีงบประมาณ พ.ศ. {year}"
H_NUMBER = "ที่"
H_CODE = "รหัสผู้ประกอบการ OTOP"
H_ENTREPRENEUR = "ชื่อผู้ผลิตผู้ประกอบการ OTOP"
H_PRODUCT = "ชื่อผลิตภัณฑ์"
H_TYPE = "ประเภทผลิตภัณฑ์"
H_CHANNELS = "ช่องทางจำหน่ายออนไลน์ (ใส่หมายเลข ๑ ในช่องข้อมูล)"
CHANNELS = [
    ("facebook", "Facebook"),
    ("line", "LINE"),
    ("shopee", "Shopee"),
    ("lazada", "Lazada"),
    ("otop_today", "OTOP Today"),
]
H_OTHER = "อื่น ๆ (ระบุ)"
H_URL = "ลิงก์ร้านค้า/สินค้า (URL)"
H_MONTHS = "ยอดจำหน่ายออนไลน์ รอบที่ {number} (บาท)"
H_TOTAL = "รวมยอดจำหน่ายออนไลน์ รอบที่ {number} (บาท)"
H_BASELINE = "ยอดจำหน่ายออนไลน์ ช่วงเดียวกันของปีก่อน ({period}) (บาท)"
H_NOTE = "หมายเหตุ"
TOTAL_LABEL = "รวม"
# A longer cell is refused here, naming the cell (reports.models.LINE_TEXT_LIMITS).
OTHER_LIMIT = LINE_TEXT_LIMITS["other_channel"]
URL_LIMIT = LINE_TEXT_LIMITS["url"]
NOTE_LIMIT = LINE_TEXT_LIMITS["note"]
SIGNATURE = ["ลงชื่อ.....ผู้รายงาน", "(.....)", "วัน.....เดือน.....ปี....."]

MSG_NO_HEADER = _(
    "ไม่พบหัวตารางของแบบรายงานผล (ต้องมีคอลัมน์ “%(code)s” และ “%(product)s” ใน %(rows)s แถวแรก) "
    "กรุณาใช้แบบฟอร์มที่ดาวน์โหลดจากระบบ"
)
MSG_MISSING_COLUMN = _("ไม่พบคอลัมน์ “%(header)s” ในหัวตาราง กรุณาใช้แบบฟอร์มที่ดาวน์โหลดจากระบบ")
MSG_MONTHS_MISMATCH = _("เดือนในหัวตาราง (%(found)s) ไม่ตรงกับเดือนของรอบ %(round)s (%(expected)s)")
MSG_TOTAL_MISMATCH = _("รวมยอดจำหน่ายที่กรอกไว้ %(given)s บาท ไม่เท่ากับผลรวมรายเดือน %(sum)s บาท")
MSG_NO_ROWS = _("ไม่พบรายการผลิตภัณฑ์ในไฟล์")
MSG_NO_CODE = _("แถวนี้มีข้อมูลแต่ไม่มีรหัสผู้ประกอบการ")
MSG_NO_PRODUCT = _("แถวนี้มีข้อมูลแต่ไม่มีชื่อผลิตภัณฑ์")
MSG_DUPLICATE = _("ผลิตภัณฑ์ “%(name)s” ของผู้ประกอบการ %(code)s ซ้ำกับแถว %(first)s")
MSG_OTHER_DISTRICT = _(
    "ผู้ประกอบการ %(code)s อยู่ในอำเภอ%(district)s ไม่ใช่อำเภอ%(mine)s จึงรายงานในแบบของอำเภอนี้ไม่ได้"
)
MSG_UNKNOWN_ENTREPRENEUR = _("ไม่พบผู้ประกอบการรหัส %(code)s ในทะเบียนของอำเภอ%(district)s%(hint)s")
MSG_UNKNOWN_PRODUCT = _("ไม่พบผลิตภัณฑ์ “%(name)s” ของผู้ประกอบการ %(code)s ในทะเบียน%(hint)s")
MSG_HINT = _(" ที่ใกล้เคียง: %(names)s")
MSG_NOT_IN_BASE = _("“%(name)s” (%(code)s) ไม่อยู่ในฐานของรอบนี้ (%(why)s) จึงไม่นับในตัวชี้วัดและไม่บันทึกแถวนี้")
MSG_WHY_CANCELLED = _("ยกเลิกแล้ว")
MSG_WHY_NOT_REGISTERED = _("ไม่อยู่ในทะเบียนล่าสุด")
MSG_WHY_WINDOW = _("ลงทะเบียนปี %(year)s นอกช่วง %(start)s-%(end)s")
MSG_UNUSUAL_MARK = ngettext_lazy(
    "อ่าน “%(mark)s” เป็นการเลือกช่องทาง %(count)s ช่อง (แบบฟอร์มให้ใส่ ๑)",
    "อ่าน “%(mark)s” เป็นการเลือกช่องทาง %(count)s ช่อง (แบบฟอร์มให้ใส่ ๑)",
    "count",
)
MSG_OTHER_MARK = ngettext_lazy(
    "ช่อง “อื่น ๆ (ระบุ)” มีเพียงเครื่องหมาย ไม่มีชื่อช่องทาง บันทึกเป็น “อื่น ๆ” %(count)s แถว",
    "ช่อง “อื่น ๆ (ระบุ)” มีเพียงเครื่องหมาย ไม่มีชื่อช่องทาง บันทึกเป็น “อื่น ๆ” %(count)s แถว",
    "count",
)
MSG_CARRIED = ngettext_lazy(
    "รหัสผู้ประกอบการที่เว้นว่าง (หรือผสานเซลล์) ใช้ค่าจากแถวบน %(count)s แถว",
    "รหัสผู้ประกอบการที่เว้นว่าง (หรือผสานเซลล์) ใช้ค่าจากแถวบน %(count)s แถว",
    "count",
)

OTHER_UNNAMED = "อื่น ๆ"


# ---------------------------------------------------------------------------
# Labels from the round
# ---------------------------------------------------------------------------


def thai_digits(value) -> str:
    return str(value).translate(THAI_DIGITS)


def round_period_words(round: Round) -> str:
    """ "เมษายน - กันยายน" as in the department's title."""
    months = round.months()
    return f"{THAI_MONTHS[months[0][1] - 1]} - {THAI_MONTHS[months[-1][1] - 1]}"


def baseline_period(round: Round) -> str:
    """The baseline months, a year earlier: "เม.ย. - ก.ย. ๒๕๖๓"."""
    months = round.months()
    (y1, m1), (y2, m2) = months[0], months[-1]
    first, last = THAI_MONTHS_SHORT[m1 - 1], THAI_MONTHS_SHORT[m2 - 1]
    if y1 == y2:
        return f"{first} - {last} {thai_digits(y2 - 1 + 543)}"
    return f"{first} {thai_digits(y1 - 1 + 543)} - {last} {thai_digits(y2 - 1 + 543)}"


def titles(round: Round, province_name: str | None, district_name: str | None) -> list[str]:
    if province_name is None:  # the whole country's consolidated report
        place = "ทุกจังหวัด"
    else:
        place = f"จังหวัด{province_name}" + (f" อำเภอ{district_name}" if district_name else "")
    return [
        TITLE.format(year=thai_digits(round.fiscal_year_id)),
        place,
        f"รอบการประเมินที่ {thai_digits(round.number)} ({round_period_words(round)})",
    ]


# ---------------------------------------------------------------------------
# Writer
# ---------------------------------------------------------------------------


def write_report(
    output,
    *,
    round: Round,
    province_name: str,
    district_name: str | None,
    rows: Iterable[ExportRow],
    district_names: dict[str, str] | None = None,
) -> None:
    """Write attachment 3 to `output` (a path or a binary file object).

    With `district_names` (code -> name), the report is the province's consolidated one:
    a heading row before each district's rows, numbering from 1 in each district.
    Every cell is written in row order, and merges are issued before the rows they touch
    (constant_memory mode, xlsxwriter issue #367). Vertical merges are registered without
    xlsxwriter's padding, which would write the row below before the rest of the row above
    and make it drop those cells; the padding cells are written in order instead.
    The form is the department's: it is Thai whatever the user's language.
    """
    with translation.override("th"):
        _write_report(
            output,
            round=round,
            province_name=province_name,
            district_name=district_name,
            rows=rows,
            district_names=district_names,
        )


def _write_report(
    output,
    *,
    round: Round,
    province_name: str,
    district_name: str | None,
    rows: Iterable[ExportRow],
    district_names: dict[str, str] | None,
) -> None:
    n = len(round.months())
    labels = round.month_labels_th
    c_month, c_total, c_base, c_note = 12, 12 + n, 13 + n, 14 + n
    last = c_note
    w = FormWriter(output, sheet_name=SHEET_NAME)
    # Codes and a province's seven-digit totals fit on one line in TH SarabunPSK.
    w.widths([5, 16, 28, 28, 18, 10, 8, 8, 8, 10, 12, 26, *([12] * n), 15, 16, 18])
    place = f"จังหวัด{province_name}" if province_name else "ทุกจังหวัด"
    if district_name:
        place = f"{place} อำเภอ{district_name}"
    w.footer(*print_footer(round, f"แบบรายงานผล {place}"))
    w.print_titles(4, 5)
    w.sheet.freeze_panes(6, 4)

    def merge(r1, c1, r2, c2, value, fmt):
        w.sheet.merge_range(r1, c1, r2, c2, "", None)
        w.put(r1, c1, value, fmt)

    # Row 1 and the titles.
    w.set_height(0, w.cell_height("", 0, size=16))
    for col in range(last):
        w.put(0, col, "", "note")
    w.put(0, last, ATTACHMENT, "title_right")
    for r, text in enumerate(titles(round, province_name, district_name), start=1):
        w.set_height(r, w.cell_height(text, 0, last, size=16))
        merge(r, 0, r, last, text, "title")
        for col in range(1, last + 1):
            w.put(r, col, "", "title")

    # The two header rows.
    h1 = {
        0: H_NUMBER,
        1: H_CODE,
        2: H_ENTREPRENEUR,
        3: H_PRODUCT,
        4: H_TYPE,
        5: H_CHANNELS,
        11: H_URL,
        c_month: H_MONTHS.format(number=thai_digits(round.number)),
        c_total: H_TOTAL.format(number=thai_digits(round.number)),
        c_base: H_BASELINE.format(period=baseline_period(round)),
        c_note: H_NOTE,
    }
    h2 = {5 + i: label for i, (_f, label) in enumerate(CHANNELS)}
    h2[10] = H_OTHER
    h2.update({c_month + i: label for i, label in enumerate(labels)})
    # The header's heights: the cells merged over both rows need their sum.
    both = (0, 1, 2, 3, 4, 11, c_total, c_base, c_note)
    upper = max(w.cell_height(h1[5], 5, 10), w.cell_height(h1[c_month], c_month, c_month + n - 1))
    lower = max(w.cell_height(text, col) for col, text in h2.items())
    tallest = max(w.cell_height(h1[col], col) for col in both)
    w.set_height(4, upper)
    w.set_height(5, max(lower, tallest - upper))
    merge(4, 5, 4, 10, h1[5], "header")
    if n > 1:
        merge(4, c_month, 4, c_month + n - 1, h1[c_month], "header")
    for col in both:
        merge(4, col, 5, col, h1[col], "header")
    for col in range(last + 1):
        if col in h1:
            w.put(4, col, h1[col], "header")
        else:
            w.put(4, col, "", "header")
    for col in range(last + 1):
        w.put(5, col, h2.get(col, ""), "header")

    # Data. FormWriter.put is inlined for the blank, text and amount cells that make up
    # nearly all of a country's report (200,000 rows of 21 cells); the calls to
    # xlsxwriter are the same.
    sheet, put = w.sheet, w.put
    write_blank, write_string = sheet.write_blank, sheet.write_string
    write_number = sheet.write_number
    f_text, f_center, f_money = w.f["text"], w.f["center"], w.f["money"]
    no_channels = [False] * len(CHANNELS)
    first_month, last_month = column_letter(c_month), column_letter(c_month + n - 1)

    def text(r: int, col: int, value) -> None:
        if value is None or value == "":
            write_blank(r, col, None, f_text)
        elif value.__class__ is str:
            write_string(r, col, value, f_text)
        else:
            put(r, col, value, "text")

    def money(r: int, col: int, value) -> None:
        if value is None:
            write_blank(r, col, None, f_money)
        elif value.__class__ is Decimal:
            write_number(r, col, float(value), f_money)
        else:
            put(r, col, value, "money")

    r = 6
    first_data = r
    number = 0
    sums = [Decimal("0")] * (n + 2)  # months, total, baseline
    current_district = None
    one_line = w.cell_height("", 0)
    height = w.cell_height
    for row in rows:
        if district_names is not None and row.district_code != current_district:
            current_district = row.district_code
            number = 0
            w.set_height(r, one_line)
            merge(r, 0, r, last, f"อำเภอ{district_names.get(row.district_code, '')}", "total_label")
            for col in range(1, last + 1):
                w.put(r, col, "", "total_label")
            r += 1
        number += 1
        w.set_height(
            r,
            max(
                height(row.entrepreneur_code, 1),
                height(row.entrepreneur_name, 2),
                height(row.product_name, 3),
                height(row.product_type, 4),
                height(row.other_channel, 10),
                height(row.url, 11),
                height(row.note, c_note),
            ),
        )
        write_number(r, 0, float(number), f_center)
        text(r, 1, row.entrepreneur_code)
        text(r, 2, row.entrepreneur_name)
        text(r, 3, row.product_name)
        text(r, 4, row.product_type)
        for i, ticked in enumerate(row.channels or no_channels):
            if ticked:
                write_number(r, 5 + i, 1.0, f_center)
            else:
                write_blank(r, 5 + i, None, f_center)
        text(r, 10, row.other_channel)
        text(r, 11, row.url)
        if row.months is None:
            for i in range(n + 1):
                write_blank(r, c_month + i, None, f_money)
        else:
            months = row.months[:n]
            for i, amount in enumerate(months):
                money(r, c_month + i, amount)
                sums[i] += amount
            total = sum(months, Decimal("0"))
            sums[n] += total
            sheet.write_formula(
                r, c_total, f"=SUM({first_month}{r + 1}:{last_month}{r + 1})", f_money, float(total)
            )
        money(r, c_base, row.baseline)
        if row.baseline is not None:
            sums[n + 1] += row.baseline
        text(r, c_note, row.note)
        r += 1

    # The total row, then the signature block, kept on one page with the total.
    w.keep_together(r, [one_line] * (len(SIGNATURE) + 2))
    w.set_height(r, one_line)
    merge(r, 0, r, 11, TOTAL_LABEL, "total_label")
    for col in range(1, 12):
        w.put(r, col, "", "total_label")
    for i in range(n + 2):
        col = c_month + i
        if r > first_data:
            letter = column_letter(col)
            w.sheet.write_formula(
                r,
                col,
                f"=SUM({letter}{first_data + 1}:{letter}{r})",
                w.f["total_money"],
                float(sums[i]),
            )
        else:
            w.put(r, col, Decimal("0"), "total_money")
    w.put(r, c_note, "", "total_label")

    # The signature block, as in attachment 2.
    w.set_height(r + 1, one_line)
    r += 2
    for text in SIGNATURE:
        w.set_height(r, one_line)
        merge(r, c_month, r, last, text, "note")
        r += 1
    w.close()


def print_sheet(
    *, round: Round, province_name: str, district_name: str | None, rows: Iterable[ExportRow]
) -> dict:
    """Attachment 3 for the browser's print view (reports/print.html): the workbook's
    title lines, header words, rows, totals and signature lines."""
    n = len(round.months())
    rows = list(rows)
    sums = [Decimal("0")] * (n + 2)  # months, total, baseline
    lines = []
    for number, row in enumerate(rows, start=1):
        months = (row.months or [])[:n]
        total = sum(months, Decimal("0")) if row.months is not None else None
        for i, amount in enumerate(months):
            sums[i] += amount
        if total is not None:
            sums[n] += total
        if row.baseline is not None:
            sums[n + 1] += row.baseline
        lines.append({"number": number, "row": row, "months": months, "total": total})
    return {
        "attachment": ATTACHMENT,
        "titles": titles(round, province_name, district_name),
        "h": {
            "number": H_NUMBER,
            "code": H_CODE,
            "entrepreneur": H_ENTREPRENEUR,
            "product": H_PRODUCT,
            "type": H_TYPE,
            "channels": H_CHANNELS,
            "other": H_OTHER,
            "url": H_URL,
            "months": H_MONTHS.format(number=thai_digits(round.number)),
            "total": H_TOTAL.format(number=thai_digits(round.number)),
            "baseline": H_BASELINE.format(period=baseline_period(round)),
            "note": H_NOTE,
            "total_label": TOTAL_LABEL,
        },
        "channels": [label for _field, label in CHANNELS],
        "month_labels": round.month_labels_th,
        "lines": lines,
        "sums": sums[:n],
        "sum_total": sums[n],
        "sum_baseline": sums[n + 1],
        "signature": SIGNATURE,
    }


# ---------------------------------------------------------------------------
# Reader
# ---------------------------------------------------------------------------


@dataclass
class ReportRow:
    """One product row as read from a file, cleaned."""

    row: int  # as Excel numbers it
    entrepreneur_code: str
    product_name: str
    channels: dict[str, bool]
    other_channel: str
    url: str
    months: list[Decimal]
    baseline: Decimal | None
    note: str
    product_id: int | None = None

    @property
    def total(self) -> Decimal:
        return sum(self.months, Decimal("0.00"))

    def values(self, months: int) -> dict:
        """The line's values, month fields past the round's length set to 0."""
        out = dict(self.channels)
        out["other_channel"] = self.other_channel
        out["url"] = self.url
        for i, name in enumerate(MONTH_FIELDS):
            out[name] = self.months[i] if i < months else Decimal("0.00")
        out["sales_baseline"] = self.baseline
        out["note"] = self.note
        return out


@dataclass
class Reading:
    sheet: str
    rows: list[ReportRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)

    @property
    def blank(self) -> bool:
        """No channel marked and no month's amount anywhere: not an answer."""
        return not any(
            any(r.channels.values()) or any(r.months) or r.other_channel or r.url for r in self.rows
        )


def _hk(text: str) -> str:
    return header_key(text).lower()


def _month_index(label: str, round: Round) -> int | None:
    """The position of a month header in the round: เม.ย., เมษายน, or either with a year."""
    key = _hk(label)
    for i, (_y, m) in enumerate(round.months()):
        for name in (THAI_MONTHS_SHORT[m - 1], THAI_MONTHS[m - 1]):
            k = _hk(name)
            if key == k or (key.startswith(k) and key[len(k) :].isdigit()):
                return i
    return None


@dataclass
class _Columns:
    code: int | None = None
    entrepreneur: int | None = None
    product: int | None = None
    channels: dict[str, int] = field(default_factory=dict)
    other: int | None = None
    url: int | None = None
    months: dict[int, int] = field(default_factory=dict)  # month index -> column
    total: int | None = None
    baseline: int | None = None
    note: int | None = None
    headers: dict[int, str] = field(default_factory=dict)


def _map_columns(sheet: Sheet, h: int, round: Round) -> _Columns:
    cols = _Columns()
    h1 = sheet.rows[h]
    h2 = sheet.rows[h + 1] if h + 1 < len(sheet.rows) else []
    width = max(len(h1), len(h2))
    for c in range(width):
        top = clean_text(sheet.cell(h, c))
        sub = clean_text(sheet.cell(h + 1, c))
        k1, k2 = _hk(top), _hk(sub)
        cols.headers[c] = sub or top
        if k1 == _hk(H_CODE):
            cols.code = c
        elif k1 == _hk(H_ENTREPRENEUR):
            cols.entrepreneur = c
        elif k1.startswith(_hk(H_PRODUCT)):
            cols.product = c
        elif k1.startswith(_hk("ลิงก์")) or "url" in k1:
            cols.url = c
        elif k1.startswith(_hk("รวมยอดจำหน่ายออนไลน์")):
            cols.total = c
        elif k1.startswith(_hk("ยอดจำหน่ายออนไลน์ช่วงเดียวกันของปีก่อน")):
            cols.baseline = c
        elif k1 == _hk(H_NOTE):
            cols.note = c
        if k2:
            for name, label in CHANNELS:
                if k2 == _hk(label):
                    cols.channels[name] = c
            if k2.startswith(_hk("อื่นๆ")) or k2.startswith(_hk("อื่น")):
                cols.other = c
            index = _month_index(sub, round)
            if index is not None and index not in cols.months:
                cols.months[index] = c
    return cols


def _is_header(keys: list[str]) -> bool:
    """The header row names the code and the product."""
    keys = [k.lower() for k in keys]
    return _hk(H_CODE) in keys and any(k.startswith(_hk(H_PRODUCT)) for k in keys)


def read_report(file, *, round: Round, name: str = "") -> Reading:
    """Read an attachment-3 workbook: rows cleaned, problems and notices collected.

    Raises SpreadsheetError for a file that is not a readable spreadsheet. Matching rows
    to products is `match_rows`'s job.
    """
    book = open_workbook(file, name=name)
    sheet, h = find_header(book.sheets, _is_header, max_rows=20)
    if sheet is None:
        return Reading(
            sheet=book.sheets[0].name,
            problems=[
                Problem(str(MSG_NO_HEADER % {"code": H_CODE, "product": H_PRODUCT, "rows": 20}))
            ],
        )
    reading = Reading(sheet=sheet.name)
    out = ProblemCollector(sheet=sheet.name)
    cols = _map_columns(sheet, h, round)
    n = len(round.months())
    required = [
        ("code", H_CODE),
        ("product", H_PRODUCT),
        ("other", H_OTHER),
        ("url", H_URL),
        ("total", H_TOTAL.format(number=thai_digits(round.number))),
        ("baseline", H_BASELINE.format(period=baseline_period(round))),
        ("note", H_NOTE),
    ]
    for attr, header in required:
        if getattr(cols, attr) is None:
            out.add(MSG_MISSING_COLUMN % {"header": header}, row=h + 1)
    for channel, label in CHANNELS:
        if channel not in cols.channels:
            out.add(MSG_MISSING_COLUMN % {"header": label}, row=h + 2)
    if len(cols.months) != n:
        found = [clean_text(sheet.cell(h + 1, c)) for c in range(12, 12 + n)]
        out.add(
            MSG_MONTHS_MISMATCH
            % {
                "found": ", ".join(f for f in found if f) or "–",
                "round": round.code,
                "expected": ", ".join(round.month_labels_th),
            },
            row=h + 2,
        )
    if out.problems:
        reading.problems = out.problems
        return reading

    def cell(r, c):
        return sheet.cell(r, c)

    def add(message, r, c, value=None):
        out.add(
            message,
            row=r + 1,
            column=column_letter(c),
            header=cols.headers.get(c, ""),
            value=display(value) if value is not None else display(cell(r, c)),
        )

    marks: Counter = Counter()
    other_marks = 0
    carried = 0
    last_code = None
    data_cols = [
        cols.code,
        cols.product,
        *cols.channels.values(),
        cols.other,
        cols.url,
        *cols.months.values(),
        cols.total,
        cols.baseline,
        cols.note,
    ]
    for r in range(h + 2, len(sheet.rows)):
        first = clean_text(cell(r, 0))
        if first.startswith(TOTAL_LABEL) or first.startswith("ลงชื่อ") or first.startswith(H_NOTE):
            break
        if all(clean_text(cell(r, c)) == "" for c in data_cols):
            continue
        problems_before = len(out.problems)
        raw_code, raw_name = cell(r, cols.code), cell(r, cols.product)
        code = name = ""
        if clean_text(raw_code) == "" and clean_text(raw_name) != "" and last_code:
            code = last_code
            carried += 1
        else:
            try:
                code = parse_code(raw_code)
            except CellError as exc:
                add(MSG_NO_CODE if clean_text(raw_code) == "" else exc.message, r, cols.code)
        try:
            name = parse_name(raw_name)
        except CellError as exc:
            add(MSG_NO_PRODUCT if clean_text(raw_name) == "" else exc.message, r, cols.product)
        channels = {}
        for channel, c in cols.channels.items():
            try:
                ticked, unusual = parse_yes(cell(r, c))
            except CellError as exc:
                add(exc.message, r, c)
                continue
            channels[channel] = ticked
            if unusual:
                marks[clean_text(cell(r, c))] += 1
        other = clean_text(cell(r, cols.other))
        if len(other) > OTHER_LIMIT:
            add(MSG_TOO_LONG % {"limit": OTHER_LIMIT}, r, cols.other)
        elif other:
            try:
                ticked, _unusual = parse_yes(other)
                if ticked:
                    other, other_marks = OTHER_UNNAMED, other_marks + 1
                else:
                    other = ""
            except CellError:
                pass  # a channel's name, as the form asks
        url = clean_text(cell(r, cols.url))
        if len(url) > URL_LIMIT:
            add(MSG_TOO_LONG % {"limit": URL_LIMIT}, r, cols.url)
        elif url:
            try:
                url = clean_shop_url(url)
            except ValidationError as exc:
                add(exc.messages[0], r, cols.url)
        months = []
        for i in range(n):
            c = cols.months[i]
            try:
                months.append(parse_amount(cell(r, c)))
            except CellError as exc:
                add(exc.message, r, c)
                months.append(Decimal("0.00"))
        given_total = baseline = None
        try:
            given_total = parse_amount(cell(r, cols.total), blank_is_zero=False)
        except CellError as exc:
            add(exc.message, r, cols.total)
        try:
            baseline = parse_amount(cell(r, cols.baseline), blank_is_zero=False)
        except CellError as exc:
            add(exc.message, r, cols.baseline)
        note = clean_text(cell(r, cols.note))
        if len(note) > NOTE_LIMIT:
            add(MSG_TOO_LONG % {"limit": NOTE_LIMIT}, r, cols.note)
        if len(out.problems) == problems_before and given_total is not None:
            total = sum(months, Decimal("0.00"))
            if given_total != total:
                add(
                    MSG_TOTAL_MISMATCH % {"given": f"{given_total:,.2f}", "sum": f"{total:,.2f}"},
                    r,
                    cols.total,
                )
        if code:
            last_code = code
        if len(out.problems) == problems_before:
            reading.rows.append(
                ReportRow(
                    row=r + 1,
                    entrepreneur_code=code,
                    product_name=name,
                    channels=channels,
                    other_channel=other,
                    url=url,
                    months=months,
                    baseline=baseline,
                    note=note,
                )
            )
    if not reading.rows and not out.problems:
        out.add(MSG_NO_ROWS)
    for mark, count in sorted(marks.items()):
        out.notice(MSG_UNUSUAL_MARK % {"mark": mark, "count": count})
    if other_marks:
        out.notice(MSG_OTHER_MARK % {"count": other_marks})
    if carried:
        out.notice(MSG_CARRIED % {"count": carried})
    reading.problems = out.problems
    reading.notices = out.notices
    return reading


def _hint(key: str, candidates: dict[str, str]) -> str:
    close = difflib.get_close_matches(key, list(candidates), n=3, cutoff=0.5)
    if not close:
        return ""
    return str(MSG_HINT % {"names": ", ".join(candidates[c] for c in close)})


def match_rows(
    rows: list[ReportRow], *, round: Round, district: District, collector: ProblemCollector
) -> list[ReportRow]:
    """Identify each row's product by (entrepreneur code, product name) in the district.

    Adds a problem for a row of another district's entrepreneur, an unknown entrepreneur
    or product (with the closest names), or a product listed twice; a notice for a
    product of the district that is not in the round's base (it is skipped: it cannot
    count). Returns the rows of base products with product_id set. Three queries.
    """
    # The district's products, and those the round counts in the district though they
    # have moved since its snapshot.
    products = list(
        Product.objects.filter(
            Q(district=district) | base_filter_for(round, district=district.pk)
        ).values(
            "id",
            "name",
            "entrepreneur__code",
            "registered",
            "status",
            "registered_year",
            "district_id",
        )
    )
    as_held(round=round, products=products)  # the round's base is its snapshot's
    for p in products:
        if p["district_id"] != district.pk:
            # Held in another district by the round's snapshot: not this one's base.
            p["registered"] = False
    by_key = {(p["entrepreneur__code"].upper(), match_key(p["name"])): p for p in products}
    names_by_code: dict[str, dict[str, str]] = {}
    for p in products:
        names_by_code.setdefault(p["entrepreneur__code"].upper(), {})[match_key(p["name"])] = p[
            "name"
        ]
    unknown = {r.entrepreneur_code for r in rows if r.entrepreneur_code not in names_by_code}
    elsewhere = (
        {
            e["code"].upper(): e
            for e in Entrepreneur.objects.filter(code__in=unknown)
            .exclude(district=district)
            .values("code", "district__name_th")
        }
        if unknown
        else {}
    )

    def problem(message, row: ReportRow, column: str, header: str, value: str, kind: str):
        collector.add(message, row=row.row, column=column, header=header, value=value, kind=kind)

    seen: dict[tuple[str, str], int] = {}
    out = []
    for row in rows:
        key = (row.entrepreneur_code, match_key(row.product_name))
        if key in seen:
            problem(
                MSG_DUPLICATE
                % {"name": row.product_name, "code": row.entrepreneur_code, "first": seen[key]},
                row,
                "D",
                H_PRODUCT,
                row.product_name,
                KIND_DUPLICATE,
            )
            continue
        seen[key] = row.row
        if row.entrepreneur_code in elsewhere:
            e = elsewhere[row.entrepreneur_code]
            problem(
                MSG_OTHER_DISTRICT
                % {
                    "code": row.entrepreneur_code,
                    "district": e["district__name_th"],
                    "mine": district.name_th,
                },
                row,
                "B",
                H_CODE,
                row.entrepreneur_code,
                KIND_OTHER_DISTRICT,
            )
            continue
        if row.entrepreneur_code not in names_by_code:
            codes = {c: c for c in names_by_code}
            problem(
                MSG_UNKNOWN_ENTREPRENEUR
                % {
                    "code": row.entrepreneur_code,
                    "district": district.name_th,
                    "hint": _hint(row.entrepreneur_code, codes),
                },
                row,
                "B",
                H_CODE,
                row.entrepreneur_code,
                KIND_NOT_IN_REGISTRY,
            )
            continue
        product = by_key.get(key)
        if product is None:
            problem(
                MSG_UNKNOWN_PRODUCT
                % {
                    "name": row.product_name,
                    "code": row.entrepreneur_code,
                    "hint": _hint(key[1], names_by_code[row.entrepreneur_code]),
                },
                row,
                "D",
                H_PRODUCT,
                row.product_name,
                KIND_NOT_IN_REGISTRY,
            )
            continue
        why = None
        if not product["registered"]:
            why = MSG_WHY_NOT_REGISTERED
        elif product["status"] != "active":
            why = MSG_WHY_CANCELLED
        elif not round.window_start <= product["registered_year"] <= round.window_end:
            why = MSG_WHY_WINDOW % {
                "year": product["registered_year"],
                "start": round.window_start,
                "end": round.window_end,
            }
        if why is not None:
            collector.notice(
                MSG_NOT_IN_BASE
                % {"name": product["name"], "code": row.entrepreneur_code, "why": why},
                row=row.row,
            )
            continue
        row.product_id = product["id"]
        out.append(row)
    return out
