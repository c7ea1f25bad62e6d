"""The report's preview says what would block submitting (issue #14): the lines with
sales and no channel, each by code, name and row; submitting right after the commit is
refused for exactly those lines; the report page filters them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from otop_portal.workflow import WorkflowError
from reports import services
from reports.models import Report, ReportUpload
from tests.conftest import make_entrepreneur, make_product
from tests.reports.conftest import data_row, report_file

R = "2564-2"
FIRST_ROW = 7  # four title rows and two header rows


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def chilli(round_2564):
    """Two entrepreneurs who both make a "น้ำพริกหนุ่ม", and a coffee."""
    first = make_entrepreneur("5607", code="560799101", name="กลุ่มแม่บ้านหนึ่ง")
    second = make_entrepreneur("5607", code="560799102", name="กลุ่มแม่บ้านสอง")
    return {
        "first": make_product(first, name="น้ำพริกหนุ่ม"),
        "second": make_product(second, name="น้ำพริกหนุ่ม"),
        "coffee": make_product(first, name="กาแฟดอยหลวง"),
    }


def url(name, *args):
    return reverse(f"reports:{name}", args=[R, "5607", *args])


def upload(client, tmp_path, round):
    """Rows 7 and 8 sold with no channel; row 9 sold on Facebook."""
    path = report_file(
        tmp_path / "r.xlsx",
        round,
        [
            data_row("560799101", "น้ำพริกหนุ่ม", months=(500, "", "", "", "", ""), number=1),
            data_row("560799102", "น้ำพริกหนุ่ม", months=(300, "", "", "", "", ""), number=2),
            data_row(
                "560799101",
                "กาแฟดอยหลวง",
                months=(900, "", "", "", "", ""),
                channels=("1", "", "", "", ""),
                number=3,
            ),
        ],
    )
    with path.open("rb") as fh:
        return client.post(url("upload"), {"file": fh})


def blockers_section(html: str) -> str:
    start = html.index('id="submit-blockers"')
    return html[start : html.index("</section>", start)]


def test_the_preview_lists_the_lines_submit_would_refuse_by_code_name_and_row(
    client, officer, chilli, round_2564, tmp_path
):
    client.force_login(officer)
    response = upload(client, tmp_path, round_2564)
    assert response.status_code == 200
    section = blockers_section(response.content.decode())
    assert "2 รายการ" in section
    for product, row in ((chilli["first"], FIRST_ROW), (chilli["second"], FIRST_ROW + 1)):
        assert f'<td data-label="แถว">{row}</td><td data-label="รหัส">{product.code}</td>' in (
            section.replace('class="num" ', "")
        )
    assert "มียอดขายแต่ไม่ได้ระบุช่องทางจำหน่าย" in section
    assert chilli["coffee"].code not in section
    record = ReportUpload.objects.get()
    assert [(b["code"], b["row"]) for b in record.summary["blockers"]] == [
        (chilli["first"].code, FIRST_ROW),
        (chilli["second"].code, FIRST_ROW + 1),
    ]


def test_submitting_right_after_the_commit_is_refused_for_exactly_those_lines(
    client, officer, chilli, round_2564, tmp_path
):
    client.force_login(officer)
    upload(client, tmp_path, round_2564)
    record = ReportUpload.objects.get()
    previewed = [b["label"] for b in record.summary["blockers"]]
    response = client.post(url("upload_commit", record.pk))
    assert response.status_code == 302
    report = Report.objects.get()
    with pytest.raises(WorkflowError) as refused:
        services.report_submit(report=report, by=officer)
    named = str(refused.value.message).split(": ", 1)[1].split(", ")
    assert named == previewed
    assert previewed == [
        f"{chilli['first'].code} น้ำพริกหนุ่ม",
        f"{chilli['second'].code} น้ำพริกหนุ่ม",
    ]
    # The page's submit button says the same.
    page = client.post(url("submit"), follow=True).content.decode()
    assert all(label in page for label in previewed)


def test_the_report_page_filters_the_lines_that_block_submitting(
    client, officer, chilli, round_2564, tmp_path
):
    client.force_login(officer)
    upload(client, tmp_path, round_2564)
    client.post(url("upload_commit", ReportUpload.objects.get().pk))
    page = client.get(url("detail"), {"show": "blocking"}).content.decode()
    assert "560799101" in page and "560799102" in page and "น้ำพริกหนุ่ม" in page
    assert "กาแฟดอยหลวง" not in page
    everything = client.get(url("detail")).content.decode()
    assert "กาแฟดอยหลวง" in everything


def test_a_file_that_names_every_channel_has_no_blockers(
    client, officer, chilli, round_2564, tmp_path
):
    client.force_login(officer)
    path = report_file(
        tmp_path / "ok.xlsx",
        round_2564,
        [
            data_row(
                "560799101",
                "น้ำพริกหนุ่ม",
                months=(500, "", "", "", "", ""),
                url="https://shop.example/namprik",
            )
        ],
    )
    with path.open("rb") as fh:
        response = client.post(url("upload"), {"file": fh})
    assert 'id="submit-blockers"' not in response.content.decode()
    assert ReportUpload.objects.get().summary["blockers"] == []
