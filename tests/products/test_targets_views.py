"""The targets pages: who sees what, what they show, and a fixed number of queries."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from districts.models import District
from products.models import Target
from products.services.targets import target_set
from tests.conftest import make_product
from tests.products.test_targets_data import build_base, build_phayao, targets_state

pytestmark = pytest.mark.django_db


def targets_url(province="56", round="2564-2"):
    return reverse("products:targets", kwargs={"round_code": round, "code": province})


def xlsx_url(province="56", round="2564-2"):
    return reverse("products:targets_xlsx", kwargs={"round_code": round, "code": province})


def edit_url(district="5607", round="2564-2"):
    return reverse("products:target_edit", kwargs={"round_code": round, "code": district})


def import_url(province="56", round="2564-2"):
    return reverse("products:targets_import", kwargs={"round_code": round, "code": province})


def as_user(client, request, who):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    return client


# --- the province's targets page ---------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("province_staff", 200),
        ("admin", 200),
        ("other_province_staff", 404),
        ("outsider", 404),
        ("officer", 404),
    ],
)
def test_the_targets_page_is_for_the_provinces_staff_and_administrators(
    client, request, round_2564, who, status
):
    assert as_user(client, request, who).get(targets_url()).status_code == status


@pytest.mark.parametrize("url", [targets_url, xlsx_url, import_url, edit_url])
def test_anonymous_visitors_are_sent_to_the_login(client, round_2564, url):
    response = client.get(url())
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_an_unknown_round_or_province_is_a_404(client, admin, round_2564):
    client.force_login(admin)
    assert client.get(targets_url(round="2599-2")).status_code == 404
    assert client.get(targets_url(province="99")).status_code == 404


def test_the_page_shows_the_table_the_rule_and_the_snapshot_date(
    client, province_staff, round_2564
):
    build_phayao(round_2564, officials=True)
    client.force_login(province_staff)
    html = client.get(targets_url()).content.decode()
    assert html.count("เป้าหมายที่คำนวณ = ปัดขึ้น(ร้อยละ 11 × จำนวนผลิตภัณฑ์ในฐาน)") == 1
    assert "ข้อมูลทะเบียน ณ วันที่ 1 เมษายน 2564" in html
    assert "ภูซาง" in html
    for total in ("913", "1,873", "211", "215", "+4"):
        assert f">{total}<" in html or f"<strong>{total}</strong>" in html, total
    assert xlsx_url() in html
    assert edit_url("5601") in html


def test_the_page_shows_the_difference_and_the_reason(client, province_staff, round_2564):
    build_phayao(round_2564)
    target_set(
        round=round_2564,
        district=District.objects.get(code="5601"),
        official=60,
        reason="ตามหนังสือจังหวัดที่ พย 0017/123",
        by=province_staff,
    )
    client.force_login(province_staff)
    html = client.get(targets_url()).content.decode()
    assert "ตามหนังสือจังหวัดที่ พย 0017/123" in html
    assert ">+1<" in html  # 60 against ceil(11% x 528) = 59
    assert "ใช้เป้าหมายที่คำนวณ" in html


def test_the_page_makes_the_same_number_of_queries_for_9_or_25_districts(client, admin, round_2564):
    build_base({"5601": (3, 5), "5001": (2, 4)})
    make_product(registered_year=2560)
    target_set(
        round=round_2564,
        district=District.objects.get(code="5001"),
        official=3,
        reason="x",
        by=admin,
    )
    client.force_login(admin)
    counts = []
    for province in ("56", "50"):  # Phayao has 9 districts, Chiang Mai 25
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(targets_url(province)).status_code == 200
        counts.append(len(ctx))
    assert District.objects.filter(province_id="50").count() > 2 * 9
    assert counts[0] == counts[1]
    assert counts[0] <= 8


def test_the_page_refuses_a_post(client, province_staff, round_2564):
    client.force_login(province_staff)
    assert client.post(targets_url()).status_code == 405


# --- the attachment-1 download ------------------------------------------------------


def test_the_download_is_attachment_1_with_the_provinces_figures(
    client, province_staff, round_2564
):
    build_phayao(round_2564, officials=True)
    client.force_login(province_staff)
    response = client.get(xlsx_url())
    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"] == 'attachment; filename="targets_2564-2_56.xlsx"'
    ws = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert ws["A3"].value == "จังหวัด พะเยา"
    assert [ws["C15"].value, ws["D15"].value, ws["E15"].value] == [913, 1873, 215]
    assert ws["A17"].value == "ณ วันที่ 1 เมษายน 2564"


@pytest.mark.parametrize(
    ("who", "status"),
    [("admin", 200), ("other_province_staff", 404), ("outsider", 404), ("officer", 404)],
)
def test_the_download_checks_access(client, request, round_2564, who, status):
    assert as_user(client, request, who).get(xlsx_url()).status_code == status


# --- a district's target ------------------------------------------------------------


def test_the_edit_page_shows_the_figures_and_the_history(client, province_staff, round_2564):
    build_phayao(round_2564)
    target_set(
        round=round_2564,
        district=District.objects.get(code="5607"),
        official=12,
        reason="ครั้งแรก",
        by=province_staff,
    )
    client.force_login(province_staff)
    html = client.get(edit_url()).content.decode()
    assert "เป้าหมายอำเภอแม่ใจ" in html
    assert 'name="official"' in html and 'value="12"' in html
    assert '<label for="id_reason">' in html
    assert "ครั้งแรก" in html
    assert "province" in html  # who set it


def test_provincial_staff_set_a_target_with_a_reason(client, province_staff, round_2564):
    client.force_login(province_staff)
    response = client.post(edit_url(), {"official": "๑๒", "reason": "ตามหนังสือจังหวัด"})
    assert response.status_code == 302
    assert response.url == targets_url()
    target = Target.objects.get(district_id="5607")
    assert (target.official, target.reason, target.set_by) == (12, "ตามหนังสือจังหวัด", province_staff)
    assert target.history.get().history_user == province_staff


def test_a_blank_target_clears_it_back_to_the_computed_one(client, province_staff, round_2564):
    target_set(
        round=round_2564,
        district=District.objects.get(code="5607"),
        official=12,
        reason="ครั้งแรก",
        by=province_staff,
    )
    client.force_login(province_staff)
    response = client.post(edit_url(), {"official": "", "reason": "ใช้ค่าที่คำนวณ"}, follow=True)
    assert not Target.objects.exists()
    assert "ล้างเป้าหมายทางการของอำเภอแม่ใจแล้ว ใช้เป้าหมายที่คำนวณแทน" in response.content.decode()
    html = client.get(edit_url()).content.decode()
    assert "ใช้ค่าที่คำนวณ" in html  # the clearing is in the history with its reason


def test_the_reason_is_required(client, province_staff, round_2564):
    client.force_login(province_staff)
    response = client.post(edit_url(), {"official": "12", "reason": " "})
    assert response.status_code == 200
    assert "กรุณาระบุเหตุผล" in response.content.decode()
    assert not Target.objects.exists()


def test_a_negative_target_is_refused_on_the_form(client, province_staff, round_2564):
    client.force_login(province_staff)
    response = client.post(edit_url(), {"official": "-1", "reason": "x"})
    assert response.status_code == 200
    assert not Target.objects.exists()


def test_it_requires_post(client, province_staff, round_2564):
    client.force_login(province_staff)
    before = targets_state()
    assert client.get(edit_url(), {"official": "12", "reason": "x"}).status_code == 200
    assert client.put(edit_url()).status_code == 405
    assert client.delete(edit_url()).status_code == 405
    assert targets_state() == before


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("province_staff", 302),
        ("admin", 302),
        ("officer", 403),
        ("colleague", 403),
        ("outsider", 404),
        ("other_province_staff", 404),
    ],
)
def test_it_checks_access(client, request, round_2564, who, status):
    client = as_user(client, request, who)
    assert client.post(edit_url("5607"), {"official": "12", "reason": "x"}).status_code == status
    assert Target.objects.exists() == (status == 302)


def test_the_districts_officer_may_not_even_open_the_form(client, officer, round_2564):
    client.force_login(officer)
    assert client.get(edit_url("5607")).status_code == 403
    assert client.get(edit_url("5604")).status_code == 404


def test_another_provinces_district_is_a_404_for_provincial_staff(
    client, province_staff, round_2564
):
    client.force_login(province_staff)
    assert client.get(edit_url("5001")).status_code == 404


# --- uploading an attachment-1 file -------------------------------------------------------


def test_provincial_staff_upload_the_official_targets(client, province_staff, round_2564, samples):
    client.force_login(province_staff)
    with open(samples / "targets_official.xlsx", "rb") as fh:
        response = client.post(import_url(), {"file": fh})
    html = response.content.decode()
    assert response.status_code == 200
    assert Target.objects.count() == 9
    assert "“กุซาง” อ่านเป็น ภูซาง (5608)" in html
    assert "บันทึกแล้ว" in html


def test_an_upload_dry_run_writes_nothing(client, province_staff, round_2564, samples):
    client.force_login(province_staff)
    with open(samples / "targets_official.xlsx", "rb") as fh:
        html = client.post(import_url(), {"file": fh, "dry_run": "on"}).content.decode()
    assert "ผลการตรวจสอบ (ยังไม่บันทึก)" in html
    assert not Target.objects.exists()


def test_a_bad_upload_lists_the_problems_and_changes_nothing(client, province_staff, round_2564):
    client.force_login(province_staff)
    bad = io.BytesIO(b"garbage\x00" * 10)
    bad.name = "targets.xlsx"
    html = client.post(import_url(), {"file": bad}).content.decode()
    assert "ไม่รับไฟล์นี้" in html
    assert "ไม่ใช่ไฟล์ Excel" in html
    assert not Target.objects.exists()


def test_another_provinces_file_is_refused_on_upload(client, admin, round_2564, samples):
    client.force_login(admin)
    with open(samples / "targets_official.xlsx", "rb") as fh:
        html = client.post(import_url("57"), {"file": fh}).content.decode()
    assert "ไฟล์นี้เป็นของจังหวัดพะเยา แต่กำลังนำเข้าให้จังหวัดเชียงราย" in html
    assert not Target.objects.exists()


def test_the_upload_requires_post(client, province_staff, round_2564):
    client.force_login(province_staff)
    assert client.get(import_url()).status_code == 200
    assert client.put(import_url()).status_code == 405
    assert not Target.objects.exists()


@pytest.mark.parametrize(
    ("who", "status"),
    [("other_province_staff", 404), ("outsider", 404), ("officer", 404)],
)
def test_the_upload_checks_access(client, request, round_2564, samples, who, status):
    client = as_user(client, request, who)
    with open(samples / "targets_official.xlsx", "rb") as fh:
        assert client.post(import_url(), {"file": fh}).status_code == status
    assert not Target.objects.exists()


def test_a_file_over_a_districts_budget_is_refused_before_anything_reads_it(
    client, province_staff, round_2564, monkeypatch
):
    """The targets upload passes the shared check of every district upload
    (check_upload, kind DISTRICT): a sheet that reaches the far corner is refused by
    its cells, the reader never opens it, and the page leads with the headline."""
    from tests.security.hostile import hostile

    def never(**kwargs):
        raise AssertionError("the targets import read a file the check refused")

    monkeypatch.setattr("products.views.targets_import", never)
    client.force_login(province_staff)
    bad = io.BytesIO(hostile("renamed-far-part"))
    bad.name = "targets.xlsx"
    response = client.post(import_url(), {"file": bad})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("ไม่รับไฟล์นี้: พบปัญหา 1 รายการ ข้อมูลในระบบไม่เปลี่ยนแปลง") == 1
    assert html.count("XFD1048576 (") == 1  # the reason, once: in the refusal, not again
    assert not Target.objects.exists()


def test_attachment_1_saved_as_csv_still_uploads(client, province_staff, round_2564, samples):
    import csv

    from tests.products.test_targets_workbook import sample_rows

    text = io.StringIO()
    csv.writer(text).writerows(
        [["" if v is None else v for v in row] for row in sample_rows(samples)]
    )
    upload = io.BytesIO(text.getvalue().encode("utf-8-sig"))
    upload.name = "targets.csv"
    client.force_login(province_staff)
    html = client.post(import_url(), {"file": upload}).content.decode()
    assert "บันทึกแล้ว" in html
    assert Target.objects.count() == 9


def test_a_missing_file_is_the_fields_own_error_not_a_refusal(client, province_staff, round_2564):
    client.force_login(province_staff)
    html = client.post(import_url(), {}).content.decode()
    assert "ไม่รับไฟล์นี้" not in html
    assert 'class="error" role="alert"' in html
