"""Figures that look wrong are flagged with the reason (reports.plausibility)."""

from __future__ import annotations

import io
import json
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports.exports import report_export_write
from reports.models import PlausibilityThresholds, Report, ReportLine
from reports.plausibility import flags_for_districts, flags_for_report, rule_counts

pytestmark = pytest.mark.django_db

#: Columns of attachment 3 (round 2, six months): M..R the months, S the total, L the link.
MONTHS = "MNOPQR"


def import_sample(code: str, samples, tmp_path, edit=None) -> Report:
    """Import the sample report of the district, after `edit(sheet)` plants a mistake."""
    path = samples / f"report_{code}.xlsx"
    if edit is not None:
        book = openpyxl.load_workbook(path)
        edit(book.active)
        path = tmp_path / f"report_{code}.xlsx"
        book.save(path)
    call_command(
        "import_report", str(path), "--round", "2564-2", "--district", code, stdout=io.StringIO()
    )
    return Report.objects.get(round__fiscal_year=2564, round__number=2, district_id=code)


def set_months(sheet, row: int, months) -> None:
    for column, value in zip(MONTHS, months, strict=True):
        sheet[f"{column}{row}"] = value
    sheet[f"S{row}"] = sum(months)


def plausibility_json(*args) -> dict:
    out = io.StringIO()
    call_command("plausibility", "--round", "2564-2", "--format", "json", *args, stdout=out)
    return json.loads(out.getvalue())


def test_it_finds_nothing_wrong_in_the_sample_reports(sample_registry, samples, tmp_path):
    for code in ("5604", "5607"):
        report = import_sample(code, samples, tmp_path)
        with_sales = ReportLine.objects.filter(report=report).exclude(
            month_1=0, month_2=0, month_3=0, month_4=0, month_5=0, month_6=0
        )
        flags = flags_for_report(report=report)
        # At most 5% of the products with sales; on these two districts that is none.
        assert len({f.product for f in flags}) <= 0.05 * with_sales.count()
        assert flags == []


def flags_of(report, rule):
    return [f for f in flags_for_report(report=report) if f.rule == rule]


def test_it_flags_three_extra_zeros_in_one_month(sample_registry, samples, tmp_path):
    report = import_sample(
        "5607",
        samples,
        tmp_path,
        lambda sheet: set_months(sheet, 12, [4500, 4500, 4500, 4500000, 4500, 4500]),
    )
    [flag] = flags_for_report(report=report)
    assert (flag.rule, flag.entrepreneur) == ("month_spike", "560700008")
    assert flag.product_name == "สบู่สมุนไพรขมิ้น สูตร 3"
    # The line is the row of the district's form as the portal writes it.
    form = io.BytesIO()
    report_export_write(form, round=report.round, district=report.district)
    sheet = openpyxl.load_workbook(form).active
    assert (sheet[f"B{flag.line}"].value, sheet[f"D{flag.line}"].value) == (
        "560700008",
        "สบู่สมุนไพรขมิ้น สูตร 3",
    )
    assert "ก.ค. 4,500,000 บาท" in flag.message
    assert "1,000 เท่า" in flag.message
    assert "4,500 บาท" in flag.message


def test_it_flags_a_round_total_far_above_last_year(sample_registry, samples, tmp_path):
    report = import_sample(
        "5607",
        samples,
        tmp_path,
        lambda sheet: set_months(sheet, 9, [50000, 50000, 50000, 0, 0, 0]),
    )
    [flag] = flags_for_report(report=report)
    assert (flag.rule, flag.entrepreneur) == ("above_baseline", "560700007")
    assert flag.product_name == "ยาหม่องไพล สูตร 1"
    assert "150,000 บาท" in flag.message
    assert "(5,000 บาท) 30 เท่า" in flag.message


def test_it_flags_one_rows_months_pasted_onto_other_producers(sample_registry, samples, tmp_path):
    def paste(sheet):
        months = [sheet[f"{c}21"].value for c in MONTHS]
        for row in (20, 22):
            for column, value in zip(MONTHS, months, strict=True):
                sheet[f"{column}{row}"] = value
            sheet[f"S{row}"] = None

    report = import_sample("5607", samples, tmp_path, paste)
    flags = flags_of(report, "copied_months")
    assert [f.entrepreneur for f in flags] == ["560700020", "560700021", "560700022"]
    assert "18,000, 350, 1,200, 0, 350, 350 บาท" in flags[1].message
    assert "2 ราย (560700020, 560700022)" in flags[1].message
    assert [f.rule for f in flags_for_report(report=report)] == ["copied_months"] * 3


def test_it_flags_sales_with_no_channel_and_no_link(sample_registry, samples, tmp_path):
    def clear(sheet):
        for column in "FGHIJKL":
            sheet[f"{column}8"] = None

    report = import_sample("5607", samples, tmp_path, clear)
    [flag] = flags_for_report(report=report)
    assert (flag.rule, flag.entrepreneur) == ("no_channel", "560700005")
    assert "มียอดจำหน่าย 23,700.50 บาท" in flag.message
    # The same rule refuses the report's submission.
    assert report.missing_for_submit()


def test_it_flags_a_bare_domain_and_a_link_shared_by_two_producers(
    sample_registry, samples, tmp_path
):
    def links(sheet):
        sheet["L12"] = "https://shopee.co.th/"
        sheet["L20"] = "https://shopee.co.th/otop560700021"

    report = import_sample("5607", samples, tmp_path, links)
    flags = flags_for_report(report=report)
    assert [(f.rule, f.entrepreneur) for f in flags] == [
        ("bare_link", "560700008"),
        ("shared_link", "560700020"),
        ("shared_link", "560700021"),
    ]
    assert "“https://shopee.co.th/” เป็นหน้าแรกของเว็บไซต์" in flags[0].message
    assert "1 ราย (560700021)" in flags[1].message


def test_it_uses_the_rounds_own_thresholds(sample_registry, samples, tmp_path):
    report = import_sample(
        "5607",
        samples,
        tmp_path,
        lambda sheet: set_months(sheet, 12, [4500, 4500, 4500, 4500000, 4500, 4500]),
    )
    assert not PlausibilityThresholds.objects.exists()  # reading did not save the defaults
    PlausibilityThresholds.objects.create(round=report.round, spike_ratio=Decimal("2000"))
    assert flags_for_report(report=report) == []


def test_it_prints_the_flags_of_a_province_as_json(sample_registry, samples, tmp_path):
    import_sample(
        "5607",
        samples,
        tmp_path,
        lambda sheet: set_months(sheet, 12, [4500, 4500, 4500, 4500000, 4500, 4500]),
    )
    import_sample("5604", samples, tmp_path)
    data = plausibility_json("--province", "56")
    assert data["round"] == "2564-2"
    [flag] = data["flags"]
    assert flag["district"] == "5607"
    assert flag["entrepreneur"] == "560700008"
    assert flag["line"] == 21  # the row of the district's form (the sample lists fewer)
    assert flag["rule"] == "month_spike"
    assert "4,500,000" in flag["message"]
    assert set(flag) == {"district", "product", "entrepreneur", "line", "rule", "message"}
    assert plausibility_json("--district", "5604")["flags"] == []


def test_it_prints_a_table_and_refuses_an_unknown_round(sample_registry, samples, tmp_path):
    from django.core.management.base import CommandError

    import_sample(
        "5607",
        samples,
        tmp_path,
        lambda sheet: set_months(sheet, 12, [4500, 4500, 4500, 4500000, 4500, 4500]),
    )
    out = io.StringIO()
    call_command("plausibility", "--round", "2564-2", "--district", "5607", stdout=out)
    assert "[month_spike]" in out.getvalue()
    assert "พบ 1 รายการที่ควรตรวจสอบ" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("plausibility", "--round", "2599-2", stdout=io.StringIO())


def test_it_reads_any_number_of_lines_in_the_same_number_of_queries(
    sample_registry, samples, tmp_path
):
    from districts.models import District

    round = import_sample("5604", samples, tmp_path).round
    with CaptureQueriesContext(connection) as one:
        flags_for_districts(round=round, districts=District.objects.filter(code="5604"))
    import_sample("5607", samples, tmp_path)
    with CaptureQueriesContext(connection) as two:
        flags = flags_for_districts(round=round, districts=District.objects.filter(province="56"))
    assert len(one) == len(two)
    assert rule_counts(flags) == dict.fromkeys(rule_counts([]), 0)


def test_it_explains_in_english_when_the_ui_is_english(sample_registry, samples, tmp_path):
    from django.utils import translation

    report = import_sample(
        "5607",
        samples,
        tmp_path,
        lambda sheet: set_months(sheet, 12, [4500, 4500, 4500, 4500000, 4500, 4500]),
    )
    [flag] = flags_for_report(report=report)
    # Worded when read: the flags the totals keep serve pages in either language.
    with translation.override("en"):
        assert flag.message.startswith("Sales in Jul of 4,500,000 baht are 1,000 times")
    with translation.override("th"):
        assert flag.message.startswith("ยอดเดือน ก.ค. 4,500,000 บาท")


def test_it_lets_the_admin_set_a_rounds_thresholds(client, admin, round_2564):
    from django.urls import reverse

    from tests.conftest import PASSWORD

    client.login(username=admin.username, password=PASSWORD)
    url = reverse("admin:reports_plausibilitythresholds_add")
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "round": round_2564.pk,
            "spike_ratio": "200",
            "spike_min_amount": "50000",
            "baseline_ratio": "20",
            "baseline_min_total": "100000",
            "copy_min_months": "3",
            "copy_min_entrepreneurs": "2",
        },
    )
    assert response.status_code == 302
    assert PlausibilityThresholds.objects.get(round=round_2564).spike_ratio == 200


def test_it_compares_with_last_years_round_when_there_is_one(sample_registry, samples, tmp_path):
    from products.models import Product
    from tests.conftest import make_round
    from tests.reports.conftest import make_line, make_report

    last_year = make_report(make_round("2563-2"), "5607")
    product = Product.objects.get(entrepreneur__code="560700007", name="ยาหม่องไพล สูตร 1")
    make_line(last_year, product, months=[1000, 1000, 1000])
    report = import_sample(
        "5607",
        samples,
        tmp_path,
        lambda sheet: set_months(sheet, 9, [50000, 50000, 50000, 0, 0, 0]),
    )
    [flag] = flags_for_report(report=report)
    assert flag.rule == "above_baseline"
    assert "รอบ 2563-2 ของผลิตภัณฑ์นี้ (3,000 บาท) 50 เท่า" in flag.message


def test_it_flags_the_round_total_typed_into_last_years_column(sample_registry, samples, tmp_path):
    def total_in_t(sheet):
        sheet["T9"] = "37,550"  # the round total of row 9 (S9), typed where last year belongs

    report = import_sample("5607", samples, tmp_path, total_in_t)
    [flag] = flags_for_report(report=report)
    assert (flag.rule, flag.entrepreneur) == ("total_in_wrong_column", "560700007")
    assert flag.product_name == "ยาหม่องไพล สูตร 1"
    assert "ยอดช่วงเดียวกันของปีก่อน 37,550 บาท เท่ากับยอดรวมรอบนี้พอดี" in flag.message


def test_it_flags_the_round_total_typed_into_a_month(sample_registry, samples, tmp_path):
    def total_in_august(sheet):
        months = [Decimal("1234.56"), Decimal("2210.25"), 0, Decimal("987.70"), 0, 0]
        months[4] = sum(months)  # 4,432.51: the total, typed into ส.ค.
        set_months(sheet, 12, months)
        sheet["S12"] = None  # the total column left empty, as officers often do

    report = import_sample("5607", samples, tmp_path, total_in_august)
    [flag] = flags_for_report(report=report)
    assert (flag.rule, flag.entrepreneur) == ("total_in_wrong_column", "560700008")
    assert "ยอดเดือน ส.ค. 4,432.51 บาท เท่ากับผลรวมของเดือนอื่นพอดี" in flag.message
    assert "ยอดรวมรอบนี้ (8,865.02 บาท) จึงเป็นสองเท่าของยอดจริง" in flag.message


def test_it_does_not_take_the_units_of_one_price_for_a_total(sample_registry, samples, tmp_path):
    # 1 + 1 + 2 + 4 pieces at 350 baht: a month is the sum of the others by chance.
    report = import_sample(
        "5607",
        samples,
        tmp_path,
        lambda sheet: set_months(sheet, 12, [350, 350, 0, 700, 1400, 0]),
    )
    assert flags_for_report(report=report) == []


def test_it_takes_the_front_page_of_an_entrepreneurs_own_site_for_its_shop(
    sample_registry, samples, tmp_path
):
    def links(sheet):
        sheet["L12"] = "https://www.baanmaejai-otop.com/"
        sheet["L8"] = "https://www.facebook.com/"

    report = import_sample("5607", samples, tmp_path, links)
    assert [(f.rule, f.entrepreneur) for f in flags_for_report(report=report)] == [
        ("bare_link", "560700005")
    ]
