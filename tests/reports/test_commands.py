"""The kpi and export_report commands: readable output, clear errors, no traceback."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from reports.services import district_totals_refresh
from tests.conftest import make_entrepreneur, make_product
from tests.reports.conftest import make_line, make_report

pytestmark = pytest.mark.django_db


def _run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_the_kpi_table_shows_the_same_figures_as_the_json(round_2564, official_targets):
    e = make_entrepreneur("5607")
    make_line(make_report(round_2564, "5607"), make_product(e), months=[1000.5], baseline=500)
    district_totals_refresh(round=round_2564)  # the builders write with the ORM
    table = _run("kpi", "--round", "2564-2", "--province", "56", "--format", "table")
    data = json.loads(_run("kpi", "--round", "2564-2", "--province", "56", "--format", "json"))
    row = next(r for r in data["districts"] if r["code"] == "5607")
    line = next(t for t in table.splitlines() if t.startswith("5607"))
    assert "แม่ใจ" in line
    assert "1,000.50" in line and "500.00" in line
    assert f"{row['sales_growth_pct']:,.2f}%" in line
    assert "ร่าง" in line
    assert table.splitlines()[-2].startswith("56")  # the province's total


def test_the_kpi_json_keeps_thai_and_gives_null_for_no_growth(round_2564):
    text = _run("kpi", "--round", "2564-2", "--province", "56", "--format", "json")
    assert "เมืองพะเยา" in text
    data = json.loads(text)
    assert data["districts"][0]["sales_growth_pct"] is None
    assert data["districts"][0]["sales_round"] == 0.0


def test_the_kpi_command_without_a_province_gives_the_country(round_2564):
    data = json.loads(_run("kpi", "--round", "2564-2", "--format", "json"))
    assert data["province"] is None
    assert len(data["districts"]) == 77
    assert data["districts"][0]["code"] == "10"


@pytest.mark.parametrize(
    "args,message",
    [
        (["kpi", "--round", "2599-9"], "2599-9"),
        (["kpi", "--round", "2564-2", "--province", "99"], "99"),
        (["export_report", "--round", "2564-2", "--district", "9999", "-o", "x.xlsx"], "9999"),
        (["export_report", "--round", "2564-2", "--district", "5607", "-o", "x.csv"], ".xlsx"),
        (
            [
                "export_report",
                "--round",
                "2564-2",
                "--district",
                "5607",
                "-o",
                "/nonexistent/x.xlsx",
            ],
            "/nonexistent",
        ),
        (
            ["import_report", "/nonexistent.xlsx", "--round", "2564-2", "--district", "5607"],
            "/nonexistent.xlsx",
        ),
    ],
)
def test_the_commands_explain_bad_arguments(round_2564, args, message):
    with pytest.raises(CommandError) as exc:
        call_command(*args, stdout=io.StringIO())
    assert message in str(exc.value)
