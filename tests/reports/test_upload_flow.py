"""The report's upload flow as an officer meets it: nothing changes until the commit, a
preview can be reopened, and a blank form is not an answer."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from otop_portal.workflow import Status
from reports.models import Report, ReportLine, ReportUpload
from tests.reports.conftest import data_row, report_file
from tests.reports.test_views import url


def sold(tmp_path, round, name="r.xlsx", **row) -> Path:
    months = row.pop("months", (100, "", "", "", "", ""))
    channels = row.pop("channels", ("1", "", "", "", ""))
    return report_file(
        tmp_path / name,
        round,
        [data_row("560799001", "ผ้าพันคอฝ้าย", months=months, channels=channels, **row)],
    )


def stored_files() -> list[Path]:
    return [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]


def what_changed() -> tuple:
    """Everything an upload must leave alone until it is committed. (A report that was
    not started may get a bare row for the upload to belong to: it stays "not started".)"""
    return (
        list(Report.objects.exclude(status=Status.NOT_STARTED).values_list("status", flat=True)),
        Report.history.count(),
        ReportLine.objects.count(),
        ReportLine.history.count(),
    )


def post_file(client, path: Path):
    with path.open("rb") as fh:
        return client.post(url("upload"), {"file": fh})


def test_a_refused_file_keeps_no_file_and_changes_nothing(
    client, officer, products, round_2564, tmp_path
):
    client.force_login(officer)
    before = what_changed()
    response = post_file(client, sold(tmp_path, round_2564, total=90))
    assert response.status_code == 400
    assert what_changed() == before
    record = ReportUpload.objects.get()
    # The file is not kept; only its marked-up copy is, for the officer to fix (#14).
    assert not record.file
    assert stored_files() == [Path(record.problems_file.path)]
    assert (record.outcome, record.uploaded_by, record.original_name) == (
        "refused",
        officer,
        "r.xlsx",
    )
    assert record.summary["size"] == (tmp_path / "r.xlsx").stat().st_size
    assert record.summary["headline"]


def test_the_upload_page_does_not_start_the_report(client, officer, products):
    client.force_login(officer)
    assert client.get(url("upload")).status_code == 200
    assert not Report.objects.exists()


def test_a_preview_reopens_and_commits(client, officer, products, round_2564, tmp_path):
    client.force_login(officer)
    before = what_changed()
    post_file(client, sold(tmp_path, round_2564))
    assert what_changed() == before
    record = ReportUpload.objects.get()
    reopen = url("upload_reopen", record.pk)
    assert reopen in client.get(url("upload")).content.decode()
    page = client.get(reopen)
    assert page.status_code == 200
    assert "ตัวอย่างการนำเข้า" in page.content.decode()
    assert client.post(url("upload_commit", record.pk)).status_code == 302
    assert ReportLine.objects.get(product=products[0]).month_1 == Decimal("100")
    assert Report.objects.get().status == Status.DRAFT


def test_a_discarded_preview_changes_nothing_and_its_file_goes(
    client, officer, products, round_2564, tmp_path
):
    client.force_login(officer)
    before = what_changed()
    post_file(client, sold(tmp_path, round_2564))
    assert len(stored_files()) == 1
    record = ReportUpload.objects.get()
    client.post(url("upload_discard", record.pk))
    assert what_changed() == before
    assert stored_files() == []


def test_a_blank_form_needs_the_officers_confirmation(
    client, officer, products, round_2564, tmp_path
):
    client.force_login(officer)
    response = post_file(client, sold(tmp_path, round_2564, months=("",) * 6, channels=("",) * 5))
    assert "ไม่มีเครื่องหมายหรือยอดเงินเลยสักช่อง" in response.content.decode()
    record = ReportUpload.objects.get()
    client.post(url("upload_commit", record.pk))
    record.refresh_from_db()
    assert record.outcome == "previewed"
    assert not ReportLine.objects.exists()
    client.post(url("upload_commit", record.pk), {"allow_blank": "1"})
    record.refresh_from_db()
    assert record.outcome == "committed"
    assert ReportLine.objects.count() == 2


def test_the_command_refuses_a_blank_form_without_allow_blank(products, round_2564, tmp_path):
    path = sold(tmp_path, round_2564, months=("",) * 6, channels=("",) * 5)
    args = [str(path), "--round", "2564-2", "--district", "5607"]
    with pytest.raises(CommandError):
        call_command("import_report", *args, stdout=io.StringIO(), stderr=io.StringIO())
    assert not ReportLine.objects.exists()
    call_command("import_report", *args, "--allow-blank", stdout=io.StringIO())
    assert ReportLine.objects.count() == 2


def test_an_outsider_can_neither_upload_nor_reopen_commit_or_discard(
    client, officer, outsider, products, round_2564, tmp_path
):
    client.force_login(officer)
    post_file(client, sold(tmp_path, round_2564))
    record = ReportUpload.objects.get()
    client.force_login(outsider)
    assert post_file(client, sold(tmp_path, round_2564, "x.xlsx")).status_code == 404
    assert client.get(url("upload_reopen", record.pk)).status_code == 404
    assert client.post(url("upload_commit", record.pk)).status_code == 404
    assert client.post(url("upload_discard", record.pk)).status_code == 404
    record.refresh_from_db()
    assert record.outcome == "previewed"
    assert ReportUpload.objects.count() == 1
