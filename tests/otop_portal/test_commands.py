"""What every management command says about what its options name, and a refused file."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from districts.commands import district_option, province_option
from otop_portal.commands import input_file, output_file, refused, user_option
from otop_portal.importing import ImportRefused, Problem
from products.commands import round_option
from tests.conftest import make_round


def test_it_finds_what_the_options_name(db, officer, tmp_path):
    make_round("2564-2")
    existing = tmp_path / "a.xlsx"
    existing.write_bytes(b"x")
    assert input_file(str(existing)) == existing
    assert output_file(str(tmp_path / "out.xlsx")).name == "out.xlsx"
    assert round_option("2564-2").code == "2564-2"
    assert district_option("5607").province.code == "56"
    assert province_option("56").name_th == "พะเยา"
    assert user_option("officer") == officer
    assert user_option(None) is None


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda tmp: input_file(str(tmp / "absent.xlsx")), "ไม่พบไฟล์"),
        (lambda tmp: output_file(str(tmp / "out.csv")), "ต้องลงท้ายด้วย .xlsx"),
        (lambda tmp: output_file(str(tmp / "no" / "out.xlsx")), "ไม่พบโฟลเดอร์"),
        (lambda tmp: round_option("2599-9"), "ไม่พบรอบการประเมิน 2599-9 (สร้างด้วย setup_round)"),
        (lambda tmp: district_option("9999"), "ไม่พบอำเภอรหัส 9999"),
        (lambda tmp: province_option("99"), "ไม่พบจังหวัดรหัส 99"),
        (lambda tmp: user_option("nobody"), "ไม่พบผู้ใช้ nobody"),
    ],
)
def test_it_refuses_what_does_not_exist_in_one_line(db, tmp_path, call, message):
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call(tmp_path)


def test_it_says_it_in_english_when_asked(db):
    with translation.override("en"), pytest.raises(CommandError) as caught:
        round_option("2599-9")
    assert "2599-9" in str(caught.value)
    assert "ไม่พบ" not in str(caught.value)


def test_it_leads_with_a_headline_then_lists_the_problems_then_says_nothing_changed():
    command = BaseCommand(stdout=io.StringIO(), stderr=io.StringIO())
    exc = ImportRefused(
        [
            Problem("ต้องเป็นตัวเลข", sheet="Sheet1", row=7, column="K", value="abc"),
            Problem("ไม่พบรหัสผลิตภัณฑ์", sheet="Sheet1", row=9),
        ]
    )
    error = refused(command, "f.xlsx", exc)
    assert str(error) == "ไม่รับไฟล์ f.xlsx: พบปัญหา 2 รายการ ข้อมูลในระบบไม่เปลี่ยนแปลง"
    lines = command.stderr._out.getvalue().splitlines()
    assert lines[0] == "ไม่รับไฟล์นี้: พบปัญหา 2 รายการ ข้อมูลในระบบไม่เปลี่ยนแปลง"
    assert lines[1:3] == ["  - ค่าในคอลัมน์ K: 1 รายการ", "  - ปัญหาของทั้งแถว: 1 รายการ"]
    assert "แถว 7" in lines[3] and "K7" in lines[3] and "ต้องเป็นตัวเลข" in lines[3]
    assert "แถว 9" in lines[4]
    assert len(lines) == 5


def test_it_gives_the_reason_of_a_file_refused_whole():
    class Unreadable(Exception):
        message = "ไฟล์เสียหาย"

    command = BaseCommand(stdout=io.StringIO(), stderr=io.StringIO())
    error = refused(command, "f.xlsx", Unreadable())
    assert str(error) == "ไม่รับไฟล์ f.xlsx: ไฟล์เสียหาย"
    assert command.stderr._out.getvalue() == ""


def test_it_ends_a_command_with_the_message_and_no_traceback(db, tmp_path):
    stderr = io.StringIO()
    with pytest.raises(CommandError, match="ไม่พบไฟล์"):
        call_command(
            "import_survey",
            str(tmp_path / "absent.xlsx"),
            "--round",
            "2564-2",
            "--district",
            "5607",
            stderr=stderr,
        )
    assert "Traceback" not in stderr.getvalue()
