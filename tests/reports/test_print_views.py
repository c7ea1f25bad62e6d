"""The print views (issue #16): the district's survey and report and the province's
dashboard as pages to print or save as PDF from the browser, with the form's title
block, the table, the totals and the signature lines, and a print stylesheet."""

from __future__ import annotations

import io

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.urls import reverse

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

ROUND = "2564-2"


@pytest.fixture
def filled(sample_registry, official_targets, samples):
    for command, sample in (("import_survey", "survey"), ("import_report", "report")):
        call_command(
            command,
            str(samples / f"{sample}_5607.xlsx"),
            "--round",
            ROUND,
            "--district",
            "5607",
            stdout=io.StringIO(),
        )


def page(client, user, name: str, code: str) -> str:
    client.login(username=user.username, password=PASSWORD)
    response = client.get(reverse(name, args=[ROUND, code]))
    assert response.status_code == 200
    return response.content.decode()


def test_it_prints_the_districts_survey_as_attachment_2(client, officer, filled):
    html = page(client, officer, "surveys:print", "5607")
    assert "สิ่งที่ส่งมาด้วย ๒" in html
    assert "จังหวัดพะเยา อำเภอแม่ใจ" in html
    assert "ความพร้อมผู้ประกอบการเพื่อเข้าสู่ตลาดออนไลน์ (ใส่หมายเลข ๑ ในช่องข้อมูล)" in html
    assert "560700001" in html
    assert "ลงชื่อ.....ผู้รายงาน" in html and "หมายเหตุ" in html
    assert "data-print" in html and "js/print.js" in html


def test_it_prints_the_districts_report_with_its_totals(client, officer, filled):
    html = page(client, officer, "reports:print", "5607")
    assert "สิ่งที่ส่งมาด้วย ๓" in html
    assert "จังหวัดพะเยา อำเภอแม่ใจ" in html
    # The sample report's figures (expected.json): this round's sales and the baseline.
    assert "448,207.50" in html and "105,800.00" in html
    assert "ลงชื่อ.....ผู้รายงาน" in html


def test_it_prints_the_provinces_dashboard(client, province_staff, filled):
    html = page(client, province_staff, "dashboards:province_print", "56")
    assert "จังหวัด พะเยา" in html
    assert "แม่ใจ" in html and "448,207.50" in html
    assert "ลงชื่อ.....ผู้รายงาน" in html


@pytest.mark.parametrize(
    ("name", "code", "who"),
    [
        ("surveys:print", "5607", "outsider"),
        ("reports:print", "5607", "outsider"),
        ("dashboards:province_print", "56", "other_province_staff"),
    ],
)
def test_it_checks_access(client, request, round_2564, name, code, who):
    """Another district's form, another province's dashboard: not found."""
    user = request.getfixturevalue(who)
    client.login(username=user.username, password=PASSWORD)
    assert client.get(reverse(name, args=[ROUND, code])).status_code == 404


@pytest.mark.parametrize("name", ["surveys:print", "reports:print"])
def test_it_requires_get(client, officer, round_2564, name):
    client.login(username=officer.username, password=PASSWORD)
    assert client.post(reverse(name, args=[ROUND, "5607"])).status_code == 405


def test_the_stylesheet_prints_only_the_form_on_a4_with_the_header_on_every_page():
    css = open(finders.find("css/portal.css"), encoding="utf-8").read()
    assert "@page { size: A4 landscape;" in css
    media = css[css.index("@media print") :]
    assert ".site-header" in media and "display:none" in media
    assert "thead { display:table-header-group; }" in media
    assert "break-inside:avoid" in css[css.index(".form-signature") :]
