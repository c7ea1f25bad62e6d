"""FormWriter: the department's look, streamed, with the merges of a country's form."""

from __future__ import annotations

import io

import openpyxl
import pytest

from otop_portal.xlsx import FormWriter, SpooledRanges


def merged(data: bytes) -> list[str]:
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    return sorted(str(r) for r in sheet.merged_cells.ranges)


def test_it_writes_every_vertical_merge_of_the_data_rows():
    output = io.BytesIO()
    w = FormWriter(output)
    w.merge(0, 0, 0, 3, "หัวเรื่อง", "title")
    row = 1
    for count in (3, 1, 2):
        if count > 1:
            for col in (0, 1):
                w.merge_down(row, col, row + count - 1)
        for offset in range(count):
            w.row(row + offset, [f"ผู้ประกอบการ {row}" if offset == 0 else None, None, "x", 1])
        row += count
    w.close()

    assert merged(output.getvalue()) == ["A1:D1", "A2:A4", "A6:A7", "B2:B4", "B6:B7"]
    sheet = openpyxl.load_workbook(io.BytesIO(output.getvalue())).active
    assert sheet["A2"].value == "ผู้ประกอบการ 1"
    assert sheet["A6"].value == "ผู้ประกอบการ 5"
    assert sheet["D7"].value == 1


def test_a_merge_outside_the_sheet_is_refused():
    w = FormWriter(io.BytesIO())
    with pytest.raises(ValueError):
        w.merge_down(1_048_570, 0, 1_048_600)
    w.close()


def test_the_ranges_go_to_disk_and_come_back_in_order():
    ranges = SpooledRanges()
    many = [(r, r % 16, r + 2, r % 16) for r in range(0, 300_000, 3)]
    for cell_range in many:
        ranges.append(cell_range)

    assert len(ranges) == len(many)
    assert list(ranges) == many
    # Read twice (xlsxwriter reads once, but nothing should depend on it).
    assert list(ranges)[-1] == many[-1]
    ranges.close()


def sheet_of(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data)).active


def test_it_sets_a_rows_height_from_its_wrapped_text_also_when_streaming():
    output = io.BytesIO()
    w = FormWriter(output)
    w.widths([16, 20])
    short = w.fit_row(0, ["560700001", "ผ้าทอ"])
    long = w.fit_row(1, ["560700002", "ผู้ผลิตชุมชนที่เป็นเจ้าของรายเดียว ผู้ผลิตที่เป็นเอสเอ็มอี"])
    w.row(0, ["560700001", "ผ้าทอ"])
    w.row(1, ["560700002", "ผู้ผลิตชุมชนที่เป็นเจ้าของรายเดียว ผู้ผลิตที่เป็นเอสเอ็มอี"])
    w.close()

    sheet = sheet_of(output.getvalue())
    # xlsxwriter rounds a height to whole pixels.
    assert sheet.row_dimensions[1].height == pytest.approx(short, abs=0.5)
    assert sheet.row_dimensions[2].height == pytest.approx(long, abs=0.5)
    # A nine-digit code takes one line; the long type wraps to three or more.
    assert 18 < short < 25 and long > 2.5 * short


def test_it_prints_on_a4_with_the_header_repeated_and_numbered_pages():
    output = io.BytesIO()
    w = FormWriter(output, sheet_name="แบบรายงานผล")
    w.footer("แบบรายงานผล จังหวัดพะเยา อำเภอแม่ใจ รอบการประเมินที่ 2/2564", "ส่งออกเมื่อ 1 พ.ค. 2564")
    w.print_titles(4, 5)
    w.put(0, 0, "x")
    w.close()

    sheet = sheet_of(output.getvalue())
    assert sheet.title == "แบบรายงานผล"
    assert sheet.print_title_rows == "$5:$6"
    assert sheet.page_setup.paperSize == 9 and sheet.page_setup.orientation == "landscape"
    # One page wide (fitToWidth's default, 1), as many pages long as it takes.
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToHeight == 0
    assert sheet.page_margins.left > sheet.page_margins.right  # room to bind
    footer = sheet.oddFooter
    assert footer.center.text == "หน้า &P/&N"
    assert footer.left.text.startswith("แบบรายงานผล จังหวัดพะเยา อำเภอแม่ใจ")
    assert footer.right.text == "ส่งออกเมื่อ 1 พ.ค. 2564"


def test_it_moves_the_signature_block_to_the_next_page_rather_than_split_it():
    output = io.BytesIO()
    w = FormWriter(output)
    w.widths([20, 20])
    row = 0
    while row < 200:
        w.set_height(row, 40)
        w.put(row, 0, row)
        if w.page_breaks:
            break
        # Three signature lines: kept together only where the page ends under them.
        w.keep_together(row + 1, [22, 22, 22])
        row += 1
    w.close()

    (first_break,) = w.page_breaks
    # The rows up to the break fit on one page with the block after them refused.
    assert 5 < first_break < 100
    assert sheet_of(output.getvalue()).row_breaks.brk[0].id == first_break
