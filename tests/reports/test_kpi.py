"""The KPI selector: the rules of docs/forms.md, the totals, and a fixed number of queries."""

from decimal import Decimal

import pytest

from districts.models import District, Province
from products.models import Target
from reports.selectors import (
    Why,
    kpi_for_country,
    kpi_for_districts,
    kpi_for_province,
    kpi_products,
)
from reports.services import district_totals_refresh
from surveys.models import Survey
from tests.conftest import make_entrepreneur, make_product
from tests.reports.conftest import bulk_district_data, make_line, make_report

pytestmark = pytest.mark.django_db


def _row(kpi, code):
    return next(r for r in kpi.rows if r.code == code)


def test_it_counts_only_base_products_with_sales_above_zero(round_2564):
    e = make_entrepreneur("5607")
    sold = make_product(e)
    listed_without_sales = make_product(e)
    make_product(e)  # not listed at all
    cancelled = make_product(e, status="cancelled")
    too_old = make_product(e, registered_year=2556)
    gone = make_product(e, registered=False)
    report = make_report(round_2564, "5607")
    make_line(report, sold, months=[100, 0, 0, 0, 0, 50.5], baseline=100)
    make_line(report, listed_without_sales, months=[0, 0, 0], baseline=20)
    for p in (cancelled, too_old, gone):
        make_line(report, p, months=[999], baseline=999)

    row = _row(kpi_for_province(round=round_2564, province=Province.objects.get(code="56")), "5607")

    assert row.products == 3
    assert row.entrepreneurs == 1
    assert row.sold_online == 1
    assert row.sales_round == Decimal("150.50")
    assert row.sales_baseline == Decimal("120.00")
    assert row.report_status == "draft"
    assert row.survey_status == "not_started"


def test_it_computes_achievement_and_growth_from_the_effective_target(round_2564):
    e = make_entrepreneur("5607")
    products = [make_product(e) for _ in range(9)]
    report = make_report(round_2564, "5607")
    for p in products[:3]:
        make_line(report, p, months=[110], baseline=100)
    Target.objects.create(round=round_2564, district_id="5607", official=4)

    row = _row(kpi_for_province(round=round_2564, province=Province.objects.get(code="56")), "5607")

    assert row.target_computed == 1  # ceil(11 % of 9)
    assert row.target_official == 4
    assert row.target == 4
    assert row.achievement_pct == Decimal("75.00")
    assert row.target_met is False
    assert row.sales_growth_pct == Decimal("10.00")
    assert row.growth_met is True


def test_it_rounds_percentages_half_up_to_two_decimals(round_2564):
    e = make_entrepreneur("5607")
    products = [make_product(e) for _ in range(3)]
    report = make_report(round_2564, "5607")
    make_line(report, products[0], months=[1])
    Target.objects.create(round=round_2564, district_id="5607", official=3)
    # One product sold of three: 33.333... %; 2 of 3 would be 66.666... -> 66.67.
    row = _row(kpi_for_province(round=round_2564, province=Province.objects.get(code="56")), "5607")
    assert row.achievement_pct == Decimal("33.33")
    make_line(report, products[1], months=[1])
    row = _row(kpi_for_province(round=round_2564, province=Province.objects.get(code="56")), "5607")
    assert row.achievement_pct == Decimal("66.67")


def test_it_gives_no_growth_without_a_baseline(round_2564):
    e = make_entrepreneur("5607")
    p = make_product(e)
    make_line(make_report(round_2564, "5607"), p, months=[500])

    kpi = kpi_for_province(round=round_2564, province=Province.objects.get(code="56"))
    row = _row(kpi, "5607")

    assert row.sales_baseline == Decimal("0.00")
    assert row.sales_growth_pct is None
    assert row.growth_met is None
    assert kpi.as_json()["districts"][6]["sales_growth_pct"] is None


def test_it_gives_no_achievement_when_the_target_is_zero(round_2564):
    row = _row(kpi_for_province(round=round_2564, province=Province.objects.get(code="56")), "5607")
    assert row.target == 0
    assert row.achievement_pct is None
    assert row.target_met is True  # nothing to reach


def test_it_recomputes_the_total_instead_of_averaging(round_2564):
    for code, sold, base_count in (("5607", 1, 2), ("5604", 3, 10)):
        e = make_entrepreneur(code)
        products = [make_product(e) for _ in range(base_count)]
        report = make_report(round_2564, code)
        for p in products[:sold]:
            make_line(report, p, months=[100], baseline=50)
    Target.objects.create(round=round_2564, district_id="5607", official=1)
    Target.objects.create(round=round_2564, district_id="5604", official=8)

    kpi = kpi_for_districts(
        round=round_2564, districts=District.objects.filter(code__in=["5604", "5607"])
    )

    assert [r.code for r in kpi.rows] == ["5604", "5607"]
    assert kpi.total.sold_online == 4
    assert kpi.total.target == 9
    assert kpi.total.target_official == 9
    assert kpi.total.achievement_pct == Decimal("44.44")  # 4/9, not the mean of 37.5 and 100
    assert kpi.total.sales_round == Decimal("400.00")
    assert kpi.total.sales_growth_pct == Decimal("100.00")


def test_its_total_official_target_sums_the_targets_that_are_set(round_2564):
    districts = District.objects.filter(code__in=["5604", "5607"])
    assert kpi_for_districts(round=round_2564, districts=districts).total.target_official is None
    Target.objects.create(round=round_2564, district_id="5607", official=5)
    kpi = kpi_for_districts(round=round_2564, districts=districts)
    assert kpi.total.target_official == 5
    assert kpi.total.target == 5  # 5604 has no base, so its computed target is 0


def test_it_shows_statuses_from_the_survey_and_report(round_2564):
    Survey.objects.create(round=round_2564, district_id="5607", status="submitted", late=True)
    make_report(round_2564, "5607", status="approved")
    make_report(round_2564, "5604", status="returned")
    kpi = kpi_for_province(round=round_2564, province=Province.objects.get(code="56"))
    row = _row(kpi, "5607")
    assert (row.survey_status, row.survey_late, row.report_status) == (
        "submitted",
        True,
        "approved",
    )
    assert row.report_updated_at is not None
    assert _row(kpi, "5601").report_status == "not_started"
    # The province shows its least advanced district.
    assert kpi.total.report_status == "not_started"
    assert kpi.total.report_status_counts == {"not_started": 7, "approved": 1, "returned": 1}


def test_its_json_has_the_fields_of_the_issue(round_2564, official_targets):
    data = kpi_for_province(round=round_2564, province=Province.objects.get(code="56")).as_json()
    assert data["round"] == "2564-2"
    assert data["province"] == "56"
    first = data["districts"][0]
    assert first["code"] == "5601"
    assert first["name"] == "เมืองพะเยา"
    for key in (
        "entrepreneurs",
        "products",
        "target_computed",
        "target_official",
        "target",
        "sold_online",
        "achievement_pct",
        "target_met",
        "sales_round",
        "sales_baseline",
        "sales_growth_pct",
        "survey_status",
        "report_status",
    ):
        assert key in first
        assert key in data["total"]
    assert first["target_official"] == 60
    assert first["report_status"] == "not_started"
    assert data["total"]["target"] == 215


def test_it_aggregates_provinces_for_the_country(round_2564):
    bulk_district_data(round_2564, ["5601", "5607", "5001"])
    kpi = kpi_for_country(round=round_2564)
    assert len(kpi.rows) == Province.objects.count()
    phayao = _row(kpi, "56")
    assert phayao.name == "พะเยา"
    assert phayao.sold_online == 4
    assert phayao.products == 8
    assert phayao.districts == District.objects.filter(province_id="56").count()
    assert _row(kpi, "50").sold_online == 2
    assert kpi.total.sold_online == 6
    assert kpi.total.sales_round == Decimal("6000.00")
    assert kpi.total.sales_baseline == Decimal("3000.00")
    assert kpi.total.sales_growth_pct == Decimal("100.00")


@pytest.mark.parametrize("count", [9, 90])
def test_its_query_count_does_not_depend_on_the_number_of_districts(
    round_2564, count, django_assert_num_queries
):
    codes = list(District.objects.order_by("code").values_list("code", flat=True)[:count])
    bulk_district_data(round_2564, codes, products_per_district=5)
    districts = District.objects.filter(code__in=codes)
    # Summed live: the builders write with the ORM, so the round has no totals rows.
    with django_assert_num_queries(7):
        kpi = kpi_for_districts(round=round_2564, districts=districts)
    assert len(kpi.rows) == count
    district_totals_refresh(round=round_2564)
    with django_assert_num_queries(2):
        kpi = kpi_for_districts(round=round_2564, districts=districts)
    assert len(kpi.rows) == count
    assert kpi.total.sold_online == 2 * count
    assert kpi.total.products == 5 * count


@pytest.mark.parametrize("count", [9, 90])
def test_the_country_query_count_does_not_depend_on_the_data(
    round_2564, count, django_assert_num_queries
):
    codes = list(District.objects.order_by("code").values_list("code", flat=True)[:count])
    bulk_district_data(round_2564, codes)
    with django_assert_num_queries(8):
        kpi = kpi_for_country(round=round_2564)
    assert kpi.total.sold_online == 2 * count
    district_totals_refresh(round=round_2564)
    with django_assert_num_queries(3):
        kpi = kpi_for_country(round=round_2564)
    assert kpi.total.sold_online == 2 * count


def test_it_explains_which_products_counted_as_sold_and_why(round_2564):
    e = make_entrepreneur("5607")
    sold = make_product(e, name="ขายได้")
    no_sales = make_product(e, name="ไม่มียอด")
    unlisted = make_product(e, name="ไม่อยู่ในรายงาน")
    cancelled = make_product(e, name="ยกเลิกแล้ว", status="cancelled")
    old = make_product(e, name="เก่า", registered_year=2550)
    report = make_report(round_2564, "5607")
    make_line(report, sold, months=[10])
    make_line(report, no_sales, months=[0])
    make_line(report, cancelled, months=[10])
    make_line(report, old, months=[10])
    district = District.objects.get(code="5607")

    figures = kpi_products(round=round_2564, district=district, which="sold_online")
    why = {f.name: f.why for f in figures}

    assert why == {
        "ขายได้": Why.SOLD,
        "ไม่มียอด": Why.LISTED_NO_SALES,
        "ไม่อยู่ในรายงาน": Why.NOT_LISTED,
        "ยกเลิกแล้ว": Why.CANCELLED,
        "เก่า": Why.OUTSIDE_WINDOW,
    }
    assert [f.name for f in figures if f.counted] == ["ขายได้"]
    assert figures[0].name == "ขายได้"
    assert len(kpi_products(round=round_2564, district=district, which="products")) == 3
    assert unlisted.pk not in [
        f.product_id for f in kpi_products(round=round_2564, district=district, which="sales_round")
    ]
