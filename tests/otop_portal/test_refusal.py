"""Every refusal path leads with the same headline (issue #14, otop_portal.refusal):
the registry's admin upload page, the targets upload page and a job's page show the
headline once, at most 20 problems and the rest folded under "show N more"; the
registry's and the targets' import commands print the headline first and at most 20
problems. (The survey's and the report's pages and commands: tests/surveys and
tests/reports, test_refusal.py.)"""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import translation

from jobs.runner import failure_message
from otop_portal.commands import MSG_PROBLEMS_WRITTEN, MSG_REFUSED
from otop_portal.importing import ImportRefused, Problem
from otop_portal.refusal import Refusal
from products.models import RegistrySnapshot, Target
from tests.products.test_targets_workbook import sample_rows, workbook_bytes

BAD_ROWS = 25
HEADLINE = f"ไม่รับไฟล์นี้: พบปัญหา {BAD_ROWS} รายการ ข้อมูลในระบบไม่เปลี่ยนแปลง"
MORE_COMMAND = f"แสดง 20 รายการแรกจาก {BAD_ROWS} รายการ ใช้ --problems FILE.xlsx"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def bad_registry(samples) -> bytes:
    """The sample registry with a year no one can read in its first 25 rows."""
    book = openpyxl.load_workbook(samples / "registry.xlsx")
    sheet = book.active
    for row in range(2, 2 + BAD_ROWS):
        sheet.cell(row, 7).value = "ปีไหน"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def bad_targets(samples) -> bytes:
    """Attachment 1 of Phayao with 25 districts that Phayao does not have."""
    rows = sample_rows(samples)
    unknown = [[n, f"อำเภอที่ไม่มี {n}", 1, 1, 1, None] for n in range(1, BAD_ROWS + 1)]
    return workbook_bytes(rows[:5] + unknown + rows[-3:]).getvalue()


def refusal_section(html: str) -> str:
    start = html.index('id="refusal"')
    return html[start : html.index("</section>", start)]


def assert_leads_with_the_headline(html: str) -> None:
    section = refusal_section(html)
    assert section.count(HEADLINE) == 1
    assert section.index(HEADLINE) < section.index("<table")
    shown, _sep, folded = section.partition("<details>")
    assert shown.count("<tr><td") == 20
    assert re.search(rf"<summary>\s*แสดงอีก {BAD_ROWS - 20} รายการ\s*</summary>", folded)
    assert folded.count("<tr><td") == BAD_ROWS - 20


class TestThePages:
    def test_the_registry_upload_page(self, client, admin, samples):
        client.force_login(admin)
        response = client.post(
            reverse("admin:products_registrysnapshot_import"),
            {
                "file": SimpleUploadedFile("registry.xlsx", bad_registry(samples)),
                "as_of": "2021-04-01",
            },
        )
        assert response.status_code == 200
        assert_leads_with_the_headline(response.content.decode())
        assert not RegistrySnapshot.objects.exists()

    def test_the_targets_upload_page(self, client, province_staff, round_2564, samples):
        client.force_login(province_staff)
        response = client.post(
            reverse("products:targets_import", args=[round_2564.code, "56"]),
            {"file": SimpleUploadedFile("targets.xlsx", bad_targets(samples))},
        )
        assert response.status_code == 200
        assert_leads_with_the_headline(response.content.decode())
        assert not Target.objects.exists()

    def test_a_jobs_page(self, client, admin, samples, settings):
        settings.JOBS_INLINE_MAX_ROWS = 10  # the sample's size counts as a big file here
        client.force_login(admin)
        response = client.post(
            reverse("admin:products_registrysnapshot_import"),
            {
                "file": SimpleUploadedFile("registry.xlsx", bad_registry(samples)),
                "as_of": "2021-04-01",
            },
        )
        assert response.status_code == 302
        page = client.get(response["Location"])
        assert page.status_code == 200
        assert_leads_with_the_headline(page.content.decode())
        assert not RegistrySnapshot.objects.exists()


class TestTheCommands:
    def _stderr_of(self, *args) -> list[str]:
        stderr = io.StringIO()
        with pytest.raises(CommandError, match=f"พบปัญหา {BAD_ROWS} รายการ"):
            call_command(*args, stderr=stderr)
        assert "Traceback" not in stderr.getvalue()
        return stderr.getvalue().splitlines()

    def test_import_registry(self, db, samples, tmp_path):
        path = tmp_path / "registry.xlsx"
        path.write_bytes(bad_registry(samples))
        lines = self._stderr_of("import_registry", str(path), "--as-of", "2021-04-01")
        assert lines[0] == HEADLINE
        assert sum("ปีไหน" in line for line in lines) == 20
        assert lines[-1].startswith(MORE_COMMAND)
        assert not RegistrySnapshot.objects.exists()

    def test_import_targets(self, round_2564, samples, tmp_path):
        path = tmp_path / "targets.xlsx"
        path.write_bytes(bad_targets(samples))
        lines = self._stderr_of("import_targets", str(path), "--round", round_2564.code)
        assert lines[0] == HEADLINE
        assert sum("อำเภอที่ไม่มี" in line for line in lines) == 20
        assert lines[-1].startswith(MORE_COMMAND)
        assert not Target.objects.exists()


class TestAFileTheChecksRefuse:
    """A file refused whole by the form's checks (check_upload) leads with the headline
    too, and its reason is said once."""

    def test_on_the_registry_upload_page(self, client, admin):
        client.force_login(admin)
        response = client.post(
            reverse("admin:products_registrysnapshot_import"),
            {
                "file": SimpleUploadedFile("registry.xlsx", b"garbage\x00" * 10),
                "as_of": "2021-04-01",
            },
        )
        html = response.content.decode()
        section = refusal_section(html)
        assert "ไม่รับไฟล์นี้: พบปัญหา 1 รายการ ข้อมูลในระบบไม่เปลี่ยนแปลง" in section
        assert html.count("ไม่ใช่ไฟล์ Excel") == 1 and "ไม่ใช่ไฟล์ Excel" in section

    def test_on_the_targets_upload_page(self, client, province_staff, round_2564):
        client.force_login(province_staff)
        response = client.post(
            reverse("products:targets_import", args=[round_2564.code, "56"]),
            {"file": SimpleUploadedFile("targets.xlsx", b"garbage\x00" * 10)},
        )
        html = response.content.decode()
        section = refusal_section(html)
        assert "ไม่รับไฟล์นี้: พบปัญหา 1 รายการ ข้อมูลในระบบไม่เปลี่ยนแปลง" in section
        assert html.count("ไม่ใช่ไฟล์ Excel") == 1 and "ไม่ใช่ไฟล์ Excel" in section


class TestTheHeadlineCountsInEnglish:
    """One problem is "1 problem", not "1 problems"; a count keeps its thousands
    separator; Thai, which has no plural, reads the same either way."""

    @pytest.mark.parametrize(
        ("count", "english"),
        [
            (1, "File refused: 1 problem found; the data in the portal is unchanged"),
            (2, "File refused: 2 problems found; the data in the portal is unchanged"),
            (1234, "File refused: 1,234 problems found; the data in the portal is unchanged"),
        ],
    )
    def test_it_says_problem_or_problems(self, count, english):
        refusal = Refusal(problems=[Problem("x")] * count)
        with translation.override("en"):
            assert refusal.headline == english
        with translation.override("th"):
            assert refusal.headline == (f"ไม่รับไฟล์นี้: พบปัญหา {count:,} รายการ ข้อมูลในระบบไม่เปลี่ยนแปลง")

    def test_a_refused_job_says_it_the_same_way(self):
        with translation.override("en"):
            message, _extra = failure_message(ImportRefused([Problem("x")]), 1)
        assert message == "File refused: 1 problem found; the data in the portal is unchanged"

    def test_a_command_says_it_too(self):
        with translation.override("en"):
            assert str(MSG_REFUSED % {"name": "a.xlsx", "count": 1}) == (
                "File a.xlsx refused: 1 problem found; the data in the portal is unchanged"
            )
            assert str(MSG_PROBLEMS_WRITTEN % {"count": 1, "path": "b.xlsx"}) == (
                "Wrote a copy of the file with 1 problem cell marked to b.xlsx"
            )
