"""An upload's content is scanned once per request (issue #19): its form checks it
(check_upload) and its reader checks it again (open_workbook), the same bytes; the
second check remembers the first's pass, and only for the same bytes and budgets."""

from __future__ import annotations

import io
from unittest import mock

import pytest
import xlsxwriter

from otop_portal import uploads
from otop_portal.spreadsheet import SpreadsheetError, open_workbook


def workbook(value: str = "x", *, far_row: int = 10) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out)
    sheet = book.add_worksheet("แบบสำรวจ")
    sheet.write(0, 0, "รหัส")
    sheet.write(far_row, 15, value)
    book.close()
    return out.getvalue()


@pytest.fixture(autouse=True)
def _nothing_remembered():
    uploads._PASSED.clear()
    yield
    uploads._PASSED.clear()


@pytest.fixture
def scans():
    with mock.patch.object(uploads, "check_extent", wraps=uploads.check_extent) as spy:
        yield spy


def test_it_scans_a_file_once_for_its_form_and_its_reader(scans):
    data = workbook()

    assert uploads.check_workbook(data, kind=uploads.DISTRICT) == "xlsx"
    book = open_workbook(io.BytesIO(data), limits=uploads.DISTRICT)

    assert [sheet.name for sheet in book.sheets] == ["แบบสำรวจ"]

    assert scans.call_count == 1


def test_it_scans_other_bytes_again(scans):
    uploads.check_workbook(workbook("x"), kind=uploads.DISTRICT)
    uploads.check_workbook(workbook("y"), kind=uploads.DISTRICT)

    assert scans.call_count == 2


def test_it_scans_again_a_file_it_refused(scans, settings):
    settings.DISTRICT_WORKBOOK_MAX_CELLS = 100
    data = workbook(far_row=500)

    for _ in range(2):
        with pytest.raises(SpreadsheetError):
            uploads.check_workbook(data, kind=uploads.DISTRICT)

    assert scans.call_count == 2


def test_a_pass_does_not_hold_under_smaller_budgets(settings):
    data = workbook(far_row=500)
    assert uploads.check_workbook(data, kind=uploads.DISTRICT) == "xlsx"

    settings.DISTRICT_WORKBOOK_MAX_CELLS = 100
    with pytest.raises(SpreadsheetError) as refused:
        uploads.check_workbook(data, kind=uploads.DISTRICT)
    assert "P501" in str(refused.value.message)


def test_it_remembers_only_the_latest_files(scans):
    files = [workbook(str(n)) for n in range(uploads._PASSED_MAX + 1)]
    for data in files:
        uploads.check_workbook(data, kind=uploads.DISTRICT)

    uploads.check_workbook(files[-1], kind=uploads.DISTRICT)  # still remembered
    uploads.check_workbook(files[0], kind=uploads.DISTRICT)  # forgotten: scanned again

    assert len(uploads._PASSED) == uploads._PASSED_MAX
    assert scans.call_count == len(files) + 1
