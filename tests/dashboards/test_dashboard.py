"""The province, district and country dashboards (issue 5)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from otop_portal.workflow import Status
from reports.models import Report, ReportLine
from surveys.models import Survey
from tests.conftest import make_entrepreneur, make_product, make_round

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------------------
# Builders
# ---------------------------------------------------------------------------


def base(district: str, products: int, *, entrepreneurs: int = 1) -> list:
    """`products` base products spread over `entrepreneurs` entrepreneurs of a district."""
    people = [make_entrepreneur(district) for _ in range(entrepreneurs)]
    return [make_product(people[i % entrepreneurs]) for i in range(products)]


def sell(
    round, products, amount=Decimal("1000"), *, baseline=None, status=Status.DRAFT, late=False
):
    """A report of the products' district in which each product sold `amount`."""
    report, _ = Report.objects.get_or_create(
        round=round,
        district_id=products[0].district_id,
        defaults={"status": status, "late": late},
    )
    ReportLine.objects.bulk_create(
        ReportLine(report=report, product=p, month_1=amount, facebook=True, sales_baseline=baseline)
        for p in products
    )
    return report


def survey(round, district: str, status=Status.DRAFT, *, late=False) -> Survey:
    return Survey.objects.create(round=round, district_id=district, status=status, late=late)


def page(client, user, url):
    client.force_login(user)
    return client.get(url)


def province_url(round, code="56", **params):
    url = reverse("dashboards:province", args=[round.code, code])
    if params:
        url += "?" + "&".join(f"{k}={v}" for k, v in params.items())
    return url


def text(response) -> str:
    """The page's text without tags or repeated spaces, as a reader sees it."""
    html = response.content.decode()
    html = re.sub(r"<(script|style|svg)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def table_rows(response) -> list[str]:
    """The district rows of the province table, in the order shown, by DOPA code."""
    body = response.content.decode().split('class="data stack dashboard"', 1)[1]
    body = body.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r'/districts/(\d{4})/"', body)


# ---------------------------------------------------------------------------
# The province page
# ---------------------------------------------------------------------------


def test_the_province_page_shows_the_seeds_table_with_the_demo_data(client, province_staff):
    from products.demo.phayao import DEMO_ROUND, SEED_TABLE, demo_load

    demo_load()
    response = page(client, province_staff, reverse("dashboards:province", args=[DEMO_ROUND, "56"]))
    assert response.status_code == 200
    d = response.context["d"]
    assert [
        (r.kpi.code, r.kpi.entrepreneurs, r.kpi.products, r.kpi.target_official) for r in d.rows
    ] == [(code, e, p, t) for code, (e, p, t) in SEED_TABLE.items()]
    total = re.search(r'<tr class="total">(.*?)</tr>', response.content.decode(), re.S).group(1)
    cells = re.findall(r'class="num"[^>]*>([^<]*)<', total)
    # entrepreneurs, products, computed, official, effective target
    assert cells[:5] == ["913", "1,873", "211", "215", "215"]
    shown = text(response)
    assert "ภูซาง" in shown and "กุซาง" not in shown
    assert "ทางการ 215 · คำนวณ 211" in shown


def test_each_district_row_shows_its_targets_and_progress(client, province_staff, round_2564):
    from products.models import Target

    products = base("5607", 20, entrepreneurs=4)
    Target.objects.create(round=round_2564, district_id="5607", official=3)
    sell(round_2564, products[:2], baseline=Decimal("500"), status=Status.SUBMITTED)
    response = page(client, province_staff, province_url(round_2564))
    row = next(r for r in response.context["d"].rows if r.code == "5607").kpi
    assert (
        row.entrepreneurs,
        row.products,
        row.target_computed,
        row.target_official,
        row.target,
        row.sold_online,
    ) == (4, 20, 3, 3, 3, 2)
    shown = text(response)
    assert "66.67 %" in shown  # 2 of 3
    assert "100.00 %" in shown  # growth: 2,000 against 1,000
    assert "ส่งแล้ว" in shown


def test_it_marks_overdue_and_late_forms_with_their_dates(client, province_staff):
    today = timezone.localdate()
    round = make_round(
        survey_deadline=today - dt.timedelta(days=5), report_deadline=today + dt.timedelta(days=10)
    )
    survey(round, "5601", Status.SUBMITTED, late=True)
    response = page(client, province_staff, province_url(round))
    rows = {r.code: r for r in response.context["d"].rows}
    assert rows["5601"].kpi.survey_late and not rows["5601"].survey_overdue
    assert rows["5602"].survey_overdue and not rows["5602"].report_overdue
    shown = text(response)
    assert "ส่งช้า" in shown and "เลยกำหนด" in shown
    assert f"แก้ไข {today.day} " in shown  # the last change, in the Buddhist Era
    assert str(today.year + 543) in shown


def test_the_countdown_says_how_many_days_are_left(client, province_staff):
    today = timezone.localdate()
    round = make_round(
        survey_deadline=today + dt.timedelta(days=3), report_deadline=today + dt.timedelta(days=60)
    )
    shown = text(page(client, province_staff, province_url(round)))
    assert "กำหนดส่งแบบสำรวจความพร้อม อีก 3 วัน" in shown


def test_the_countdown_says_how_long_ago_the_last_deadline_passed(client, province_staff):
    today = timezone.localdate()
    round = make_round(
        survey_deadline=today - dt.timedelta(days=40), report_deadline=today - dt.timedelta(days=4)
    )
    shown = text(page(client, province_staff, province_url(round)))
    assert "กำหนดส่งแบบรายงานผล พ้นกำหนดแล้ว 4 วัน" in shown


def test_reporting_rates_count_submitted_and_on_time_forms(client, province_staff, round_2564):
    survey(round_2564, "5601", Status.APPROVED)
    survey(round_2564, "5602", Status.SUBMITTED, late=True)
    survey(round_2564, "5603", Status.RETURNED)
    survey(round_2564, "5604", Status.DRAFT)
    response = page(client, province_staff, province_url(round_2564))
    rates = response.context["d"].rates
    assert (
        rates.expected,
        rates.surveys_submitted.done,
        rates.surveys_on_time.done,
        rates.surveys_approved.done,
        rates.reports_submitted.done,
    ) == (9, 2, 1, 1, 0)
    assert "2 / 9 (22.22 %)" in text(response)


def test_it_sorts_districts_behind_target_first(client, province_staff, round_2564):
    # 20 products each: a target of 3.
    for code, sold in (("5601", 0), ("5602", 1), ("5603", 3)):
        products = base(code, 20)
        if sold:
            sell(round_2564, products[:sold])
    response = page(client, province_staff, province_url(round_2564, sort="behind"))
    order = table_rows(response)
    assert order[:2] == ["5601", "5602"]  # behind, the furthest behind first
    assert response.context["d"].rows[2].behind is False


def test_it_shows_only_the_late_districts_when_asked(client, province_staff):
    today = timezone.localdate()
    round = make_round(
        survey_deadline=today - dt.timedelta(days=1), report_deadline=today + dt.timedelta(days=30)
    )
    for code in ("5601", "5602", "5603", "5604", "5605", "5606", "5608", "5609"):
        survey(round, code, Status.SUBMITTED)
    response = page(client, province_staff, province_url(round, show="late"))
    assert table_rows(response) == ["5607"]
    assert "แสดง 1 จาก 9 อำเภอ" in text(response)


def test_bad_sort_parameters_fall_back_to_the_dopa_order(client, province_staff, round_2564):
    response = page(client, province_staff, province_url(round_2564, sort="drop", show="x"))
    assert response.status_code == 200
    assert table_rows(response) == [f"56{n:02d}" for n in range(1, 10)]


def test_the_achievement_chart_is_an_accessible_svg_drawn_on_the_server(
    client,
    province_staff,
    round_2564,
):
    sell(round_2564, base("5607", 10)[:1])
    html = page(client, province_staff, province_url(round_2564)).content.decode()
    svg = re.search(r'<svg[^>]*class="chart"[^>]*>.*?</svg>', html, re.S).group(0)
    assert 'role="img"' in svg and "aria-label=" in svg and "<title" in svg
    assert "แม่ใจ" in svg and "50.00 % (1/2)" in svg
    assert "<script" not in html.split("</main>")[0]
    assert 'style="' not in html


def test_the_readiness_breakdown_comes_from_the_survey(client, province_staff, round_2564):
    from surveys.models import EntrepreneurAnswer, ProductAnswer

    products = base("5607", 4, entrepreneurs=2)
    s = survey(round_2564, "5607")
    now = timezone.now()
    EntrepreneurAnswer.objects.create(
        survey=s,
        entrepreneur=products[0].entrepreneur,
        trained=True,
        selling_online=True,
        answered_at=now,
    )
    ProductAnswer.objects.create(survey=s, product=products[0], ready=True, answered_at=now)
    response = page(client, province_staff, province_url(round_2564))
    total = response.context["d"].readiness_total
    assert (
        total.entrepreneurs_answered,
        total.trained,
        total.selling,
        total.standard,
        total.products_ready,
    ) == (1, 1, 1, 0, 1)
    assert "ความพร้อมเข้าสู่ตลาดออนไลน์" in text(response)


def test_the_province_page_links_to_the_figures_forms_and_downloads(
    client,
    province_staff,
    round_2564,
):
    html = page(client, province_staff, province_url(round_2564)).content.decode()
    for url in (
        reverse("dashboards:district", args=[round_2564.code, "5607"]),
        reverse("surveys:detail", args=[round_2564.code, "5607"]),
        reverse("reports:detail", args=[round_2564.code, "5607"]),
        reverse("reports:explain", args=[round_2564.code, "5607", "sold_online"]),
        reverse("dashboards:targets_progress", args=[round_2564.code, "56"]),
        reverse("dashboards:province_xlsx", args=[round_2564.code, "56"]),
        reverse("dashboards:province_csv", args=[round_2564.code, "56"]),
        reverse("surveys:province_export", args=[round_2564.code, "56"]),
        reverse("reports:province_download", args=[round_2564.code, "56"]),
    ):
        assert f'href="{url}"' in html, url


def test_province_staff_of_another_province_get_a_404(client, other_province_staff, round_2564):
    assert page(client, other_province_staff, province_url(round_2564)).status_code == 404


def test_province_56_staff_get_a_404_on_province_50(client, province_staff, round_2564):
    for name in ("dashboards:province", "dashboards:review", "dashboards:province_xlsx"):
        url = reverse(name, args=[round_2564.code, "50"])
        assert page(client, province_staff, url).status_code == 404, name


def test_district_officers_get_a_404_on_their_province_page(client, officer, round_2564):
    assert page(client, officer, province_url(round_2564)).status_code == 404


def test_an_unknown_round_is_a_404(client, province_staff, round_2564):
    url = reverse("dashboards:province", args=["2599-1", "56"])
    assert page(client, province_staff, url).status_code == 404


def test_the_page_asks_anonymous_visitors_to_log_in(client, round_2564):
    response = client.get(province_url(round_2564))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# ---------------------------------------------------------------------------
# The district page
# ---------------------------------------------------------------------------


def district_url(round, code="5607"):
    return reverse("dashboards:district", args=[round.code, code])


def test_the_officer_sees_their_district_page(client, officer, round_2564):
    products = base("5607", 10, entrepreneurs=3)
    sell(round_2564, products[:1])
    response = page(client, officer, district_url(round_2564))
    assert response.status_code == 200
    kpi = response.context["kpi"]
    assert (kpi.entrepreneurs, kpi.products, kpi.target, kpi.sold_online) == (3, 10, 2, 1)
    html = response.content.decode()
    for url in (
        reverse("surveys:detail", args=[round_2564.code, "5607"]),
        reverse("reports:detail", args=[round_2564.code, "5607"]),
        reverse("reports:explain", args=[round_2564.code, "5607", "sold_online"]),
        reverse("reports:explain", args=[round_2564.code, "5607", "products"]),
    ):
        assert f'href="{url}"' in html, url
    # An officer is not sent to the province page they cannot open.
    assert reverse("dashboards:province", args=[round_2564.code, "56"]) not in html


@pytest.mark.parametrize("code", ["5604", "5601", "5001"])
def test_an_officer_gets_a_404_on_other_districts_pages(client, officer, round_2564, code):
    assert page(client, officer, district_url(round_2564, code)).status_code == 404


def test_province_staff_open_their_districts_but_not_others(
    client,
    province_staff,
    other_province_staff,
    round_2564,
):
    assert page(client, province_staff, district_url(round_2564, "5604")).status_code == 200
    assert page(client, other_province_staff, district_url(round_2564, "5604")).status_code == 404


def test_the_district_page_shows_the_history_and_the_reason_of_a_return(
    client,
    officer,
    province_staff,
    round_2564,
):
    from otop_portal.workflow import submission_return, submission_submit

    s = survey(round_2564, "5607")  # no base products: complete as it is
    submission_submit(submission=s, by=officer)
    submission_return(submission=s, by=province_staff, reason="กรอกยอดขายปีก่อนไม่ครบ")
    response = page(client, officer, district_url(round_2564))
    shown = text(response)
    assert "จังหวัดส่งคืนแบบสำรวจความพร้อมให้แก้ไข" in shown
    assert "กรอกยอดขายปีก่อนไม่ครบ" in shown
    events = response.context["d"].history
    assert [(e.action, e.who.username if e.who else None) for e in events] == [
        ("returned", "province"),
        ("submitted", "officer"),
        ("created", None),
    ]
    assert events[0].reason == "กรอกยอดขายปีก่อนไม่ครบ"
    assert "ส่งให้จังหวัด" in shown and "จังหวัดส่งคืนให้แก้ไข" in shown
    # Who returned it, read for the returned form alone (the page no longer joins the
    # reviewer to every form, issue #19).
    (returned,) = response.context["d"].returned
    assert returned.who and returned.who in shown


def test_the_district_page_query_count_is_fixed(
    client, officer, round_2564, django_assert_num_queries
):
    client.force_login(officer)
    products = base("5607", 3)
    sell(round_2564, products[:1])
    with CaptureQueriesContext(connection) as small:
        assert client.get(district_url(round_2564)).status_code == 200
    products = base("5607", 40, entrepreneurs=10)
    sell(round_2564, products[:30])
    with django_assert_num_queries(len(small.captured_queries)):
        client.get(district_url(round_2564))


# ---------------------------------------------------------------------------
# The country page
# ---------------------------------------------------------------------------


def country_url(round):
    return reverse("dashboards:country", args=[round.code])


def test_the_country_page_has_a_row_per_province_linking_to_it(client, admin, round_2564):
    sell(round_2564, base("5607", 10)[:3])
    sell(round_2564, base("5001", 10)[:1])
    response = page(client, admin, country_url(round_2564))
    assert response.status_code == 200
    rows = {k.code: k for k, _rates in response.context["d"].rates}
    assert len(rows) == 77
    assert (rows["56"].sold_online, rows["50"].sold_online) == (3, 1)
    html = response.content.decode()
    assert f'href="{reverse("dashboards:province", args=[round_2564.code, "56"])}"' in html
    assert "พะเยา" in html and "เชียงใหม่" in html


@pytest.mark.parametrize("who", ["officer", "province_staff"])
def test_the_country_page_is_a_404_for_everyone_but_administrators(
    client, request, round_2564, who
):
    user = request.getfixturevalue(who)
    assert page(client, user, country_url(round_2564)).status_code == 404
    url = reverse("dashboards:country_csv", args=[round_2564.code])
    assert page(client, user, url).status_code == 404


# ---------------------------------------------------------------------------
# Queries do not grow with the number of districts or products
# ---------------------------------------------------------------------------


def _grow(round, codes, products_each):
    for code in codes:
        products = base(code, products_each, entrepreneurs=3)
        sell(round, products[: products_each // 2], baseline=Decimal("10"))
        survey(round, code, Status.SUBMITTED)


@pytest.mark.parametrize(
    "name, args, user",
    [
        ("dashboards:province", ["56"], "province_staff"),
        ("dashboards:province_xlsx", ["56"], "province_staff"),
        ("dashboards:province_csv", ["56"], "province_staff"),
        ("dashboards:targets_progress", ["56"], "province_staff"),
        ("dashboards:country", [], "admin"),
        ("dashboards:country_xlsx", [], "admin"),
        ("dashboards:country_csv", [], "admin"),
        ("dashboards:review", ["56"], "province_staff"),
    ],
)
def test_the_number_of_queries_does_not_grow_with_districts_or_products(
    client,
    request,
    round_2564,
    django_assert_num_queries,
    name,
    args,
    user,
):
    client.force_login(request.getfixturevalue(user))
    url = reverse(name, args=[round_2564.code, *args])
    _grow(round_2564, ["5607"], 2)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    _grow(round_2564, ["5601", "5602", "5603", "5604", "5605", "5001", "5701"], 12)
    with django_assert_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200


def test_chart_labels_are_escaped():
    from dashboards.charts import Bar, bar_chart

    svg = bar_chart([Bar("<script>alert(1)</script>", Decimal("50"))], title="a & b")
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "<title" in svg and "a &amp; b" in svg


# ---------------------------------------------------------------------------
# On a phone each cell shows its column's name (data-label)
# ---------------------------------------------------------------------------


def data_labels(html: str, table_class: str) -> list[list[str]]:
    """Each body and footer row's data-label values, for the table of that class."""
    table = html.split(f'class="data stack {table_class}"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr\b[^>]*>(.*?)</tr>", table.split("</thead>", 1)[1], re.S)
    return [re.findall(r'data-label="([^"]*)"', row) for row in rows]


PROVINCE_LABELS = [
    "ที่", "อำเภอ", "ผู้ประกอบการ", "ผลิตภัณฑ์", "เป้าหมายที่คำนวณ", "เป้าหมายทางการ",
    "เป้าหมายที่ใช้", "ขายออนไลน์แล้ว", "ร้อยละของเป้าหมาย", "ยอดรอบนี้", "ยอดปีก่อน",
    "รายได้เติบโต", "แบบสำรวจ", "แบบรายงานผล",
]  # fmt: skip
READINESS_LABELS = [
    "อำเภอ", "ตอบแล้ว / ผู้ประกอบการ", "ผ่านการอบรม", "ขายออนไลน์อยู่แล้ว", "ได้รับมาตรฐาน",
    "ผลิตภัณฑ์พร้อม / ผลิตภัณฑ์", "ยอดขายออนไลน์ปีก่อน (บาท)",
]  # fmt: skip


def test_every_cell_of_the_province_tables_names_its_column_in_thai_and_english(
    client, province_staff
):
    from products.demo.phayao import DEMO_ROUND, demo_load

    demo_load()
    url = reverse("dashboards:province", args=[DEMO_ROUND, "56"])
    html = page(client, province_staff, url).content.decode()

    rows = data_labels(html, "dashboard")
    assert len(rows) == 10  # nine districts and the total
    assert all(labels == PROVINCE_LABELS for labels in rows[:9])
    assert rows[9] == PROVINCE_LABELS[1:]  # the total has no number
    readiness = data_labels(html, "readiness")
    assert all(labels == READINESS_LABELS for labels in readiness)

    client.cookies["django_language"] = "en"
    english = data_labels(client.get(url).content.decode(), "dashboard")
    assert english[0][:3] == ["No.", "District", "Entrepreneur"]


def test_every_cell_of_the_country_table_names_its_column(client, admin, round_2564):
    base("5607", 2)
    html = page(
        client, admin, reverse("dashboards:country", args=[round_2564.code])
    ).content.decode()

    labels = [
        "จังหวัด", "ผู้ประกอบการ", "ผลิตภัณฑ์", "เป้าหมาย", "ขายออนไลน์แล้ว",
        "ร้อยละของเป้าหมาย", "รายได้เติบโต", "ส่งแบบสำรวจแล้ว", "ส่งแบบรายงานผลแล้ว",
    ]  # fmt: skip
    rows = data_labels(html, "dashboard")
    assert len(rows) == 78  # 77 provinces and the total
    assert all(row == labels for row in rows[:77])
    assert rows[77] == labels[1:]  # the total's first cell says "ทั้งประเทศ"


def test_it_leaves_room_in_the_chart_for_a_long_achievement_note():
    """On a 1366 px screen "191.67 % (115/60)" was cut: the value column was 130 units."""
    import re

    from dashboards import charts

    note = "191.67 % (115/60)"
    svg = str(charts.bar_chart([charts.Bar("แม่ใจ", 191.67, True, note=note)], title="t"))
    width = int(re.search(r'viewBox="0 0 (\d+) ', svg).group(1))
    x = float(re.search(rf'<text x="([\d.]+)"[^>]*>{re.escape(note)}<', svg).group(1))
    assert width - x >= 9 * len(note)
