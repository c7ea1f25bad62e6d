"""Builders for the reports tests: reports and lines in bulk, and the sample registry."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest

from districts.models import Subdistrict
from products.models import Entrepreneur, Product, Target
from reports.models import Report, ReportLine
from tests.conftest import make_entrepreneur, make_product

_serial = itertools.count(1)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    # Uploaded files go to the test's own folder.
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def products(round_2564):
    """One entrepreneur of 5607 with two base products."""
    e = make_entrepreneur("5607", code="560799001", name="กลุ่มทอผ้า")
    return [make_product(e, name="ผ้าพันคอฝ้าย"), make_product(e, name="กาแฟดอยหลวง")]


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """The cast logs in many times; a fast hasher keeps these tests quick. Autouse, so it is
    in place before the user fixtures hash their passwords."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def make_report(round, district: str, **overrides) -> Report:
    return Report.objects.create(round=round, district_id=district, **overrides)


def make_line(report: Report, product, months=(), baseline=None, **overrides) -> ReportLine:
    values = {f"month_{i + 1}": Decimal(str(v)) for i, v in enumerate(months)}
    values.update(overrides)
    return ReportLine.objects.create(
        report=report,
        product=product,
        sales_baseline=Decimal(str(baseline)) if baseline is not None else None,
        **values,
    )


def bulk_district_data(
    round, district_codes: list[str], *, products_per_district: int = 4, sold_per_district: int = 2
) -> None:
    """For each district: entrepreneurs and base products, a report whose first
    `sold_per_district` lines sold 1,000 baht in month 1 with a 500 baht baseline, and one
    product outside the window that sold (which must not count). Built with bulk_create,
    so 90 districts take a handful of queries."""
    subdistricts = {}
    for code, district_id in Subdistrict.objects.filter(district_id__in=district_codes).values_list(
        "code", "district_id"
    ):
        subdistricts.setdefault(district_id, code)
    n = next(_serial)
    entrepreneurs = [
        Entrepreneur(
            code=f"B{n}-{d}-{i}",
            name=f"ผู้ประกอบการ {d} {i}",
            type=1,
            subdistrict_id=subdistricts[d],
            district_id=d,
        )
        for d in district_codes
        for i in range(products_per_district)
    ]
    Entrepreneur.objects.bulk_create(entrepreneurs)
    entrepreneurs = {e.code: e for e in Entrepreneur.objects.filter(code__startswith=f"B{n}-")}
    products = []
    for d in district_codes:
        for i in range(products_per_district):
            e = entrepreneurs[f"B{n}-{d}-{i}"]
            products.append(
                Product(
                    entrepreneur=e,
                    district_id=d,
                    code=f"B{n}-{d}-{i}-P",
                    name=f"สินค้า {i}",
                    type=1,
                    registered_year=2560,
                )
            )
        e = entrepreneurs[f"B{n}-{d}-0"]
        products.append(
            Product(
                entrepreneur=e,
                district_id=d,
                code=f"B{n}-{d}-OLD",
                name="สินค้าเก่า",
                type=1,
                registered_year=2550,
            )
        )
    Product.objects.bulk_create(products)
    Report.objects.bulk_create([Report(round=round, district_id=d) for d in district_codes])
    reports = {
        r.district_id: r for r in Report.objects.filter(round=round, district_id__in=district_codes)
    }
    lines = []
    for p in Product.objects.filter(code__startswith=f"B{n}-"):
        index = p.code.rsplit("-", 2)
        sold = p.registered_year == 2550 or int(index[-2]) < sold_per_district
        lines.append(
            ReportLine(
                report=reports[p.district_id],
                product=p,
                month_1=Decimal("1000") if sold else Decimal("0"),
                sales_baseline=Decimal("500") if sold else None,
            )
        )
    ReportLine.objects.bulk_create(lines)


@pytest.fixture
def official_targets(round_2564, samples):
    """The official targets of Phayao, imported from the sample attachment 1 by the targets
    service; returns expected.json's figures, which the import must have set."""
    import json

    from products.services.targets import targets_import

    with open(samples / "targets_official.xlsx", "rb") as fh:
        targets_import(round=round_2564, file=fh, name="targets_official.xlsx")
    figures = json.loads((samples / "expected.json").read_text())["targets_official"]
    assert (
        dict(Target.objects.filter(round=round_2564).values_list("district_id", "official"))
        == figures
    )
    return figures


@pytest.fixture
def sample_registry(round_2564, samples):
    """The sample registry as of 1 April 2564 (2021), imported by the registry service."""
    import datetime as dt

    from products.services.registry import registry_import_file

    return registry_import_file(
        file=samples / "registry.xlsx", as_of=dt.date(2021, 4, 1), name="registry.xlsx"
    )


def h1_h2(round) -> tuple[list, list]:
    """The two header rows of attachment 3 for the round, as the writer writes them."""
    from reports import workbook as wb

    n = len(round.months())
    h1 = [
        wb.H_NUMBER,
        wb.H_CODE,
        wb.H_ENTREPRENEUR,
        wb.H_PRODUCT,
        wb.H_TYPE,
        wb.H_CHANNELS,
        "",
        "",
        "",
        "",
        "",
        wb.H_URL,
        wb.H_MONTHS.format(number="๒"),
        *([""] * (n - 1)),
        wb.H_TOTAL.format(number="๒"),
        wb.H_BASELINE.format(period=wb.baseline_period(round)),
        wb.H_NOTE,
    ]
    h2 = [
        "",
        "",
        "",
        "",
        "",
        *(label for _, label in wb.CHANNELS),
        wb.H_OTHER,
        "",
        *round.month_labels,
        "",
        "",
        "",
    ]
    return h1, h2


def report_file(
    path, round, rows: list[list], *, header: tuple[list, list] | None = None, title_rows: int = 4
):
    """Write an attachment-3 workbook as an officer would fill it: titles, the two header
    rows, the given data rows (lists of cells from column A), and the total row."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Sheet"
    for i in range(title_rows):
        sheet.append(["แบบรายงานผล" if i == 1 else ""])
    h1, h2 = header or h1_h2(round)
    sheet.append(h1)
    sheet.append(h2)
    for row in rows:
        sheet.append(row)
    sheet.append(["รวม"])
    book.save(path)
    return path


def data_row(
    code,
    product,
    *,
    channels=("", "", "", "", ""),
    other="",
    url="",
    months=("", "", "", "", "", ""),
    total="",
    baseline="",
    note="",
    number=1,
    entrepreneur="ผู้ประกอบการ",
    type_="อาหาร",
) -> list:
    return [
        number,
        code,
        entrepreneur,
        product,
        type_,
        *channels,
        other,
        url,
        *months,
        total,
        baseline,
        note,
    ]
