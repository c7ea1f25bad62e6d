"""Attachment 1 (เป้าหมายตัวชี้วัด): the targets of a province's districts, as a workbook.

`write_targets` writes the department's layout of docs/forms.md cell by cell, from the
rows of products.selectors.targets_for_districts, so the file shows the same figures as
the targets page. `read_targets` reads the same layout as people fill it: the header may
sit a few rows lower, district names carry slips (กุซาง for ภูซาง), targets may be typed
in Thai digits, and everything after the "รวม" row is ignored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from districts.models import District, Province
from districts.selectors import Gazetteer, name_key
from otop_portal.cells import (
    THAI_DIGITS,
    CellError,
    clean_text,
    display,
    header_key,
    is_blank,
    parse_whole,
)
from otop_portal.dates import THAI_MONTHS, THAI_MONTHS_SHORT
from otop_portal.importing import ImportRefused, Notice, Problem, ProblemCollector
from otop_portal.spreadsheet import (
    Sheet,
    SpreadsheetError,
    column_letter,
    find_header,
    open_workbook,
)
from otop_portal.xlsx import FormWriter
from products.models import Round
from products.selectors import (
    DistrictTargets,
    round_snapshot,
    targets_for_districts,
    targets_total,
)

# The header words of docs/forms.md, attachment 1.
H_NUMBER = "ที่"
H_DISTRICT = "อำเภอ"
H_BASE = "ฐานข้อมูล"
H_ENTREPRENEURS = "จำนวนผู้ประกอบการ"
H_PRODUCTS = "จำนวนผลิตภัณฑ์ OTOP"
H_TARGET = "เป้าหมายตัวชี้วัด ปี %(year)s (ร้อยละ %(rate)s)"
H_NOTE = "หมายเหตุ"
TOTAL_LABEL = "รวม"

# The largest official target accepted: far above any district's product count, and
# well inside the database's integer range.
MAX_TARGET = 100_000

MSG_NO_DISTRICT_COLUMN = _(
    "ไม่พบคอลัมน์ “อำเภอ” ในหัวตาราง (%(rows)s แถวแรก) ไฟล์นี้ไม่ใช่แบบเป้าหมายตัวชี้วัด (สิ่งที่ส่งมาด้วย 1)"
)
MSG_NO_TARGET_COLUMN = _("ไม่พบคอลัมน์ “เป้าหมายตัวชี้วัด” ในหัวตาราง")
MSG_NO_ROWS = _("ไม่พบรายการอำเภอใต้หัวตาราง")
MSG_NO_PROVINCE = _("ไม่ทราบว่าไฟล์นี้เป็นของจังหวัดใด (ไม่พบบรรทัด “จังหวัด ...” ในหัวเรื่อง) กรุณาระบุจังหวัด")
MSG_OTHER_PROVINCE = _("ไฟล์นี้เป็นของจังหวัด%(found)s แต่กำลังนำเข้าให้จังหวัด%(expected)s")
MSG_OTHER_ROUND = _("หัวเรื่องของไฟล์ระบุ%(found)s แต่กำลังนำเข้าให้รอบ %(expected)s")
MSG_NO_DISTRICT_NAME = _("ไม่มีชื่ออำเภอ แต่มีเป้าหมาย")
MSG_DUPLICATE = _("อำเภอ%(name)s ซ้ำกับแถว %(row)s")
MSG_TOO_LARGE = _("“%(value)s” มากเกินไปสำหรับเป้าหมายของอำเภอ")
MSG_BLANK_TARGET = _("อำเภอ%(name)s ไม่ได้กรอกเป้าหมาย จึงไม่เปลี่ยนเป้าหมายของอำเภอนี้")
MSG_UNKNOWN_PROVINCE_CODE = _("ไม่พบจังหวัดรหัส %(code)s")
MSG_TITLE_PROVINCE_READ_AS = _("ชื่อจังหวัดในหัวเรื่อง %(note)s")

NOTE_COMPUTED_PREFIX = "ใช้เป้าหมายที่คำนวณ"
NOTE_COMPUTED = NOTE_COMPUTED_PREFIX + " (ร้อยละ %(rate)s)"
NOTE_DIFFERS = "ค่าที่คำนวณได้ %(computed)s"

HEADER_SEARCH_ROWS = 20


def rate_label(rate: Decimal) -> str:
    """11.00 -> "11", 10.50 -> "10.5": the rate as the department writes it."""
    text = f"{Decimal(rate):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def thai_long_date(value) -> str:
    """1 เมษายน 2564."""
    return f"{value.day} {THAI_MONTHS[value.month - 1]} {value.year + 543}"


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------


def print_footer(round: Round, place: str) -> tuple[str, str]:
    """The printed footer's place-and-round and export-date lines, shared by every form
    the portal writes (FormWriter.footer): Thai, Buddhist-era, like the forms."""
    today = timezone.localdate()
    return (
        f"{place} รอบการประเมินที่ {round.number}/{round.fiscal_year_id}",
        f"ส่งออกเมื่อ {today.day} {THAI_MONTHS_SHORT[today.month - 1]} {today.year + 543}",
    )


def fit_heights(w: FormWriter, round: Round, province: Province, rows: list) -> None:
    """Set the height of every row of attachment 1 as FormWriter measures it (normal
    mode, so before the cells are written): the titles, the two header rows, a row per
    district (its note wraps), the total and the footnotes, one line each."""
    for index, text in enumerate(titles(round, province)):
        w.set_height(index, w.cell_height(text, 0, 5, size=16))
    upper = max(w.cell_height(H_BASE, 2, 3), w.cell_height("", 0))
    lower = max(w.cell_height(H_ENTREPRENEURS, 2), w.cell_height(H_PRODUCTS, 3))
    both = max(
        w.cell_height(text, col)
        for col, text in ((0, H_NUMBER), (1, H_DISTRICT), (4, target_header(round)), (5, H_NOTE))
    )
    w.set_height(3, upper)
    w.set_height(4, max(lower, both - upper))
    r = 5
    for row in rows:
        w.fit_row(r, {1: row.name, 5: row_note(row, round)})
        r += 1
    for line in range(r, r + 1 + len(footnotes(round))):
        w.set_height(line, w.cell_height("", 0))


def titles(round: Round, province: Province) -> list[str]:
    """Rows 1-3 of attachment 1, from the round's configuration."""
    return [
        f"เป้าหมายตัวชี้วัดผลิตภัณฑ์ OTOP ในตลาดออนไลน์ (รอบการประเมินที่ {round.number})",
        f"ประจำปีงบประมาณ พ.ศ.{round.fiscal_year_id} (เดือน{round.period_label_th})",
        f"จังหวัด {province.name_th}",
    ]


def target_header(round: Round) -> str:
    return H_TARGET % {
        "year": f"{round.fiscal_year_id % 100:02d}",
        "rate": rate_label(round.target_rate),
    }


def footnotes(round: Round) -> list[str]:
    """The two lines under the table: the registry's window and the snapshot's date."""
    source = (
        f"หมายเหตุ : ฐานข้อมูลจำนวนผลิตภัณฑ์ OTOP ปี {round.window_start} - {round.window_end} "
        "มาจากโปรแกรมลงทะเบียนโอท็อป"
    )
    snapshot = round_snapshot(round)
    if snapshot is not None:
        as_of = f"ณ วันที่ {thai_long_date(snapshot.as_of)}"
    else:
        as_of = "ณ วันที่ – (รอบนี้ยังไม่ได้เลือกชุดข้อมูลทะเบียน)"
    return [source, as_of]


def row_note(row: DistrictTargets, round: Round) -> str:
    """Column F: say when the computed target is used, or what the official one replaced."""
    if row.target_official is None:
        return NOTE_COMPUTED % {"rate": rate_label(round.target_rate)}
    if row.target_difference:
        return NOTE_DIFFERS % {"computed": row.target_computed}
    return ""


def write_targets(
    output, *, round: Round, province: Province, rows: Iterable[DistrictTargets]
) -> None:
    """Write attachment 1 for one province to `output` (a path or a binary file object).

    `rows` are the province's districts from targets_for_districts, in DOPA code order.
    The file is the department's: it is Thai whatever the user's language.
    """
    with translation.override("th"):
        _write_targets(output, round=round, province=province, rows=rows)


def targets_export_write(output, *, round: Round, province: Province) -> list[DistrictTargets]:
    """Write a province's attachment 1 to `output`: the one function that the page, the
    management command and the job call. Returns the districts' rows it wrote."""
    rows = targets_for_districts(round=round, districts=District.objects.filter(province=province))
    write_targets(output, round=round, province=province, rows=rows)
    return rows


def _write_targets(output, *, round: Round, province: Province, rows) -> None:
    rows = list(rows)
    # A few dozen rows: the normal mode lets the two-row header's merges be written in
    # any order (constant_memory would drop cells of rows already flushed).
    w = FormWriter(output, sheet_name="เป้าหมายตัวชี้วัด", constant_memory=False)
    w.widths([6, 22, 17, 19, 22, 30])
    w.footer(*print_footer(round, f"จังหวัด{province.name_th}"))
    fit_heights(w, round, province, rows)
    for index, text in enumerate(titles(round, province)):
        w.merge(index, 0, index, 5, text, "title")

    w.merge(3, 0, 4, 0, H_NUMBER, "header")
    w.merge(3, 1, 4, 1, H_DISTRICT, "header")
    w.merge(3, 2, 3, 3, H_BASE, "header")
    w.merge(3, 4, 4, 4, target_header(round), "header")
    w.merge(3, 5, 4, 5, H_NOTE, "header")
    w.put(4, 2, H_ENTREPRENEURS, "header")
    w.put(4, 3, H_PRODUCTS, "header")
    w.print_titles(3, 4)

    r = 5
    for number, row in enumerate(rows, start=1):
        w.row(
            r,
            [number, row.name, row.entrepreneurs, row.products, row.target, row_note(row, round)],
            ["center", "text", "whole", "whole", "whole", "text"],
        )
        r += 1

    total = targets_total(rows)
    w.merge(r, 0, r, 1, TOTAL_LABEL, "total_label")
    w.put(r, 2, total.entrepreneurs, "total_whole")
    w.put(r, 3, total.products, "total_whole")
    w.put(r, 4, total.target, "total_whole")
    w.put(r, 5, "", "total_label")
    for line in footnotes(round):
        r += 1
        w.put(r, 0, line, "note")
    w.close()


# ---------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------


@dataclass
class TargetRow:
    """One district's line of an attachment-1 workbook, cleaned."""

    row: int  # as Excel numbers it
    district: District
    official: int
    entrepreneurs: int | None = None
    products: int | None = None
    note: str = ""


@dataclass
class _Layout:
    header_row: int  # 0-based
    district: int
    target: int | None
    entrepreneurs: int | None
    products: int | None
    note: int | None


def _find_layout(sheet: Sheet) -> _Layout | None:
    district_keys = {header_key(H_DISTRICT), header_key("ชื่ออำเภอ")}
    _, index = find_header(
        [sheet], lambda keys: bool(district_keys & set(keys)), max_rows=HEADER_SEARCH_ROWS
    )
    if index is None:
        return None
    keys = [header_key(c) for c in sheet.rows[index]]
    layout = _Layout(
        index, next(i for i, k in enumerate(keys) if k in district_keys), None, None, None, None
    )
    below = [header_key(c) for c in sheet.rows[index + 1]] if index + 1 < len(sheet.rows) else []
    for i, key in enumerate(keys):
        if key.startswith("เป้าหมาย") and layout.target is None:
            layout.target = i
        elif key.startswith(header_key(H_NOTE)) and layout.note is None:
            layout.note = i
    for source in (keys, below):
        for i, key in enumerate(source):
            if key.startswith(header_key(H_ENTREPRENEURS)) and layout.entrepreneurs is None:
                layout.entrepreneurs = i
            elif key.startswith(header_key("จำนวนผลิตภัณฑ์")) and layout.products is None:
                layout.products = i
    return layout


def _title_lines(sheet: Sheet, upto: int) -> list[str]:
    lines = []
    for row in sheet.rows[:upto]:
        for value in row:
            text = clean_text(value)
            if text:
                lines.append(text)
    return lines


def _check_title_round(lines: list[str], round: Round, problems: ProblemCollector) -> None:
    text = " ".join(lines).translate(THAI_DIGITS)
    number = re.search(r"รอบการประเมินที่\s*(\d+)", text)
    year = re.search(r"พ\.ศ\.\s*(\d{4})", text)
    found_number = int(number.group(1)) if number else round.number
    found_year = int(year.group(1)) if year else round.fiscal_year_id
    if (found_number, found_year) != (round.number, round.fiscal_year_id):
        problems.add(
            MSG_OTHER_ROUND
            % {
                "found": f" รอบที่ {found_number} ปีงบประมาณ {found_year}",
                "expected": round.code,
            },
        )


def _title_province(lines: list[str], notices: ProblemCollector) -> Province | None:
    """The province named on the title line "จังหวัด พะเยา", if any resolves."""
    for line in lines:
        if line.startswith("จังหวัด"):
            # Only the 77 provinces are needed here, not the whole gazetteer.
            gazetteer = Gazetteer()
            for p in Province.objects.all():
                for key in (name_key(p.name_th), name_key(p.name_en), p.code):
                    gazetteer.provinces[key] = p
            try:
                resolved = gazetteer.province(line)
            except CellError:
                return None
            if resolved.note:
                notices.notice(MSG_TITLE_PROVINCE_READ_AS % {"note": resolved.note})
            return resolved.obj
    return None


def read_targets(
    file, *, province: Province | str | None = None, round: Round | None = None, name: str = ""
) -> tuple[list[TargetRow], list[Notice]]:
    """Read the official targets of an attachment-1 workbook.

    `province` is a Province or its code; without it, the province is read from the
    title ("จังหวัด พะเยา"). With `round`, a title naming another round is refused.
    Returns the district rows and the notices (names read as a close real name,
    blank targets left alone); raises ImportRefused with every problem found.
    """
    try:
        workbook = open_workbook(file, name=name)
    except SpreadsheetError as exc:
        raise ImportRefused([Problem(str(exc.message))]) from None

    sheet, layout = workbook.sheets[0], None
    for candidate in workbook.sheets:
        layout = _find_layout(candidate)
        if layout is not None:
            sheet = candidate
            break
    c = ProblemCollector(sheet=sheet.name if workbook.kind != "csv" else "")
    if layout is None:
        c.add(MSG_NO_DISTRICT_COLUMN % {"rows": HEADER_SEARCH_ROWS})
        c.raise_if_any()
    if layout.target is None:
        c.add(MSG_NO_TARGET_COLUMN, row=layout.header_row + 1)
        c.raise_if_any()

    if isinstance(province, str):
        code, province = province, Province.objects.filter(code=province).first()
        if province is None:
            c.add(MSG_UNKNOWN_PROVINCE_CODE % {"code": code})
            c.raise_if_any()
    lines = _title_lines(sheet, layout.header_row)
    found = _title_province(lines, c)
    if province is None:
        if found is None:
            c.add(MSG_NO_PROVINCE)
            c.raise_if_any()
        province = found
    elif found is not None and found.code != province.code:
        # Another province's file: its district names would only add noise.
        c.add(MSG_OTHER_PROVINCE % {"found": found.name_th, "expected": province.name_th})
        c.raise_if_any()
    if round is not None:
        _check_title_round(lines, round, c)
    gazetteer = Gazetteer.load([province.code])

    rows: list[TargetRow] = []
    seen: dict[str, int] = {}
    district_header = clean_text(sheet.cell(layout.header_row, layout.district))
    target_header_text = clean_text(sheet.cell(layout.header_row, layout.target))
    for index in range(layout.header_row + 1, len(sheet.rows)):
        excel_row = index + 1
        first_cells = [
            clean_text(sheet.cell(index, i)).replace(" ", "") for i in range(layout.district + 1)
        ]
        if any(text.startswith(TOTAL_LABEL) for text in first_cells):
            break
        if first_cells and first_cells[0].startswith(H_NOTE):
            break
        raw_name = sheet.cell(index, layout.district)
        raw_target = sheet.cell(index, layout.target)
        if is_blank(raw_name):
            if not is_blank(raw_target) and index > layout.header_row + 1:
                c.add(
                    MSG_NO_DISTRICT_NAME,
                    row=excel_row,
                    column=column_letter(layout.district),
                    header=district_header,
                )
            continue  # a blank line or the second header row
        try:
            resolved = gazetteer.district(raw_name, province)
        except CellError as exc:
            c.add(
                exc.message,
                row=excel_row,
                column=column_letter(layout.district),
                header=district_header,
                value=display(raw_name),
            )
            continue
        district = resolved.obj
        if resolved.note:
            c.notice(resolved.note, row=excel_row, column=column_letter(layout.district))
        if district.code in seen:
            c.add(
                MSG_DUPLICATE % {"name": district.name_th, "row": seen[district.code]},
                row=excel_row,
                column=column_letter(layout.district),
                header=district_header,
                value=display(raw_name),
            )
            continue
        seen[district.code] = excel_row
        try:
            official = parse_whole(raw_target)
            if official is not None and official > MAX_TARGET:
                raise CellError(MSG_TOO_LARGE % {"value": display(raw_target)}, raw_target)
        except CellError as exc:
            c.add(
                exc.message,
                row=excel_row,
                column=column_letter(layout.target),
                header=target_header_text,
                value=display(raw_target),
            )
            continue
        if official is None:
            c.notice(
                MSG_BLANK_TARGET % {"name": district.name_th},
                row=excel_row,
                column=column_letter(layout.target),
            )
            continue
        rows.append(
            TargetRow(
                row=excel_row,
                district=district,
                official=official,
                entrepreneurs=_optional_whole(sheet, index, layout.entrepreneurs),
                products=_optional_whole(sheet, index, layout.products),
                note=clean_text(sheet.cell(index, layout.note)) if layout.note is not None else "",
            )
        )
    if not rows and not c.problems and not seen:
        c.add(MSG_NO_ROWS, row=layout.header_row + 1)
    c.raise_if_any()
    return rows, c.notices


def _optional_whole(sheet: Sheet, index: int, col: int | None) -> int | None:
    """The base figures of C and D are informative only: the portal counts its own base.
    A value that is not a number there is ignored rather than refusing the file."""
    if col is None:
        return None
    try:
        return parse_whole(sheet.cell(index, col))
    except CellError:
        return None
