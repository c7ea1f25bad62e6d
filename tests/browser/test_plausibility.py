"""In a real browser: a figure with three extra zeros is flagged as soon as the line is
saved (saving is allowed), the report is submitted once the line carries a note, and the
province finds the flagged line with its note on the review desk. Screenshots of each step
(var/screenshots/plausibility-*.png)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SCREENSHOTS
from tests.browser.pages import log_in, shot
from tests.conftest import make_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

REPORT = "/rounds/2564-2/districts/5607/report/"
DESK = "/rounds/2564-2/provinces/56/review/"
PRODUCT = "ผ้าพันคอฝ้าย สูตร 1"  # 560700008's first product in the sample registry
NOTE = "ลูกค้าองค์กรสั่ง 1,000 ผืน"


def top(page, name: str) -> None:
    """A screenshot of the window only: a whole report of 93 lines is too long to read."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png")


def test_a_flagged_line_is_saved_shown_and_explained_before_submitting(new_page, phayao):
    from districts.scoping import Role

    make_user("officer", Role.OFFICER, district="5607")
    staff = make_user("province", Role.PROVINCE, province="56")
    page = new_page()
    log_in(page, "officer")
    page.goto(REPORT)
    page.get_by_label("ค้นหาชื่อหรือรหัส").fill("560700008")
    page.get_by_role("button", name="กรอง").click()
    editor = page.locator("details").filter(has_text=f"แก้ไข {PRODUCT}")
    if not editor.get_attribute("open"):
        editor.locator("summary").click()
    editor.get_by_label("Facebook").check()
    for label, amount in zip(
        ["เม.ย.", "พ.ค.", "มิ.ย.", "ก.ค.", "ส.ค.", "ก.ย."],
        ["4500", "4500", "4500", "4500000", "4500", "4500"],
        strict=True,
    ):
        editor.get_by_label(label, exact=True).fill(amount)
    editor.get_by_role("button", name="บันทึกร่าง").click()
    flags = page.locator("tr").filter(has_text=PRODUCT).locator("[data-flags]").first
    expect(flags).to_contain_text("ยอดเดือน ก.ค. 4,500,000 บาท")
    shot(page, "plausibility-1-flag-on-the-saved-line")

    # The submit form lists the flagged line and asks for its note; without one the
    # browser does not send the form (the field is required) and nothing is submitted.
    page.reload()
    block = page.locator("[data-plausibility]")
    expect(block).to_contain_text("ยอดที่ควรตรวจสอบ 1 รายการ")
    expect(block.get_by_label(f"หมายเหตุของ {PRODUCT}")).to_have_attribute("required", "")
    page.get_by_role("button", name="ส่งแบบรายงานผลให้จังหวัด").click()
    expect(page.get_by_role("button", name="ส่งแบบรายงานผลให้จังหวัด")).to_be_visible()
    block.scroll_into_view_if_needed()
    shot(page, "plausibility-2-submit-asks-for-a-note")

    block.get_by_label(f"หมายเหตุของ {PRODUCT}").fill(NOTE)
    page.get_by_role("button", name="ส่งแบบรายงานผลให้จังหวัด").click()
    expect(page.get_by_role("status").filter(has_text="ส่งแบบรายงานผลให้จังหวัดแล้ว")).to_be_visible()
    # Submitted, the report shows the flagged line with its note, read-only.
    expect(page.locator("[data-plausibility]")).to_contain_text(NOTE)
    top(page, "plausibility-3-submitted-with-the-note")

    # The province's review desk queues the flagged line with the officer's note.
    desk = new_page(user=staff)
    desk.goto(DESK)
    row = desk.get_by_role("row").filter(has_text="อำเภอแม่ใจ")
    queue = row.locator("details[data-flags]")
    expect(queue.locator("summary")).to_have_text("ยอดที่ควรตรวจสอบ 1 รายการ")
    queue.locator("summary").click()
    expect(queue).to_contain_text(f"560700008 {PRODUCT}: ยอดเดือน ก.ค. 4,500,000 บาท")
    expect(queue).to_contain_text(f"หมายเหตุ: {NOTE}")
    shot(desk, "plausibility-4-review-desk-queue")

    # The report's review page shows the same line and note to the province.
    desk.get_by_role("link", name="เปิดแบบรายงานผล").click()
    expect(desk.locator("[data-plausibility]")).to_contain_text(NOTE)
    desk.locator("[data-plausibility]").scroll_into_view_if_needed()
    top(desk, "plausibility-5-review-page-flags")
