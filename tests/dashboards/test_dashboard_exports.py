"""The dashboard's downloads: attachment 1 with progress, the table as .xlsx and .csv."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from otop_portal.workflow import Status
from tests.dashboards.test_dashboard import base, sell, survey

pytestmark = pytest.mark.django_db


def download(client, user, name, *args):
    client.force_login(user)
    return client.get(reverse(name, args=list(args)))


def workbook(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    return openpyxl.load_workbook(io.BytesIO(response.content))


def test_attachment_1_with_progress_has_the_seeds_table_then_a_progress_sheet(
    client,
    province_staff,
):
    from products.demo.phayao import DEMO_ROUND, SEED_TABLE, demo_load

    demo_load()
    book = workbook(
        download(client, province_staff, "dashboards:targets_progress", DEMO_ROUND, "56")
    )
    assert book.sheetnames == ["เป้าหมายตัวชี้วัด", "ความก้าวหน้า"]
    sheet = book["เป้าหมายตัวชี้วัด"]
    assert [sheet.cell(r, 1).value for r in (1, 2, 3)] == [
        "เป้าหมายตัวชี้วัดผลิตภัณฑ์ OTOP ในตลาดออนไลน์ (รอบการประเมินที่ 2)",
        "ประจำปีงบประมาณ พ.ศ.2564 (เดือนเมษายน 2564 - กันยายน 2564)",
        "จังหวัด พะเยา",
    ]
    assert {"A1:F1", "A4:A5", "B4:B5", "C4:D4", "E4:E5", "F4:F5", "A15:B15"} <= {
        str(m) for m in sheet.merged_cells.ranges
    }
    assert (sheet["C5"].value, sheet["D5"].value, sheet["E4"].value) == (
        "จำนวนผู้ประกอบการ",
        "จำนวนผลิตภัณฑ์ OTOP",
        "เป้าหมายตัวชี้วัด ปี 64 (ร้อยละ 11)",
    )
    rows = [[sheet.cell(r, c).value for c in range(1, 6)] for r in range(6, 15)]
    assert [(row[2], row[3], row[4]) for row in rows] == list(SEED_TABLE.values())
    assert rows[7][1] == "ภูซาง"
    assert [sheet.cell(15, c).value for c in range(1, 6)] == ["รวม", None, 913, 1873, 215]
    assert sheet["A16"].value.startswith("หมายเหตุ : ฐานข้อมูลจำนวนผลิตภัณฑ์ OTOP ปี 2557 - 2563")
    assert sheet["A17"].value == "ณ วันที่ 1 เมษายน 2564"

    progress = book["ความก้าวหน้า"]
    assert progress["A3"].value == "จังหวัด พะเยา"
    assert progress["D4"].value == "ขายออนไลน์แล้ว (ผลิตภัณฑ์)"
    assert [progress.cell(5, c).value for c in (2, 3, 4)] == ["เมืองพะเยา", 60, 0]
    assert progress["A14"].value == "รวม" and progress["C14"].value == 215


def test_the_dashboard_table_downloads_as_a_workbook_with_the_pages_figures(
    client,
    province_staff,
    round_2564,
):
    products = base("5607", 20, entrepreneurs=2)
    sell(
        round_2564,
        products[:3],
        amount=Decimal("1500.50"),
        baseline=Decimal("1000"),
        status=Status.SUBMITTED,
        late=True,
    )
    book = workbook(
        download(client, province_staff, "dashboards:province_xlsx", round_2564.code, "56")
    )
    sheet = book.worksheets[1]  # every column; sheet 1 is the summary
    assert sheet["A3"].value == "จังหวัด พะเยา"
    headers = [c.value for c in sheet[4]]
    assert headers[:3] == ["ที่", "รหัส", "อำเภอ"]
    row = {h: c.value for h, c in zip(headers, sheet[11], strict=True)}  # 5607 is the 7th
    assert row["รหัส"] == "5607" and row["อำเภอ"] == "แม่ใจ"
    assert (
        row["จำนวนผู้ประกอบการ"],
        row["จำนวนผลิตภัณฑ์ OTOP"],
        row["เป้าหมายที่ใช้"],
        row["ขายออนไลน์แล้ว (ผลิตภัณฑ์)"],
    ) == (2, 20, 3, 3)
    assert row["ร้อยละของเป้าหมาย"] == 100 and row["บรรลุเป้าหมาย"] == "ใช่"
    assert row["ยอดจำหน่ายออนไลน์รอบนี้ (บาท)"] == pytest.approx(4501.5)
    assert row["ร้อยละการเติบโต"] == pytest.approx(50.05)
    assert (row["สถานะแบบรายงานผล"], row["แบบรายงานผลส่งช้า"]) == ("ส่งแล้ว", "ใช่")
    assert row["สถานะแบบสำรวจ"] == "ยังไม่เริ่ม"
    total = [c.value for c in sheet[14]]
    assert total[0] == "รวม" and total[3] == 2 and total[4] == 20
    summary = book.worksheets[0]
    assert book.active == summary and summary.title == "สรุปผลการดำเนินงาน"
    assert [c.value for c in summary[4]][:4] == [
        "ที่",
        "อำเภอ",
        "เป้าหมายที่ใช้",
        "ขายออนไลน์แล้ว (ผลิตภัณฑ์)",
    ]
    assert [c.value for c in summary[11]][:4] == [7, "แม่ใจ", 3, 3]
    assert summary.page_setup.orientation == "landscape" and summary.print_title_rows == "$4:$4"


def test_the_dashboard_table_downloads_as_csv_that_excel_reads_in_thai(
    client,
    province_staff,
    round_2564,
):
    survey(round_2564, "5601", Status.APPROVED)
    response = download(client, province_staff, "dashboards:province_csv", round_2564.code, "56")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["ที่", "รหัส", "อำเภอ"]
    assert [r[1] for r in rows[1:10]] == [f"56{n:02d}" for n in range(1, 10)]
    assert rows[1][2] == "เมืองพะเยา" and rows[1][15] == "อนุมัติแล้ว"
    assert rows[10][0] == "รวม"


def test_csv_text_is_never_evaluated_by_a_spreadsheet(client, admin, round_2564, monkeypatch):
    from districts.models import Province

    Province.objects.filter(code="56").update(name_th='=HYPERLINK("http://x")')
    response = download(client, admin, "dashboards:country_csv", round_2564.code)
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    phayao = next(r for r in rows if r[1] == "56")
    assert phayao[2] == '\'=HYPERLINK("http://x")'


def test_the_country_table_has_a_row_per_province(client, admin, round_2564):
    sell(round_2564, base("5001", 10)[:2])
    book = workbook(download(client, admin, "dashboards:country_xlsx", round_2564.code))
    sheet = book.worksheets[1]  # every column; sheet 1 is the summary
    assert sheet["A3"].value == "ทั้งประเทศ"
    provinces = [sheet.cell(r, 2).value for r in range(5, 5 + 77)]
    assert provinces[0] == "10" and "50" in provinces and "56" in provinces
    chiang_mai = next(r for r in range(5, 82) if sheet.cell(r, 2).value == "50")
    assert sheet.cell(chiang_mai, 9).value == 2
    assert sheet.cell(82, 1).value == "รวม"


@pytest.mark.parametrize(
    "name", ["dashboards:province_xlsx", "dashboards:province_csv", "dashboards:targets_progress"]
)
def test_the_downloads_check_access(client, officer, other_province_staff, round_2564, name):
    assert download(client, other_province_staff, name, round_2564.code, "56").status_code == 404
    assert download(client, officer, name, round_2564.code, "56").status_code == 404


def test_attachment_1_with_progress_stays_thai_when_the_user_reads_english(
    client, province_staff, round_2564, settings
):
    products = base("5607", 20, entrepreneurs=2)
    sell(
        round_2564,
        products[:3],
        amount=Decimal("1500.50"),
        baseline=Decimal("1000"),
        status=Status.SUBMITTED,
    )

    def cells(language: str) -> dict[str, list[list]]:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        book = workbook(
            download(client, province_staff, "dashboards:targets_progress", round_2564.code, "56")
        )
        return {ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in book}

    thai = cells("th")
    assert cells("en") == thai
    progress = thai["ความก้าวหน้า"]
    assert progress[1][0] == "ประจำปีงบประมาณ พ.ศ.2564 (เดือนเมษายน 2564 - กันยายน 2564)"
    assert progress[10][10:12] == ["ยังไม่เริ่ม", "ส่งแล้ว"]  # 5607, the 7th district


def test_the_dashboard_table_follows_the_users_language(
    client, province_staff, round_2564, settings
):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    book = workbook(
        download(client, province_staff, "dashboards:province_xlsx", round_2564.code, "56")
    )
    sheet = book.worksheets[1]  # every column; sheet 1 is the summary
    assert sheet["A2"].value == "Fiscal year 2564 BE (April 2564 - September 2564 BE)"
    assert [c.value for c in sheet[4]][:2] == ["No.", "Code"]
