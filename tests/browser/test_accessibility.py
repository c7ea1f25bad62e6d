"""Accessibility: axe-core (vendored, served from this folder, no network) on every main
page as the role that uses it, and the two forms a user must be able to work with the
keyboard alone: the login and an entrepreneur's survey answers.

axe's violations of impact "serious" or "critical" fail the test; every violation found,
whatever its impact, is written to var/screenshots/axe-<page>.json.
"""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from tests.browser.pages import BLOCKING, axe_violations, describe, focused, tab_to
from tests.conftest import PASSWORD, make_user

pytestmark = [
    pytest.mark.browser,
    # The geography is loaded by a migration; a transactional test flushes the database
    # when it ends, so the serialized copy is restored for the next test.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ROUND = "2564-2"


@pytest.fixture
def filled_round(phayao, samples):
    """Phayao with the sample survey and report of แม่ใจ (5607) and เชียงม่วน (5604), and
    เชียงม่วน's survey submitted, so that every page has something to show and the
    review desk has a form waiting."""
    from districts.models import District
    from districts.scoping import Role
    from reports.services import report_import
    from surveys.services import survey_get_or_start, survey_import, survey_submit

    users = {
        "officer": make_user("officer", Role.OFFICER, district="5607"),
        "outsider": make_user("outsider", Role.OFFICER, district="5604"),
        "staff": make_user("province", Role.PROVINCE, province="56"),
        "admin": make_user("admin", Role.ADMIN),
    }
    for code in ("5607", "5604"):
        district = District.objects.get(code=code)
        with (samples / f"survey_{code}.xlsx").open("rb") as fh:
            survey_import(round=phayao, district=district, file=fh, name=f"survey_{code}.xlsx")
        with (samples / f"report_{code}.xlsx").open("rb") as fh:
            report_import(
                round=phayao,
                district=district,
                file=fh,
                name=f"report_{code}.xlsx",
                today=dt.date(2021, 9, 1),
            )
    survey = survey_get_or_start(round=phayao, district=District.objects.get(code="5604"))
    survey_submit(survey=survey, by=users["outsider"])
    return users


def _first_entrepreneur_code() -> str:
    from products.models import Product

    return (
        Product.objects.base(_round())
        .filter(district_id="5607")
        .order_by("entrepreneur__code")
        .values_list("entrepreneur__code", flat=True)
        .first()
    )


def _round():
    from products.selectors import round_get

    return round_get(ROUND)


def _check(page: Page, pages: dict[str, str]) -> None:
    """Open each page, run axe, and fail on serious or critical violations of any."""
    blocking = {}
    for name, path in pages.items():
        response = page.goto(path)
        assert response is not None and response.ok, (
            f"{name}: {path} answered {response and response.status}"
        )
        found = [v for v in axe_violations(page, name) if v["impact"] in BLOCKING]
        if found:
            blocking[name] = found
    assert not blocking, "\n".join(
        f"{name} ({pages[name]}):\n{describe(found)}" for name, found in blocking.items()
    )


def test_the_login_page_passes_axe(new_page, db):
    _check(new_page(bypass_csp=True), {"login": "/accounts/login/"})


def test_the_district_officers_pages_pass_axe(new_page, filled_round):
    base = f"/rounds/{ROUND}/districts/5607"
    page = new_page(bypass_csp=True, user=filled_round["officer"])
    _check(
        page,
        {
            "district": f"{base}/",
            "survey-list": f"{base}/survey/",
            "entrepreneur-form": f"{base}/survey/entrepreneurs/{_first_entrepreneur_code()}/",
            "survey-upload": f"{base}/survey/upload/",
            "report-list-and-line-form": f"{base}/report/",
            "report-upload": f"{base}/report/upload/",
            "explain-sold-online": f"{base}/kpi/sold_online/",
            "explain-products": f"{base}/kpi/products/",
            "district-plan": f"{base}/plan/",
        },
    )


def test_the_upload_previews_pass_axe(new_page, filled_round, samples):
    base = f"/rounds/{ROUND}/districts/5607"
    page = new_page(bypass_csp=True, user=filled_round["officer"])
    page.goto(f"{base}/survey/upload/")
    page.get_by_label("ไฟล์แบบสำรวจ (.xlsx, .xls หรือ .ods)").set_input_files(
        samples / "survey_5604.xlsx"  # another district's file: the refusal is shown
    )
    page.get_by_role("button", name="อัปโหลดและดูตัวอย่าง").click()
    expect(page.get_by_role("alert")).to_contain_text("ไม่รับไฟล์นี้")
    refused = [v for v in axe_violations(page, "survey-upload-refused") if v["impact"] in BLOCKING]

    page.goto(f"{base}/report/upload/")
    page.get_by_label("ไฟล์", exact=False).first.set_input_files(samples / "report_5607.xlsx")
    page.get_by_role("button", name="ตรวจไฟล์และแสดงตัวอย่าง").click()
    expect(page.get_by_role("button", name="ยืนยันนำเข้า")).to_be_visible()
    preview = [v for v in axe_violations(page, "report-upload-preview") if v["impact"] in BLOCKING]
    assert not refused, describe(refused)
    assert not preview, describe(preview)


def test_the_provincial_staffs_pages_pass_axe(new_page, filled_round):
    province = f"/rounds/{ROUND}/provinces/56"
    district = f"/rounds/{ROUND}/districts/5604"
    page = new_page(bypass_csp=True, user=filled_round["staff"])
    _check(
        page,
        {
            "province": f"{province}/",
            "review-desk": f"{province}/review/",
            "approve-confirmation": f"{province}/review/approve/?items=survey:5604",
            "survey-review": f"{district}/survey/",
            "report-review": f"{district}/report/review/",
            "targets": f"{province}/targets/",
            "targets-import": f"{province}/targets/import/",
            "target-edit": f"{district}/target/",
            "province-surveys": f"{province}/surveys/",
            "province-reports": f"{province}/reports/",
            "province-plan": f"{province}/plan/",
        },
    )


def test_the_administrators_country_page_passes_axe(new_page, filled_round):
    page = new_page(bypass_csp=True, user=filled_round["admin"])
    _check(page, {"country": f"/rounds/{ROUND}/"})


def test_the_login_form_works_with_the_keyboard(page, phayao, officer):
    page.goto("/accounts/login/")
    username = page.get_by_label("ชื่อผู้ใช้", exact=True)
    password = page.get_by_label("รหัสผ่าน", exact=True)
    expect(username).to_be_focused()  # autofocus: the officer can type at once
    page.keyboard.type("officer")
    page.keyboard.press("Tab")
    expect(password).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("อำเภอแม่ใจ")

    # The skip link is the first stop of the keyboard on every page, and it is seen.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="ข้ามไปยังเนื้อหา")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()


def test_an_entrepreneur_can_be_answered_and_saved_with_the_keyboard_alone(page, phayao, officer):
    code = _first_entrepreneur_code()
    log_in_path = (
        f"/accounts/login/?next=/rounds/{ROUND}/districts/5607/survey/entrepreneurs/{code}/"
    )
    page.goto(log_in_path)
    expect(page.get_by_label("ชื่อผู้ใช้", exact=True)).to_be_focused()
    page.keyboard.type("officer")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    heading = page.get_by_role("heading", level=1)
    expect(heading).not_to_have_text("เข้าสู่ระบบ")
    name = heading.inner_text()

    products = page.get_by_role("group", name="ความพร้อมผลิตภัณฑ์เพื่อเข้าสู่ออนไลน์")
    tab_to(page, products.get_by_role("checkbox").first)
    page.keyboard.press("Space")
    expect(products.get_by_role("checkbox").first).to_be_checked()
    # What has the focus is drawn with the focus ring, not left to guess.
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none", f"no visible focus on {focused(page)}"

    trained = page.get_by_label("ผ่านการอบรมเกี่ยวกับตลาดออนไลน์")
    tab_to(page, trained)
    page.keyboard.press("Space")
    expect(trained).to_be_checked()

    sales = page.get_by_label("ยอดจำหน่ายออนไลน์ปีงบประมาณก่อน (บาท)")
    tab_to(page, sales)
    page.keyboard.type("๘,๗๕๐")
    save = page.get_by_role("button", name="บันทึกร่าง")
    tab_to(page, save)
    page.keyboard.press("Enter")

    expect(page.get_by_role("status").filter(has_text=f"บันทึกคำตอบของ {name} แล้ว")).to_be_visible()
    row = (
        page.get_by_role("region", name="ผู้ประกอบการ", exact=True)
        .get_by_role("row")
        .filter(has_text=name)
    )
    expect(row).to_contain_text("8,750.00")
    expect(row).to_contain_text("ตอบแล้ว")
