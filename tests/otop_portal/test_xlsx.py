"""FormWriter: the department's look, streamed, with the merges of a country's form."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal
from functools import partial

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


def test_a_few_ranges_come_back_too_and_more_can_follow():
    """Fewer than a batch stay in memory until read; appending after a read goes on."""
    ranges = SpooledRanges()
    ranges.append((1, 0, 3, 0))
    ranges.append((1, 1, 3, 1))
    assert list(ranges) == [(1, 0, 3, 0), (1, 1, 3, 1)]
    ranges.append((4, 0, 5, 0))
    assert len(ranges) == 3
    assert list(ranges) == [(1, 0, 3, 0), (1, 1, 3, 1), (4, 0, 5, 0)]
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


def _members(data: bytes) -> dict[str, bytes]:
    # docProps/core.xml holds the time the file was made.
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        return {n: book.read(n) for n in book.namelist() if n != "docProps/core.xml"}


def _by_cell(w: FormWriter, row: int, height: float, values: list, fmts: list[str]) -> None:
    """What stream_row does, the way xlsxwriter is called for any other row."""
    w.set_height(row, height)
    for col, value in enumerate(values):
        w.put(row, col, value, fmts[col])


def _stream_rows(stream: bool) -> bytes:
    output = io.BytesIO()
    w = FormWriter(output)
    w.widths([16, 20, 12, 12])
    w.merge(0, 0, 0, 3, "หัวเรื่อง", "title")
    w.set_height(1, 30)
    w.row(1, ["รหัส", "ชื่อ", "ยอด", "พร้อม"], "header")
    fmts = ["text", "text", "money", "center"]
    rows = [
        ["560700001", "ผ้าทอ", Decimal("12000.50"), 1],
        [None, "", 0, True],
        ["560700002", "ข้าว & ขนม <อร่อย>", 3.25, None],  # escaped: xlsxwriter's path
        ["560700003", " เว้นหน้า", 7, False],  # whitespace kept: xlsxwriter's path
        ["560700004", "บรรทัด\nใหม่", 10**12, None],
        ["560700005", "ควบคุม\x07_x0041_", None, None],  # control character: xlsxwriter's
        ["560700006", "ยาว" * 9000, None, None],  # long text: xlsxwriter's
        ["560700007", "ปกติ", Decimal("1E+3"), 1],
    ]
    for offset, values in enumerate(rows, start=2):
        (w.stream_row if stream else partial(_by_cell, w))(offset, 20 + offset, values, fmts)
    w.set_height(len(rows) + 3, 20)
    w.put(len(rows) + 3, 0, "หมายเหตุ", "note")
    w.close()
    return output.getvalue()


def test_it_streams_a_row_as_xlsxwriter_writes_it_cell_by_cell():
    streamed, by_cell = _members(_stream_rows(True)), _members(_stream_rows(False))

    assert streamed.keys() == by_cell.keys()
    for name in by_cell:
        assert streamed[name] == by_cell[name], name
    sheet = sheet_of(_stream_rows(True))
    assert sheet["B5"].value == "ข้าว & ขนม <อร่อย>"
    assert sheet["C3"].value == 12000.5
    assert sheet["B6"].value == " เว้นหน้า"
    assert sheet.row_dimensions[3].height == pytest.approx(22, abs=0.5)


def _survey(round) -> bytes:
    from surveys.workbook import EntrepreneurBlock, ProductLine, write_survey

    blocks = [
        EntrepreneurBlock(
            code=f"56070000{n}",
            name=f"กลุ่ม {n} & เพื่อน" if n == 2 else f"กลุ่ม {n}",
            type_label="กลุ่มผู้ผลิตชุมชน",
            house_no="1",
            moo="2",
            subdistrict="บ้านตุ่น",
            district="เมืองพะเยา",
            province="พะเยา",
            phone="",
            trained=n % 2 == 0,
            selling=True,
            standard=False,
            sales_prev=Decimal(n * 1000),
            products=[ProductLine(f"ผลิตภัณฑ์ {n}.{p}", "ผ้า", p == 0) for p in range(n)],
        )
        for n in range(4)
    ]
    output = io.BytesIO()
    write_survey(output, round=round, province_name="พะเยา", blocks=blocks)
    return output.getvalue()


def test_it_streams_a_survey_as_xlsxwriter_writes_it_cell_by_cell(monkeypatch, round_2564):
    streamed = _members(_survey(round_2564))
    monkeypatch.setattr(FormWriter, "stream_row", _by_cell)
    assert streamed == _members(_survey(round_2564))


def test_it_writes_a_surveys_merged_ranges_as_xlsxwriter_does(monkeypatch, round_2564):
    from otop_portal import xlsx

    ours = _members(_survey(round_2564))
    assert b'<mergeCells count="' in ours["xl/worksheets/sheet1.xml"]
    # Without the internals, xlsxwriter writes the rows and the merged ranges itself.
    monkeypatch.setattr(xlsx, "_XLSXWRITER_INTERNALS", ("an_attribute_it_lost",))
    assert ours == _members(_survey(round_2564))


def test_a_small_book_is_packaged_in_memory_and_a_large_one_on_disk(monkeypatch, round_2564):
    import tempfile

    from otop_portal import xlsx

    made = []
    real_mkstemp = tempfile.mkstemp

    def mkstemp(*args, **kwargs):
        made.append(args)
        return real_mkstemp(*args, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    small = _members(_survey(round_2564))
    in_memory = len(made)
    monkeypatch.setattr(xlsx, "IN_MEMORY_PACKAGE_MAX_BYTES", 0)
    large = _members(_survey(round_2564))

    # On disk: a temporary file for each of the book's parts, besides the rows'.
    assert in_memory <= 1 < len(made) - in_memory
    assert small == large
    monkeypatch.undo()
    texts = [c.value for row in sheet_of(_survey(round_2564)).iter_rows() for c in row]
    assert any(str(t).startswith("แบบสำรวจความพร้อม") for t in texts if t)


def test_without_the_xlsxwriter_internals_it_streams_it_writes_cell_by_cell(monkeypatch):
    from otop_portal import xlsx

    monkeypatch.setattr(xlsx, "_XLSXWRITER_INTERNALS", ("an_attribute_it_lost",))
    assert _members(_stream_rows(True)) == _members(_stream_rows(False))


def test_with_this_xlsxwriter_it_streams_plain_rows_itself(monkeypatch):
    writes = []
    monkeypatch.setattr(FormWriter, "put", lambda self, *args: writes.append(args))
    _stream_rows(True)
    # Only the rows with text to escape, to keep or to cut, the head and the note.
    assert sorted({row for row, *_rest in writes}) == [0, 1, 4, 5, 7, 8, 11]
