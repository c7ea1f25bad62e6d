"""In a real browser: a figure with three extra zeros is flagged as soon as the line is
saved (saving is allowed), and the report is submitted once the line carries a note."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.pages import log_in
from tests.conftest import make_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

REPORT = "/rounds/2564-2/districts/5607/report/"
PRODUCT = "ผ้าพันคอฝ้าย สูตร 1"  # 560700008's first product in the sample registry


def test_a_flagged_line_is_saved_shown_and_explained_before_submitting(new_page, phayao):
    from districts.scoping import Role

    make_user("officer", Role.OFFICER, district="5607")
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

    page.reload()
    page.get_by_label(f"หมายเหตุของ {PRODUCT}").fill("ลูกค้าองค์กรสั่ง 1,000 ผืน")
    page.get_by_role("button", name="ส่งแบบรายงานผลให้จังหวัด").click()
    expect(page.get_by_role("status").filter(has_text="ส่งแบบรายงานผลให้จังหวัดแล้ว")).to_be_visible()
