"""Old jobs' files are deleted after JOBS_KEEP_FILES_DAYS; the jobs stay."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from jobs.models import Job, JobKind, JobStatus
from jobs.services import job_prune_files
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def finished(user, *, days_ago: float, status=JobStatus.SUCCEEDED, kind=JobKind.SURVEY_EXPORT):
    job = Job.objects.create(
        user=user,
        kind=kind,
        status=status,
        result={"rows": 3},
        output_name="survey-2564-2-5607.xlsx",
        input_name="survey_5607.xlsx",
        finished_at=timezone.now() - dt.timedelta(days=days_ago),
    )
    job.output_file.save("survey-2564-2-5607.xlsx", ContentFile(b"x" * 1000), save=False)
    job.input_file.save("survey_5607.xlsx", ContentFile(b"y" * 500), save=True)
    return job


def stored(job) -> list[bool]:
    return [bool(f.name) and f.storage.exists(f.name) for f in (job.input_file, job.output_file)]


def test_it_deletes_the_files_of_old_jobs_and_keeps_the_jobs(officer, settings):
    settings.JOBS_KEEP_FILES_DAYS = 30
    old, recent = finished(officer, days_ago=31), finished(officer, days_ago=29)
    old_names = [old.input_file.name, old.output_file.name]

    pruned = job_prune_files()

    assert [(p.job.pk, p.size) for p in pruned] == [(old.pk, 1500)]
    old.refresh_from_db()
    assert stored(old) == [False, False]
    assert not any(old.output_file.storage.exists(name) for name in old_names)
    assert (old.status, old.result) == (JobStatus.SUCCEEDED, {"rows": 3})
    assert old.output_name == "survey-2564-2-5607.xlsx"
    assert stored(recent) == [True, True]


def test_a_dry_run_deletes_nothing(officer):
    job = finished(officer, days_ago=90)

    pruned = job_prune_files(dry_run=True)

    assert [p.size for p in pruned] == [1500]
    job.refresh_from_db()
    assert stored(job) == [True, True]


def test_unfinished_jobs_keep_their_files(officer):
    job = finished(officer, days_ago=90)
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING)

    assert job_prune_files() == []
    assert stored(job) == [True, True]


def test_a_file_already_gone_is_cleared_all_the_same(officer):
    job = finished(officer, days_ago=90)
    job.output_file.storage.delete(job.output_file.name)

    pruned = job_prune_files()

    assert [p.size for p in pruned] == [500]
    job.refresh_from_db()
    assert stored(job) == [False, False]


def test_the_jobs_page_says_the_file_was_deleted(client, officer):
    job = finished(officer, days_ago=90)
    job_prune_files()

    assert client.login(username=officer.username, password=PASSWORD)
    page = client.get(reverse("jobs:detail", args=[job.pk]))
    download = client.get(reverse("jobs:download", args=[job.pk]))

    assert "ถูกลบแล้วเมื่อครบกำหนดเก็บ" in page.text
    assert reverse("jobs:download", args=[job.pk]) not in page.text
    assert download.status_code == 404


def test_the_command_lists_and_deletes(officer):
    from io import StringIO

    job = finished(officer, days_ago=10)
    out = StringIO()

    call_command("jobs_prune_files", "--days", "7", "--dry-run", stdout=out)
    assert "--dry-run" in out.getvalue() and stored(job) == [True, True]

    out = StringIO()
    call_command("jobs_prune_files", "--days", "7", stdout=out)
    job.refresh_from_db()
    assert f"#{job.pk}" in out.getvalue() and stored(job) == [False, False]

    out = StringIO()
    call_command("jobs_prune_files", stdout=out)
    assert "ไม่มีไฟล์ที่เก่ากว่ากำหนด" in out.getvalue()


def test_the_command_refuses_a_negative_number_of_days():
    with pytest.raises(CommandError, match="ไม่ติดลบ"):
        call_command("jobs_prune_files", "--days", "-1")
