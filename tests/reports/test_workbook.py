"""The attachment-3 writer follows docs/forms.md cell by cell."""

import datetime as dt
import io

import openpyxl
import pytest
from django.core.management import call_command
from django.utils import translation
from python_calamine import CalamineWorkbook

from tests.conftest import make_entrepreneur, make_product, make_round
from tests.reports.conftest import make_line, make_report

pytestmark = pytest.mark.django_db


def _export(tmp_path, *args) -> tuple[list[list], list[str], openpyxl.Workbook]:
    path = tmp_path / "out.xlsx"
    call_command("export_report", "--round", "2564-2", *args, "-o", str(path), stdout=io.StringIO())
    book = CalamineWorkbook.from_path(str(path))
    rows = book.get_sheet_by_name(book.sheet_names[0]).to_python()
    styled = openpyxl.load_workbook(path)
    merges = sorted(str(r) for r in styled.active.merged_cells.ranges)
    return rows, merges, styled


@pytest.fixture
def report_5607(round_2564):
    e = make_entrepreneur("5607", code="560700004", name="กลุ่มแม่บ้าน")
    p1 = make_product(e, name="เครื่องจักสาน", type=4)
    p2 = make_product(e, name="กาแฟ", type=2)
    make_product(e, name="ยกเลิก", status="cancelled")
    report = make_report(round_2564, "5607")
    make_line(
        report,
        p1,
        months=[100, 0, 0, 0, 0, 50.5],
        baseline=20,
        facebook=True,
        other_channel="TikTok",
        url="https://a.example",
        note="=SUM(A1)",
    )
    make_line(report, p2, months=[0, 10])
    return report


def test_it_writes_the_department_layout(tmp_path, report_5607):
    rows, merges, styled = _export(tmp_path, "--district", "5607")

    assert rows[0][20] == "สิ่งที่ส่งมาด้วย ๓"
    assert rows[1][0] == "แบบรายงานผลการส่งเสริมผลิตภัณฑ์ OTOP ในตลาดออนไลน์ ประจำปีงบประมาณ พ.ศ. ๒๕๖๔"
    assert rows[2][0] == "จังหวัดพะเยา อำเภอแม่ใจ"
    assert rows[3][0] == "รอบการประเมินที่ ๒ (เมษายน - กันยายน)"
    assert rows[4][:6] == [
        "ที่",
        "รหัสผู้ประกอบการ OTOP",
        "ชื่อผู้ผลิตผู้ประกอบการ OTOP",
        "ชื่อผลิตภัณฑ์",
        "ประเภทผลิตภัณฑ์",
        "ช่องทางจำหน่ายออนไลน์ (ใส่หมายเลข ๑ ในช่องข้อมูล)",
    ]
    assert rows[4][11:] == [
        "ลิงก์ร้านค้า/สินค้า (URL)",
        "ยอดจำหน่ายออนไลน์ รอบที่ ๒ (บาท)",
        "",
        "",
        "",
        "",
        "",
        "รวมยอดจำหน่ายออนไลน์ รอบที่ ๒ (บาท)",
        "ยอดจำหน่ายออนไลน์ ช่วงเดียวกันของปีก่อน (เม.ย. - ก.ย. ๒๕๖๓) (บาท)",
        "หมายเหตุ",
    ]
    assert rows[5][5:18] == [
        "Facebook",
        "LINE",
        "Shopee",
        "Lazada",
        "OTOP Today",
        "อื่น ๆ (ระบุ)",
        "",
        "เม.ย.",
        "พ.ค.",
        "มิ.ย.",
        "ก.ค.",
        "ส.ค.",
        "ก.ย.",
    ]
    for expected in (
        "F5:K5",
        "M5:R5",
        "A5:A6",
        "B5:B6",
        "C5:C6",
        "D5:D6",
        "E5:E6",
        "L5:L6",
        "S5:S6",
        "T5:T6",
        "U5:U6",
        "A2:U2",
        "A3:U3",
        "A4:U4",
    ):
        assert expected in merges

    # Data: base products only, ordered by code then name; S is the sum of M..R.
    assert [r[3] for r in rows[6:8]] == ["กาแฟ", "เครื่องจักสาน"]
    craft = rows[7]
    assert craft[0] == 2 and craft[1] == "560700004"
    assert craft[4] == "ของใช้ ของตกแต่ง ของที่ระลึก"
    assert craft[5] == 1 and craft[6] == ""
    assert craft[10] == "TikTok" and craft[11] == "https://a.example"
    assert craft[12:18] == [100, 0, 0, 0, 0, 50.5]
    assert craft[18] == 150.5 and craft[19] == 20
    assert craft[20] == "=SUM(A1)"  # text stays text
    assert styled.active["S8"].value == "=SUM(M8:R8)"

    total = rows[8]
    assert total[0] == "รวม"
    assert total[12] == 100 and total[13] == 10 and total[18] == 160.5 and total[19] == 20
    assert "A9:L9" in merges
    signature = [r[12] for r in rows[9:]]
    assert "ลงชื่อ.....ผู้รายงาน" in signature and "วัน.....เดือน.....ปี....." in signature


def test_it_prints_on_a4_landscape_with_the_header_repeated(tmp_path, report_5607):
    _rows, _merges, styled = _export(tmp_path, "--district", "5607")
    sheet = styled.active
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.page_setup.paperSize == 9
    assert sheet.print_title_rows == "$5:$6"
    assert sheet["A5"].font.name == "TH SarabunPSK"
    assert sheet["A2"].font.sz == 16 and sheet["B8"].font.sz == 14


def test_it_writes_the_months_of_the_round(tmp_path):
    make_round("2564-1", starts_on=dt.date(2020, 10, 1), ends_on=dt.date(2021, 3, 31))
    path = tmp_path / "r1.xlsx"
    call_command(
        "export_report",
        "--round",
        "2564-1",
        "--district",
        "5607",
        "-o",
        str(path),
        stdout=io.StringIO(),
    )
    book = CalamineWorkbook.from_path(str(path))
    rows = book.get_sheet_by_name(book.sheet_names[0]).to_python()
    assert rows[3][0] == "รอบการประเมินที่ ๑ (ตุลาคม - มีนาคม)"
    assert rows[5][12:18] == ["ต.ค.", "พ.ย.", "ธ.ค.", "ม.ค.", "ก.พ.", "มี.ค."]
    assert "(ต.ค. ๒๕๖๒ - มี.ค. ๒๕๖๓)" in rows[4][19]


def test_it_writes_the_same_thai_cells_when_the_user_reads_english(tmp_path, report_5607):
    from reports.exports import report_export_write

    def cells(language: str) -> list[list]:
        out = io.BytesIO()
        with translation.override(language):
            report_export_write(out, round=report_5607.round, district=report_5607.district)
        return (
            CalamineWorkbook.from_filelike(io.BytesIO(out.getvalue()))
            .get_sheet_by_index(0)
            .to_python()
        )

    thai = cells("th")
    assert cells("en") == thai
    assert thai[5][12:18] == ["เม.ย.", "พ.ค.", "มิ.ย.", "ก.ค.", "ส.ค.", "ก.ย."]
    assert "ของใช้ ของตกแต่ง ของที่ระลึก" in [row[4] for row in thai]


def test_the_province_report_lists_districts_in_dopa_order(tmp_path, report_5607, round_2564):
    e = make_entrepreneur("5601", code="560100001")
    make_line(make_report(round_2564, "5601"), make_product(e, name="ผ้าทอ"), months=[5])
    rows, _merges, _styled = _export(tmp_path, "--province", "56")
    assert rows[2][0] == "จังหวัดพะเยา"
    labels = [r[0] for r in rows[6:]]
    assert labels.index("อำเภอเมืองพะเยา") < labels.index("อำเภอแม่ใจ")
    total = next(r for r in rows if r[0] == "รวม")
    assert total[18] == 165.5
