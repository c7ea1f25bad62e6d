"""The sample reports give exactly the figures of expected.json through `kpi --format json`."""

import io
import json

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def _kpi_json(*args) -> dict:
    out = io.StringIO()
    call_command("kpi", "--round", "2564-2", "--format", "json", *args, stdout=out)
    return json.loads(out.getvalue())


def test_the_sample_reports_give_the_expected_figures(sample_registry, official_targets, samples):
    expected = json.loads((samples / "expected.json").read_text())["report"]
    for code in ("5607", "5604"):
        call_command(
            "import_report",
            str(samples / f"report_{code}.xlsx"),
            "--round",
            "2564-2",
            "--district",
            code,
            stdout=io.StringIO(),
        )

    data = _kpi_json("--province", "56")
    rows = {row["code"]: row for row in data["districts"]}
    for code, figures in expected.items():
        assert rows[code]["sold_online"] == figures["sold_online"]
        assert rows[code]["sales_round"] == figures["sales_round"]
        assert rows[code]["sales_baseline"] == figures["sales_baseline"]
    assert rows["5607"]["target"] == 11
    assert rows["5607"]["target_met"] is True
    assert rows["5607"]["achievement_pct"] == 154.55
    assert rows["5604"]["achievement_pct"] == 16.67
    assert rows["5607"]["sales_growth_pct"] == round((448207.5 - 105800) / 105800 * 100, 2)
    assert rows["5607"]["report_status"] == "draft"
    assert rows["5601"]["report_status"] == "not_started"
    assert data["total"]["sold_online"] == 19
    assert data["total"]["sales_round"] == 448207.5 + 85801.0

    country = _kpi_json()
    phayao = next(row for row in country["districts"] if row["code"] == "56")
    assert phayao["sold_online"] == 19
    assert country["province"] is None
    assert country["total"]["sold_online"] == 19


def test_the_sample_report_uploaded_in_the_browser_gives_the_same_figures(
    client, settings, tmp_path, officer, sample_registry, official_targets, samples
):
    from django.urls import reverse

    from tests.conftest import PASSWORD

    settings.MEDIA_ROOT = tmp_path
    client.login(username=officer.username, password=PASSWORD)
    upload_url = reverse("reports:upload", args=["2564-2", "5607"])
    with open(samples / "report_5607.xlsx", "rb") as fh:
        response = client.post(upload_url, {"file": fh})
    assert response.status_code == 200
    assert "448,207.50" in response.content.decode()  # the preview's round sales
    upload = response.context["upload"]
    client.post(reverse("reports:upload_commit", args=["2564-2", "5607", upload.pk]))

    row = next(r for r in _kpi_json("--province", "56")["districts"] if r["code"] == "5607")
    assert (row["sold_online"], row["sales_round"], row["sales_baseline"]) == (
        17,
        448207.5,
        105800.0,
    )
    html = client.get(reverse("reports:detail", args=["2564-2", "5607"])).content.decode()
    assert "448,207.50" in html
