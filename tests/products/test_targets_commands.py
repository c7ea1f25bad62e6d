"""import_targets and export_targets: thin wrappers that print, and never a traceback."""

from __future__ import annotations

import io
import json

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from products.models import Target
from tests.conftest import make_round
from tests.products.test_targets_data import build_phayao, targets_state

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_import_targets_reads_the_province_from_the_title_and_prints_what_it_did(
    samples, round_2564
):
    out = run("import_targets", str(samples / "targets_official.xlsx"), "--round", "2564-2")
    expected = json.loads((samples / "expected.json").read_text())["targets_official"]
    assert dict(Target.objects.values_list("district_id", "official")) == expected
    assert "จังหวัดพะเยา รอบ 2564-2" in out
    assert "“กุซาง” อ่านเป็น ภูซาง (5608)" in out
    assert "ตั้งใหม่ 9, เปลี่ยน 0, ไม่เปลี่ยน 0, ไม่มีในไฟล์ 0" in out
    assert "5601  เมืองพะเยา" in out


def test_import_targets_a_second_time_says_nothing_changed(samples, round_2564):
    path = str(samples / "targets_official.xlsx")
    run("import_targets", path, "--round", "2564-2", "--province", "56")
    before = targets_state()
    out = run("import_targets", path, "--round", "2564-2", "--province", "56")
    assert "ไม่เปลี่ยน 9" in out
    assert "ไฟล์นี้ไม่ได้เปลี่ยนเป้าหมายใด" in out
    assert targets_state() == before


def test_import_targets_dry_run_writes_nothing(samples, round_2564):
    out = run(
        "import_targets", str(samples / "targets_official.xlsx"), "--round", "2564-2", "--dry-run"
    )
    assert "(ทดลอง ไม่บันทึก)" in out
    assert "ยังไม่ได้บันทึก (--dry-run)" in out
    assert not Target.objects.exists()


def test_import_targets_refuses_a_bad_file_listing_the_problems(tmp_path, round_2564):
    bad = tmp_path / "targets.xlsx"
    bad.write_bytes(b"\x00not a workbook" * 20)
    err = io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command(
            "import_targets",
            str(bad),
            "--round",
            "2564-2",
            "--province",
            "56",
            stdout=io.StringIO(),
            stderr=err,
        )
    assert "ไม่รับไฟล์ targets.xlsx: พบปัญหา 1 รายการ ข้อมูลในระบบไม่เปลี่ยนแปลง" in str(exc.value)
    assert "ไม่ใช่ไฟล์ Excel" in err.getvalue()
    assert not Target.objects.exists()


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--round", "2599-9"], "ไม่พบรอบการประเมิน 2599-9"),
        (["--round", "2564-2", "--province", "99"], "ไม่พบจังหวัดรหัส 99"),
    ],
)
def test_import_targets_names_a_wrong_argument(samples, round_2564, args, says):
    with pytest.raises(CommandError, match=says):
        call_command("import_targets", str(samples / "targets_official.xlsx"), *args)


def test_import_targets_names_a_missing_file(tmp_path, round_2564):
    with pytest.raises(CommandError, match="ไม่พบไฟล์"):
        call_command("import_targets", str(tmp_path / "none.xlsx"), "--round", "2564-2")


def test_export_targets_writes_attachment_1(tmp_path, round_2564):
    build_phayao(round_2564, officials=True)
    path = tmp_path / "targets.xlsx"
    out = run("export_targets", "--round", "2564-2", "--province", "56", "-o", str(path))
    assert "9 อำเภอ, ผู้ประกอบการ 913, ผลิตภัณฑ์ 1873, เป้าหมาย 215 (คำนวณ 211)" in out
    ws = openpyxl.load_workbook(path).active
    assert ws["A3"].value == "จังหวัด พะเยา"
    assert [ws["C15"].value, ws["D15"].value, ws["E15"].value] == [913, 1873, 215]


def test_exported_targets_import_back_unchanged(tmp_path, round_2564):
    build_phayao(round_2564, officials=True)
    path = tmp_path / "targets.xlsx"
    run("export_targets", "--round", "2564-2", "--province", "56", "-o", str(path))
    before = targets_state()
    out = run("import_targets", str(path), "--round", "2564-2")
    assert "ไม่เปลี่ยน 9" in out
    assert targets_state() == before


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--round", "2599-9", "--province", "56"], "ไม่พบรอบการประเมิน 2599-9"),
        (["--round", "2564-2", "--province", "99"], "ไม่พบจังหวัดรหัส 99"),
    ],
)
def test_export_targets_names_a_wrong_argument(tmp_path, round_2564, args, says):
    with pytest.raises(CommandError, match=says):
        call_command("export_targets", *args, "-o", str(tmp_path / "t.xlsx"))


def test_export_targets_names_a_missing_folder_and_a_wrong_suffix(tmp_path, db):
    make_round()
    with pytest.raises(CommandError, match="ไม่พบโฟลเดอร์"):
        call_command(
            "export_targets",
            "--round",
            "2564-2",
            "--province",
            "56",
            "-o",
            str(tmp_path / "no" / "t.xlsx"),
        )
    with pytest.raises(CommandError, match=r"\.xlsx"):
        call_command(
            "export_targets", "--round", "2564-2", "--province", "56", "-o", str(tmp_path / "t.csv")
        )
