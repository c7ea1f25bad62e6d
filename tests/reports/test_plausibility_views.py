"""Where people see the flags: the report's page, its submission, the upload preview."""

from __future__ import annotations

import openpyxl
import pytest
from django.urls import reverse

from otop_portal.workflow import Status
from reports.models import Report, ReportLine
from reports.services import MSG_FLAG_NOTE_REQUIRED
from tests.conftest import PASSWORD, make_entrepreneur, make_product
from tests.reports.conftest import make_line, make_report

pytestmark = pytest.mark.django_db

R = "2564-2"
SPIKE = [4500, 4500, 4500, 4500000, 4500, 4500]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def report(round_2564):
    """A draft of district 5607: one line with three extra zeros in July, one ordinary."""
    report = make_report(round_2564, "5607")
    a = make_entrepreneur("5607", code="560799001", name="กลุ่มทอผ้า")
    b = make_entrepreneur("5607", code="560799002", name="นายแม่ใจ")
    make_line(report, make_product(a, name="ผ้าพันคอฝ้าย"), months=SPIKE, facebook=True)
    make_line(report, make_product(b, name="กาแฟดอยหลวง"), months=[350, 1200], line=True)
    return report


def spiked(report) -> ReportLine:
    return report.lines.get(product__name="ผ้าพันคอฝ้าย")


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def url(name, *args, district="5607"):
    return reverse(f"reports:{name}", args=[R, district, *args])


def test_it_shows_the_flag_on_the_line_with_its_figures(client, officer, report):
    html = login(client, officer).get(url("detail")).content.decode()
    assert "ยอดเดือน ก.ค. 4,500,000 บาท สูงกว่าเดือนอื่นของผลิตภัณฑ์นี้ 1,000 เท่า" in html
    assert f'name="note-{spiked(report).pk}"' in html  # the submit form asks for a note
    other = report.lines.get(product__name="กาแฟดอยหลวง")
    assert f'name="note-{other.pk}"' not in html  # an ordinary line needs no note


def test_it_saves_a_flagged_line(client, officer, report):
    line = spiked(report)
    data = {f"l{line.pk}-version": line.version, f"l{line.pk}-facebook": "on"}
    data |= {f"l{line.pk}-month_{i + 1}": str(v) for i, v in enumerate(SPIKE)}
    response = login(client, officer).post(url("line_save", line.pk), data)
    assert response.status_code == 302
    line.refresh_from_db()
    assert line.month_4 == 4500000
    assert line.answered_by == officer


def test_it_asks_for_a_note_on_each_flagged_line_before_submitting(client, officer, report):
    login(client, officer)
    response = client.post(url("submit"), follow=True)
    report.refresh_from_db()
    assert report.status == Status.DRAFT
    assert str(MSG_FLAG_NOTE_REQUIRED).split("%")[0] in response.content.decode()
    assert "ผ้าพันคอฝ้าย" in [str(m) for m in response.context["messages"]][0]

    note = "ลูกค้าองค์กรสั่งผ้าพันคอ 1,000 ผืนในเดือนกรกฎาคม"
    line = spiked(report)
    response = client.post(url("submit"), {f"note-{line.pk}": note}, follow=True)
    report.refresh_from_db()
    assert report.status == Status.SUBMITTED
    line.refresh_from_db()
    assert line.note == note
    html = response.content.decode()
    assert f"หมายเหตุของยอดที่ควรตรวจสอบ ผ้าพันคอฝ้าย: {note}" in html  # in the history


def test_it_keeps_the_notes_when_the_submission_is_refused(client, officer, report):
    line = spiked(report)
    other = report.lines.get(product__name="กาแฟดอยหลวง")
    ReportLine.objects.filter(pk=other.pk).update(line=False)  # sales with no channel
    login(client, officer).post(url("submit"), {f"note-{line.pk}": "ขายส่งให้โรงแรม"})
    report.refresh_from_db()
    assert report.status == Status.DRAFT
    line.refresh_from_db()
    assert line.note == "ขายส่งให้โรงแรม"


def test_it_refuses_an_outsider_writing_a_note(client, outsider, report):
    line = spiked(report)
    response = login(client, outsider).post(url("submit"), {f"note-{line.pk}": "x"})
    assert response.status_code == 404
    line.refresh_from_db()
    assert line.note == ""


def test_it_refuses_province_staff_writing_a_note(client, province_staff, report):
    line = spiked(report)
    response = login(client, province_staff).post(url("submit"), {f"note-{line.pk}": "x"})
    assert response.status_code == 403
    line.refresh_from_db()
    assert line.note == ""


def test_it_shows_the_province_the_flagged_lines_with_their_notes(
    client, officer, province_staff, report
):
    line = spiked(report)
    login(client, officer).post(url("submit"), {f"note-{line.pk}": "ขายส่งให้โรงแรม"})
    client.logout()
    html = login(client, province_staff).get(url("review")).content.decode()
    assert "ยอดที่ควรตรวจสอบ 1 รายการ" in html
    assert "4,500,000" in html
    assert "ขายส่งให้โรงแรม" in html


def test_it_shows_the_flags_in_the_upload_preview(
    client, officer, sample_registry, samples, tmp_path
):
    book = openpyxl.load_workbook(samples / "report_5607.xlsx")
    sheet = book.active
    for column, value in zip("MNOPQR", SPIKE, strict=True):
        sheet[f"{column}12"] = value
    sheet["S12"] = sum(SPIKE)
    path = tmp_path / "report_5607.xlsx"
    book.save(path)
    with open(path, "rb") as fh:
        response = login(client, officer).post(url("upload"), {"file": fh})
    assert response.status_code == 200
    html = response.content.decode()
    assert "ยอดที่ควรตรวจสอบ 1 รายการ" in html
    assert "แถว 12 · 560700008 สบู่สมุนไพรขมิ้น สูตร 3" in html  # the row of the file
    assert "ก.ค. 4,500,000 บาท" in html
    assert not Report.objects.filter(district_id="5607", lines__month_4=4500000).exists()


def test_it_queues_the_flagged_lines_with_their_notes_on_the_review_desk(
    client, officer, province_staff, report
):
    line = spiked(report)
    login(client, officer).post(url("submit"), {f"note-{line.pk}": "ขายส่งให้โรงแรม"})
    client.logout()
    desk = reverse("dashboards:review", args=[R, "56"])
    html = login(client, province_staff).get(desk).content.decode()
    assert "ยอดที่ควรตรวจสอบ 1 รายการ" in html
    assert "560799001 ผ้าพันคอฝ้าย: ยอดเดือน ก.ค. 4,500,000 บาท" in html
    assert "หมายเหตุ: ขายส่งให้โรงแรม" in html


def test_it_counts_the_flagged_lines_per_district_on_the_province_page(
    client, province_staff, report
):
    page = reverse("dashboards:province", args=[R, "56"])
    html = login(client, province_staff).get(page).content.decode()
    assert html.count("data-flagged-lines") == 1
    assert "ควรตรวจสอบ 1 รายการ" in html


def test_it_explains_the_flags_in_english(client, settings, officer, report):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = login(client, officer).get(url("detail")).content.decode()
    assert "Sales in Jul of 4,500,000 baht are 1,000 times" in html
    assert "1 line with figures to check" in html
    assert "These figures look unusual." in html


def test_it_answers_a_saved_line_with_its_flags(client, officer, report):
    line = spiked(report)
    data = {f"l{line.pk}-version": line.version, f"l{line.pk}-facebook": "on"}
    data |= {f"l{line.pk}-month_{i + 1}": str(v) for i, v in enumerate(SPIKE)}
    response = login(client, officer).post(
        url("line_save", line.pk), data, headers={"x-requested-with": "fetch"}
    )
    [flag] = response.json()["flags"]
    assert "ก.ค. 4,500,000 บาท" in flag
    data[f"l{line.pk}-month_4"] = "4500"
    data[f"l{line.pk}-version"] = line.version + 1
    response = client.post(url("line_save", line.pk), data, headers={"x-requested-with": "fetch"})
    assert response.json()["flags"] == []
