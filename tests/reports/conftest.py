"""Builders for the reports tests: reports and lines in bulk, and the sample registry."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest

from districts.models import Subdistrict
from products.models import Entrepreneur, Product, Target
from reports.models import Report, ReportLine

_serial = itertools.count(1)


def make_report(round, district: str, **overrides) -> Report:
    return Report.objects.create(round=round, district_id=district, **overrides)


def make_line(report: Report, product, months=(), baseline=None, **overrides) -> ReportLine:
    values = {f"month_{i + 1}": Decimal(str(v)) for i, v in enumerate(months)}
    values.update(overrides)
    return ReportLine.objects.create(
        report=report, product=product,
        sales_baseline=Decimal(str(baseline)) if baseline is not None else None, **values,
    )


def bulk_district_data(round, district_codes: list[str], *, products_per_district: int = 4,
                       sold_per_district: int = 2) -> None:
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
        Entrepreneur(code=f"B{n}-{d}-{i}", name=f"ผู้ประกอบการ {d} {i}", type=1,
                     subdistrict_id=subdistricts[d], district_id=d)
        for d in district_codes for i in range(products_per_district)
    ]
    Entrepreneur.objects.bulk_create(entrepreneurs)
    entrepreneurs = {e.code: e for e in Entrepreneur.objects.filter(code__startswith=f"B{n}-")}
    products = []
    for d in district_codes:
        for i in range(products_per_district):
            e = entrepreneurs[f"B{n}-{d}-{i}"]
            products.append(Product(entrepreneur=e, district_id=d, code=f"B{n}-{d}-{i}-P",
                                    name=f"สินค้า {i}", type=1, registered_year=2560))
        e = entrepreneurs[f"B{n}-{d}-0"]
        products.append(Product(entrepreneur=e, district_id=d, code=f"B{n}-{d}-OLD",
                                name="สินค้าเก่า", type=1, registered_year=2550))
    Product.objects.bulk_create(products)
    Report.objects.bulk_create([Report(round=round, district_id=d) for d in district_codes])
    reports = {r.district_id: r for r in Report.objects.filter(round=round, district_id__in=district_codes)}
    lines = []
    for p in Product.objects.filter(code__startswith=f"B{n}-"):
        index = p.code.rsplit("-", 2)
        sold = p.registered_year == 2550 or int(index[-2]) < sold_per_district
        lines.append(ReportLine(
            report=reports[p.district_id], product=p,
            month_1=Decimal("1000") if sold else Decimal("0"),
            sales_baseline=Decimal("500") if sold else None,
        ))
    ReportLine.objects.bulk_create(lines)


@pytest.fixture
def official_targets(round_2564, samples):
    """The official targets of Phayao (expected.json), as the targets import would set them."""
    import json

    figures = json.loads((samples / "expected.json").read_text())["targets_official"]
    Target.objects.bulk_create(
        [Target(round=round_2564, district_id=code, official=value) for code, value in figures.items()]
    )
    return figures
