"""On a phone (390 x 844 CSS pixels, as an iPhone 12-15) the officer's pages fit the
screen: tables stack into cards and nothing makes the page scroll sideways. The
screenshots in var/screenshots show what the officer sees."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PHONE

pytestmark = [
    pytest.mark.browser,
    # The geography is loaded by a migration; a transactional test flushes the database
    # when it ends, so the serialized copy is restored for the next test.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

BASE = "/rounds/2564-2/districts/5607"


@pytest.fixture
def phone(new_page, phayao, officer) -> Page:
    return new_page(viewport=PHONE, is_mobile=True, has_touch=True, user=officer)


def _assert_no_sideways_scroll(page: Page) -> None:
    width = page.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"
    )
    # A phone's browser widens the layout to fit content that overflows, so the screen's
    # own width is checked too.
    assert width["scroll"] <= width["inner"] + 1 and width["inner"] == PHONE["width"], (
        f"the page scrolls sideways on a phone: {width['scroll']} px wide in a "
        f"{width['inner']} px screen; widest elements: {_widest(page)}"
    )


def _widest(page: Page) -> list:
    return page.evaluate(
        """width => Array.from(document.querySelectorAll('body *'))
             .map(e => [e.tagName.toLowerCase() + (e.className ? '.' + e.className : ''),
                        Math.round(e.getBoundingClientRect().right)])
             .filter(([, right]) => right > width + 1)
             .sort((a, b) => b[1] - a[1]).slice(0, 5)""",
        PHONE["width"],
    )


def test_the_survey_list_fits_a_phone(phone):
    phone.goto(f"{BASE}/survey/")
    expect(phone.get_by_role("heading", level=1)).to_contain_text("แบบสำรวจความพร้อม")
    # Stacked: each entrepreneur is a card whose cells are labelled, not a wide table.
    first_row = phone.get_by_role("region", name="ผู้ประกอบการ", exact=True).locator("tbody tr").first
    expect(first_row.locator("td").first).to_have_css("display", "block")
    _assert_no_sideways_scroll(phone)


def test_the_entrepreneur_form_fits_a_phone(phone):
    phone.goto(f"{BASE}/survey/")
    phone.get_by_role("link", name="กรอก", exact=False).first.click()
    expect(phone.get_by_role("button", name="บันทึกร่าง")).to_be_visible()
    _assert_no_sideways_scroll(phone)
    # The save buttons are big enough to hit with a thumb (WCAG 2.2 target size, 24 px).
    box = phone.get_by_role("button", name="บันทึกร่าง").bounding_box()
    assert box["height"] >= 24 and box["width"] >= 24, box


def test_the_district_page_fits_a_phone(phone):
    phone.goto(f"{BASE}/")
    expect(phone.get_by_role("heading", level=1)).to_contain_text("อำเภอแม่ใจ")
    _assert_no_sideways_scroll(phone)
