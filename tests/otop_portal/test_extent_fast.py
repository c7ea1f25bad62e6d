"""check_extent's quick scan of a sheet (otop_portal.uploads._vouch): after the first
chunk of a sheet's XML, a chunk is only checked against the rows and columns found so far
and gets the exact scan only when that check fails. The decisions (refused or accepted,
the far cell, the cell count) must stay those of the exact scan of every chunk, the scan
before it, kept below as `exact_scan`, for every file: a sheet in order, empty cells down
to the last row, cells out of order, a cell without an address, broken XML.

Most tests cut the sheets into small chunks (_CHUNK) so that a small workbook has many.
"""

from __future__ import annotations

import io
import re
import zipfile
from unittest import mock

import pytest
from django.test import override_settings
from hypothesis import given, settings
from hypothesis import strategies as st

from otop_portal import uploads
from otop_portal.spreadsheet import SpreadsheetError, column_letter

# ---------------------------------------------------------------------------
# The exact scan of every chunk, as check_extent did it before the quick scan
# ---------------------------------------------------------------------------

CELL_ROW = re.compile(rb'<c r="[A-Z]{1,3}([0-9]{1,7})"')
CELL_COLUMN = re.compile(rb'<c r="([A-Z]{1,3})[0-9]')
EMPTY_CELL = re.compile(rb'<c r="[A-Z]{1,3}[0-9]{1,7}"(?:\s+[\w:.-]+="[^"]*")*\s*/>')
CELL_TAG = re.compile(rb"<c[\s/>]")
PREFIXED_CELL = re.compile(rb":c[\s/>]")


def exact_scan(extent, zf, info, budget) -> bool:
    rows: list[int] = []
    columns: set[bytes] = set()
    cells = cell_tags = 0
    for index, text in enumerate(uploads._chunks(zf, info, budget)):
        if index == 0:
            declaration = uploads._XML_DECLARATION.match(text)
            text = text[declaration.end() :] if declaration else text
        if b"<!" in text or b"<?" in text or PREFIXED_CELL.search(text):
            return False
        text = EMPTY_CELL.sub(b"", text)
        found = CELL_ROW.findall(text)
        if found:
            cells += len(found)
            numbers = list(map(int, found))
            rows += [min(numbers), max(numbers)]
            columns.update(CELL_COLUMN.findall(text))
        cell_tags += len(CELL_TAG.findall(text))
    if cells != cell_tags:
        return False
    if rows:
        indexes = [uploads._column_index(c) for c in columns]
        extent.span(min(rows) - 1, max(rows) - 1, min(indexes), max(indexes))
    return True


def scan(data: bytes, fast=None) -> tuple:
    """What a scan (uploads._xlsx_fast, or `fast`) finds in the first sheet."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
        extent = uploads._Extent("sheet1")
        done = (fast or uploads._xlsx_fast)(extent, zf, info, uploads._Budget())
    return done, extent.first_row, extent.last_row, extent.first_col, extent.last_col


def decision(data: bytes) -> str:
    try:
        uploads.check_extent(data, "xlsx")
    except SpreadsheetError as exc:
        return str(exc.message)
    except Exception as exc:  # expat's error on broken XML when the sheet is parsed
        return f"{type(exc).__name__}: {exc}"
    return "accepted"


def same_as_exact_scan(data: bytes) -> str:
    """check_extent's decision, after checking that the exact scan finds the same."""
    assert scan(data) == scan(data, exact_scan)
    found = decision(data)
    with mock.patch.object(uploads, "_xlsx_fast", exact_scan):
        assert decision(data) == found
    return found


# ---------------------------------------------------------------------------
# Workbooks
# ---------------------------------------------------------------------------

SHEET_NAME = "ทะเบียน"


def workbook(rows_xml: str) -> bytes:
    """A minimal .xlsx whose one sheet, "ทะเบียน", has `rows_xml` as its sheetData."""
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.'
            'openxmlformats.org/package/2006/content-types"/>',
        )
        zf.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{ns}" xmlns:r="{rel}"><sheets><sheet name="{SHEET_NAME}" '
            'sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        zf.writestr(
            "xl/_rels/workbook.xml.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
            f'relationships"><Relationship Id="rId1" Type="{rel}/worksheet" '
            'Target="worksheets/sheet1.xml"/></Relationships>',
        )
        zf.writestr(
            "xl/worksheets/sheet1.xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<worksheet xmlns="{ns}"><cols><col min="1" max="14" width="12"/></cols>'
            f"<sheetData>{rows_xml}</sheetData></worksheet>",
        )
    return out.getvalue()


def value(address: str) -> str:
    return f'<c r="{address}" t="inlineStr"><is><t>ผลิตภัณฑ์ {address}</t></is></c>'


def empty(address: str) -> str:
    return f'<c r="{address}" s="1"/>'


def row(number: int, cells: list[str]) -> str:
    return f'<row r="{number}">{"".join(cells)}</row>'


def table(first: int, last: int, columns: int = 14, extra: tuple[str, ...] = ()) -> str:
    """Rows first..last with a value in each of the first `columns` columns, then the
    cells of `extra` (formats with {row})."""
    return "".join(
        row(r, [value(f"{column_letter(c)}{r}") for c in range(columns)])
        + "".join(x.format(row=r) for x in extra)
        for r in range(first, last + 1)
    )


def table_with(first: int, last: int, at: int, cells: str, columns: int = 14) -> str:
    """table(), with `cells` added at the end of row `at`."""
    return "".join(
        row(r, [value(f"{column_letter(c)}{r}") for c in range(columns)] + [cells] * (r == at))
        for r in range(first, last + 1)
    )


@pytest.fixture
def small_chunks():
    with mock.patch.object(uploads, "_CHUNK", 2048):
        yield


def counting_exact_scans():
    calls = []
    real = uploads._scan_chunk

    def counted(text):
        calls.append(len(text))
        return real(text)

    return calls, mock.patch.object(uploads, "_scan_chunk", counted)


# ---------------------------------------------------------------------------
# Sheets in order: the quick scan
# ---------------------------------------------------------------------------


def test_it_scans_only_the_first_chunk_of_a_sheet_in_order_exactly(small_chunks):
    """The registry's case: the quick scan vouches for every chunk after the first."""
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"constant_memory": True})
    sheet = book.add_worksheet(SHEET_NAME)
    border = book.add_format({"border": 1})
    for r in range(600):
        for c in range(14):
            sheet.write(r, c, f"ผู้ผลิต {r}" if c % 2 else r * 10 + c)
        sheet.write_blank(r, 15, None, border)  # an empty cell after each row's data
    book.close()
    data = out.getvalue()
    calls, patch = counting_exact_scans()
    with patch:
        assert same_as_exact_scan(data) == "accepted"
        calls.clear()
        assert scan(data) == (True, 0, 599, 0, 13)
    assert len(calls) == 1


def test_it_accepts_data_with_empty_cells_down_to_the_last_row(small_chunks):
    """A border drawn down to row 1,048,576 and across to column Z (16-27 million cells
    if the empty cells counted): calamine leaves the empty cells out, and so does the
    quick scan."""
    far_rows = "".join(
        row(r, [empty(f"{column_letter(c)}{r}") for c in (0, 13, 25)])
        for r in range(400, 1_048_577, 20_000)
    )
    last = row(1_048_576, [empty(f"{column_letter(c)}1048576") for c in range(26)])
    data = workbook(table(1, 300, extra=(empty("O{row}"), '<c r="Z{row}"/>')) + far_rows + last)
    calls, patch = counting_exact_scans()
    with patch:
        assert same_as_exact_scan(data) == "accepted"
        calls.clear()
        assert scan(data) == (True, 0, 299, 0, 13)
    assert len(calls) == 1  # the empty cells are no reason for the exact scan


def test_it_accepts_a_sheet_within_the_limit_only_without_its_empty_cells(small_chunks):
    """Counted with its empty cells, the sheet is over the limit (5,000 rows of 26
    columns); without them, as calamine holds it, 300 rows of 14 columns are not."""
    data = workbook(
        table(1, 300, extra=(empty("Z{row}"),))
        + row(5000, [empty("A5000"), '<c r="Z5000" s="2" t="n"/>'])
    )
    with override_settings(WORKBOOK_MAX_CELLS=300 * 14):
        assert same_as_exact_scan(data) == "accepted"
    with override_settings(WORKBOOK_MAX_CELLS=300 * 14 - 1):
        message = same_as_exact_scan(data)
    assert f"“{SHEET_NAME}”" in message and "N300 (4,200 ช่อง)" in message


def test_it_refuses_a_value_far_away_naming_the_far_cell(small_chunks):
    data = workbook(table(1, 400) + row(1_048_576, [value("XFD1048576")]))
    message = same_as_exact_scan(data)
    assert message.startswith(f"แผ่นงาน “{SHEET_NAME}” มีข้อมูลไปถึงช่อง XFD1048576 (17,179,869,184 ช่อง)")


def test_it_refuses_a_value_in_a_far_column_in_the_middle_of_the_sheet(small_chunks):
    data = workbook(table_with(1, 400, 200, value("AMJ200")))
    with override_settings(WORKBOOK_MAX_CELLS=400 * 1024 - 1):
        assert "AMJ400 (409,600 ช่อง)" in same_as_exact_scan(data)
    with override_settings(WORKBOOK_MAX_CELLS=400 * 1024):
        assert same_as_exact_scan(data) == "accepted"


# ---------------------------------------------------------------------------
# Cells out of order, and what the quick scan leaves to the exact scan
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "at, cells, far",
    [
        (3, value("A900000"), "N900000 (12,600,000 ช่อง)"),  # a big row number early
        (350, value("B2000000"), "N2000000 (28,000,000 ช่อง)"),  # ... or late
        (350, value("XFD7"), "XFD400 (6,553,600 ช่อง)"),  # a far column in an early row
    ],
)
def test_it_sees_a_cell_out_of_order(small_chunks, at, cells, far):
    data = workbook(table_with(1, 400, at, cells))
    with override_settings(WORKBOOK_MAX_CELLS=1_000_000):
        assert far in same_as_exact_scan(data)


def test_it_sees_a_first_row_or_column_late_in_the_sheet(small_chunks):
    """Data from C20: a value later in A1 makes the sheet larger."""
    rows = "".join(row(r, [value(f"{c}{r}") for c in "CDE"]) for r in range(20, 401))
    data = workbook(rows + row(401, [value("A1"), value("C401")]))
    limit = 381 * 3  # C20:E400, before A1
    with override_settings(WORKBOOK_MAX_CELLS=limit):
        message = same_as_exact_scan(data)
    assert "E401 (2,005 ช่อง)" in message  # A1:E401
    assert scan(data) == (True, 0, 400, 0, 4)


@pytest.mark.parametrize(
    "cells",
    [
        '<c t="inlineStr"><is><t>no address</t></is></c>',
        '<c r="b7"><v>1</v></c>',
        '<c r="A12345678"><v>1</v></c>',
        '<c\tr="A7"><v>1</v></c>',
        "<c/>",
    ],
)
def test_it_parses_a_sheet_with_a_cell_tag_without_a_usual_address_late(small_chunks, cells):
    data = workbook(table_with(1, 400, 390, cells))
    assert scan(data)[0] is False  # the caller parses the sheet instead
    same_as_exact_scan(data)


@pytest.mark.parametrize("address", ["A0", "C0", "A007", "B0000001", "D0300"])
def test_it_reads_a_row_number_with_leading_zeros_as_the_exact_scan(small_chunks, address):
    data = workbook(table_with(1, 400, 380, f'<c r="{address}"><v>1</v></c>'))
    same_as_exact_scan(data)


@pytest.mark.parametrize(
    "cells",
    [
        # Removing the empty cell B3 joins "<" and 'c r="XFD9"...' into a cell tag.
        '<<c r="B3"/>c r="XFD9"><v>1</v></c>',
        '<c<c r="B3"/> r="XFD9"><v>1</v></c>',
        # A cell tag inside an empty cell's value.
        '<c r="B3" s="<c r="/><c r="XFD9"><v>1</v></c>',
    ],
)
def test_it_follows_broken_xml_as_the_exact_scan(small_chunks, cells):
    data = workbook(table_with(1, 400, 380, cells))
    with override_settings(WORKBOOK_MAX_CELLS=100_000):
        same_as_exact_scan(data)


@pytest.mark.parametrize(
    "markup",
    [
        '<!-- <c r="A1"> -->',
        "<![CDATA[ x ]]>",
        '<?pi <c r="A1"?>',
        '<x:c r="A9"><x:v>1</x:v></x:c>',
    ],
)
def test_it_parses_a_sheet_with_unusual_markup_late(small_chunks, markup):
    data = workbook(table_with(1, 400, 390, markup))
    assert scan(data)[0] is False
    assert scan(data, exact_scan)[0] is False


def test_it_keeps_the_empty_cell_pattern_of_the_exact_scan():
    assert uploads._EMPTY_CELL.pattern == EMPTY_CELL.pattern


# ---------------------------------------------------------------------------
# The parts of the quick scan
# ---------------------------------------------------------------------------


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from([b"<", b"!", b"?", b":", b"c", b" ", b"/", b">", b"x"])))
def test_it_finds_unusual_markup_as_the_search_did(parts):
    text = b"".join(parts)
    searched = b"<!" in text or b"<?" in text or PREFIXED_CELL.search(text) is not None
    assert uploads._unusual_markup(text) is searched


def test_it_finds_unusual_markup_among_many_marks():
    text = b"ok? sure! a:b " * 100
    assert not uploads._unusual_markup(text)
    assert uploads._unusual_markup(text + b"<!-- -->")
    assert uploads._unusual_markup(text + b'<x:c r="A1">')
    assert uploads._unusual_markup(b"<?pi?>" + text)


def test_it_writes_patterns_for_exactly_the_rows_and_columns_between_two():
    rows = [str(n) for n in range(0, 1300)] + ["01", "007", "9999999", "1048576", "10000000"]
    for low, high in [(1, 1), (1, 9), (8, 120), (99, 100), (1, 1048576), (37, 1204), (1000, 1000)]:
        pattern = re.compile(uploads._ranked(str(low), str(high), "1", "0", "9"))
        for text in rows + [str(low), str(high), str(high + 1)]:
            within = text[0] != "0" and low <= int(text) <= high
            assert bool(pattern.fullmatch(text)) is within, (low, high, text)
    indexes = list(range(0, 800)) + [16383, 18277]
    for low, high in [(0, 0), (0, 13), (2, 27), (25, 26), (26, 701), (5, 16383), (701, 702)]:
        pattern = re.compile(
            uploads._ranked(column_letter(low), column_letter(high), "A", "A", "Z")
        )
        for index in indexes:
            assert bool(pattern.fullmatch(column_letter(index))) is (low <= index <= high)


# ---------------------------------------------------------------------------
# Any sheet: the same as the exact scan
# ---------------------------------------------------------------------------

CELLS = [
    '<c r="{a}"><v>1</v></c>',
    '<c r="{a}" t="inlineStr"><is><t>ก</t></is></c>',
    '<c r="{a}" s="1"/>',
    '<c r="{a}"/>',
    '<c r="{a}" s="1" t="n" />',
] * 4 + [
    '<c r="{a}"></c>',  # empty, but not as _EMPTY_CELL sees it: counts
    "<c r='{a}' s='1'/>",
    '<c t="s"><v>0</v></c>',
    '<c r="{col}0{row}"><v>1</v></c>',
    '<<c r="B3"/>c r="{a}"><v>1</v></c>',
    '<c<c r="B3"/> r="{a}"><v>1</v></c>',
    '<c r="B2" s="<c r="/><c r="{a}"><v>1</v></c>',
    '<c r="{a}" s="<"/>',
    '<!-- <c r="{a}"> -->',
    "<col/>",
    "\n  ",
]


@st.composite
def sheets(draw) -> str:
    rows = []
    for i in range(draw(st.integers(1, 40))):
        number = draw(st.sampled_from([i + 1] * 12 + [0, 1, 3, 999, 1_048_576, 9_999_999]))
        cells = []
        for j in range(draw(st.integers(0, 12))):
            col = column_letter(draw(st.sampled_from([j] * 12 + [0, 25, 26, 702, 16383])))
            cell = draw(st.sampled_from(CELLS))
            cells.append(cell.format(a=f"{col}{number}", col=col, row=number))
        rows.append(row(number, cells))
    return "".join(rows)


@settings(max_examples=300, deadline=None)
@given(sheets(), st.sampled_from([16, 64, 300, 2048, 1024 * 1024]), st.sampled_from([50, 10**6]))
def test_it_decides_as_the_exact_scan_for_any_sheet(rows_xml, chunk, limit):
    data = workbook(rows_xml)
    with mock.patch.object(uploads, "_CHUNK", chunk), override_settings(WORKBOOK_MAX_CELLS=limit):
        same_as_exact_scan(data)


def test_it_refuses_broken_xml_in_a_sheet_it_parses_with_a_clear_message():
    # A cell without an address sends the sheet to the expat parse, which then meets a
    # tag that is never closed: a broken workbook, said so, not an error page.
    data = workbook(row(1, [value("A1"), "<c><v>1</v></c>"]) + '<row r="2"><c r="A2">')

    with pytest.raises(SpreadsheetError) as refused:
        uploads.check_extent(data, "xlsx")

    assert "ExpatError" in str(refused.value.message)
