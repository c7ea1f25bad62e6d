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
