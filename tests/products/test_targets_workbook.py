"""Attachment 1 (เป้าหมายตัวชี้วัด): the exported layout, read back with openpyxl, and
the reader on the sample and on bad files."""

from __future__ import annotations

import io
import json

import openpyxl
import pytest
from django.utils import translation

from districts.models import District, Province
from otop_portal.importing import ImportRefused
from otop_portal.spreadsheet import MSG_CSV_NAMED_XLSX, MSG_NO_SHEET, MSG_NOT_A_SPREADSHEET
from products import targets_workbook as tw
from products.selectors import targets_for_districts
from tests.conftest import make_round
from tests.products.test_targets_data import PHAYAO, PHAYAO_NAMES, build_base, build_phayao

pytestmark = pytest.mark.django_db


def export(round, province_code="56") -> openpyxl.worksheet.worksheet.Worksheet:
    province = Province.objects.get(code=province_code)
    rows = targets_for_districts(round=round, districts=District.objects.filter(province=province))
    buffer = io.BytesIO()
    tw.write_targets(buffer, round=round, province=province, rows=rows)
    buffer.seek(0)
    return openpyxl.load_workbook(buffer).active


@pytest.fixture
def phayao_sheet(round_2564):
    build_phayao(round_2564, officials=True)
    return export(round_2564)


def merges(ws) -> set[str]:
    return {str(r) for r in ws.merged_cells.ranges}


def workbook_bytes(rows: list[list], merged: list[str] = ()) -> io.BytesIO:
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    for rng in merged:
        ws.merge_cells(rng)
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    return buffer


def sample_rows(samples) -> list[list]:
    wb = openpyxl.load_workbook(samples / "targets_official.xlsx")
    return [[c.value for c in row] for row in wb.active.iter_rows()]


def refused(file, **kwargs) -> list[str]:
    with pytest.raises(ImportRefused) as exc:
        tw.read_targets(file, **kwargs)
    return [str(p) for p in exc.value.problems]


# --- the export -----------------------------------------------------------------


def test_the_titles_come_from_the_round_merged_across_a_to_f(phayao_sheet):
    ws = phayao_sheet
    assert ws["A1"].value == "เป้าหมายตัวชี้วัดผลิตภัณฑ์ OTOP ในตลาดออนไลน์ (รอบการประเมินที่ 2)"
    assert ws["A2"].value == "ประจำปีงบประมาณ พ.ศ.2564 (เดือนเมษายน 2564 - กันยายน 2564)"
    assert ws["A3"].value == "จังหวัด พะเยา"
    assert {"A1:F1", "A2:F2", "A3:F3"} <= merges(ws)
    for cell in ("A1", "A2", "A3"):
        assert ws[cell].font.b
        assert ws[cell].alignment.horizontal == "center"


def test_the_header_has_the_departments_words_and_merges(phayao_sheet):
    ws = phayao_sheet
    assert [ws.cell(4, c).value for c in range(1, 7)] == [
        "ที่",
        "อำเภอ",
        "ฐานข้อมูล",
        None,
        "เป้าหมายตัวชี้วัด ปี 64 (ร้อยละ 11)",
        "หมายเหตุ",
    ]
    assert [ws.cell(5, c).value for c in range(3, 5)] == ["จำนวนผู้ประกอบการ", "จำนวนผลิตภัณฑ์ OTOP"]
    assert {"A4:A5", "B4:B5", "C4:D4", "E4:E5", "F4:F5"} <= merges(ws)


def test_each_district_has_its_row_in_dopa_order_with_the_official_target(phayao_sheet):
    ws = phayao_sheet
    got = [[ws.cell(r, c).value for c in range(1, 6)] for r in range(6, 15)]
    expected = [
        [n, name, e, p, t]
        for n, (name, (e, p, t)) in enumerate(zip(PHAYAO_NAMES, PHAYAO.values(), strict=True), 1)
    ]
    assert got == expected


def test_the_total_row_is_merged_and_sums_the_columns(phayao_sheet):
    ws = phayao_sheet
    assert ws["A15"].value == "รวม"
    assert "A15:B15" in merges(ws)
    assert [ws["C15"].value, ws["D15"].value, ws["E15"].value] == [913, 1873, 215]


def test_the_footnote_names_the_window_and_the_snapshot_date(phayao_sheet):
    ws = phayao_sheet
    assert ws["A16"].value == (
        "หมายเหตุ : ฐานข้อมูลจำนวนผลิตภัณฑ์ OTOP ปี 2557 - 2563 มาจากโปรแกรมลงทะเบียนโอท็อป"
    )
    assert ws["A17"].value == "ณ วันที่ 1 เมษายน 2564"


def test_it_uses_the_departments_font_and_print_setup(phayao_sheet):
    ws = phayao_sheet
    assert ws["A1"].font.name == "TH SarabunPSK"
    assert ws["A1"].font.sz == 16
    assert ws["B6"].font.name == "TH SarabunPSK"
    assert ws["B6"].font.sz == 14
    assert ws["E4"].font.sz == 14
    assert ws.page_setup.orientation == "landscape"
    assert ws.page_setup.paperSize == 9  # A4
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    # One page wide (1 is the OOXML default, which xlsxwriter leaves implicit), any height.
    assert ws.page_setup.fitToWidth in (None, 1)
    assert ws.page_setup.fitToHeight == 0
    assert ws.print_title_rows == "$4:$5"
    for cell in ("A4", "C4", "D5", "A6", "B6", "E14", "C15"):
        assert ws[cell].border.left.style == "thin", cell


def test_column_f_says_when_a_computed_target_is_used_or_what_the_official_replaced(round_2564):
    build_phayao(round_2564)
    from products.services.targets import target_set
    from tests.conftest import make_user

    staff = make_user("staff", "province", province="56")
    target_set(
        round=round_2564,
        district=District.objects.get(code="5601"),
        official=60,
        reason="ตามหนังสือจังหวัด",
        by=staff,
    )
    target_set(
        round=round_2564,
        district=District.objects.get(code="5607"),
        official=11,
        reason="ตามหนังสือจังหวัด",
        by=staff,
    )
    ws = export(round_2564)
    assert ws["E6"].value == 60
    assert ws["F6"].value == "ค่าที่คำนวณได้ 59"  # ceil(11% x 528) = ceil(58.08)
    assert ws["F12"].value is None  # official 11 equals computed 11
    assert ws["E7"].value == 15  # ceil(11% x 131) = ceil(14.41)
    assert ws["F7"].value == "ใช้เป้าหมายที่คำนวณ (ร้อยละ 11)"


def test_it_writes_the_same_thai_cells_when_the_user_reads_english(round_2564):
    build_phayao(round_2564, officials=True)

    def cells(ws) -> list[list]:
        return [[c.value for c in row] for row in ws.iter_rows()]

    thai = cells(export(round_2564))
    with translation.override("en"):
        english = cells(export(round_2564))
    assert english == thai
    assert "(เดือนเมษายน 2564 - กันยายน 2564)" in thai[1][0]


def test_the_titles_follow_another_rounds_configuration(db):
    import datetime as dt
    from decimal import Decimal

    round = make_round(
        "2565-1",
        starts_on=dt.date(2021, 10, 1),
        ends_on=dt.date(2022, 3, 31),
        target_rate=Decimal("12.5"),
        window_start=2558,
        window_end=2564,
    )
    ws = export(round, "50")
    assert ws["A1"].value.endswith("(รอบการประเมินที่ 1)")
    assert ws["A2"].value == "ประจำปีงบประมาณ พ.ศ.2565 (เดือนตุลาคม 2564 - มีนาคม 2565)"
    assert ws["A3"].value == "จังหวัด เชียงใหม่"
    assert ws["E4"].value == "เป้าหมายตัวชี้วัด ปี 65 (ร้อยละ 12.5)"
    n = District.objects.filter(province_id="50").count()
    assert ws.cell(6 + n, 1).value == "รวม"
    assert ws.cell(7 + n, 1).value.startswith("หมายเหตุ : ฐานข้อมูลจำนวนผลิตภัณฑ์ OTOP ปี 2558 - 2564")
    assert ws.cell(8 + n, 1).value == "ณ วันที่ – (รอบนี้ยังไม่ได้เลือกชุดข้อมูลทะเบียน)"


def test_the_exported_file_reads_back_to_its_own_targets(round_2564):
    build_phayao(round_2564, officials=True)
    province = Province.objects.get(code="56")
    rows = targets_for_districts(
        round=round_2564, districts=District.objects.filter(province=province)
    )
    buffer = io.BytesIO()
    tw.write_targets(buffer, round=round_2564, province=province, rows=rows)
    read, notices = tw.read_targets(io.BytesIO(buffer.getvalue()), round=round_2564)
    assert {r.district.code: r.official for r in read} == {c: t for c, (_, _, t) in PHAYAO.items()}
    assert {r.district.code: r.products for r in read} == {c: p for c, (_, p, _) in PHAYAO.items()}
    assert notices == []


# --- the reader ----------------------------------------------------------------


def test_it_reads_the_official_targets_of_the_sample(samples, round_2564):
    expected = json.loads((samples / "expected.json").read_text())["targets_official"]
    rows, _ = tw.read_targets(samples / "targets_official.xlsx", province="56", round=round_2564)
    assert {r.district.code: r.official for r in rows} == expected
    assert [r.row for r in rows] == list(range(6, 15))


def test_it_reads_kusang_as_phusang_and_says_so(samples):
    rows, notices = tw.read_targets(samples / "targets_official.xlsx", province="56")
    assert rows[7].district.code == "5608"
    assert [str(n) for n in notices] == ["แถว/ช่อง B13: “กุซาง” อ่านเป็น ภูซาง (5608)"]


def test_it_reads_the_province_from_the_title(samples):
    rows, _ = tw.read_targets(samples / "targets_official.xlsx")
    assert {r.district.province_id for r in rows} == {"56"}


def test_it_accepts_thai_digits_separators_and_a_header_lower_down(samples):
    rows = sample_rows(samples)
    rows[5][4] = "๖๐"
    rows[6][4] = "1,015"
    data = [["สิ่งที่ส่งมาด้วย 1"], [], *rows]  # two more lines above the titles
    read, _ = tw.read_targets(workbook_bytes(data), province="56")
    assert read[0].official == 60
    assert read[1].official == 1015
    assert read[0].row == 8


def test_it_stops_at_the_total_row(samples):
    rows = sample_rows(samples)
    rows.append([10, "ปง", 1, 1, 999, None])  # below the total and the notes
    read, _ = tw.read_targets(workbook_bytes(rows), province="56")
    assert len(read) == 9


def test_a_blank_target_leaves_the_district_alone_and_says_so(samples):
    rows = sample_rows(samples)
    rows[6][4] = None
    read, notices = tw.read_targets(workbook_bytes(rows), province="56")
    assert "5602" not in {r.district.code for r in read}
    assert any("จุน ไม่ได้กรอกเป้าหมาย" in str(n) for n in notices)


def test_it_refuses_garbage_bytes():
    assert refused(io.BytesIO(b"\x00\x01garbage" * 50), province="56") == [
        str(MSG_NOT_A_SPREADSHEET)
    ]


def test_it_refuses_a_csv_named_xlsx():
    data = io.BytesIO("ที่,อำเภอ,เป้าหมาย\n1,จุน,15\n".encode())
    assert refused(data, province="56", name="targets.xlsx") == [str(MSG_CSV_NAMED_XLSX)]


def test_it_refuses_an_empty_sheet():
    assert refused(workbook_bytes([]), province="56") == [str(MSG_NO_SHEET)]


def test_it_refuses_a_file_without_the_district_column(samples):
    rows = sample_rows(samples)
    rows[3][1] = "พื้นที่"
    problems = refused(workbook_bytes(rows), province="56")
    assert problems == [f"แผ่นงาน Sheet: {tw.MSG_NO_DISTRICT_COLUMN % {'rows': 20}}"]


def test_it_refuses_a_file_without_the_target_column(samples):
    rows = sample_rows(samples)
    rows[3][4] = "ค่าเป้า"
    assert refused(workbook_bytes(rows), province="56") == [
        f"แผ่นงาน Sheet แถว 4: {tw.MSG_NO_TARGET_COLUMN}"
    ]


def test_it_refuses_an_unknown_district_naming_the_closest(samples):
    rows = sample_rows(samples)
    rows[7][1] = "เชียงแสน"  # a district of Chiang Rai, not Phayao
    (problem,) = refused(workbook_bytes(rows), province="56")
    assert problem.startswith("แผ่นงาน Sheet แถว 8 ช่อง B8 (อำเภอ): ไม่พบอำเภอ “เชียงแสน” ในจังหวัดพะเยา")
    assert "ชื่อที่ใกล้เคียง: เชียงม่วน (5604), เชียงคำ (5603)" in problem


def test_it_refuses_a_duplicate_district(samples):
    rows = sample_rows(samples)
    rows[6][1] = "อำเภอเมืองพะเยา"
    (problem,) = refused(workbook_bytes(rows), province="56")
    assert problem == "แผ่นงาน Sheet แถว 7 ช่อง B7 (อำเภอ): อำเภอเมืองพะเยา ซ้ำกับแถว 6"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("สิบห้า", "“สิบห้า” ไม่ใช่ตัวเลข"),
        (-3, "“-3” ติดลบ ต้องเป็นศูนย์หรือมากกว่า"),
        ("12.5", "“12.5” ต้องเป็นจำนวนเต็ม"),
        (10**7, "“10000000” มากเกินไปสำหรับเป้าหมายของอำเภอ"),
    ],
)
def test_it_refuses_a_target_that_is_not_a_whole_number(samples, value, reason):
    rows = sample_rows(samples)
    rows[6][4] = value
    (problem,) = refused(workbook_bytes(rows), province="56")
    assert problem == f"แผ่นงาน Sheet แถว 7 ช่อง E7 (เป้าหมายตัวชี้วัด ปี 64 (ร้อยละ 11)): {reason}"


def test_it_lists_every_problem_at_once(samples):
    rows = sample_rows(samples)
    rows[5][4] = "x"
    rows[6][4] = -1
    rows[8][1] = "ไม่มีอำเภอนี้"
    assert len(refused(workbook_bytes(rows), province="56")) == 3


def test_it_refuses_another_provinces_file(samples):
    problems = refused(samples / "targets_official.xlsx", province="57")
    assert problems == ["แผ่นงาน Sheet: ไฟล์นี้เป็นของจังหวัดพะเยา แต่กำลังนำเข้าให้จังหวัดเชียงราย"]


def test_it_refuses_another_rounds_file(samples, db):
    round = make_round("2564-1")
    problems = refused(samples / "targets_official.xlsx", province="56", round=round)
    assert problems == [
        "แผ่นงาน Sheet: หัวเรื่องของไฟล์ระบุ รอบที่ 2 ปีงบประมาณ 2564 แต่กำลังนำเข้าให้รอบ 2564-1"
    ]


def test_without_a_province_in_the_title_it_asks_for_one(samples):
    rows = sample_rows(samples)
    rows[2][0] = None
    assert refused(workbook_bytes(rows)) == [f"แผ่นงาน Sheet: {tw.MSG_NO_PROVINCE}"]


def test_build_base_gives_the_seed_figures(round_2564):
    """The builder the targets tests stand on counts like the seed."""
    build_base({"5607": (65, 93)})
    (row,) = targets_for_districts(round=round_2564, districts=District.objects.filter(code="5607"))
    assert (row.entrepreneurs, row.products, row.target_computed) == (65, 93, 11)


def test_it_reads_attachment_1_saved_as_csv(samples):
    import csv

    text = io.StringIO()
    csv.writer(text).writerows(
        [["" if v is None else v for v in row] for row in sample_rows(samples)]
    )
    data = io.BytesIO(text.getvalue().encode("utf-8-sig"))
    rows, notices = tw.read_targets(data, name="targets.csv")
    assert {r.district.code: r.official for r in rows}["5603"] == 33
    assert len(rows) == 9 and len(notices) == 1


def test_an_unknown_province_code_is_refused_not_a_crash(samples):
    assert refused(samples / "targets_official.xlsx", province="99") == [
        "แผ่นงาน Sheet: ไม่พบจังหวัดรหัส 99"
    ]
