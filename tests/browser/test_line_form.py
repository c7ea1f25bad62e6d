"""In a real browser: the report page draws the first line's form only (issue #19); the
officer opens another line, gets its form with the line's stored values, types, sees the
round total, and saves without the page reloading."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.browser.pages import focused, shot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

REPORT = "/rounds/2564-2/districts/5607/report/"


@pytest.fixture
def started(phayao, officer):
    """5607's report started (its lines stored), and its third line on the page filled
    in an earlier visit."""
    from districts.models import District
    from reports.selectors import report_lines
    from reports.services import report_get_or_start

    report = report_get_or_start(round=phayao, district=District.objects.get(code="5607"))
    third = report_lines(report=report)[2]
    third.month_1 = Decimal("1200")
    third.facebook = True
    third.url = "https://shop.example/third"
    third.sales_baseline = Decimal("4500")
    third.version = 1
    third.save()
    return third


def test_an_opened_line_gets_its_form_and_saves_without_reloading(new_page, officer, started):
    from reports.models import ReportLine

    page = new_page(user=officer)
    page.goto(REPORT)
    page.evaluate("() => { window.notReloaded = true; }")
    rows = page.locator("details[data-line-key]")
    expect(rows.first.locator("form[data-line-form]")).to_be_visible()  # the first is open
    details = rows.nth(2)
    assert details.get_attribute("data-line-key") == str(started.pk)
    expect(details.locator("form")).to_have_count(0)

    details.locator("summary").click()
    form = details.locator("form[data-line-form]")
    expect(form).to_be_visible()
    expect(form.get_by_label("Facebook")).to_be_checked()
    expect(form.get_by_label("LINE", exact=True)).not_to_be_checked()
    expect(form.get_by_label("เม.ย.", exact=True)).to_have_value("1,200")
    expect(form.get_by_label("พ.ค.", exact=True)).to_have_value("")
    expect(form.get_by_label("ลิงก์ร้านค้า/สินค้า (URL)")).to_have_value("https://shop.example/third")
    expect(form.get_by_label("ยอดจำหน่ายออนไลน์ช่วงเดียวกันของปีก่อน (บาท)")).to_have_value("4,500")
    expect(form.locator("[data-line-total]")).to_have_text("1,200.00")
    assert focused(page) == f"input#id_l{started.pk}-facebook[name=l{started.pk}-facebook]"
    assert form.get_attribute("action").endswith(f"/report/lines/{started.pk}/")

    form.get_by_label("พ.ค.", exact=True).fill("300")
    form.get_by_label("มิ.ย.", exact=True).fill("๕๐๐")
    expect(form.locator("[data-line-total]")).to_have_text("2,000.00")
    form.get_by_label("มิ.ย.", exact=True).press("Control+Enter")
    expect(form.locator("[data-line-status]")).to_contain_text(f"บันทึก {started.product.name} แล้ว")
    row = page.locator(f"tr#line-{started.pk}")
    expect(row.locator("[data-row-total]")).to_have_text("2,000.00")
    shot(page, "line-form-1-opened-and-saved")
    assert page.evaluate("() => window.notReloaded === true"), "the page was reloaded"
    saved = ReportLine.objects.get(pk=started.pk)
    assert (saved.month_2, saved.month_3, saved.version) == (Decimal("300"), Decimal("500"), 2)

    # A second save from the same form carries the version the first one got back.
    form.get_by_label("ก.ค.", exact=True).fill("1,000")
    form.get_by_role("button", name="บันทึกร่าง").click()
    expect(row.locator("[data-row-total]")).to_have_text("3,000.00")
    assert ReportLine.objects.get(pk=started.pk).version == 3

    # Reloaded, the page shows the saved figures, in the row and in the form.
    page.reload()
    row = page.locator(f"tr#line-{started.pk}")
    expect(row.locator("[data-row-total]")).to_have_text("3,000.00")
    details = page.locator(f"details[data-line-key='{started.pk}']")
    details.locator("summary").click()
    form = details.locator("form[data-line-form]")
    expect(form.get_by_label("มิ.ย.", exact=True)).to_have_value("500")
    expect(form.get_by_label("ก.ค.", exact=True)).to_have_value("1,000")
    expect(form.locator("[data-line-total]")).to_have_text("3,000.00")


def test_a_line_opens_without_javascript_through_its_link(new_page, officer, started):
    page = new_page(user=officer, java_script_enabled=False)
    page.goto(REPORT)
    details = page.locator(f"details[data-line-key='{started.pk}']")
    details.locator("summary").click()
    details.get_by_role("link", name=f"เปิดแบบฟอร์มของ {started.product.name}").click()
    expect(page).to_have_url(f"{REPORT}?edit={started.pk}#line-{started.pk}", timeout=5000)
    form = page.locator(f"details[data-line-key='{started.pk}'] form")
    expect(form.get_by_label("เม.ย.", exact=True)).to_have_value("1,200")
    form.get_by_label("พ.ค.", exact=True).fill("300")
    form.get_by_role("button", name="บันทึกร่าง").click()
    expect(page.get_by_role("status").filter(has_text="บันทึก")).to_contain_text(started.product.name)
    expect(page.locator(f"tr#line-{started.pk} [data-row-total]")).to_have_text("1,500.00")
