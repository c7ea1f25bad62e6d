"""Next year's round carries last year's figures: each product's baseline (column T) is its
round total in the same round a year earlier, shown by the KPI as soon as the round exists
and prefilled when the report starts; a baseline the district types wins."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.urls import reverse

from districts.models import District, Province
from products.models import Round
from products.services.registry import registry_import_file
from reports.models import BaselineSource, Report, ReportLine
from reports.selectors import kpi_for_province, line_total_expression
from reports.services import report_get_or_start, report_line_save
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def next_year(samples):
    """The sample registry, 2564-2 with the two sample reports, then 2565-2 from it."""
    with open(samples / "registry.xlsx", "rb") as fh:
        registry_import_file(file=fh, as_of=dt.date(2021, 4, 1), name="registry.xlsx")
    run("setup_round", "2564-2")
    for code in ("5607", "5604"):
        run(
            "import_report",
            str(samples / f"report_{code}.xlsx"),
            "--round",
            "2564-2",
            "--district",
            code,
        )
    run("setup_round", "2565-2", "--from", "2564-2")
    return Round.objects.select_related("snapshot").get(fiscal_year_id=2565, number=2)


def expected_report() -> dict:
    from tests.conftest import SAMPLES

    return json.loads((SAMPLES / "expected.json").read_text())["report"]


def kpi_rows(round) -> dict:
    kpi = kpi_for_province(round=round, province=Province.objects.get(code="56"))
    return {r.code: r for r in kpi.rows}


def test_the_kpi_shows_last_years_totals_as_the_baseline_before_any_report(next_year):
    rows = kpi_rows(next_year)
    expected = expected_report()
    for code in ("5607", "5604"):
        assert rows[code].sales_baseline == Decimal(str(expected[code]["sales_round"]))
        assert rows[code].sales_round == 0 and rows[code].sold_online == 0
    assert rows["5601"].sales_baseline == 0
    assert not Report.objects.filter(round=next_year).exists()  # computed, not written


def test_the_province_page_shows_it_and_writes_nothing(client, province_staff, next_year):
    client.login(username=province_staff.username, password=PASSWORD)
    page = client.get(reverse("dashboards:province", args=["2565-2", "56"]))
    assert page.status_code == 200
    assert "448,207.50" in page.content.decode()
    assert not Report.objects.filter(round=next_year).exists()
    assert not ReportLine.objects.filter(report__round=next_year).exists()


def test_a_started_report_is_prefilled_with_each_products_total_of_last_year(next_year):
    last_year = {
        product: total
        for product, total in ReportLine.objects.filter(
            report__round__fiscal_year_id=2564, report__district_id="5607"
        )
        .annotate(total=line_total_expression())
        .values_list("product_id", "total")
    }
    report = report_get_or_start(round=next_year, district=District.objects.get(code="5607"))
    lines = {line.product_id: line for line in report.lines.all()}
    for product, total in last_year.items():
        assert lines[product].sales_baseline == Decimal(total).quantize(Decimal("0.01"))
        assert lines[product].baseline_source == BaselineSource.PREVIOUS_REPORT
    total = report.lines.aggregate(s=Sum("sales_baseline"))["s"]
    assert total == Decimal(str(expected_report()["5607"]["sales_round"]))
    # And the KPI reads the same figure from the lines now.
    assert kpi_rows(next_year)["5607"].sales_baseline == total


def test_a_baseline_typed_by_the_district_wins_and_is_marked_typed(next_year, officer):
    report = report_get_or_start(round=next_year, district=District.objects.get(code="5607"))
    line = report.lines.exclude(sales_baseline=None).exclude(sales_baseline=0).first()
    carried = line.sales_baseline
    before = kpi_rows(next_year)["5607"].sales_baseline
    report_line_save(
        line=line,
        values={"sales_baseline": Decimal("1.00")},
        version=line.version,
        by=officer,
        today=dt.date(2022, 5, 1),
    )
    line.refresh_from_db()
    assert line.baseline_source == BaselineSource.ENTERED
    assert kpi_rows(next_year)["5607"].sales_baseline == before - carried + Decimal("1.00")


def test_the_province_and_district_pages_show_last_year_beside_this_year(
    client, province_staff, officer, next_year
):
    client.login(username=province_staff.username, password=PASSWORD)
    response = client.get(reverse("dashboards:province", args=["2565-2", "56"]))
    pairs = {p.this.code: p for p in response.context["d"].year_over_year}
    expected = expected_report()
    assert pairs["5607"].last.sold_online == expected["5607"]["sold_online"]
    assert pairs["5607"].last.sales_round == Decimal(str(expected["5607"]["sales_round"]))
    assert pairs["5607"].this.sold_online == 0
    assert pairs["56"].last.sold_online == 19  # the province's total
    html = response.content.decode()
    assert "เทียบกับปีก่อน" in html and "2564-2" in html and "154.55 %" in html

    # Round 2564-2 has no round a year earlier: no such section.
    html = client.get(reverse("dashboards:province", args=["2564-2", "56"])).content.decode()
    assert "เทียบกับปีก่อน" not in html

    client.login(username=officer.username, password=PASSWORD)
    response = client.get(reverse("dashboards:district", args=["2565-2", "5607"]))
    (pair,) = response.context["d"].year_over_year
    assert (pair.last.sold_online, pair.this.sold_online) == (17, 0)
    assert "448,207.50" in response.content.decode()


def test_the_carried_baseline_costs_the_country_kpi_no_query(next_year):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reports.selectors import kpi_for_country
    from reports.services import district_totals_refresh
    from tests.conftest import make_round

    alone = make_round("2570-2")  # no round a year earlier
    district_totals_refresh(round=alone)  # as round setup would
    with CaptureQueriesContext(connection) as without:
        kpi_for_country(round=alone)
    with CaptureQueriesContext(connection) as carried:
        kpi = kpi_for_country(round=next_year)
    assert len(carried.captured_queries) == len(without.captured_queries)
    phayao = next(r for r in kpi.rows if r.code == "56")
    assert phayao.sales_baseline == Decimal("448207.50") + Decimal("85801.00")
