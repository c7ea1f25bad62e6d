"""Reading the flat registry: places, vocabularies, Thai digits, row numbers."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from districts.selectors import MSG_HINT, MSG_READ_AS
from otop_portal.cells import (
    MSG_BAD_YEAR,
    MSG_TOO_LONG,
    CellError,
    parse_code,
    parse_name,
    parse_phone,
)
from products import registry_workbook as rw
from products.models import ProductStatus
from tests.products.test_registry_import import write_xlsx

HEADER = [h for _n, h, _a in rw.COLUMNS]


def row(
    code="560100001",
    product="560100001-01",
    name="น้ำพริกหนุ่ม",
    subdistrict="ต.แม่ใส",
    district="อ.เมือง",
    province="พะเยา",
    year=2560,
    status="ปกติ",
    etype="วิสาหกิจชุมชน",
    ptype="อาหาร",
):
    return [
        code,
        "กลุ่มแม่บ้านบ้านดอนแก้ว",
        etype,
        product,
        name,
        ptype,
        year,
        "12",
        "๓",
        subdistrict,
        district,
        province,
        "๐๘๑ ๒๓๔ ๕๖๗๘",
        status,
    ]


def read(tmp_path, *rows):
    return rw.registry_read(write_xlsx(tmp_path / "r.xlsx", [HEADER, *rows]))


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["อ.เมือง", "อำเภอเมืองพะเยา", "เมืองพะเยา", "อ. เมืองพะเยา"])
def test_the_capital_district_is_read_however_it_is_typed(tmp_path, typed):
    result = read(tmp_path, row(district=typed))
    assert result.problems == []
    r = result.rows[0]
    assert (r.district_code, r.subdistrict_code, r.subdistrict_name) == ("5601", "560114", "แม่ใส")
    assert result.notices == []


@pytest.mark.django_db
def test_a_slip_is_read_as_the_closest_district_and_the_reader_says_so(tmp_path):
    result = read(
        tmp_path,
        row(code="560800001", product="560800001-01", district="กุซาง", subdistrict="ภูซาง"),
        row(code="560800002", product="560800002-01", district="กุซาง", subdistrict="ภูซาง"),
    )
    assert result.problems == []
    assert [r.district_code for r in result.rows] == ["5608", "5608"]
    note = str(MSG_READ_AS % {"value": "กุซาง", "name": "ภูซาง", "code": "5608"})
    assert len(result.notices) == 1  # one note for the slip, with the number of rows
    assert note in result.notices[0].message and "2 แถว" in result.notices[0].message
    assert (result.notices[0].row, result.notices[0].column) == (2, "K")


@pytest.mark.django_db
def test_an_unknown_district_is_refused_with_the_closest_candidates(tmp_path):
    result = read(tmp_path, row(district="ลำปางหลวง"))
    assert result.rows == []
    [problem] = result.problems
    assert (problem.row, problem.column, problem.header, problem.value) == (
        2,
        "K",
        "อำเภอ",
        "ลำปางหลวง",
    )
    assert "ลำปางหลวง" in problem.message
    assert str(MSG_HINT % {"names": ""}).strip() in problem.message


@pytest.mark.django_db
def test_an_unknown_subdistrict_is_refused_within_its_district(tmp_path):
    result = read(tmp_path, row(subdistrict="ศรีถ้อย"))  # a subdistrict of แม่ใจ, not เมือง
    [problem] = result.problems
    assert (problem.column, problem.header) == ("J", "ตำบล")
    assert "เมืองพะเยา" in problem.message


@pytest.mark.django_db
def test_thai_digits_years_phones_and_status_are_cleaned(tmp_path):
    result = read(
        tmp_path,
        row(year="๒๕๖๑", status="ยกเลิก"),
        row(code="๕๖๐๑๐๐๐๐๒", product="560100002-01", year=2562.0, status=""),
    )
    assert result.problems == []
    first, second = result.rows
    assert (first.registered_year, first.status, first.moo, first.phone) == (
        2561,
        ProductStatus.CANCELLED,
        "3",
        "0812345678",
    )
    assert (second.entrepreneur_code, second.registered_year, second.status) == (
        "560100002",
        2562,
        ProductStatus.ACTIVE,
    )


@pytest.mark.django_db
def test_every_bad_cell_is_reported_with_its_excel_row(tmp_path):
    result = read(
        tmp_path,
        row(),
        row(code="560100002", product="560100002-01", year=2020, status="พัก"),
        row(code="", product="560100003-01"),
    )
    where = {(p.row, p.column): p.message for p in result.problems}
    assert where[(3, "G")] == str(MSG_BAD_YEAR % {"value": "2020"})
    assert where[(3, "N")] == str(rw.MSG_BAD_STATUS % {"value": "พัก"})
    assert (4, "A") in where
    assert [r.row for r in result.rows] == [2]


def _with(cells: list, **values) -> list:
    columns = {"house_no": 7, "moo": 8, "phone": 12}
    cells = list(cells)
    for name, value in values.items():
        cells[columns[name]] = value
    return cells


@pytest.mark.django_db
def test_a_cell_longer_than_its_field_is_refused_not_cut(tmp_path):
    """The registry's phone numbers were cut to 30 characters without a word; a longer
    cell of any limited column is refused, naming the cell and the limit. A cell with
    a group's several numbers is kept whole."""
    three = "081 234 5678, 089 876 5432, 053 123 456"
    result = read(
        tmp_path,
        _with(row(), phone=", ".join([three] * 4)),
        _with(row(code="560100002", product="560100002-01"), phone="0" * 101),
        _with(row(code="560100003", product="560100003-01"), house_no="๑" * 31),
        _with(row(code="560100004", product="560100004-01"), moo="1" * 11),
        _with(row(code="560100005", product="560100005-01"), phone="0" * 100),
        _with(row(code="560100006", product="560100006-01"), phone=three),
    )
    where = {(p.row, p.column): p.message for p in result.problems}
    assert where == {
        (2, "M"): str(MSG_TOO_LONG % {"limit": 100}),
        (3, "M"): str(MSG_TOO_LONG % {"limit": 100}),
        (4, "H"): str(MSG_TOO_LONG % {"limit": 30}),
        (5, "I"): str(MSG_TOO_LONG % {"limit": 10}),
    }
    assert [(r.row, r.phone) for r in result.rows] == [
        (6, "0" * 100),
        (7, "0812345678,0898765432,053123456"),
    ]


@pytest.mark.django_db
def test_a_duplicate_product_names_both_rows(tmp_path):
    result = read(tmp_path, row(), row(product="560100001-02"))
    [problem] = result.problems
    assert problem.message == str(
        rw.MSG_DUPLICATE_PRODUCT % {"name": "น้ำพริกหนุ่ม", "code": "560100001", "row": 2}
    )
    assert problem.row == 3


@pytest.mark.django_db
def test_an_entrepreneur_in_two_districts_is_refused(tmp_path):
    result = read(
        tmp_path,
        row(),
        row(product="560100001-02", name="แหนมหมู", district="จุน", subdistrict="จุน"),
    )
    [problem] = result.problems
    assert problem.row == 3 and "แถว 2" in problem.message


@pytest.mark.django_db
def test_an_entrepreneur_whose_rows_differ_takes_its_first_row_with_a_notice(tmp_path):
    other = row(product="560100001-02", name="แหนมหมู")
    other[12] = "0899999999"
    result = read(tmp_path, row(), other)
    assert result.problems == []
    assert str(rw.MSG_ENTREPRENEUR_DIFFERS % {"code": "560100001", "row": 2}) in [
        n.message for n in result.notices
    ]


@pytest.mark.django_db
def test_a_header_with_line_breaks_and_spaces_is_found(tmp_path):
    header = [h.replace(" ", "\n") + " " for h in HEADER]
    result = rw.registry_read(write_xlsx(tmp_path / "r.xlsx", [["ทะเบียนโอท็อป"], header, row()]))
    assert result.problems == []
    assert result.rows[0].row == 3


def test_a_buddhist_era_date_option_is_read():
    import datetime as dt

    assert rw.parse_date_option("2564-04-01") == dt.date(2021, 4, 1)
    assert rw.parse_date_option("๒๕๖๔-๐๕-๒๕") == dt.date(2021, 5, 25)
    assert rw.parse_date_option("2021-09-20") == dt.date(2021, 9, 20)
    with pytest.raises(ValueError):
        rw.parse_date_option("25/05/2564")


# ---------------------------------------------------------------------------
# The reader's fast paths give what the shared parsers give
# ---------------------------------------------------------------------------

cell_text = st.one_of(
    st.text(max_size=30),
    st.text(alphabet="abcXYZ019๐๑-_/. \t\n\u200b\xa0\u3000กขค\u0e33\u0301e", max_size=30),
    st.from_regex(r"[0-9A-Za-z][0-9A-Za-z\-_/.]{0,45}", fullmatch=True),
    st.text(alphabet="0123456789๐๑๒", min_size=1, max_size=35),
)
any_cell = st.one_of(cell_text, st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False))


def outcome(parser, value):
    try:
        return ("ok", parser(value))
    except CellError as exc:
        return ("error", str(exc.message), exc.value)


@settings(max_examples=500, deadline=None)
@given(any_cell)
def test_the_fast_parsers_give_what_the_shared_parsers_give(value):
    assert outcome(rw._parse_code, value) == outcome(parse_code, value)
    assert outcome(lambda v: rw._parse_code(v, required=False), value) == outcome(
        lambda v: parse_code(v, required=False), value
    )
    assert outcome(rw._parse_name, value) == outcome(parse_name, value)
    assert outcome(rw._parse_phone, value) == outcome(
        lambda v: parse_phone(v, limit=rw.PHONE_LIMIT), value
    )


def test_a_long_name_is_refused_by_the_fast_parser_too():
    assert outcome(rw._parse_name, "ก" * 256) == outcome(parse_name, "ก" * 256)
    assert outcome(rw._parse_name, "ก" * 255) == ("ok", "ก" * 255)


# ---------------------------------------------------------------------------
# Streaming: where the sheet starts, hidden sheets, progress
# ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_registry_that_does_not_start_at_a1_is_read_at_its_real_cells(tmp_path):
    cells = [[], [], ["", *HEADER], ["", *row()], ["", *row(year="ปีหน้า")]]
    result = rw.registry_read(write_xlsx(tmp_path / "r.xlsx", cells))
    assert [r.row for r in result.rows] == [4]
    [problem] = result.problems
    assert (problem.row, problem.column, problem.header) == (5, "H", "ปีที่ลงทะเบียน")


@pytest.mark.django_db
def test_the_registry_is_found_after_a_hidden_sheet_and_a_cover_sheet(tmp_path):
    import xlsxwriter

    path = tmp_path / "r.xlsx"
    book = xlsxwriter.Workbook(str(path))
    hidden = book.add_worksheet("old")
    for c, value in enumerate(HEADER):
        hidden.write_string(0, c, value)
    hidden.hide()
    book.add_worksheet("ปก").write_string(0, 0, "ทะเบียนผลิตภัณฑ์ OTOP")
    sheet = book.add_worksheet("ทะเบียน")
    for r, cells in enumerate([HEADER, row()]):
        for c, value in enumerate(cells):
            sheet.write(r, c, value)
    sheet.activate()  # xlsxwriter cannot hide the active sheet, the first by default
    book.close()
    result = rw.registry_read(path)
    assert (result.sheet, result.problems, len(result.rows)) == ("ทะเบียน", [], 1)


@pytest.mark.django_db
def test_the_reader_reports_its_progress(tmp_path, monkeypatch):
    monkeypatch.setattr(rw, "PROGRESS_ROWS", 2)
    rows = [
        row(code=f"56010000{i}", product=f"56010000{i}-01", name=f"น้ำพริก {i}") for i in range(1, 6)
    ]
    calls = []
    result = rw.registry_read(
        write_xlsx(tmp_path / "r.xlsx", [HEADER, *rows]),
        progress=lambda done, total: calls.append((done, total)),
    )
    assert len(result.rows) == 5
    assert calls == [(3, 6), (5, 6)]
