"""The report page draws the form of the open rows only (issue #19): every other row
holds a link that opens it through the server, and the page carries one blank form and
the rows' values, from which reports.js builds the form of the row an officer opens."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from reports.models import Report, ReportLine
from surveys.models import EntrepreneurAnswer, Survey
from tests.conftest import PASSWORD, make_entrepreneur, make_product
from tests.reports.conftest import make_line, make_report

pytestmark = pytest.mark.django_db

R = "2564-2"
DETAIL = reverse("reports:detail", args=[R, "5607"])


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def line_values(html: str) -> dict:
    found = re.search(r'<script id="line-values" type="application/json">(.*?)</script>', html)
    assert found, "no line-values on the page"
    return json.loads(found.group(1))


class Page(HTMLParser):
    """What a browser without JavaScript sees of the lines: each row's details (open or
    not, its links, the inputs of its form) and the page's <template>s."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.details: dict[str, dict] = {}
        self.templates = 0
        self._row: dict | None = None
        self._in_template = 0
        self._form: dict | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "template":
            self.templates += 1
            self._in_template += 1
        if self._in_template:
            return
        if tag == "details" and "data-line-key" in attrs:
            self._row = {"open": "open" in attrs, "links": [], "inputs": {}, "action": None}
            self.details[attrs["data-line-key"]] = self._row
        elif self._row is not None:
            if tag == "a":
                self._row["links"].append(attrs.get("href"))
            elif tag == "form":
                self._row["action"] = attrs.get("action")
            elif tag == "input" and attrs.get("name"):
                if attrs.get("type") != "checkbox":
                    self._row["inputs"][attrs["name"]] = attrs.get("value") or ""
                elif "checked" in attrs:
                    self._row["inputs"][attrs["name"]] = attrs.get("value") or "on"

    def handle_endtag(self, tag):
        if tag == "template":
            self._in_template -= 1
        elif tag == "details" and not self._in_template:
            self._row = None


@pytest.fixture
def three_lines(round_2564, officer):
    """A draft report of 5607 with three lines, in the page's order; the second saved."""
    e = make_entrepreneur("5607", code="560799001", name="กลุ่มทอผ้า")
    products = [make_product(e, name=name) for name in ("ก ผ้าพันคอ", "ข กาแฟ", "ค น้ำผึ้ง")]
    report = make_report(round_2564, "5607", status="draft")
    lines = [make_line(report, p) for p in products]
    saved = lines[1]
    ReportLine.objects.filter(pk=saved.pk).update(
        month_2=Decimal("1500.00"),
        facebook=True,
        url="https://shop.example/kafae",
        sales_baseline=Decimal("900.50"),
        baseline_source="entered",
        version=3,
        answered_at=timezone.now(),
    )
    return lines


def test_it_draws_the_first_rows_form_and_a_link_for_each_other_row(client, officer, three_lines):
    first, second, third = three_lines
    html = login(client, officer).get(DETAIL).content.decode()
    page = Page(html)

    assert list(page.details) == [str(first.pk), str(second.pk), str(third.pk)]
    opened = page.details[str(first.pk)]
    assert opened["open"] and f"l{first.pk}-month_1" in opened["inputs"]
    for line in (second, third):
        row = page.details[str(line.pk)]
        assert not row["open"] and row["inputs"] == {}
        assert row["links"] == [f"?edit={line.pk}#line-{line.pk}"]
    assert page.templates == 1
    assert html.count('name="__prefix__-month_1"') == 1


def test_it_carries_every_editable_rows_values_for_the_script(client, officer, three_lines):
    first, second, third = three_lines
    values = line_values(login(client, officer).get(DETAIL).content.decode())

    assert set(values) == {str(first.pk), str(second.pk), str(third.pk)}
    saved = values[str(second.pk)]
    assert saved["prefix"] == f"l{second.pk}"
    assert saved["action"] == reverse("reports:line_save", args=[R, "5607", second.pk])
    assert saved["values"]["month_2"] == "1500.00" and saved["values"]["month_1"] == "0.00"
    assert saved["values"]["version"] == 3
    assert saved["values"]["facebook"] is True and saved["values"]["line"] is False
    assert saved["values"]["url"] == "https://shop.example/kafae"
    assert saved["values"]["sales_baseline"] == "900.50"
    assert saved["hint"] == "กรอกในระบบ"  # where the baseline came from, as the form says it
    assert values[str(third.pk)]["values"]["sales_baseline"] == ""  # no baseline


def test_it_gives_the_survey_sales_hint_with_the_values(client, officer, three_lines, round_2564):
    survey = Survey.objects.create(round=round_2564, district_id="5607")
    EntrepreneurAnswer.objects.create(
        survey=survey,
        entrepreneur=three_lines[0].product.entrepreneur,
        sales_prev_year=Decimal("12500"),
        answered_at=timezone.now(),
    )
    html = login(client, officer).get(DETAIL).content.decode()
    hint = "แบบสำรวจ: ผู้ประกอบการรายนี้มียอดทั้งปีงบประมาณก่อน 12,500.00 บาท (ทุกผลิตภัณฑ์รวมกัน)"
    assert line_values(html)[str(three_lines[2].pk)]["hint"] == hint
    assert hint in html  # and the open row's form says it


def test_it_opens_the_row_named_by_edit(client, officer, three_lines):
    first, second, third = three_lines
    response = login(client, officer).get(f"{DETAIL}?edit={third.pk}")
    page = Page(response.content.decode())

    row = page.details[str(third.pk)]
    assert row["open"] and row["links"] == []
    assert row["action"] == reverse("reports:line_save", args=[R, "5607", third.pk])
    assert row["inputs"][f"l{third.pk}-version"] == "0"
    assert page.details[str(first.pk)]["open"]  # the first row is open as always
    assert page.details[str(second.pk)]["inputs"] == {}


def test_it_opens_a_draft_line_by_its_product(client, officer, round_2564):
    e = make_entrepreneur("5607")
    products = [make_product(e, name=f"สินค้า {i}") for i in range(3)]
    login(client, officer)
    page = Page(client.get(DETAIL).content.decode())  # not started: draft lines
    key = f"p{products[2].pk}"
    assert page.details[key]["links"] == [f"?edit={key}#line-{key}"]

    page = Page(client.get(f"{DETAIL}?edit={key}").content.decode())
    assert page.details[key]["open"]
    assert page.details[key]["action"] == reverse(
        "reports:line_start", args=[R, "5607", products[2].pk]
    )


def test_it_ignores_an_unknown_row_key(client, officer, three_lines):
    login(client, officer)
    for key in ("999999", "p0", "x<y", ""):
        response = client.get(DETAIL, {"edit": key})
        assert response.status_code == 200
        page = Page(response.content.decode())
        assert [k for k, row in page.details.items() if row["inputs"]] == [str(three_lines[0].pk)]


def test_the_links_keep_the_filters_and_the_page(client, officer, three_lines):
    first, second, third = three_lines
    html = login(client, officer).get(DETAIL, {"q": "กาแฟ", "page": "1"}).content.decode()
    page = Page(html)
    # A filter is set: no row is open, and each link reopens the page as filtered.
    assert list(page.details) == [str(second.pk)]
    row = page.details[str(second.pk)]
    assert not row["open"]
    assert row["links"] == [
        f"?q=%E0%B8%81%E0%B8%B2%E0%B9%81%E0%B8%9F&page=1&edit={second.pk}#line-{second.pk}"
    ]

    html = client.get(DETAIL + row["links"][0].split("#")[0]).content.decode()
    row = Page(html).details[str(second.pk)]
    assert row["open"]
    # The form sends the filters back, so that saving returns to the filtered page.
    assert row["inputs"]["q"] == "กาแฟ" and row["inputs"]["page"] == "1"


def test_without_javascript_the_link_opens_the_form_and_posting_it_saves(
    client, officer, three_lines
):
    third = three_lines[2]
    login(client, officer)
    link = Page(client.get(DETAIL).content.decode()).details[str(third.pk)]["links"][0]
    assert link.endswith(f"#line-{third.pk}")

    row = Page(client.get(DETAIL + link.split("#")[0]).content.decode()).details[str(third.pk)]
    data = dict(row["inputs"])
    data[f"l{third.pk}-month_3"] = "๒,๕๐๐"
    data[f"l{third.pk}-shopee"] = "on"
    response = client.post(row["action"], data)

    assert response.status_code == 302
    assert response["Location"].endswith(f"#line-{third.pk}")
    third.refresh_from_db()
    assert third.month_3 == Decimal("2500") and third.shopee and third.version == 1
    assert third.answered_by == officer


def test_a_refused_save_without_javascript_leads_the_page_with_its_form_open(
    client, officer, three_lines
):
    first, second, third = three_lines
    login(client, officer)
    data = {f"l{third.pk}-version": 0, f"l{third.pk}-month_1": "สองพัน"}
    response = client.post(reverse("reports:line_save", args=[R, "5607", third.pk]), data)

    assert response.status_code == 400
    page = Page(response.content.decode())
    assert list(page.details)[0] == str(third.pk)
    assert page.details[str(third.pk)]["open"]
    assert page.details[str(third.pk)]["inputs"][f"l{third.pk}-month_1"] == "สองพัน"
    # The other rows wait behind their links, the first one too.
    assert [k for k, row in page.details.items() if row["open"] or row["inputs"]] == [str(third.pk)]


@pytest.mark.parametrize("status", ["submitted", "approved"])
def test_a_reader_gets_no_form_no_values_and_no_links(
    client, officer, province_staff, three_lines, status
):
    Report.objects.update(status=status)
    for user in (province_staff, officer):  # the officer's report is locked once sent
        html = login(client, user).get(DETAIL).content.decode()
        assert "กลุ่มทอผ้า" in html  # the lines are shown, read-only
        assert "<template" not in html
        assert 'id="line-values"' not in html
        assert "data-line-fallback" not in html and "?edit=" not in html
        assert "data-line-form" not in html
