"""The round as its users live it, in a real browser: the district officer of แม่ใจ
(5607) fills the readiness survey by hand and from Excel and submits it; Phayao's
provincial staff return it with a reason; the officer reads the reason, fixes the
answer and resubmits; the staff approve; and the province's dashboard moves. Then the
officer uploads the result report and the sold-online figure appears.

Selectors are the labels and roles a user sees, so these tests also prove that the
forms have labels and the buttons have names.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import SCREENSHOTS
from tests.browser.pages import log_in, log_out, shot
from tests.conftest import make_user

pytestmark = [
    pytest.mark.browser,
    # The geography is loaded by a migration; a transactional test flushes the database
    # when it ends, so the serialized copy is restored for the next test.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SURVEY_LINK = "แบบสำรวจความพร้อม (สิ่งที่ส่งมาด้วย 2)"
REPORT_LINK = "แบบรายงานผล (สิ่งที่ส่งมาด้วย 3)"
REASON = "ยอดจำหน่ายออนไลน์ปีก่อนของรายแรกไม่ตรงกับทะเบียน กรุณาแก้เป็น 15,000 บาท"


@pytest.fixture
def cast(phayao):
    from districts.scoping import Role

    return {
        "officer": make_user("officer", Role.OFFICER, district="5607"),
        "staff": make_user("province", Role.PROVINCE, province="56"),
    }


def _answer(page: Page, *, ready: int, trained: bool, selling: bool, sales: str) -> None:
    """Fill the open entrepreneur form the way an officer does."""
    products = page.get_by_role("group", name="ความพร้อมผลิตภัณฑ์เพื่อเข้าสู่ออนไลน์")
    for box in products.get_by_role("checkbox").all()[:ready]:
        box.check()
    if trained:
        page.get_by_label("ผ่านการอบรมเกี่ยวกับตลาดออนไลน์").check()
    if selling:
        page.get_by_label("ขายของออนไลน์อยู่แล้ว").check()
    page.get_by_label("ยอดจำหน่ายออนไลน์ปีงบประมาณก่อน (บาท)").fill(sales)


def _progress(page: Page):
    return page.locator(".progress")


def _entrepreneur_row(page: Page, name: str):
    """The entrepreneur's row in the survey's list (the history below names them too)."""
    listing = page.get_by_role("region", name="ผู้ประกอบการ", exact=True)
    return listing.get_by_role("row").filter(has_text=name)


def test_a_survey_goes_from_the_district_to_the_province_and_back_until_approved(
    new_page, cast, samples
):
    officer = new_page()

    # The officer logs in and lands on their district's page for the current round.
    log_in(officer, "officer")
    expect(officer.get_by_role("heading", level=1)).to_contain_text("อำเภอแม่ใจ")
    officer.get_by_role("link", name=SURVEY_LINK).click()
    expect(officer.get_by_role("heading", level=1)).to_contain_text("แบบสำรวจความพร้อม")
    expect(_progress(officer)).to_contain_text("0 จาก 65 รายตอบแล้ว")

    # Three entrepreneurs by hand: the first two with "save and next", the third saved.
    officer.get_by_role("link", name=re.compile(r"^กรอก ")).first.click()
    names = []
    for i, (sales, saves) in enumerate(
        [("12,500", "บันทึกและไปรายถัดไป"), ("๓,๒๐๐", "บันทึกและไปรายถัดไป"), ("", "บันทึกร่าง")]
    ):
        names.append(officer.get_by_role("heading", level=1).inner_text())
        _answer(officer, ready=1, trained=i != 1, selling=i == 2, sales=sales)
        officer.get_by_role("button", name=saves).click()
        expect(
            officer.get_by_role("status").filter(has_text=f"บันทึกคำตอบของ {names[-1]} แล้ว")
        ).to_be_visible()
    assert len(set(names)) == 3, names
    expect(_progress(officer)).to_contain_text("3 จาก 65 รายตอบแล้ว")
    first = _entrepreneur_row(officer, names[0])
    expect(first).to_contain_text("12,500.00")
    expect(first).to_contain_text("ตอบแล้ว")
    expect(_entrepreneur_row(officer, names[1])).to_contain_text("3,200.00")
    shot(officer, "story-1-three-answers")

    # The rest from the filled workbook: upload, read the preview, confirm.
    officer.get_by_role("link", name="นำเข้าจากไฟล์ Excel").click()
    officer.get_by_label("ไฟล์แบบสำรวจ (.xlsx, .xls หรือ .ods)").set_input_files(
        samples / "survey_5607.xlsx"
    )
    officer.get_by_role("button", name="อัปโหลดและดูตัวอย่าง").click()
    expect(officer.get_by_role("heading", name="ตัวอย่างก่อนนำเข้า: survey_5607.xlsx")).to_be_visible()
    preview = officer.get_by_role("table").first
    expect(preview.get_by_role("row").filter(has_text="ผู้ประกอบการ")).to_be_visible()
    # What the officer typed and the file disagrees with is listed before anything changes.
    expect(officer.get_by_role("heading", name="คำตอบที่จะเปลี่ยน")).to_be_visible()
    typed_sales = officer.get_by_role("row").filter(has_text=names[0]).filter(has_text="ยอดขายปีก่อน")
    expect(typed_sales).to_contain_text("12,500.00")
    shot(officer, "story-2-upload-preview")
    officer.get_by_role("button", name="ยืนยันนำเข้า").click()
    expect(officer.get_by_role("status").filter(has_text="นำเข้าแล้ว")).to_be_visible()
    expect(_progress(officer)).to_contain_text("65 จาก 65 รายตอบแล้ว")
    expect(_progress(officer)).to_contain_text("ผลิตภัณฑ์ 93 จาก 93 รายการ")

    # Submit; the page asks first, and the officer says yes.
    officer.get_by_role("button", name="ส่งแบบสำรวจให้จังหวัด").click()
    expect(officer.get_by_role("status").filter(has_text="ส่งแบบสำรวจแล้ว")).to_be_visible()
    assert any("ยืนยันส่งแบบสำรวจให้จังหวัด" in m for m in officer.watch.dialogs)
    expect(officer.locator("#state-title .badge").first).to_have_text("ส่งแล้ว")
    expect(officer.get_by_role("button", name="ส่งแบบสำรวจให้จังหวัด")).to_have_count(0)
    log_out(officer)

    # The provincial staff find it on the review desk and return it with a reason.
    staff = new_page()
    log_in(staff, "province")
    expect(staff.get_by_role("heading", level=1)).to_contain_text("จังหวัดพะเยา")
    staff.get_by_role("navigation", name="เมนูหลัก").get_by_role("link", name="ตรวจแบบ").click()
    row = staff.get_by_role("row").filter(has_text="อำเภอแม่ใจ")
    expect(row).to_contain_text("แบบสำรวจความพร้อม")
    row.get_by_text("ส่งคืนพร้อมเหตุผล").click()
    row.get_by_label("เหตุผลที่ส่งคืน (อำเภอจะเห็นข้อความนี้)").fill(REASON)
    row.get_by_role("button", name="ส่งคืน", exact=True).click()
    expect(staff.get_by_role("status").filter(has_text="ส่งคืน")).to_be_visible()
    expect(staff.get_by_text("ไม่มีแบบที่รอตรวจ")).to_be_visible()
    shot(staff, "story-3-returned")

    # The officer sees the reason on the district page and on the survey.
    log_in(officer, "officer")
    returned = officer.get_by_role("alert").filter(has_text="จังหวัดส่งคืน")
    expect(returned).to_contain_text(REASON)
    officer.get_by_role("link", name=SURVEY_LINK).click()
    expect(officer.get_by_role("status").filter(has_text="จังหวัดส่งคืนให้แก้ไข:")).to_contain_text(
        REASON
    )
    expect(officer.locator("#state-title .badge").first).to_have_text("ส่งคืนให้แก้ไข")

    # The fix: the first entrepreneur's sales, typed in Thai digits.
    officer.get_by_role("link", name=re.compile(r"^แก้ไข ")).first.click()
    fixed = officer.get_by_role("heading", level=1).inner_text()
    officer.get_by_label("ยอดจำหน่ายออนไลน์ปีงบประมาณก่อน (บาท)").fill("๑๕,๐๐๐")
    officer.get_by_role("button", name="บันทึกร่าง").click()
    expect(_entrepreneur_row(officer, fixed)).to_contain_text("15,000.00")
    officer.get_by_role("button", name="ส่งแบบสำรวจให้จังหวัด").click()
    expect(officer.locator("#state-title .badge").first).to_have_text("ส่งแล้ว")

    # The review desk shows the survey's figures: answered / base and readiness.
    staff.reload()
    row = staff.get_by_role("row").filter(has_text="อำเภอแม่ใจ")
    expect(row).to_contain_text("93 / 93 ผลิตภัณฑ์")
    expect(row).to_contain_text("ผลิตภัณฑ์พร้อมขายออนไลน์")
    shot(staff, "story-4-desk-figures")
    # The survey's page shows what the district changed since the return.
    row.get_by_role("link", name="เปิดแบบสำรวจ").click()
    changes = staff.get_by_role("region", name="สิ่งที่อำเภอแก้ไขหลังส่งคืน")
    expect(changes).to_contain_text(REASON)
    changed = changes.get_by_role("row").filter(has_text=fixed)
    expect(changed).to_contain_text("15,000.00")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    changes.screenshot(path=SCREENSHOTS / "story-5-changes-since-return.png")

    # The staff approve it from the review desk, after a confirmation with the figures.
    staff.go_back()
    row = staff.get_by_role("row").filter(has_text="อำเภอแม่ใจ")
    row.get_by_role("checkbox").check()
    staff.get_by_role("button", name="อนุมัติแบบที่เลือก…").click()
    expect(staff.get_by_role("heading", level=1)).to_have_text("ยืนยันการอนุมัติ 1 แบบ")
    expect(staff.get_by_role("row").filter(has_text="อำเภอแม่ใจ")).to_contain_text("93 / 93")
    shot(staff, "story-6-approve-confirmation")
    staff.get_by_role("button", name="ยืนยันอนุมัติ 1 แบบ").click()
    expect(staff.get_by_role("status").filter(has_text="อนุมัติแล้ว 1 แบบ")).to_be_visible()

    # The province's dashboard has moved: one survey approved, แม่ใจ's readiness shown.
    staff.get_by_role("link", name="หน้าแรก").click()
    rates = staff.get_by_role("row").filter(has_text="แบบสำรวจ").first
    expect(rates).to_contain_text("1 / 9")
    readiness = staff.locator("table.readiness").get_by_role("row").filter(has_text="แม่ใจ")
    expect(readiness).to_contain_text("65 / 65")
    expect(readiness).to_contain_text("38 / 93")
    district_row = staff.locator("table.dashboard").get_by_role("row").filter(has_text="แม่ใจ")
    expect(district_row).to_contain_text("อนุมัติแล้ว")
    shot(staff, "story-7-province-after-approval")

    # And the officer's own page says so, with the history of the round trip.
    officer.get_by_role("link", name="หน้าแรก").click()
    expect(officer.get_by_role("alert").filter(has_text="จังหวัดส่งคืน")).to_have_count(0)
    history = officer.locator("table.history")
    expect(history).to_contain_text(REASON)
    # The header, then: started, submitted, returned, submitted again, approved.
    expect(history.get_by_role("row")).to_have_count(1 + 5)
    assert officer.watch.csp == [] and staff.watch.csp == []


def test_a_report_upload_moves_the_sold_online_figure(new_page, cast, samples):
    officer = new_page()
    log_in(officer, "officer")
    sold = officer.locator(".stat").filter(has_text="ขายออนไลน์แล้ว")
    expect(sold.locator(".value")).to_contain_text("0")

    officer.get_by_role("link", name=REPORT_LINK).click()
    officer.get_by_role("link", name="นำเข้าจากไฟล์ Excel").click()
    officer.get_by_label(re.compile("ไฟล์")).set_input_files(samples / "report_5607.xlsx")
    officer.get_by_role("button", name="ตรวจไฟล์และแสดงตัวอย่าง").click()
    expect(officer.get_by_role("heading", level=1)).to_contain_text("report_5607.xlsx")
    figures = officer.get_by_role("row").filter(has_text="ขายออนไลน์ได้ / เป้าหมาย")
    expect(figures).to_contain_text("17 / 11")
    shot(officer, "report-1-preview")
    officer.get_by_role("button", name="ยืนยันนำเข้า").click()
    expect(officer.get_by_role("status").filter(has_text="ขายออนไลน์ได้ 17 ผลิตภัณฑ์")).to_be_visible()

    officer.get_by_role("link", name="หน้าแรก").click()
    expect(sold.locator(".value")).to_contain_text("17")
    expect(sold).to_contain_text("ถึงเป้าหมาย")

    staff = new_page()
    log_in(staff, "province")
    row = staff.locator("table.dashboard").get_by_role("row").filter(has_text="แม่ใจ")
    expect(row.locator('td[data-label="ขายออนไลน์แล้ว"]')).to_have_text("17")
    assert officer.watch.csp == [] and staff.watch.csp == []
