"""Fixtures of the plans tests: the sample registry, official targets, surveys and reports
imported through the apps' own services, and builders for small districts."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from districts.models import District
from tests.conftest import make_entrepreneur, make_product


@pytest.fixture(autouse=True)
def _thai():
    """Tests assert on the Thai text users read, whatever an earlier test activated."""
    from django.utils import translation

    with translation.override("th"):
        yield


@pytest.fixture(autouse=True)
def _isolated_media(settings, tmp_path):
    # Imports keep the uploaded files: they go to the test's own folder.
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def sample_registry(round_2564, samples):
    """The sample registry as of 1 April 2564 (2021), imported by the registry service."""
    from products.services.registry import registry_import_file

    registry_import_file(
        file=samples / "registry.xlsx", as_of=dt.date(2021, 4, 1), name="registry.xlsx"
    )
    return round_2564


@pytest.fixture
def official_targets(sample_registry, samples):
    """The official targets of Phayao, imported from the sample attachment 1."""
    from products.services.targets import targets_import

    with open(samples / "targets_official.xlsx", "rb") as fh:
        targets_import(round=sample_registry, file=fh, name="targets_official.xlsx")
    return sample_registry


def import_sample_survey(round, samples, code: str) -> None:
    from surveys.services import survey_import

    with (samples / f"survey_{code}.xlsx").open("rb") as fh:
        survey_import(
            round=round,
            district=District.objects.get(code=code),
            file=fh,
            name=f"survey_{code}.xlsx",
        )


def import_sample_report(samples, code: str) -> None:
    call_command(
        "import_report",
        str(samples / f"report_{code}.xlsx"),
        "--round",
        "2564-2",
        "--district",
        code,
        stdout=io.StringIO(),
    )


@pytest.fixture
def sample_data(official_targets, samples):
    """Registry, official targets, and the sample survey and report of 5607 and 5604."""
    for code in ("5607", "5604"):
        import_sample_survey(official_targets, samples, code)
        import_sample_report(samples, code)
    return official_targets


def answer(
    round,
    district: str,
    product,
    *,
    ready=None,
    trained=None,
    selling=None,
    standard=None,
    sales=None,
):
    """Answer the survey for a product (ready) and its entrepreneur (the rest). An answer
    left as None is not given."""
    from surveys.models import EntrepreneurAnswer, ProductAnswer, Survey

    survey, _ = Survey.objects.get_or_create(round=round, district_id=district)
    now = timezone.now()
    if ready is not None:
        ProductAnswer.objects.update_or_create(
            survey=survey, product=product, defaults={"ready": ready, "answered_at": now}
        )
    if trained is not None:
        EntrepreneurAnswer.objects.update_or_create(
            survey=survey,
            entrepreneur=product.entrepreneur,
            defaults={
                "trained": trained,
                "selling_online": bool(selling),
                "has_standard": bool(standard),
                "sales_prev_year": Decimal(str(sales or 0)),
                "answered_at": now,
            },
        )
    return survey


def sell(round, product, amount="1000"):
    """A report line with sales for the product: it counts as sold online."""
    from reports.models import Report, ReportLine

    report, _ = Report.objects.get_or_create(round=round, district_id=product.district_id)
    return ReportLine.objects.create(report=report, product=product, month_1=Decimal(amount))


def build_district(
    round, district: str, *, products: int, ready: int, sold: int, target: int | None = None
):
    """A district with `products` base products, each its own entrepreneur: the first
    `sold` sold online, the next `ready` ready and unsold, the rest answered not ready.
    With `target`, an official target is set."""
    from products.models import Target

    made = []
    for i in range(products):
        e = make_entrepreneur(district)
        p = make_product(e)
        made.append(p)
        if i < sold:
            sell(round, p)
            answer(round, district, p, ready=True, trained=True, selling=True)
        else:
            is_ready = i < sold + ready
            answer(round, district, p, ready=is_ready, trained=is_ready, selling=False)
    if target is not None:
        Target.objects.update_or_create(
            round=round, district_id=district, defaults={"official": target}
        )
    return made
