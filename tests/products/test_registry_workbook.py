"""Reading the flat registry: places, vocabularies, Thai digits, row numbers."""

from __future__ import annotations

import pytest

from districts.selectors import MSG_HINT, MSG_READ_AS
from otop_portal.cells import MSG_BAD_YEAR
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
