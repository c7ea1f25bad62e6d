"""Property-based tests of the cell parsers: whatever a cell holds, a parser either
returns a clean value or raises CellError with a message; it never crashes otherwise."""

import datetime as dt
import functools
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from otop_portal import cells
from otop_portal.cells import CellError

THAI_DIGITS = "๐๑๒๓๔๕๖๗๘๙"

any_cell = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**15), max_value=10**15),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.text(alphabet=THAI_DIGITS + "0123456789,.- ฿บาท", max_size=20),
    st.dates(),
    st.datetimes(),
    st.text(alphabet="😀🇹🇭✓✔/xมีใช่", max_size=5),
)


def _never_crashes(parser, value):
    try:
        parser(value)
    except CellError as exc:
        assert str(exc.message)


@settings(max_examples=300, deadline=None)
@given(any_cell)
def test_it_never_crashes_on_any_cell(value):
    for parser in (
        cells.parse_amount,
        cells.parse_whole,
        cells.parse_yes,
        cells.parse_code,
        cells.parse_name,
        cells.parse_be_year,
        functools.partial(cells.parse_phone, limit=30),
    ):
        _never_crashes(parser, value)
    cells.clean_text(value)
    cells.header_key(value)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=10**9))
def test_it_reads_thai_digits_with_separators_as_the_same_number(n):
    arabic = f"{n:,}"
    thai = arabic.translate(str.maketrans("0123456789", THAI_DIGITS))
    assert cells.parse_amount(thai) == cells.parse_amount(arabic) == Decimal(n)
    assert cells.parse_whole(thai) == n


@settings(max_examples=100, deadline=None)
@given(st.dates())
def test_it_refuses_any_date_in_a_number_cell(value):
    try:
        cells.parse_amount(value)
    except CellError as exc:
        assert "วันที่" in str(exc.message)
    else:
        raise AssertionError("a date was read as a number")


@settings(max_examples=200, deadline=None)
@given(st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False))
def test_it_keeps_amounts_to_the_satang(value):
    assert cells.parse_amount(str(value)) == value.quantize(Decimal("0.01"))


def test_it_refuses_a_time_in_a_number_cell():
    try:
        cells.parse_amount(dt.time(10, 30))
    except CellError:
        pass
    else:
        raise AssertionError


def _clean_text_as_written(value) -> str:
    """clean_text's definition, without the short cut for ASCII text (issue #19)."""
    import re
    import unicodedata

    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = unicodedata.normalize("NFC", str(value))
    text = text.replace("\u200b", "").replace("\xa0", " ")
    return re.sub(r"\s+", " ", text).strip()


@settings(max_examples=500, deadline=None)
@given(
    st.one_of(
        any_cell,
        st.text(alphabet=" \t\n\r\x0b\x0c\xa0\u200b\u3000ab ก\u0e31\u0e49e\u0301", max_size=20),
    )
)
def test_clean_text_reads_any_cell_as_its_definition_does(value):
    assert cells.clean_text(value) == _clean_text_as_written(value)
