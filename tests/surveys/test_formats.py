"""The survey form is read the same from .xls, .ods and a LibreOffice-saved .xlsx.

The files in tests/fixtures/libreoffice were made from tests/fixtures/samples/survey_5607.xlsx
with `soffice --headless --convert-to xls|ods|xlsx`, as offices on older Excel or
LibreOffice would save them.
"""

import json
from pathlib import Path

import pytest

from surveys import services
from tests.surveys.test_import import district, readiness

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "libreoffice"


@pytest.mark.parametrize(
    "filename",
    [
        "survey_5607.xls",
        "survey_5607.ods",
        "survey_5607_libreoffice.xlsx",
        "../sheetjs/survey_5607.ods",
        "../sheetjs/survey_5607.xls",
        "../sheetjs/survey_5607.xlsx",
    ],
)
def test_it_reads_the_form_saved_by_older_excel_or_libreoffice(sample_registry, samples, filename):
    expected = json.loads((samples / "expected.json").read_text())["survey"]["5607"]
    with (FIXTURES / filename).open("rb") as fh:
        services.survey_import(
            round=sample_registry, district=district("5607"), file=fh, name=Path(filename).name
        )
    figures = readiness(sample_registry, "5607")
    assert (
        figures.trained,
        figures.selling,
        figures.standard,
        figures.products_ready,
        float(figures.sales_prev),
    ) == (
        expected["trained"],
        expected["selling"],
        expected["standard"],
        expected["product_ready"],
        expected["sales_prev"],
    )
