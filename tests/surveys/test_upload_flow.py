"""The survey's upload flow as an officer meets it: nothing changes until the commit, a
preview can be reopened, expires after a day, and a blank form is not an answer."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from districts.models import District
from otop_portal.workflow import Status
from surveys import selectors
from surveys.models import EntrepreneurAnswer, ProductAnswer, Survey, SurveyUpload
from tests.surveys.test_views import exported

ROUND = "2564-2"


def url(name: str, code: str = "5607", **kwargs) -> str:
    return reverse(f"surveys:{name}", kwargs={"round_code": ROUND, "code": code, **kwargs})


def form_file(round, name: str = "แบบสำรวจ.xlsx", edit=None) -> io.BytesIO:
    """The district's attachment 2 as the portal writes it, edited as an officer would."""
    out = exported(round)
    if edit is not None:
        wb = openpyxl.load_workbook(out)
        edit(wb.active)
        out = io.BytesIO()
        wb.save(out)
    out.seek(0)
    out.name = name
    return out


def filled(ws) -> None:
    ws["L7"] = 1
    ws["P7"] = "๑๒,๕๐๐"


def stored_files() -> list[Path]:
    return [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]


def what_changed() -> tuple:
    """Everything an upload must leave alone until it is committed. (A survey that was
    not started may get a bare row for the upload to belong to: it stays "not started".)"""
    return (
        list(Survey.objects.exclude(status=Status.NOT_STARTED).values_list("status", flat=True)),
        Survey.history.count(),
        EntrepreneurAnswer.objects.count(),
        EntrepreneurAnswer.history.count(),
        ProductAnswer.objects.count(),
        ProductAnswer.history.count(),
    )


@pytest.fixture
def logged_in(client, officer, small_registry):
    client.force_login(officer)
    return client


class TestNothingChangesUntilCommit:
    def test_it_keeps_no_file_and_changes_nothing_when_a_file_is_refused(
        self, logged_in, small_registry, officer
    ):
        before = what_changed()
        bad = form_file(
            small_registry["round"], "bad.xlsx", lambda ws: ws.__setitem__("P7", "สองพัน")
        )
        response = logged_in.post(url("upload"), {"file": bad})
        assert response.status_code == 422
        assert "สองพัน" in response.content.decode()
        assert what_changed() == before
        # The file is not kept; only its marked-up copy is, for the officer to fix (#14).
        assert stored_files() == [Path(SurveyUpload.objects.get().problems_file.path)]
        # The survey was not started: it is still shown as not started.
        assert selectors.survey_for(
            round=small_registry["round"], district=District.objects.get(code="5607")
        ).status in (None, Status.NOT_STARTED)
        # The refusal is recorded: who, when, the file's name and size, and why.
        record = SurveyUpload.objects.get()
        assert (record.outcome, record.uploaded_by, record.original_name) == (
            "refused",
            officer,
            "bad.xlsx",
        )
        assert record.summary["size"] == len(bad.getvalue())
        assert "สองพัน" in record.summary["headline"]
        assert "สองพัน" in logged_in.get(url("upload")).content.decode()

    def test_when_the_server_cannot_start_a_reader_the_officer_is_told_it_is_not_the_file(
        self, logged_in, small_registry, monkeypatch
    ):
        from otop_portal import bounded

        bounded._zygote._stop()
        monkeypatch.setattr(bounded.sys, "executable", "/nonexistent/python")
        before = what_changed()
        response = logged_in.post(url("upload"), {"file": form_file(small_registry["round"])})
        assert response.status_code == 422
        assert str(bounded.MSG_READER_UNAVAILABLE) in response.content.decode()
        assert what_changed() == before
        monkeypatch.undo()  # the next file is read again
        response = logged_in.post(url("upload"), {"file": form_file(small_registry["round"])})
        assert response.status_code == 200 and "/confirm/" in response.content.decode()

    def test_a_discarded_preview_changes_nothing_and_its_file_goes(self, logged_in, small_registry):
        before = what_changed()
        logged_in.post(url("upload"), {"file": form_file(small_registry["round"], edit=filled)})
        record = SurveyUpload.objects.get()
        assert len(stored_files()) == 1
        response = logged_in.post(url("upload_discard", upload_id=record.pk))
        assert response.status_code == 302
        record.refresh_from_db()
        assert record.outcome == "discarded"
        assert what_changed() == before
        assert stored_files() == []

    def test_the_commit_starts_the_survey(self, logged_in, small_registry):
        logged_in.post(url("upload"), {"file": form_file(small_registry["round"], edit=filled)})
        record = SurveyUpload.objects.get()
        logged_in.post(url("upload_confirm", upload_id=record.pk))
        assert Survey.objects.get().status == Status.DRAFT
        assert EntrepreneurAnswer.objects.get(entrepreneur=small_registry["a"]).trained

    def test_a_file_sent_to_a_submitted_survey_is_refused_and_recorded(
        self, logged_in, small_registry, officer
    ):
        survey = Survey.objects.create(
            round=small_registry["round"],
            district=District.objects.get(code="5607"),
            status=Status.SUBMITTED,
        )
        before = what_changed()
        response = logged_in.post(
            url("upload"), {"file": form_file(small_registry["round"], edit=filled)}
        )
        assert response.status_code == 422
        assert "รอจังหวัดตรวจ" in response.content.decode()
        assert what_changed() == before
        assert stored_files() == []
        assert SurveyUpload.objects.get(survey=survey).outcome == "refused"


class TestReopen:
    def test_a_preview_can_be_reopened_from_the_list_and_committed(self, logged_in, small_registry):
        logged_in.post(url("upload"), {"file": form_file(small_registry["round"], edit=filled)})
        record = SurveyUpload.objects.get()
        listing = logged_in.get(url("upload")).content.decode()
        reopen = url("upload_reopen", upload_id=record.pk)
        assert reopen in listing
        page = logged_in.get(reopen)
        assert page.status_code == 200
        assert "ยืนยันนำเข้า" in page.content.decode()
        assert page.context["preview"]["entrepreneurs"]["new"] == 3
        logged_in.post(url("upload_confirm", upload_id=record.pk))
        record.refresh_from_db()
        assert record.outcome == "committed"
        answer = EntrepreneurAnswer.objects.get(entrepreneur=small_registry["a"])
        assert answer.trained
        # A committed upload is no longer offered for reopening.
        assert reopen not in logged_in.get(url("upload")).content.decode()
        assert logged_in.get(reopen).status_code == 302

    def test_a_reopened_preview_can_be_discarded(self, logged_in, small_registry):
        logged_in.post(url("upload"), {"file": form_file(small_registry["round"], edit=filled)})
        record = SurveyUpload.objects.get()
        assert logged_in.get(url("upload_reopen", upload_id=record.pk)).status_code == 200
        logged_in.post(url("upload_discard", upload_id=record.pk))
        record.refresh_from_db()
        assert record.outcome == "discarded"
        assert not EntrepreneurAnswer.objects.filter(trained=True).exists()


class TestExpiry:
    def age(self, record: SurveyUpload, hours: float) -> None:
        SurveyUpload.objects.filter(pk=record.pk).update(
            uploaded_at=record.uploaded_at - dt.timedelta(hours=hours)
        )

    def test_a_preview_older_than_a_day_expires(self, logged_in, small_registry):
        logged_in.post(url("upload"), {"file": form_file(small_registry["round"], edit=filled)})
        record = SurveyUpload.objects.get()
        self.age(record, 25)
        listing = logged_in.get(url("upload")).content.decode()
        assert "หมดอายุ" in listing
        assert url("upload_reopen", upload_id=record.pk) not in listing
        # Reading the list wrote nothing: the file is still there until the prune.
        assert len(stored_files()) == 1
        assert logged_in.get(url("upload_reopen", upload_id=record.pk)).status_code == 302
        response = logged_in.post(url("upload_confirm", upload_id=record.pk), follow=True)
        assert "หมดอายุแล้ว" in response.content.decode()
        assert not EntrepreneurAnswer.objects.filter(trained=True).exists()

    def test_prune_uploads_deletes_the_files_of_expired_previews(self, logged_in, small_registry):
        logged_in.post(url("upload"), {"file": form_file(small_registry["round"], edit=filled)})
        fresh_name = form_file(small_registry["round"], "fresh.xlsx", edit=filled)
        logged_in.post(url("upload"), {"file": fresh_name})
        old = SurveyUpload.objects.exclude(original_name="fresh.xlsx").get()
        self.age(old, 25)
        out = io.StringIO()
        call_command("prune_uploads", "--dry-run", stdout=out)
        assert old.original_name in out.getvalue()
        assert len(stored_files()) == 2
        call_command("prune_uploads", stdout=io.StringIO())
        assert len(stored_files()) == 1
        old.refresh_from_db()
        assert not old.file
        assert SurveyUpload.objects.get(original_name="fresh.xlsx").file

    def test_prune_uploads_deletes_files_older_than_the_setting(
        self, logged_in, small_registry, settings
    ):
        settings.UPLOADS_KEEP_FILES_DAYS = 10
        logged_in.post(url("upload"), {"file": form_file(small_registry["round"], edit=filled)})
        record = SurveyUpload.objects.get()
        logged_in.post(url("upload_confirm", upload_id=record.pk))
        call_command("prune_uploads", stdout=io.StringIO())
        assert len(stored_files()) == 1  # a committed file is kept as provenance
        self.age(record, 11 * 24)
        call_command("prune_uploads", stdout=io.StringIO())
        assert stored_files() == []


class TestBlankForm:
    def test_a_blank_form_is_refused_until_the_officer_confirms_it(self, logged_in, small_registry):
        response = logged_in.post(url("upload"), {"file": form_file(small_registry["round"])})
        assert response.status_code == 200
        assert "ไม่มีเครื่องหมายหรือยอดเงินเลยสักช่อง" in response.content.decode()
        record = SurveyUpload.objects.get()
        response = logged_in.post(url("upload_confirm", upload_id=record.pk), follow=True)
        assert "ไม่มีเครื่องหมายหรือยอดเงินเลยสักช่อง" in response.content.decode()
        record.refresh_from_db()
        assert record.outcome == "previewed"
        assert not EntrepreneurAnswer.objects.filter(answered_at__isnull=False).exists()

        logged_in.post(url("upload_confirm", upload_id=record.pk), {"allow_blank": "1"})
        record.refresh_from_db()
        assert record.outcome == "committed"
        assert EntrepreneurAnswer.objects.filter(answered_at__isnull=False).count() == 3

    def test_the_command_refuses_a_blank_form_without_allow_blank(self, small_registry, tmp_path):
        path = tmp_path / "blank.xlsx"
        path.write_bytes(form_file(small_registry["round"]).getvalue())
        args = [str(path), "--round", ROUND, "--district", "5607"]
        with pytest.raises(CommandError):
            call_command("import_survey", *args, stdout=io.StringIO(), stderr=io.StringIO())
        assert not EntrepreneurAnswer.objects.filter(answered_at__isnull=False).exists()
        call_command("import_survey", *args, "--allow-blank", stdout=io.StringIO())
        assert EntrepreneurAnswer.objects.filter(answered_at__isnull=False).count() == 3


class TestAccess:
    def test_an_outsider_can_neither_upload_nor_reopen_commit_or_discard(
        self, client, logged_in, small_registry, outsider
    ):
        logged_in.post(url("upload"), {"file": form_file(small_registry["round"], edit=filled)})
        record = SurveyUpload.objects.get()
        client.force_login(outsider)
        data = form_file(small_registry["round"], edit=filled)
        assert client.post(url("upload"), {"file": data}).status_code == 404
        assert client.get(url("upload_reopen", upload_id=record.pk)).status_code == 404
        assert client.post(url("upload_confirm", upload_id=record.pk)).status_code == 404
        assert client.post(url("upload_discard", upload_id=record.pk)).status_code == 404
        record.refresh_from_db()
        assert record.outcome == "previewed"
        assert SurveyUpload.objects.count() == 1

    def test_reopen_answers_only_get(self, logged_in, small_registry):
        logged_in.post(url("upload"), {"file": form_file(small_registry["round"], edit=filled)})
        record = SurveyUpload.objects.get()
        assert logged_in.post(url("upload_reopen", upload_id=record.pk)).status_code == 405


class TestKeptReading:
    """A preview keeps what it read of the file, and its commit imports that instead of
    reading the file again (issue #19); the commit still checks the database again."""

    def reads(self, monkeypatch) -> list:
        from surveys import workbook

        calls = []
        read_survey = workbook.read_survey

        def counted(*args, **kwargs):
            calls.append(1)
            return read_survey(*args, **kwargs)

        monkeypatch.setattr(workbook, "read_survey", counted)
        return calls

    def test_the_commit_saves_what_the_preview_read_without_reading_the_file_again(
        self, logged_in, small_registry, monkeypatch
    ):
        reads = self.reads(monkeypatch)
        edit = lambda ws: (filled(ws), ws.__setitem__("P7", " ๑๒,๕๐๐.๕๐ "))  # noqa: E731
        logged_in.post(url("upload"), {"file": form_file(small_registry["round"], edit=edit)})
        record = SurveyUpload.objects.get()
        assert reads == [1]
        assert record.read["rows"]

        logged_in.post(url("upload_confirm", upload_id=record.pk))
        assert reads == [1]
        answer = EntrepreneurAnswer.objects.get(entrepreneur=small_registry["a"])
        assert answer.trained and answer.sales_prev_year == Decimal("12500.50")
        record.refresh_from_db()
        assert record.outcome == "committed" and record.read is None

    def test_the_commit_reads_the_kept_reading_once(self, logged_in, small_registry):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        logged_in.post(url("upload"), {"file": form_file(small_registry["round"], edit=filled)})
        record = SurveyUpload.objects.get()

        with CaptureQueriesContext(connection) as queries:
            response = logged_in.post(url("upload_confirm", upload_id=record.pk))

        assert response.status_code == 302
        reading = [
            q["sql"]
            for q in queries.captured_queries
            if '"surveys_surveyupload"."read"' in q["sql"]
            and q["sql"].startswith(("SELECT", "EXECUTE"))
        ]
        # The upload's row under its lock, where the commit takes the rows from.
        assert len(reading) == 1, reading
        assert EntrepreneurAnswer.objects.get(entrepreneur=small_registry["a"]).trained

    def test_a_reading_kept_in_another_format_is_read_again_from_the_file(
        self, logged_in, small_registry, monkeypatch
    ):
        logged_in.post(url("upload"), {"file": form_file(small_registry["round"], edit=filled)})
        record = SurveyUpload.objects.get()
        SurveyUpload.objects.filter(pk=record.pk).update(read={"version": 0})
        reads = self.reads(monkeypatch)
        logged_in.post(url("upload_confirm", upload_id=record.pk))
        assert reads == [1]
        assert EntrepreneurAnswer.objects.get(entrepreneur=small_registry["a"]).trained

    def test_a_discarded_preview_keeps_nothing_of_its_reading(self, logged_in, small_registry):
        logged_in.post(url("upload"), {"file": form_file(small_registry["round"], edit=filled)})
        record = SurveyUpload.objects.get()
        logged_in.post(url("upload_discard", upload_id=record.pk))
        record.refresh_from_db()
        assert record.read is None

    def test_the_commit_checks_the_kept_rows_against_the_registry_again(
        self, logged_in, small_registry
    ):
        logged_in.post(url("upload"), {"file": form_file(small_registry["round"], edit=filled)})
        record = SurveyUpload.objects.get()
        # The kept rows now name an entrepreneur the district's registry does not have.
        read = record.read
        read["rows"][0][1] = "999999999"
        SurveyUpload.objects.filter(pk=record.pk).update(read=read)
        before = what_changed()
        response = logged_in.post(url("upload_confirm", upload_id=record.pk), follow=True)
        assert "999999999" in response.content.decode()
        assert what_changed() == before
        record.refresh_from_db()
        assert record.outcome == "refused" and record.read is None


def test_the_upload_page_lists_the_ten_newest_uploads_and_who_sent_them(
    logged_in, small_registry, officer, colleague
):
    import datetime as dt

    from django.utils import timezone

    survey = Survey.objects.create(round=small_registry["round"], district_id="5607")
    start = timezone.now() - dt.timedelta(days=1)
    for n in range(12):
        record = SurveyUpload.objects.create(
            survey=survey,
            original_name=f"ไฟล์-{n:02d}.xlsx",
            uploaded_by=colleague if n == 11 else officer,
            outcome="committed",
        )
        SurveyUpload.objects.filter(pk=record.pk).update(uploaded_at=start + dt.timedelta(hours=n))

    page = logged_in.get(url("upload")).content.decode()

    listed = page.split("ไฟล์ที่อัปโหลดล่าสุด")[1].split("</ul>")[0]
    names = [f"ไฟล์-{n:02d}.xlsx" for n in range(12) if f"ไฟล์-{n:02d}.xlsx" in listed]
    assert names == [f"ไฟล์-{n:02d}.xlsx" for n in range(2, 12)]
    assert listed.index("ไฟล์-11.xlsx") < listed.index("ไฟล์-10.xlsx")  # newest first
    assert "ไฟล์-11.xlsx · colleague" in listed
