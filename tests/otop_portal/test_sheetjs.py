"""Workbooks saved by SheetJS (the npm `xlsx` package), which some of the department's
tools use: tests/fixtures/sheetjs was written from the sample workbooks by make.js
there. Its .xlsx and .xls read as the samples do; its .ods, which calamine refuses
(whitespace between cells) and LibreOffice opens, is read with odfpy in the same
bounded child; its .xlsb is refused with "save as .xlsx"."""

from __future__ import annotations

from pathlib import Path

import pytest

from otop_portal.spreadsheet import MSG_XLSB, SpreadsheetError, open_workbook

SHEETJS = Path(__file__).resolve().parents[1] / "fixtures" / "sheetjs"


@pytest.mark.parametrize("form", ["survey_5607", "report_5607"])
@pytest.mark.parametrize("kind", ["xlsx", "xls", "ods"])
def test_it_reads_a_sheetjs_workbook_as_the_sample(samples, form, kind):
    expected = open_workbook(samples / f"{form}.xlsx")
    found = open_workbook(SHEETJS / f"{form}.{kind}", name=f"{form}.{kind}")
    assert found.kind == kind
    assert [(s.name, s.rows) for s in found.sheets] == [(s.name, s.rows) for s in expected.sheets]


def test_calamine_alone_cannot_read_the_sheetjs_ods():
    """Why the fallback exists: if calamine learns to read it, the fallback can go."""
    from python_calamine import CalamineWorkbook

    with pytest.raises(Exception):  # noqa: B017, PT011 - calamine's own error type
        book = CalamineWorkbook.from_path(str(SHEETJS / "survey_5607.ods"))
        for name in book.sheet_names:
            book.get_sheet_by_name(name).to_python()


@pytest.mark.parametrize("form", ["survey_5607", "report_5607"])
def test_it_refuses_a_sheetjs_xlsb_with_save_as_xlsx(form):
    with pytest.raises(SpreadsheetError) as refused:
        open_workbook(SHEETJS / f"{form}.xlsb", name=f"{form}.xlsb")
    assert refused.value.message == MSG_XLSB
