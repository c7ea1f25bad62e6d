"""A refused survey leads with what to do (issue #14): one headline, the registry
sentence once when the file was made against another registry, at most 20 problems,
the whole list and a marked-up copy of the file to download."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from districts.models import District
from products.models import RegistrySnapshot
from surveys import selectors
from surveys.models import SurveyUpload
from surveys.workbook import FIRST_DATA_ROW, write_survey
from tests.conftest import make_entrepreneur, make_product

ROUND = "2564-2"
PEOPLE = 25


def url(name: str, code: str = "5607", **kwargs) -> str:
    return reverse(f"surveys:{name}", kwargs={"round_code": ROUND, "code": code, **kwargs})


@pytest.fixture
def registry(db, round_2564):
    """25 entrepreneurs of 5607 with a product each, from the registry of 1 April 2564."""
    RegistrySnapshot.objects.create(as_of=dt.date(2021, 4, 1), source_name="registry.xlsx")
    for n in range(PEOPLE):
        person = make_entrepreneur("5607", code=f"5607001{n:02d}", name=f"กลุ่มที่ {n}")
        make_product(person, name=f"สินค้า {n}")
    return round_2564


def other_snapshots_form(round) -> io.BytesIO:
    """The district's form as another registry numbered its entrepreneurs: every code
    differs from the portal's."""
    out = io.BytesIO()
    write_survey(
        out,
        round=round,
        province_name="พะเยา",
        blocks=selectors.survey_export_blocks(
            round=round, districts=District.objects.filter(code="5607")
        ),
    )
    out.seek(0)
    wb = openpyxl.load_workbook(out)
    ws = wb.active
    for row in range(FIRST_DATA_ROW + 1, FIRST_DATA_ROW + 1 + PEOPLE):
        ws[f"A{row}"] = str(ws[f"A{row}"].value).replace("5607001", "5607009")
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    out.name = "แบบสำรวจ.xlsx"
    return out


def refusal_section(html: str) -> str:
    start = html.index('id="refusal"')
    return html[start : html.index("</section>", start)]


def code_rows() -> range:
    return range(FIRST_DATA_ROW + 1, FIRST_DATA_ROW + 1 + PEOPLE)


class TestOnThePage:
    def test_it_leads_with_one_headline_and_shows_at_most_20_problems(
        self, client, officer, registry
    ):
        client.force_login(officer)
        response = client.post(url("upload"), {"file": other_snapshots_form(registry)})
        assert response.status_code == 422
        section = refusal_section(response.content.decode())
        assert section.count("ไม่รับไฟล์นี้: พบปัญหา 25 รายการ") == 1
        # One headline on the page (the list of uploads below names the refusal too).
        assert response.content.decode().count('<h2 class="error">ไม่รับไฟล์นี้') == 1
        assert "ผู้ประกอบการหรือผลิตภัณฑ์ที่ไม่มีในทะเบียนของระบบ: 25 รายการ" in section
        # Said once: the file does not match the registry of the portal, as of its date,
        # and who can fix it.
        assert section.count("ไฟล์นี้ไม่ตรงกับทะเบียนผู้ประกอบการในระบบ") == 1
        assert "ทะเบียน ณ 1 เมษายน 2564" in section
        assert "ผู้ดูแลระบบของจังหวัด" in section
        assert section.count("<tr><td") == 20
        assert "แสดง 20 รายการแรกจาก 25 รายการ" in section

    def test_it_says_it_in_english_when_asked(self, client, officer, registry, settings):
        client.force_login(officer)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        response = client.post(url("upload"), {"file": other_snapshots_form(registry)})
        section = refusal_section(response.content.decode())
        assert "25 problems" in section
        assert "does not match the registry" in section
        assert "administrator" in section

    def test_it_offers_the_whole_list_and_the_marked_up_file(self, client, officer, registry):
        client.force_login(officer)
        client.post(url("upload"), {"file": other_snapshots_form(registry)})
        record = SurveyUpload.objects.get()
        page = client.get(url("upload")).content.decode()
        marked = url("upload_marked", upload_id=record.pk)
        listed = url("upload_problems", upload_id=record.pk)
        assert marked in page and listed in page

        csv = client.get(listed)
        assert csv["Content-Type"].startswith("text/csv")
        lines = b"".join(csv.streaming_content if csv.streaming else [csv.content])
        assert len(lines.decode("utf-8-sig").strip().splitlines()) == 1 + PEOPLE

        response = client.get(marked)
        assert response.status_code == 200
        wb = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
        ws = wb.active
        for row in code_rows():
            cell = ws[f"A{row}"]
            assert "ไม่พบผู้ประกอบการรหัส" in cell.comment.text
            assert cell.fill.fgColor.rgb.endswith("FFC7CE")
        assert ws[f"B{FIRST_DATA_ROW + 1}"].comment is None

    def test_an_outsider_cannot_download_them(self, client, officer, outsider, registry):
        client.force_login(officer)
        client.post(url("upload"), {"file": other_snapshots_form(registry)})
        record = SurveyUpload.objects.get()
        client.force_login(outsider)
        assert client.get(url("upload_marked", upload_id=record.pk)).status_code == 404
        assert client.get(url("upload_problems", upload_id=record.pk)).status_code == 404


class TestInTheCommand:
    def test_it_leads_with_one_headline_and_prints_at_most_20_problems(self, registry, tmp_path):
        path = tmp_path / "แบบสำรวจ.xlsx"
        path.write_bytes(other_snapshots_form(registry).getvalue())
        marked = tmp_path / "problems.xlsx"
        stderr = io.StringIO()
        with pytest.raises(CommandError, match="พบปัญหา 25 รายการ"):
            call_command(
                "import_survey",
                str(path),
                "--round",
                ROUND,
                "--district",
                "5607",
                "--problems",
                str(marked),
                stderr=stderr,
            )
        lines = stderr.getvalue().splitlines()
        assert lines[0] == "ไม่รับไฟล์นี้: พบปัญหา 25 รายการ ข้อมูลในระบบไม่เปลี่ยนแปลง"
        assert sum("ไม่ตรงกับทะเบียนผู้ประกอบการในระบบ" in line for line in lines) == 1
        # That sentence names the snapshot's date and who can fix it.
        assert sum("ทะเบียน ณ 1 เมษายน 2564" in line for line in lines) == 1
        assert sum("ผู้ดูแลระบบของจังหวัด" in line for line in lines) == 1
        assert sum(line.startswith("ไม่รับไฟล์นี้") for line in lines) == 1
        assert sum("ไม่พบผู้ประกอบการรหัส" in line for line in lines) == 20
        assert "Traceback" not in stderr.getvalue()

        ws = openpyxl.load_workbook(marked).active
        for row in code_rows():
            assert "5607009" in ws[f"A{row}"].value
            assert "ไม่พบผู้ประกอบการรหัส" in ws[f"A{row}"].comment.text
            assert ws[f"A{row}"].fill.fgColor.rgb.endswith("FFC7CE")

    def test_it_refuses_a_problems_file_that_is_not_xlsx_before_importing(self, registry, tmp_path):
        path = tmp_path / "form.xlsx"
        path.write_bytes(other_snapshots_form(registry).getvalue())
        with pytest.raises(CommandError, match=".xlsx"):
            call_command(
                "import_survey",
                str(path),
                "--round",
                ROUND,
                "--district",
                "5607",
                "--problems",
                str(tmp_path / "problems.txt"),
            )
        assert not SurveyUpload.objects.exists()


def test_prune_uploads_deletes_the_marked_up_copies_with_the_old_files(client, officer, registry):
    from otop_portal.upload_flow import upload_files_prune

    client.force_login(officer)
    client.post(url("upload"), {"file": other_snapshots_form(registry)})
    record = SurveyUpload.objects.get()
    path = record.problems_file.path
    assert upload_files_prune() == []
    SurveyUpload.objects.update(uploaded_at=record.uploaded_at - dt.timedelta(days=91))
    pruned = upload_files_prune()
    assert [p.upload.pk for p in pruned] == [record.pk]
    record.refresh_from_db()
    assert not record.problems_file
    assert not Path(path).exists()
    assert client.get(url("upload_marked", upload_id=record.pk)).status_code == 404


@pytest.mark.parametrize("app", ["surveys", "reports"])
def test_a_file_the_checks_refuse_whole_leads_with_the_headline_too(client, officer, registry, app):
    """Not a spreadsheet at all: refused before anything reads or keeps it, and the page
    still leads with the refusal's headline (not only an error beside the field)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(officer)
    page = reverse(f"{app}:upload", kwargs={"round_code": ROUND, "code": "5607"})
    junk = SimpleUploadedFile("form.xlsx", b"this is not a workbook" * 10)
    response = client.post(page, {"file": junk})
    html = response.content.decode()
    assert response.status_code == 400
    assert html.count('<h2 class="error">ไม่รับไฟล์นี้: พบปัญหา 1 รายการ') == 1
    assert not SurveyUpload.objects.exists()
