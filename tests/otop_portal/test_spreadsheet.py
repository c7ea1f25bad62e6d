import io
import zipfile

import pytest
import xlsxwriter

from otop_portal.spreadsheet import SpreadsheetError, cell_name, open_workbook


def xlsx_bytes(rows):
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf)
    sheet = book.add_worksheet("Sheet")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    book.close()
    return buf.getvalue()


def test_it_reads_an_xlsx_keeping_cell_positions():
    data = xlsx_bytes([[], ["", "", "x"]])
    wb = open_workbook(io.BytesIO(data))
    assert wb.kind == "xlsx"
    assert wb.sheets[0].cell(1, 2) == "x"
    assert cell_name(1, 2) == "C2"


def test_it_refuses_garbage_bytes():
    with pytest.raises(SpreadsheetError):
        open_workbook(io.BytesIO(b"\x00\x01\x02garbage" * 10))


def test_it_says_when_a_csv_is_named_xlsx():
    with pytest.raises(SpreadsheetError) as exc:
        open_workbook(io.BytesIO(b"a,b\n1,2\n"), name="registry.xlsx")
    assert "CSV" in str(exc.value)


def test_it_refuses_a_truncated_workbook():
    data = xlsx_bytes([["a"]])
    with pytest.raises(SpreadsheetError):
        open_workbook(io.BytesIO(data[: len(data) // 2]))


def test_it_refuses_a_zip_bomb_by_its_uncompressed_size(settings):
    settings.WORKBOOK_MAX_UNCOMPRESSED_BYTES = 1024 * 1024
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<x/>")
        zf.writestr("xl/worksheets/sheet1.xml", "0" * (5 * 1024 * 1024))
    with pytest.raises(SpreadsheetError) as exc:
        open_workbook(io.BytesIO(buf.getvalue()))
    assert "MB" in str(exc.value)


def test_it_refuses_an_empty_file():
    with pytest.raises(SpreadsheetError):
        open_workbook(io.BytesIO(b""))


def test_it_reads_a_formula_as_its_cached_value_never_evaluating_it():
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf)
    sheet = book.add_worksheet()
    sheet.write_formula(0, 0, "=1+1", None, 2)
    book.close()
    wb = open_workbook(io.BytesIO(buf.getvalue()))
    assert wb.sheets[0].cell(0, 0) == 2
