"""A refusal leads with what to do, and the marked-up copy of a refused file (issue #14):
the headline, the registry sentence, and --problems FILE on every import command, each
read back with openpyxl (fill and comment on the right cells)."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from otop_portal.importing import KIND_NOT_IN_REGISTRY, Problem
from otop_portal.problem_marks import FILL_COLOR, problems_workbook_write
from otop_portal.refusal import SHOWN_PROBLEMS, problems_csv, refusal_lines, refusal_summarize


def marked(path_or_bytes, cell: str, sheet: str | None = None):
    source = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else path_or_bytes
    book = openpyxl.load_workbook(source)
    ws = book[sheet] if sheet else book.worksheets[0]
    return ws[cell]


def is_marked(cell, reason: str) -> bool:
    return (
        cell.comment is not None
        and reason in cell.comment.text
        and cell.fill.fgColor.rgb.endswith(FILL_COLOR)
    )


class TestTheRefusal:
    def test_it_counts_each_kind_and_shows_at_most_20(self):
        problems = [
            Problem("ไม่พบ", row=7 + n, column="A", kind=KIND_NOT_IN_REGISTRY) for n in range(30)
        ]
        problems.append(Problem("ต้องเป็นตัวเลข", row=40, column="K", header="ยอด"))
        refusal = refusal_summarize(problems, rows=31, registry="ทะเบียน ณ 1 เมษายน 2564")
        assert refusal.kind_lines == [
            "ผู้ประกอบการหรือผลิตภัณฑ์ที่ไม่มีในทะเบียนของระบบ: 30 รายการ",
            "ค่าในคอลัมน์ K (ยอด): 1 รายการ",
        ]
        assert "ทะเบียน ณ 1 เมษายน 2564" in refusal.advice
        assert len(refusal.shown) == SHOWN_PROBLEMS
        lines = refusal_lines(refusal)
        assert lines[0] == "ไม่รับไฟล์นี้: พบปัญหา 31 รายการ ข้อมูลในระบบไม่เปลี่ยนแปลง"
        assert sum(line.startswith("  แถว") for line in lines) == SHOWN_PROBLEMS
        assert "--problems" in lines[-1]

    def test_it_does_not_blame_the_registry_for_a_few_typing_slips(self):
        problems = [Problem("ไม่พบ", row=7, column="A", kind=KIND_NOT_IN_REGISTRY)]
        assert refusal_summarize(problems, rows=40, registry="x").advice == ""
        # Nor a tiny file, where one slip is most of it.
        assert refusal_summarize(problems, rows=2, registry="x").advice == ""

    def test_a_page_without_a_stored_list_folds_the_rest_away(self):
        from django.template.loader import render_to_string

        problems = [Problem(f"ปัญหาที่ {n}", row=2 + n, column="B") for n in range(25)]
        html = render_to_string("includes/import_problems.html", {"problems": problems})
        shown, folded = html.split("<details>")
        assert shown.count("<tr><td") == SHOWN_PROBLEMS
        assert folded.count("<tr><td") == 5 and "แสดงอีก 5 รายการ" in folded
        assert "ปัญหาที่ 24" in folded

    def test_the_whole_list_opens_in_excel_in_thai_and_runs_no_formula(self):
        data = problems_csv([Problem("=1+1 ผิด", row=7, column="K", value="=HYPERLINK(1)")])
        text = data.decode("utf-8")
        assert text.startswith("\ufeffแผ่นงาน,แถว,ช่อง")
        assert "'=HYPERLINK(1)" in text and "'=1+1 ผิด" in text


class TestTheMarkedUpCopy:
    def test_it_marks_an_xlsx_in_place_and_a_merged_cell_on_its_first_cell(self):
        book = openpyxl.Workbook()
        ws = book.active
        ws.title = "แบบสำรวจ"
        ws["A1"] = "หัวเรื่อง"
        ws["B7"] = "สองพัน"
        ws["A8"] = "560700199"
        ws.merge_cells("A8:A9")
        buffer = io.BytesIO()
        book.save(buffer)
        problems = [
            Problem("ต้องเป็นตัวเลข", sheet="แบบสำรวจ", row=7, column="B", value="สองพัน"),
            Problem("ไม่พบผู้ประกอบการ", sheet="แบบสำรวจ", row=9, column="A"),
            Problem("ไฟล์ไม่มีชื่ออำเภอ"),
        ]
        out = io.BytesIO()
        assert problems_workbook_write(out, data=buffer.getvalue(), problems=problems) == 3
        data = out.getvalue()
        assert is_marked(marked(data, "B7"), "ต้องเป็นตัวเลข")
        assert marked(data, "B7").value == "สองพัน"
        assert is_marked(marked(data, "A8"), "ไม่พบผู้ประกอบการ")
        assert is_marked(marked(data, "A1"), "ไฟล์ไม่มีชื่ออำเภอ")
        assert marked(data, "A1").value == "หัวเรื่อง"
        assert marked(data, "C7").comment is None

    def test_it_copies_the_values_of_another_kind_of_file_into_an_xlsx(self):
        data = "รหัส,ชื่อ,ยอด\n560700101,กลุ่ม,=SUM(1)\n560700102,นาย ก,สิบ\n".encode()
        problems = [Problem("“สิบ” ไม่ใช่ตัวเลข", sheet="csv", row=3, column="C", value="สิบ")]
        out = io.BytesIO()
        problems_workbook_write(out, data=data, problems=problems, name="report.csv")
        data = out.getvalue()
        assert is_marked(marked(data, "C3"), "ไม่ใช่ตัวเลข")
        assert marked(data, "C3").value == "สิบ"
        assert marked(data, "A2").value == "560700101"
        # A value that looks like a formula stays a value.
        assert marked(data, "C2").value == "=SUM(1)" and marked(data, "C2").data_type == "s"


class TestTheCommands:
    def test_import_report_writes_the_marked_copy(self, db, round_2564, tmp_path):
        from tests.conftest import make_entrepreneur, make_product
        from tests.reports.conftest import data_row, report_file

        person = make_entrepreneur("5607", code="560799001", name="กลุ่มทอผ้า")
        make_product(person, name="ผ้าพันคอฝ้าย")
        path = report_file(
            tmp_path / "r.xlsx",
            round_2564,
            [data_row("560799001", "ผ้าพันคอไหม", months=(100, "", "", "", "", ""))],
        )
        out = tmp_path / "problems.xlsx"
        err = io.StringIO()
        with pytest.raises(CommandError, match="พบปัญหา 1 รายการ"):
            call_command(
                "import_report",
                str(path),
                "--round",
                "2564-2",
                "--district",
                "5607",
                "--problems",
                str(out),
                stderr=err,
            )
        assert is_marked(marked(out, "D7"), "ผ้าพันคอไหม")
        assert str(out) in err.getvalue()

    def test_import_registry_writes_the_marked_copy(self, db, samples, tmp_path):
        from tests.products.test_registry_import import unknown_type

        path, message, (row, column) = unknown_type(samples, tmp_path)
        out = tmp_path / "problems.xlsx"
        with pytest.raises(CommandError, match="ไม่รับไฟล์"):
            call_command(
                "import_registry",
                str(path),
                "--as-of",
                "2021-05-01",
                "--problems",
                str(out),
                stderr=io.StringIO(),
            )
        assert is_marked(marked(out, f"{column}{row}"), message[:20])

    def test_import_targets_writes_the_marked_copy(self, db, samples, round_2564, tmp_path):
        from tests.products.test_targets_services import _not_a_number

        path = tmp_path / "targets.xlsx"
        path.write_bytes(_not_a_number(samples).getvalue())
        out = tmp_path / "problems.xlsx"
        with pytest.raises(CommandError, match="ไม่รับไฟล์"):
            call_command(
                "import_targets",
                str(path),
                "--round",
                "2564-2",
                "--province",
                "56",
                "--problems",
                str(out),
                stderr=io.StringIO(),
            )
        assert is_marked(marked(out, "E7"), "“สิบห้า” ไม่ใช่ตัวเลข")

    def test_a_file_refused_whole_writes_no_copy(self, db, round_2564, tmp_path):
        path = tmp_path / "r.xlsx"
        path.write_bytes(b"\x00not a workbook" * 20)
        out = tmp_path / "problems.xlsx"
        with pytest.raises(CommandError, match="ไม่รับไฟล์"):
            call_command(
                "import_report",
                str(path),
                "--round",
                "2564-2",
                "--district",
                "5607",
                "--problems",
                str(out),
                stderr=io.StringIO(),
            )
        assert not out.exists()
