"""The province reviews a result report it can trust (issue #15), in the browser: the
desk shows the report's figures, approving is confirmed with them, an approved report is
reopened with a reason, and after the district's correction the review page shows what
changed since."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SCREENSHOTS
from tests.browser.pages import shot
from tests.conftest import make_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

REASON = "ยอดเดือนเมษายนของรายการแรกสูงเกินจริง กรุณาตรวจใบเสร็จ"


@pytest.fixture
def submitted_report(phayao, samples):
    """5607's sample report imported and submitted by its officer."""
    from districts.models import District
    from districts.scoping import Role
    from reports.services import report_get_or_start, report_import, report_submit

    officer = make_user("officer", Role.OFFICER, district="5607")
    staff = make_user("province", Role.PROVINCE, province="56")
    district = District.objects.get(code="5607")
    with (samples / "report_5607.xlsx").open("rb") as fh:
        report_import(
            round=phayao,
            district=district,
            file=fh,
            name="report_5607.xlsx",
            by=officer,
            today=phayao.starts_on,
        )
    report = report_get_or_start(round=phayao, district=district)
    report_submit(report=report, by=officer, today=phayao.starts_on)
    return {"officer": officer, "staff": staff, "report": report}


def test_staff_approve_reopen_and_see_what_changed(new_page, submitted_report):
    staff = new_page(user=submitted_report["staff"])
    staff.goto("/rounds/2564-2/provinces/56/review/")
    row = staff.get_by_role("row").filter(has_text="อำเภอแม่ใจ")
    expect(row).to_contain_text("ขายออนไลน์ / เป้าหมาย")
    expect(row).to_contain_text("17 / 11")
    shot(staff, "review-1-desk-report-figures")

    # Approve from the desk: the confirmation shows the same figures, nothing is locked yet.
    row.get_by_role("checkbox").check()
    staff.get_by_role("button", name="อนุมัติแบบที่เลือก…").click()
    expect(staff.get_by_role("heading", level=1)).to_have_text("ยืนยันการอนุมัติ 1 แบบ")
    expect(staff.get_by_role("row").filter(has_text="อำเภอแม่ใจ")).to_contain_text("17 / 11")
    shot(staff, "review-2-approve-confirmation")
    staff.get_by_role("button", name="ยืนยันอนุมัติ 1 แบบ").click()
    expect(staff.get_by_role("status").filter(has_text="อนุมัติแล้ว 1 แบบ")).to_be_visible()

    # Reopen it with a reason.
    staff.goto("/rounds/2564-2/districts/5607/report/review/")
    staff.get_by_label("เหตุผลที่ส่งคืน (ต้องระบุเมื่อส่งคืน)").fill(REASON)
    staff.get_by_role("button", name="เปิดให้แก้ไขอีกครั้ง").click()
    expect(
        staff.get_by_role("status").filter(has_text="เปิดแบบรายงานผลให้อำเภอแก้ไขอีกครั้ง")
    ).to_be_visible()
    expect(staff.get_by_role("region", name="ประวัติ")).to_contain_text(
        f"เปิดให้แก้ไขอีกครั้งหลังอนุมัติ: {REASON}"
    )

    # The officer corrects the first line's first month (and its channel), submits again.
    officer = new_page(user=submitted_report["officer"])
    officer.goto("/rounds/2564-2/districts/5607/report/")
    expect(officer.get_by_role("alert").filter(has_text="จังหวัดส่งคืนให้แก้ไข")).to_contain_text(REASON)
    form = officer.locator("form[data-line-form]").first
    month = form.locator("input[name$='-month_1']")
    month.fill("1234")
    form.get_by_label("LINE", exact=True).check()  # sales need a channel
    form.get_by_role("button", name="บันทึกร่าง").click()
    expect(form.locator("[data-line-status]")).to_contain_text("บันทึก")
    officer.get_by_role("button", name="ส่งแบบรายงานผลให้จังหวัด").click()
    expect(officer.get_by_role("status").filter(has_text="ส่งแบบรายงานผลให้จังหวัดแล้ว")).to_be_visible()

    # The review page shows the change, before -> after.
    staff.goto("/rounds/2564-2/districts/5607/report/review/")
    changes = staff.get_by_role("region", name="สิ่งที่อำเภอแก้ไขหลังส่งคืน")
    expect(changes).to_contain_text(REASON)
    expect(changes.locator("ins")).to_contain_text(["1,234.00"])
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    changes.screenshot(path=SCREENSHOTS / "review-3-changes-since-reopening.png")
