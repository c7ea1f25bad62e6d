"""Attachment 2, the readiness survey (แบบสำรวจความพร้อม): its writer and its reader.

The layout is fixed by docs/forms.md ("Attachment 2") and by the seed's note 3, which
forbids changing the form. The writer draws it exactly; the reader takes it back the
way officers really fill it: header found anywhere in the first rows, both spellings
of ชาย/ขายของออนไลน์, the entrepreneur's cells written on its first row only or merged
down over its product rows, Thai digits and thousands separators in amounts, and the
usual marks for "yes".

The reader knows nothing of the database. It returns clean rows and the problems of
the cells; matching the rows against the district's registry is the services' job.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from otop_portal.cells import (
    CellError,
    clean_text,
    display,
    header_key,
    is_blank,
    parse_amount,
    parse_code,
    parse_name,
    parse_yes,
)
from otop_portal.dates import THAI_MONTHS, THAI_MONTHS_SHORT
from otop_portal.importing import Notice, ProblemCollector
from otop_portal.spreadsheet import (
    Sheet,
    SpreadsheetError,
    cell_name,
    column_letter,
    find_header,
    open_workbook,
)
from otop_portal.xlsx import FormWriter
from products.models import Round
from products.targets_workbook import print_footer

ARABIC_TO_THAI = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")

ATTACHMENT_LABEL = "สิ่งที่ส่งมาด้วย ๒"
TITLE = "แบบสำรวจความพร้อมส่งเสริมผลิตภัณฑ์ OTOP ในตลาดออนไลน์ ประจำปีงบประมาณ พ.ศ. {year}"
PROVINCE_LINE = "จังหวัด{province}"
#: The place line of the whole country's consolidated form (province_name None).
COUNTRY_LINE = "ทุกจังหวัด"
ROUND_LINE = "รอบการประเมินที่ {number} ({start} - {end})"

# The department's header words, typos included (docs/forms.md). H1 is the upper header
# row, H2 the lower one.
READY_GROUP = "ความพร้อมผู้ประกอบการเพื่อเข้าสู่ตลาดออนไลน์ (ใส่หมายเลข ๑ ในช่องข้อมูล)"
SELLING_HEADER = "ชายของออนไลน์อยู่แล้ว"
SELLING_HEADER_FIXED = "ขายของออนไลน์อยู่แล้ว"
SALES_HEADER = "ยอดจำหน่ายออนไลน์ (ปีงบประมาณ {year})"
H1 = [
    "รหัสผู้ประกอบการ OTOP",
    "ชื่อผู้ผลิตผู้ประกอบการ OTOP",
    "ประเภทผู้ประกอบการ",
    "ชื่อผลิตภัณฑ์ (โปรดระบุทุกผลิตภัณฑ์ของกลุ่ม)",
    "ประเภทผลิตภัณฑ์",
    "ที่อยู่",
    "",
    "",
    "",
    "",
    READY_GROUP,
    "",
    "",
    "",
    "ความพร้อมผลิตภัณฑ์เพื่อเข้าสู่ออนไลน์ (ใส่หมายเลข ๑ ในช่องข้อมูล)",
    SALES_HEADER,  # formatted with the previous fiscal year
]
H2 = [
    "",
    "",
    "",
    "",
    "",
    "เลขที่",
    "หมู่ที่",
    "ตำบล",
    "อำเภอ",
    "จังหวัด",
    "เบอร์โทรศัพท์",
    "ผ่านการอบรมเกี่ยวกับตลาดออนไลน์",
    SELLING_HEADER,
    "ได้รับมาตรฐานที่เกี่ยวเนื่อง",
    "",
    "",
]
WIDTH = 16

# Column indexes (0-based).
CODE, NAME, ETYPE, PRODUCT, PTYPE = 0, 1, 2, 3, 4
HOUSE, MOO, SUBDISTRICT, DISTRICT, PROVINCE, PHONE = 5, 6, 7, 8, 9, 10
TRAINED, SELLING, STANDARD, READY, SALES = 11, 12, 13, 14, 15

# Columns that belong to the entrepreneur: merged down over its product rows when
# written, carried down to the rows below when read (A-C, F-N).
ENTREPRENEUR_COLUMNS = [
    CODE,
    NAME,
    ETYPE,
    HOUSE,
    MOO,
    SUBDISTRICT,
    DISTRICT,
    PROVINCE,
    PHONE,
    TRAINED,
    SELLING,
    STANDARD,
]
# Header merges as (first_col, last_col, rows): "both" covers H1 and H2, "h1" only H1.
HEADER_MERGES = [
    (0, 0, "both"),
    (1, 1, "both"),
    (2, 2, "both"),
    (3, 3, "both"),
    (4, 4, "both"),
    (5, 9, "h1"),
    (10, 13, "h1"),
    (14, 14, "both"),
    (15, 15, "both"),
]

TITLE_ROWS = 4  # rows 1-4: attachment label and three title lines
HEADER_ROW = TITLE_ROWS  # 0-based index of H1
FIRST_DATA_ROW = HEADER_ROW + 2

NOTES_TITLE = "หมายเหตุ"
NOTE_1 = "๑. ส่งแบบรายงานให้สำนักงานพัฒนาชุมชน ภายในวันที่ {deadline}{previous}"
NOTE_1_PREVIOUS = " (โดยไม่เข้ากับรอบผลิตภัณฑ์ในรอบที่ {number})"
NOTES = [
    "๒. ตรวจสอบข้อมูลให้ชัดเจน ถูกต้อง ครบถ้วนตามแบบสำรวจ",
    "๓. ไม่ปรับเปลี่ยนหรือแก้ไขแบบสำรวจข้อมูลที่กรมการพัฒนาชุมชนจัดส่งให้",
    "๔. จัดส่งแบบสำรวจข้อมูลให้ทันตามเวลาที่กำหนด ในรูปแบบไฟล์ Excel",
    "๕. สำรองข้อมูลและกรอกรหัสผู้ผลิต ผู้ประกอบการ และผลิตภัณฑ์ทั้งหมดที่ลงทะเบียน",
    "๖. ความพร้อมผู้ประกอบการเพื่อเข้าสู่ตลาดออนไลน์, ความพร้อมผลิตภัณฑ์เพื่อเข้าสู่ออนไลน์ ให้ใส่หมายเลข ๑ ในช่องข้อมูล",
]
SIGNATURE = ["ลงชื่อ.....ผู้รายงาน", "(.....)", "วัน.....เดือน.....ปี....."]
# Words that start the block under the data: the reader stops there.
END_MARKERS = ("หมายเหตุ", "ลงชื่อ")

# Wide enough for a nine-digit code and a seven-digit amount on one line in TH SarabunPSK.
COLUMN_WIDTHS = [16, 30, 22, 32, 20, 8, 7, 14, 14, 12, 14, 13, 13, 13, 15, 16]
# The entrepreneur's cells that hold wrapping text (the marks and codes take one line).
ENTREPRENEUR_TEXT = [NAME, ETYPE, HOUSE, MOO, SUBDISTRICT, DISTRICT, PROVINCE, PHONE]
# The format (FormWriter's) of each column's data cells: marks centred, sales in baht.
DATA_FORMATS = [
    "center" if col in (TRAINED, SELLING, STANDARD, READY) else "money" if col == SALES else "text"
    for col in range(WIDTH)
]

MSG_NO_HEADER = _(
    "ไม่พบหัวตารางของแบบสำรวจความพร้อม (สิ่งที่ส่งมาด้วย ๒) ใน %(rows)s แถวแรกของไฟล์ "
    "กรุณาใช้แบบฟอร์มที่ดาวน์โหลดจากระบบ"
)
MSG_COLUMN_CHANGED = _(
    "หัวคอลัมน์ช่อง %(column)s ควรเป็น “%(expected)s” แต่พบ “%(found)s” ห้ามเพิ่ม ลบ หรือสลับคอลัมน์ของแบบฟอร์ม"
)
MSG_COLUMN_MOVED = _(
    "หัวคอลัมน์ช่อง %(column)s ควรเป็น “%(expected)s” แต่พบ “%(found)s” ซึ่งควรอยู่ที่ช่อง "
    "%(belongs)s ห้ามสลับคอลัมน์ของแบบฟอร์ม"
)
MSG_COLUMN_ADDED = _("พบคอลัมน์ “%(found)s” ที่ช่อง %(column)s ซึ่งไม่มีในแบบฟอร์ม ห้ามเพิ่มคอลัมน์")
MSG_NO_CODE = _("ไม่มีรหัสผู้ประกอบการ และไม่มีแถวก่อนหน้าให้ใช้รหัสต่อ")
MSG_NO_PRODUCT = _("ต้องกรอกชื่อผลิตภัณฑ์ (แถวละหนึ่งผลิตภัณฑ์)")
MSG_NO_ROWS = _("ไม่พบแถวข้อมูลใต้หัวตาราง")
MSG_UNUSUAL_MARK = ngettext_lazy(
    "อ่าน “%(mark)s” เป็น ‘ใช่’ %(count)s ช่อง (%(cells)s) ตามแบบฟอร์มให้ใส่ 1",
    "อ่าน “%(mark)s” เป็น ‘ใช่’ %(count)s ช่อง (%(cells)s) ตามแบบฟอร์มให้ใส่ 1",
    "count",
)

HEADER_SEARCH_ROWS = 20


def thai_digits(value) -> str:
    return str(value).translate(ARABIC_TO_THAI)


def thai_date(value: dt.date) -> str:
    """25 พ.ค. ๒๕๖๔ in Thai digits, as the department writes a deadline."""
    return thai_digits(f"{value.day} {THAI_MONTHS_SHORT[value.month - 1]} {value.year + 543}")


def headers_for(round: Round) -> tuple[list[str], list[str]]:
    """The two header rows for a round: only the sales year depends on it."""
    h1 = list(H1)
    h1[SALES] = SALES_HEADER.format(year=thai_digits(round.fiscal_year_id - 1))
    return h1, list(H2)


def title_lines(round: Round, province_name: str | None) -> list[str]:
    return [
        TITLE.format(year=thai_digits(round.fiscal_year_id)),
        PROVINCE_LINE.format(province=province_name) if province_name else COUNTRY_LINE,
        ROUND_LINE.format(
            number=thai_digits(round.number),
            start=THAI_MONTHS[round.starts_on.month - 1],
            end=THAI_MONTHS[round.ends_on.month - 1],
        ),
    ]


def note_lines(round: Round) -> list[str]:
    previous = (
        NOTE_1_PREVIOUS.format(number=thai_digits(round.number - 1)) if round.number > 1 else ""
    )
    return [NOTE_1.format(deadline=thai_date(round.survey_deadline), previous=previous), *NOTES]


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------


@dataclass
class ProductLine:
    name: str
    type_label: str
    ready: bool


@dataclass
class EntrepreneurBlock:
    """One entrepreneur and its product rows, as the exporter yields them."""

    code: str
    name: str
    type_label: str
    house_no: str
    moo: str
    subdistrict: str
    district: str
    province: str
    phone: str
    trained: bool
    selling: bool
    standard: bool
    sales_prev: Decimal
    products: list[ProductLine] = field(default_factory=list)


def _yes(value: bool):
    return 1 if value else None


class SurveyWriter:
    """Writes attachment 2 strictly top-down (xlsxwriter constant_memory).

    In constant_memory mode a row is flushed as soon as a later row is written, and
    xlsxwriter's merge_range pads the merged area with formatted blanks, which writes
    the lower rows at once. A vertical merge must therefore be registered without a
    format (no padding is written), and each row then written in full, in order,
    with formatted blanks where it lies under a merge.
    """

    def __init__(
        self, output, *, round: Round, province_name: str | None, district_name: str | None = None
    ):
        self.round = round
        self.w = FormWriter(output, sheet_name="แบบสำรวจ")
        self.sheet = self.w.sheet
        self.row = 0
        self.w.widths(COLUMN_WIDTHS)
        place = PROVINCE_LINE.format(province=province_name) if province_name else COUNTRY_LINE
        if district_name:
            place = f"{place} อำเภอ{district_name}"
        self.w.footer(*print_footer(round, f"แบบสำรวจ {place}"))
        self._head(province_name)

    def _merge_unpadded(self, first_row: int, first_col: int, last_row: int, last_col: int):
        self.sheet.merge_range(first_row, first_col, last_row, last_col, "", None)

    def _head(self, province_name: str | None) -> None:
        w = self.w
        w.set_height(0, w.cell_height("", 0, size=16))
        w.put(0, WIDTH - 1, ATTACHMENT_LABEL, "title_right")
        for index, line in enumerate(title_lines(self.round, province_name), start=1):
            w.set_height(index, w.cell_height(line, 0, WIDTH - 1, size=16))
            w.merge(index, 0, index, WIDTH - 1, line, "title")
        h1, h2 = headers_for(self.round)
        top, bottom = HEADER_ROW, HEADER_ROW + 1
        # The header's heights: a cell merged over both rows needs their sum.
        upper = lower = w.cell_height("", 0)
        both = 0.0
        for first, last, rows in HEADER_MERGES:
            height = w.cell_height(h1[first], first, last)
            if rows == "both":
                both = max(both, height)
            else:
                upper = max(upper, height)
        for col, text in enumerate(h2):
            if text:
                lower = max(lower, w.cell_height(text, col))
        lower = max(lower, both - upper)
        w.print_titles(top, bottom)
        w.set_height(top, upper)
        w.set_height(bottom, lower)
        for first, last, rows in HEADER_MERGES:
            self._merge_unpadded(top, first, bottom if rows == "both" else top, last)
        w.row(top, h1, "header")
        w.row(bottom, h2, "header")
        self.sheet.freeze_panes(FIRST_DATA_ROW, 0)
        self.row = FIRST_DATA_ROW

    def block(self, block: EntrepreneurBlock) -> None:
        products = block.products or [ProductLine("", "", False)]
        first, count = self.row, len(products)
        if count > 1:
            for col in ENTREPRENEUR_COLUMNS:
                self.w.merge_down(first, col, first + count - 1)
        head = [None] * WIDTH
        head[CODE], head[NAME], head[ETYPE] = block.code, block.name, block.type_label
        head[HOUSE], head[MOO] = block.house_no, block.moo
        head[SUBDISTRICT], head[DISTRICT], head[PROVINCE] = (
            block.subdistrict,
            block.district,
            block.province,
        )
        head[PHONE] = block.phone
        head[TRAINED], head[SELLING], head[STANDARD] = (
            _yes(block.trained),
            _yes(block.selling),
            _yes(block.standard),
        )
        # The rows' heights, set before each row is written (streaming): the product's
        # text sets each row, and the last row takes up what the entrepreneur's merged
        # cells still need.
        w = self.w
        heights = [
            max(w.cell_height(p.name, PRODUCT), w.cell_height(p.type_label, PTYPE))
            for p in products
        ]
        needed = max(w.cell_height(head[col], col) for col in ENTREPRENEUR_TEXT)
        heights[-1] += max(0.0, needed - sum(heights))
        for offset, product in enumerate(products):
            values = head if offset == 0 else [None] * WIDTH
            values = list(values)
            values[PRODUCT], values[PTYPE] = product.name, product.type_label
            values[READY] = _yes(product.ready)
            if offset == 0 and block.sales_prev:
                values[SALES] = block.sales_prev
            w.stream_row(first + offset, heights[offset], values, DATA_FORMATS)
        self.row = first + count

    def close(self) -> None:
        # The notes and the signature lines, one line each, kept on one page.
        w = self.w
        line = w.cell_height("", 0)
        count = 1 + len(note_lines(self.round)) + 1 + len(SIGNATURE)
        w.keep_together(self.row, [line] * (count + 1))
        for row in range(self.row, self.row + count + 1):
            w.set_height(row, line)
        row = self.row + 1
        self.w.put(row, 0, NOTES_TITLE, "note")
        for line in note_lines(self.round):
            row += 1
            self.w.put(row, 0, line, "note")
        row += 1
        for line in SIGNATURE:
            row += 1
            self.w.put(row, 0, line, "note")
        self.w.close()


def write_survey(
    output,
    *,
    round: Round,
    province_name: str | None,
    blocks: Iterable[EntrepreneurBlock],
    district_name: str | None = None,
) -> int:
    """Write attachment 2 with one row per product; returns the number of product rows.

    `district_name` names a district's own form in the printed footer.
    The form is the department's: it is Thai whatever the user's language.
    """
    with translation.override("th"):
        writer = SurveyWriter(
            output, round=round, province_name=province_name, district_name=district_name
        )
        rows = 0
        for block in blocks:
            writer.block(block)
            rows += max(1, len(block.products))
        writer.close()
    return rows


def print_sheet(
    *,
    round: Round,
    province_name: str,
    district_name: str | None,
    blocks: Iterable[EntrepreneurBlock],
) -> dict:
    """Attachment 2 for the browser's print view: the same title lines, header words,
    rows, notes and signature lines as the workbook, for surveys/print.html. Each row's
    `first` is true on an entrepreneur's first product row, where `span` rows of the
    entrepreneur's cells begin."""
    h1, _h2 = headers_for(round)
    rows = []
    for block in blocks:
        products = block.products or [ProductLine("", "", False)]
        for offset, product in enumerate(products):
            rows.append(
                {
                    "first": offset == 0,
                    "span": len(products),
                    "block": block,
                    "product": product,
                }
            )
    place = PROVINCE_LINE.format(province=province_name)
    return {
        "attachment": ATTACHMENT_LABEL,
        "titles": title_lines(round, province_name),
        "place": f"{place} อำเภอ{district_name}" if district_name else place,
        "sales_header": h1[SALES],
        "rows": rows,
        "notes": [NOTES_TITLE, *note_lines(round)],
        "signature": SIGNATURE,
    }


# ---------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------


@dataclass
class SurveyRow:
    """One product row of a filled form, cleaned; entrepreneur cells carried down."""

    row: int  # as Excel numbers it
    entrepreneur_code: str
    entrepreneur_name: str
    product_name: str
    trained: bool
    selling: bool
    standard: bool
    ready: bool
    amount: Decimal | None  # None when P is blank
    code_row: int  # the row the entrepreneur code was read from


@dataclass
class SurveyRead:
    sheet: str
    rows: list[SurveyRow]
    problems: ProblemCollector
    kind: str = ""

    @property
    def blank(self) -> bool:
        """No mark and no amount anywhere: the form as it was downloaded, not an answer."""
        return not any(
            r.trained or r.selling or r.standard or r.ready or r.amount for r in self.rows
        )


#: The version of survey_read_dump's format: a kept reading of another is read again.
_DUMP_VERSION = 1


def survey_read_dump(read: SurveyRead) -> dict:
    """A reading as JSON, for a preview to keep for its commit (SurveyUploadFlow).
    Its problems are not kept: a reading with problems is refused, never kept."""
    return {
        "version": _DUMP_VERSION,
        "sheet": read.sheet,
        "kind": read.kind,
        "rows": [
            [
                r.row,
                r.entrepreneur_code,
                r.entrepreneur_name,
                r.product_name,
                r.trained,
                r.selling,
                r.standard,
                r.ready,
                None if r.amount is None else str(r.amount),
                r.code_row,
            ]
            for r in read.rows
        ],
        "notices": [[n.message, n.row, n.column] for n in read.problems.notices],
    }


def survey_read_load(data) -> SurveyRead | None:
    """The reading survey_read_dump kept; None when it is not one (another version):
    the file is then read again."""
    if not isinstance(data, dict) or data.get("version") != _DUMP_VERSION:
        return None
    problems = ProblemCollector(sheet=data["sheet"])
    problems.notices = [Notice(message, row, column) for message, row, column in data["notices"]]
    rows = [
        # row, the codes and names, the four marks, then the amount and the code's row
        SurveyRow(*row[:8], None if row[8] is None else Decimal(row[8]), row[9])
        for row in data["rows"]
    ]
    return SurveyRead(data["sheet"], rows, problems, data["kind"])


def _header_identity(round: Round) -> list[set[str]]:
    """For each column, the header keys that identify it (H2 where the column has one)."""
    h1, h2 = headers_for(round)
    keys = []
    for col in range(WIDTH):
        text = h2[col] or h1[col]
        options = {header_key(text)}
        if col == SELLING:
            options.add(header_key(SELLING_HEADER_FIXED))
        keys.append(options)
    return keys


def _is_header(identity: list[set[str]]):
    """An H1 row: at least three of the form's one-row headers (A-E, O, P) appear."""
    singles = set().union(*(identity[c] for c in (CODE, NAME, ETYPE, PRODUCT, PTYPE, READY, SALES)))
    singles.discard("")
    return lambda keys: len(set(keys) & singles) >= 3


def _check_header(
    sheet: Sheet, top: int, round: Round, identity: list[set[str]], problems: ProblemCollector
) -> None:
    h1, h2 = headers_for(round)
    owner = {}
    for col, options in enumerate(identity):
        for key in options:
            owner[key] = col
    width = max(len(sheet.rows[top]), len(sheet.rows[top + 1]) if top + 1 < len(sheet.rows) else 0)
    for col in range(max(width, WIDTH)):
        upper, lower = sheet.cell(top, col), sheet.cell(top + 1, col)
        found_keys = {header_key(upper), header_key(lower)} - {""}
        found = (
            clean_text(lower)
            if not is_blank(lower) and col < WIDTH and h2[col]
            else (clean_text(upper) or clean_text(lower))
        )
        row = top + 2 if col < WIDTH and h2[col] else top + 1
        if col >= WIDTH:
            if found_keys:
                problems.add(
                    MSG_COLUMN_ADDED % {"found": found, "column": column_letter(col)},
                    row=top + 1,
                    column=column_letter(col),
                    value=found,
                )
            continue
        if found_keys & identity[col]:
            continue
        expected = h2[col] or h1[col]
        belongs = next((owner[k] for k in found_keys if k in owner), None)
        if belongs is not None:
            message = MSG_COLUMN_MOVED % {
                "column": column_letter(col),
                "expected": expected,
                "found": found,
                "belongs": column_letter(belongs),
            }
        else:
            message = MSG_COLUMN_CHANGED % {
                "column": column_letter(col),
                "expected": expected,
                "found": found,
            }
        problems.add(message, row=row, column=column_letter(col), header=expected, value=found)


def _is_end(row: list) -> bool:
    first = clean_text(row[0] if row else "")
    return first.startswith(END_MARKERS)


def read_survey(file, *, round: Round, name: str = "") -> SurveyRead:
    """Read a filled attachment 2. Raises SpreadsheetError for a file that is not a
    readable workbook, and returns every cell problem in `problems` (the caller adds
    the registry's and refuses the file if there is any)."""
    workbook = open_workbook(file, name=name, allow_csv=False)
    identity = _header_identity(round)
    sheet, top = find_header(workbook.sheets, _is_header(identity), max_rows=HEADER_SEARCH_ROWS)
    if sheet is None:
        raise SpreadsheetError(MSG_NO_HEADER % {"rows": HEADER_SEARCH_ROWS})
    problems = ProblemCollector(sheet=sheet.name)
    _check_header(sheet, top, round, identity, problems)
    if problems.problems:
        return SurveyRead(sheet.name, [], problems, workbook.kind)

    h1, h2 = headers_for(round)
    header_of = [h2[c] or h1[c] for c in range(WIDTH)]
    unusual: dict[str, list[str]] = {}
    rows: list[SurveyRow] = []
    carried: dict | None = None

    def cell_problem(exc: CellError, index: int, col: int) -> None:
        problems.add(
            exc.message,
            row=index + 1,
            column=column_letter(col),
            header=header_of[col],
            value=display(exc.value),
        )

    def yes(value, index: int, col: int) -> bool:
        try:
            answer, odd = parse_yes(value)
        except CellError as exc:
            cell_problem(exc, index, col)
            return False
        if odd:
            unusual.setdefault(clean_text(value), []).append(cell_name(index, col))
        return answer

    for index in range(top + 2, len(sheet.rows)):
        raw = sheet.rows[index]
        if _is_end(raw):
            break
        cells = [raw[c] if c < len(raw) else "" for c in range(WIDTH)]
        if all(is_blank(c) for c in cells):
            continue
        if not is_blank(cells[CODE]):
            try:
                code = parse_code(cells[CODE])
            except CellError as exc:
                cell_problem(exc, index, CODE)
                carried = None
                continue
            carried = {
                "code": code,
                "name": clean_text(cells[NAME]),
                "row": index + 1,
                "trained": False,
                "selling": False,
                "standard": False,
            }
            flags = {
                "trained": yes(cells[TRAINED], index, TRAINED),
                "selling": yes(cells[SELLING], index, SELLING),
                "standard": yes(cells[STANDARD], index, STANDARD),
            }
            carried.update(flags)
        elif carried is None:
            problems.add(
                MSG_NO_CODE, row=index + 1, column=column_letter(CODE), header=header_of[CODE]
            )
            continue
        else:
            # A row under a merged or blank entrepreneur cell: marks written here
            # again add to the entrepreneur's (a blank keeps what was above).
            flags = {
                "trained": yes(cells[TRAINED], index, TRAINED) or carried["trained"],
                "selling": yes(cells[SELLING], index, SELLING) or carried["selling"],
                "standard": yes(cells[STANDARD], index, STANDARD) or carried["standard"],
            }
        try:
            product = parse_name(cells[PRODUCT])
        except CellError:
            problems.add(
                MSG_NO_PRODUCT,
                row=index + 1,
                column=column_letter(PRODUCT),
                header=header_of[PRODUCT],
            )
            continue
        ready = yes(cells[READY], index, READY)
        try:
            amount = parse_amount(cells[SALES], blank_is_zero=False)
        except CellError as exc:
            cell_problem(exc, index, SALES)
            amount = None
        rows.append(
            SurveyRow(
                row=index + 1,
                entrepreneur_code=carried["code"],
                entrepreneur_name=carried["name"],
                product_name=product,
                ready=ready,
                amount=amount,
                code_row=carried["row"],
                **flags,
            )
        )
    if not rows and not problems.problems:
        problems.add(MSG_NO_ROWS, row=top + 3)
    for mark, cells in unusual.items():
        shown = ", ".join(cells[:8]) + (" …" if len(cells) > 8 else "")
        problems.notice(MSG_UNUSUAL_MARK % {"mark": mark, "count": len(cells), "cells": shown})
    return SurveyRead(sheet.name, rows, problems, workbook.kind)
