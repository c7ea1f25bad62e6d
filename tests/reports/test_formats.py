"""The report form is read the same from .xls, .ods and a LibreOffice-saved .xlsx
(files made from tests/fixtures/samples/report_5607.xlsx with LibreOffice)."""

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "libreoffice"

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "filename",
    [
        "report_5607.xls",
        "report_5607.ods",
        "report_5607_libreoffice.xlsx",
        "../sheetjs/report_5607.ods",
        "../sheetjs/report_5607.xls",
        "../sheetjs/report_5607.xlsx",
    ],
)
def test_it_reads_the_form_saved_by_older_excel_or_libreoffice(
    sample_registry, official_targets, samples, filename
):
    expected = json.loads((samples / "expected.json").read_text())["report"]["5607"]
    call_command(
        "import_report",
        str(FIXTURES / filename),
        "--round",
        "2564-2",
        "--district",
        "5607",
        stdout=io.StringIO(),
    )
    out = io.StringIO()
    call_command("kpi", "--round", "2564-2", "--province", "56", "--format", "json", stdout=out)
    row = next(r for r in json.loads(out.getvalue())["districts"] if r["code"] == "5607")
    assert (row["sold_online"], row["sales_round"], row["sales_baseline"]) == (
        expected["sold_online"],
        expected["sales_round"],
        expected["sales_baseline"],
    )
