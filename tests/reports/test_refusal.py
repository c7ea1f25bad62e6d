"""A refused report leads with what to do (issue #14): the headline, the registry
sentence when most rows name products the portal's registry lacks, at most 20
problems, and the marked-up copy, which only the district's users may download."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.urls import reverse

from reports.models import ReportUpload
from tests.conftest import make_entrepreneur, make_product
from tests.reports.conftest import data_row, report_file

R = "2564-2"
ROWS = 24


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def url(name, *args):
    return reverse(f"reports:{name}", args=[R, "5607", *args])


@pytest.fixture
def refused(client, officer, round_2564, tmp_path):
    """A report whose products the portal's registry does not have."""
    person = make_entrepreneur("5607", code="560799001", name="กลุ่มทอผ้า")
    make_product(person, name="ผ้าพันคอฝ้าย")
    rows = [
        data_row("560799001", f"สินค้าอื่น {n}", months=(100, "", "", "", "", ""), number=n + 1)
        for n in range(ROWS)
    ]
    path = report_file(tmp_path / "r.xlsx", round_2564, rows)
    client.force_login(officer)
    with path.open("rb") as fh:
        return client.post(url("upload"), {"file": fh})


def test_it_leads_with_the_headline_and_the_registry_and_shows_20_rows(refused):
    assert refused.status_code == 400
    html = refused.content.decode()
    section = html[
        html.index('id="refusal"') : html.index("</section>", html.index('id="refusal"'))
    ]
    assert section.count("ไม่รับไฟล์นี้: พบปัญหา 24 รายการ") == 1
    assert section.count("ไฟล์นี้ไม่ตรงกับทะเบียนผู้ประกอบการในระบบ") == 1
    assert section.count("<tr><td") == 20


def test_the_marked_copy_marks_each_row_and_only_the_district_downloads_it(
    refused, client, outsider
):
    record = ReportUpload.objects.get()
    response = client.get(url("upload_marked", record.pk))
    ws = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    for row in range(7, 7 + ROWS):
        assert "ไม่พบผลิตภัณฑ์" in ws[f"D{row}"].comment.text
    client.force_login(outsider)
    assert client.get(url("upload_marked", record.pk)).status_code == 404
    assert client.get(url("upload_problems", record.pk)).status_code == 404
