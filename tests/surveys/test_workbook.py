"""Attachment 2 written cell by cell as docs/forms.md fixes it, and read back the way
officers fill it."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from decimal import Decimal
from xml.sax.saxutils import escape

import openpyxl
import pytest
from django.utils import translation

from districts.models import District
from otop_portal.spreadsheet import SpreadsheetError
from products.vocab import ProductType
from surveys import selectors, services
from surveys.workbook import read_survey, survey_read_dump, survey_read_load, write_survey
from tests.conftest import make_round
from tests.surveys.conftest import xlsx_bytes

H1 = [
    "รหัสผู้ประกอบการ OTOP",
    "ชื่อผู้ผลิตผู้ประกอบการ OTOP",
    "ประเภทผู้ประกอบการ",
    "ชื่อผลิตภัณฑ์ (โปรดระบุทุกผลิตภัณฑ์ของกลุ่ม)",
    "ประเภทผลิตภัณฑ์",
    "ที่อยู่",
    None,
    None,
    None,
    None,
    "ความพร้อมผู้ประกอบการเพื่อเข้าสู่ตลาดออนไลน์ (ใส่หมายเลข ๑ ในช่องข้อมูล)",
    None,
    None,
    None,
    "ความพร้อมผลิตภัณฑ์เพื่อเข้าสู่ออนไลน์ (ใส่หมายเลข ๑ ในช่องข้อมูล)",
    "ยอดจำหน่ายออนไลน์ (ปีงบประมาณ ๒๕๖๓)",
]
H2 = [
    None,
    None,
    None,
    None,
    None,
    "เลขที่",
    "หมู่ที่",
    "ตำบล",
    "อำเภอ",
    "จังหวัด",
    "เบอร์โทรศัพท์",
    "ผ่านการอบรมเกี่ยวกับตลาดออนไลน์",
    "ชายของออนไลน์อยู่แล้ว",
    "ได้รับมาตรฐานที่เกี่ยวเนื่อง",
    None,
    None,
]
HEADER_MERGES = {"A5:A6", "B5:B6", "C5:C6", "D5:D6", "E5:E6", "F5:J5", "K5:N5", "O5:O6", "P5:P6"}
TITLE_MERGES = {"A2:P2", "A3:P3", "A4:P4"}


def export(round, codes, province_name="พะเยา") -> io.BytesIO:
    out = io.BytesIO()
    write_survey(
        out,
        round=round,
        province_name=province_name,
        blocks=selectors.survey_export_blocks(
            round=round, districts=District.objects.filter(code__in=codes)
        ),
    )
    out.seek(0)
    return out


def values(ws, row: int) -> list:
    return [ws.cell(row=row, column=c).value for c in range(1, 17)]


def form(rows: list[list], *, h1=None, h2=None, top: list[list] | None = None) -> list[list]:
    """Rows of a filled form: title rows, the two header rows, then `rows`."""
    title = (
        top
        if top is not None
        else [
            [None] * 15 + ["สิ่งที่ส่งมาด้วย ๒"],
            ["แบบสำรวจความพร้อมส่งเสริมผลิตภัณฑ์ OTOP ในตลาดออนไลน์ ประจำปีงบประมาณ พ.ศ. ๒๕๖๔"],
            ["จังหวัดพะเยา"],
            ["รอบการประเมินที่ ๒ (เมษายน - กันยายน)"],
        ]
    )
    return [*title, list(h1 or H1), list(h2 or H2), *rows]


def row(code, name, product, *, trained=None, selling=None, standard=None, ready=None, amount=None):
    return [
        code,
        name,
        "กลุ่มผู้ผลิตชุมชน",
        product,
        "อาหาร",
        "1",
        "2",
        "แม่ใจ",
        "แม่ใจ",
        "พะเยา",
        "0812345678",
        trained,
        selling,
        standard,
        ready,
        amount,
    ]


@pytest.fixture
def answered(small_registry, officer):
    """Entrepreneur a: trained, selling, 12,500.50 baht, a1 ready; b: standard only."""
    r = small_registry
    district = District.objects.get(code="5607")
    survey = services.survey_get_or_start(round=r["round"], district=district)
    services.survey_answer_save(
        survey=survey,
        entrepreneur=r["a"],
        by=officer,
        version=0,
        data=services.AnswerData(True, True, False, Decimal("12500.50"), {r["a1"].id}),
    )
    services.survey_answer_save(
        survey=survey,
        entrepreneur=r["b"],
        by=officer,
        version=0,
        data=services.AnswerData(False, False, True, Decimal("0"), set()),
    )
    return r


class TestWriter:
    def test_it_writes_the_titles_and_headers_cell_by_cell(self, answered):
        ws = openpyxl.load_workbook(export(answered["round"], ["5607"])).active
        assert ws["P1"].value == "สิ่งที่ส่งมาด้วย ๒"
        assert ws["P1"].alignment.horizontal == "right"
        assert ws["A2"].value == (
            "แบบสำรวจความพร้อมส่งเสริมผลิตภัณฑ์ OTOP ในตลาดออนไลน์ ประจำปีงบประมาณ พ.ศ. ๒๕๖๔"
        )
        assert ws["A3"].value == "จังหวัดพะเยา"
        assert ws["A4"].value == "รอบการประเมินที่ ๒ (เมษายน - กันยายน)"
        assert all(ws[f"A{n}"].alignment.horizontal == "center" for n in (2, 3, 4))
        assert values(ws, 5) == H1
        assert values(ws, 6) == H2
        merges = {str(m) for m in ws.merged_cells.ranges}
        assert TITLE_MERGES | HEADER_MERGES <= merges
        assert ws.print_title_rows == "$5:$6"
        assert ws["A5"].font.name == "TH SarabunPSK" and ws["A5"].font.sz == 14
        assert ws["A2"].font.sz == 16
        assert ws.page_setup.orientation == "landscape"

    def test_it_writes_one_row_per_product_with_the_entrepreneur_merged_down(self, answered):
        ws = openpyxl.load_workbook(export(answered["round"], ["5607"])).active
        a = answered["a"]
        assert values(ws, 7) == [
            "560700101",
            "กลุ่มทอผ้าบ้านแม่ใจ",
            "กลุ่มผู้ผลิตชุมชน",
            "ผ้าทอไทลื้อ",
            "ผ้าและเครื่องแต่งกาย",
            a.house_no or None,
            a.moo or None,
            a.subdistrict.name_th,
            "แม่ใจ",
            "พะเยา",
            "0812345678",
            1,
            1,
            None,
            1,
            12500.5,
        ]
        assert values(ws, 8) == [
            None,
            None,
            None,
            "ผ้าพันคอฝ้าย",
            "ผ้าและเครื่องแต่งกาย",
            *[None] * 9,
            None,
            None,
        ]
        merges = {str(m) for m in ws.merged_cells.ranges}
        for letter in "ABCFGHIJKLMN":
            assert f"{letter}7:{letter}8" in merges
        for letter in "DEOP":
            assert not any(m.startswith(f"{letter}7") for m in merges)
        # b: standard only, two products, nothing ready, no sales.
        assert values(ws, 9)[:4] == [
            "560700102",
            "นายสมชาย ใจดี",
            "ผู้ผลิตชุมชนที่เป็นเจ้าของรายเดียว",
            "น้ำพริกลาบ",
        ]
        assert values(ws, 9)[11:] == [None, None, 1, None, None]
        assert ws["A10"].value is None and ws["D10"].value == "+แคบหมู"
        # c: one product, nothing to merge.
        assert ws["B11"].value == '=HYPERLINK("x")' and ws["D11"].value == "-ยาหม่องไพล"
        assert not any(m.startswith("A11") for m in merges)
        # The product registered in 2564 is outside the base, and so is the other district.
        names = {ws.cell(row=n, column=4).value for n in range(7, ws.max_row + 1)}
        assert "ผลิตภัณฑ์ใหม่" not in names and "ชาเชียงม่วน" not in names

    def test_it_writes_the_notes_and_the_signature_under_the_data(self, answered):
        ws = openpyxl.load_workbook(export(answered["round"], ["5607"])).active
        column_a = [ws.cell(row=n, column=1).value for n in range(12, ws.max_row + 1)]
        assert [v for v in column_a if v] == [
            "หมายเหตุ",
            "๑. ส่งแบบรายงานให้สำนักงานพัฒนาชุมชน ภายในวันที่ ๒๕ พ.ค. ๒๕๖๔ (โดยไม่เข้ากับรอบผลิตภัณฑ์ในรอบที่ ๑)",
            "๒. ตรวจสอบข้อมูลให้ชัดเจน ถูกต้อง ครบถ้วนตามแบบสำรวจ",
            "๓. ไม่ปรับเปลี่ยนหรือแก้ไขแบบสำรวจข้อมูลที่กรมการพัฒนาชุมชนจัดส่งให้",
            "๔. จัดส่งแบบสำรวจข้อมูลให้ทันตามเวลาที่กำหนด ในรูปแบบไฟล์ Excel",
            "๕. สำรองข้อมูลและกรอกรหัสผู้ผลิต ผู้ประกอบการ และผลิตภัณฑ์ทั้งหมดที่ลงทะเบียน",
            "๖. ความพร้อมผู้ประกอบการเพื่อเข้าสู่ตลาดออนไลน์, ความพร้อมผลิตภัณฑ์เพื่อเข้าสู่ออนไลน์ "
            "ให้ใส่หมายเลข ๑ ในช่องข้อมูล",
            "ลงชื่อ.....ผู้รายงาน",
            "(.....)",
            "วัน.....เดือน.....ปี.....",
        ]

    def test_it_never_writes_a_formula(self, answered):
        data = export(answered["round"], ["5607"]).getvalue()
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            sheet = zf.read("xl/worksheets/sheet1.xml").decode()
        assert "<f>" not in sheet and "<f " not in sheet
        ws = openpyxl.load_workbook(io.BytesIO(data)).active
        assert ws["B11"].data_type == "s" and ws["D10"].data_type == "s"

    def test_it_takes_years_months_and_the_deadline_from_the_round(self, db):
        round = make_round(
            "2565-1",
            starts_on=dt.date(2021, 10, 1),
            ends_on=dt.date(2022, 3, 31),
            survey_deadline=dt.date(2021, 11, 30),
        )
        ws = openpyxl.load_workbook(export(round, ["5607"])).active
        assert ws["A2"].value.endswith("พ.ศ. ๒๕๖๕")
        assert ws["A4"].value == "รอบการประเมินที่ ๑ (ตุลาคม - มีนาคม)"
        assert ws["P5"].value == "ยอดจำหน่ายออนไลน์ (ปีงบประมาณ ๒๕๖๔)"
        notes = [ws.cell(row=n, column=1).value for n in range(7, ws.max_row + 1)]
        assert "๑. ส่งแบบรายงานให้สำนักงานพัฒนาชุมชน ภายในวันที่ ๓๐ พ.ย. ๒๕๖๔" in notes

    def test_it_writes_the_same_thai_cells_when_the_user_reads_english(self, answered):
        def cells(data: io.BytesIO) -> list[list]:
            ws = openpyxl.load_workbook(data).active
            return [[c.value for c in row] for row in ws.iter_rows()]

        thai = cells(export(answered["round"], ["5607"]))
        with translation.override("en"):
            assert str(ProductType.CLOTH.label) == "Textiles and clothing"
            english = cells(export(answered["round"], ["5607"]))
        assert english == thai
        assert thai[6][2:5] == ["กลุ่มผู้ผลิตชุมชน", "ผ้าทอไทลื้อ", "ผ้าและเครื่องแต่งกาย"]

    def test_the_consolidated_form_lists_districts_in_dopa_order(self, small_registry):
        ws = openpyxl.load_workbook(export(small_registry["round"], ["5607", "5604"])).active
        codes = [ws.cell(row=n, column=1).value for n in range(7, 12)]
        assert codes[0] == "560400101" and codes[1] == "560700101"


class TestReader:
    def test_it_finds_the_header_wherever_it_is_in_the_first_rows(self, round_2564):
        top = [["บันทึกของอำเภอ"], [], ["แบบสำรวจความพร้อม"], [], [], []]
        data = xlsx_bytes(form([row("560700001", "ก", "ข้าว", trained=1)], top=top))
        read = read_survey(data, round=round_2564)
        assert not read.problems.problems
        assert [(r.row, r.entrepreneur_code, r.trained) for r in read.rows] == [
            (9, "560700001", True)
        ]

    def test_it_accepts_both_spellings_and_ignores_spaces_and_line_breaks(self, round_2564):
        h1 = list(H1)
        h1[3] = "ชื่อผลิตภัณฑ์\n(โปรดระบุทุกผลิตภัณฑ์ ของกลุ่ม)"
        h1[15] = "ยอดจำหน่ายออนไลน์\n(ปีงบประมาณ 2563)"
        h2 = list(H2)
        h2[12] = " ขายของออนไลน์\nอยู่แล้ว "
        data = xlsx_bytes(form([row("560700001", "ก", "ข้าว", selling="๑")], h1=h1, h2=h2))
        read = read_survey(data, round=round_2564)
        assert not read.problems.problems
        assert read.rows[0].selling is True

    def test_it_carries_merged_and_blank_entrepreneur_cells_down(self, round_2564):
        rows = [
            row("560700001", "ก", "ข้าว", trained=1, ready=1, amount="12,500"),
            [None, None, None, "น้ำพริก", "อาหาร"] + [None] * 9 + [None, None],
            [None, None, None, "แคบหมู", "อาหาร"] + [None] * 6 + [None, 1, None, 1, None],
            row("560700002", "ข", "ผ้า"),
        ]
        data = xlsx_bytes(form(rows), merges=["A7:A8", "B7:B8"])
        read = read_survey(data, round=round_2564)
        assert [(r.entrepreneur_code, r.product_name, r.ready) for r in read.rows] == [
            ("560700001", "ข้าว", True),
            ("560700001", "น้ำพริก", False),
            ("560700001", "แคบหมู", True),
            ("560700002", "ผ้า", False),
        ]
        assert read.rows[2].selling is True and read.rows[2].trained is True
        assert read.rows[0].amount == Decimal("12500.00") and read.rows[1].amount is None

    def test_it_reads_thai_digits_and_thousands_separators(self, round_2564):
        rows = [
            row("๕๖๐๗๐๐๐๐๑", "ก", "ข้าว", amount="๑๒,๕๐๐"),
            row("560700002", "ข", "ผ้า", amount="4,500.5"),
            row(560700003.0, "ค", "ชา", amount=230000.0),
        ]
        read = read_survey(xlsx_bytes(form(rows)), round=round_2564)
        assert [(r.entrepreneur_code, r.amount) for r in read.rows] == [
            ("560700001", Decimal("12500.00")),
            ("560700002", Decimal("4500.50")),
            ("560700003", Decimal("230000.00")),
        ]

    def test_it_reads_unusual_yes_marks_and_says_so(self, round_2564):
        rows = [
            row("560700001", "ก", "ข้าว", trained="✓", ready="ใช่"),
            row("560700002", "ข", "ผ้า", trained="✓"),
        ]
        read = read_survey(xlsx_bytes(form(rows)), round=round_2564)
        assert [r.trained for r in read.rows] == [True, True] and read.rows[0].ready
        notices = [str(n) for n in read.problems.notices]
        assert any("“✓”" in n and "2 ช่อง" in n and "L7, L8" in n for n in notices)
        assert any("“ใช่”" in n and "O7" in n for n in notices)

    def test_a_reading_kept_as_json_comes_back_the_same(self, round_2564):
        rows = [
            row("560700001", "ก", "ข้าว", trained="✓", ready="ใช่", amount="๑๒,๕๐๐.๕๐"),
            row(None, None, "ผ้า", selling=1),
            row("560700002", "ข & ค", "ชา <ดี>"),
        ]
        read = read_survey(xlsx_bytes(form(rows)), round=round_2564)
        kept = json.loads(json.dumps(survey_read_dump(read)))
        assert survey_read_load(kept) == read
        assert survey_read_load({**kept, "version": 0}) is None

    def test_it_refuses_a_mark_it_cannot_read(self, round_2564):
        read = read_survey(
            xlsx_bytes(form([row("560700001", "ก", "ข้าว", ready="2")])), round=round_2564
        )
        [problem] = read.problems.problems
        assert (problem.row, problem.column) == (7, "O")
        assert "อ่านไม่ได้ว่าใช่หรือไม่" in problem.message

    def test_it_refuses_an_amount_that_is_not_a_number(self, round_2564):
        read = read_survey(
            xlsx_bytes(form([row("560700001", "ก", "ข้าว", amount="สองพัน")])), round=round_2564
        )
        [problem] = read.problems.problems
        assert (problem.row, problem.column, problem.value) == (7, "P", "สองพัน")
        assert "ไม่ใช่ตัวเลข" in problem.message
        assert "P7" in str(problem)

    def test_it_refuses_reordered_columns(self, round_2564):
        h2 = list(H2)
        h2[11], h2[12] = h2[12], h2[11]
        read = read_survey(
            xlsx_bytes(form([row("560700001", "ก", "ข้าว")], h2=h2)), round=round_2564
        )
        problems = read.problems.problems
        assert [(p.row, p.column) for p in problems] == [(6, "L"), (6, "M")]
        assert "ควรอยู่ที่ช่อง M" in problems[0].message
        assert "ห้ามสลับคอลัมน์" in problems[0].message
        assert read.rows == []

    def test_it_refuses_a_removed_column(self, round_2564):
        h1 = H1[:4] + H1[5:] + [None]
        h2 = H2[:4] + H2[5:] + [None]
        read = read_survey(
            xlsx_bytes(form([row("560700001", "ก", "ข้าว")], h1=h1, h2=h2)), round=round_2564
        )
        first = read.problems.problems[0]
        assert first.column == "E"
        assert "“ประเภทผลิตภัณฑ์”" in first.message and "“ที่อยู่”" in first.message

    def test_it_refuses_an_added_column(self, round_2564):
        h1 = [*H1, "หมายเหตุของอำเภอ"]
        read = read_survey(
            xlsx_bytes(form([row("560700001", "ก", "ข้าว")], h1=h1)), round=round_2564
        )
        [problem] = read.problems.problems
        assert problem.column == "Q" and "ห้ามเพิ่มคอลัมน์" in problem.message

    def test_it_refuses_a_file_without_the_form(self, round_2564):
        with pytest.raises(SpreadsheetError) as exc:
            read_survey(xlsx_bytes([["ชื่อ", "ที่อยู่"], ["ก", "ข"]]), round=round_2564)
        assert "ไม่พบหัวตาราง" in str(exc.value.message)

    def test_it_stops_at_the_notes(self, round_2564):
        rows = [
            row("560700001", "ก", "ข้าว"),
            [],
            ["หมายเหตุ"],
            ["๑. ส่งแบบรายงาน..."],
            ["ลงชื่อ.....ผู้รายงาน"],
        ]
        read = read_survey(xlsx_bytes(form(rows)), round=round_2564)
        assert len(read.rows) == 1 and not read.problems.problems

    def test_it_reads_an_opendocument_spreadsheet(self, round_2564):
        rows = form(
            [
                row("560700001", "ก", "ข้าว", trained="๑", amount="12,500"),
                [None, None, None, "น้ำพริก", "อาหาร", *[None] * 9, 1, None],
            ]
        )
        read = read_survey(io.BytesIO(ods_bytes(rows)), round=round_2564, name="survey.ods")
        assert not read.problems.problems
        assert [(r.entrepreneur_code, r.product_name, r.trained, r.ready) for r in read.rows] == [
            ("560700001", "ข้าว", True, False),
            ("560700001", "น้ำพริก", True, True),
        ]
        assert read.kind == "ods"


def ods_bytes(rows: list[list]) -> bytes:
    """A minimal OpenDocument spreadsheet, as LibreOffice saves one (no merges: calamine
    reports none for .ods, so the reader must carry values down on its own)."""

    def cell(value):
        if value is None or value == "":
            return "<table:table-cell/>"
        if isinstance(value, (int, float)):
            return (
                f'<table:table-cell office:value-type="float" office:value="{value}">'
                f"<text:p>{value}</text:p></table:table-cell>"
            )
        return (
            f'<table:table-cell office:value-type="string"><text:p>{escape(str(value))}'
            "</text:p></table:table-cell>"
        )

    body = "".join(
        "<table:table-row>" + "".join(cell(v) for v in r) + "</table:table-row>" for r in rows
    )
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="Sheet1">'
        f"{body}</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"'
        ' manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type='
        '"application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("META-INF/manifest.xml", manifest)
        zf.writestr("content.xml", content)
    return out.getvalue()
