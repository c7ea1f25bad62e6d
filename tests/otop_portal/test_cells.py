import datetime as dt
from decimal import Decimal

import pytest

from otop_portal import cells
from otop_portal.cells import CellError


@pytest.mark.parametrize(
    "raw, expected",
    [
        (12500, Decimal("12500.00")),
        (4500.5, Decimal("4500.50")),
        ("12,500", Decimal("12500.00")),
        ("๑๒,๕๐๐", Decimal("12500.00")),
        ("๔,๕๐๐.๕", Decimal("4500.50")),
        ("-", Decimal("0.00")),
        ("", Decimal("0.00")),
        (None, Decimal("0.00")),
        (" 1 200 บาท", Decimal("1200.00")),
    ],
)
def test_it_reads_amounts_as_officers_write_them(raw, expected):
    assert cells.parse_amount(raw) == expected


@pytest.mark.parametrize("raw", ["abc", "12.5.1", "NaN", float("nan"), "1e400", True])
def test_it_refuses_an_amount_that_is_not_a_number(raw):
    with pytest.raises(CellError):
        cells.parse_amount(raw)


def test_it_refuses_a_date_in_a_number_cell():
    with pytest.raises(CellError) as exc:
        cells.parse_amount(dt.datetime(2021, 5, 1))
    assert "วันที่" in str(exc.value)


def test_it_refuses_a_negative_amount():
    with pytest.raises(CellError):
        cells.parse_amount("-5")


@pytest.mark.parametrize(
    "raw, yes, unusual",
    [
        (1, True, False),
        (1.0, True, False),
        ("1", True, False),
        ("๑", True, False),
        ("", False, False),
        (None, False, False),
        (0, False, False),
        ("✓", True, True),
        ("/", True, True),
        ("x", True, True),
        ("มี", True, True),
        ("ใช่", True, True),
    ],
)
def test_it_reads_yes_marks(raw, yes, unusual):
    assert cells.parse_yes(raw) == (yes, unusual)


@pytest.mark.parametrize("raw", ["maybe", 2, "๒"])
def test_it_refuses_an_unreadable_yes_mark(raw):
    with pytest.raises(CellError):
        cells.parse_yes(raw)


def test_it_reads_codes_typed_as_numbers():
    assert cells.parse_code(560700001.0) == "560700001"
    assert cells.parse_code("๕๖๐๗๐๐๐๐๑") == "560700001"
    assert cells.parse_code("560700005-x7") == "560700005-X7"


def test_it_reads_buddhist_years_and_refuses_gregorian_ones():
    assert cells.parse_be_year("๒๕๖๑") == 2561
    assert cells.parse_be_year(2562.0) == 2562
    with pytest.raises(CellError):
        cells.parse_be_year(2020)


def test_it_ignores_whitespace_and_line_breaks_in_headers():
    assert cells.header_key("ชื่อผลิตภัณฑ์\n(โปรดระบุ ทุกผลิตภัณฑ์ของกลุ่ม)") == cells.header_key(
        "ชื่อผลิตภัณฑ์ (โปรดระบุทุกผลิตภัณฑ์ของกลุ่ม)"
    )


def test_it_guards_csv_text_that_a_spreadsheet_would_evaluate():
    assert cells.csv_safe("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert cells.csv_safe("@SUM") == "'@SUM"
    assert cells.csv_safe("กลุ่ม") == "กลุ่ม"
    assert cells.csv_safe(12) == 12
