"""Jobs that will never finish are marked failed, with a message that says why."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from jobs.models import Job, JobKind, JobStatus
from jobs.services import MSG_NEVER_QUEUED, MSG_STALE, MSG_TASK_LOST, job_reap_stale, job_start
from tests.jobs import kinds

NOW = timezone.now()


def running(user, *, beat_minutes_ago: float) -> Job:
    beat = NOW - dt.timedelta(minutes=beat_minutes_ago)
    return Job.objects.create(
        user=user,
        kind=JobKind.REGISTRY_IMPORT,
        status=JobStatus.RUNNING,
        started_at=beat,
        heartbeat_at=beat,
        done=10,
        total=100,
    )


def test_a_running_job_without_a_heartbeat_is_marked_failed(officer):
    dead = running(officer, beat_minutes_ago=6)
    alive = running(officer, beat_minutes_ago=1)

    reaped = job_reap_stale(now=NOW)

    assert reaped == [dead]
    dead.refresh_from_db()
    alive.refresh_from_db()
    assert dead.status == JobStatus.FAILED
    assert dead.error == MSG_STALE % {"minutes": 5}
    assert dead.finished_at == NOW
    assert alive.status == JobStatus.RUNNING


def test_the_stale_limit_is_a_setting(officer, settings):
    settings.JOBS_STALE_AFTER_SECONDS = 20 * 60
    job = running(officer, beat_minutes_ago=6)

    assert job_reap_stale(now=NOW) == []
    assert job_reap_stale(now=NOW, older_than=dt.timedelta(minutes=2)) == [job]


def test_a_job_that_beats_again_before_it_is_marked_is_left_alone(officer, monkeypatch):
    from jobs import services

    job = running(officer, beat_minutes_ago=6)
    # The reaper read the job as stale; the worker beat before the reaper's write.
    monkeypatch.setattr(services, "_stale_candidates", lambda cutoff: [job])
    Job.objects.filter(pk=job.pk).update(heartbeat_at=NOW)

    assert job_reap_stale(now=NOW) == []
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING


def test_a_queued_job_that_never_reached_the_queue_is_marked_failed(officer):
    job = Job.objects.create(user=officer, kind=JobKind.SURVEY_EXPORT)
    Job.objects.filter(pk=job.pk).update(created_at=NOW - dt.timedelta(minutes=10))
    waiting = Job.objects.create(user=officer, kind=JobKind.SURVEY_EXPORT)

    assert job_reap_stale(now=NOW) == [job]
    job.refresh_from_db()
    waiting.refresh_from_db()
    assert job.error == MSG_NEVER_QUEUED % {"minutes": 5}
    assert waiting.status == JobStatus.QUEUED


def test_a_queued_job_whose_task_the_queue_closed_is_marked_failed(officer, db_queue):
    from django_tasks_db.models import DBTaskResult

    lost = job_start(kind=kinds.COUNT, by=officer, size_hint=100)
    waiting = job_start(kind=kinds.COUNT, by=officer, size_hint=100)
    DBTaskResult.objects.filter(id=lost.task_result_id).update(status="FAILED")
    Job.objects.update(created_at=NOW - dt.timedelta(minutes=10))

    assert job_reap_stale(now=NOW) == [lost]
    lost.refresh_from_db()
    waiting.refresh_from_db()
    assert (lost.status, lost.error) == (JobStatus.FAILED, MSG_TASK_LOST)
    # A job still waiting for a worker keeps waiting: it runs when a worker comes back.
    assert waiting.status == JobStatus.QUEUED


def test_finished_jobs_are_never_reaped(officer):
    long_ago = NOW - dt.timedelta(days=1)
    for status in (JobStatus.SUCCEEDED, JobStatus.FAILED):
        Job.objects.create(
            user=officer,
            kind=JobKind.SURVEY_EXPORT,
            status=status,
            started_at=long_ago,
            heartbeat_at=long_ago,
        )

    assert job_reap_stale(now=NOW) == []


class TestCommand:
    def test_it_marks_stale_jobs_and_lists_them(self, officer):
        job = running(officer, beat_minutes_ago=60)
        out = io.StringIO()

        call_command("jobs_reap_stale", stdout=out)

        job.refresh_from_db()
        assert job.status == JobStatus.FAILED
        assert f"#{job.pk}" in out.getvalue()
        assert "ทำเครื่องหมายว่าไม่สำเร็จ 1 งาน" in out.getvalue()

    def test_a_dry_run_changes_nothing(self, officer):
        job = running(officer, beat_minutes_ago=60)
        out = io.StringIO()

        call_command("jobs_reap_stale", "--dry-run", stdout=out)

        job.refresh_from_db()
        assert job.status == JobStatus.RUNNING
        assert f"#{job.pk}" in out.getvalue() and "--dry-run" in out.getvalue()

    def test_it_takes_the_limit_in_minutes(self, officer):
        job = running(officer, beat_minutes_ago=3)

        call_command("jobs_reap_stale", "--minutes", "10", stdout=io.StringIO())
        job.refresh_from_db()
        assert job.status == JobStatus.RUNNING

        call_command("jobs_reap_stale", "--minutes", "2", stdout=io.StringIO())
        job.refresh_from_db()
        assert job.status == JobStatus.FAILED
        assert job.error == MSG_STALE % {"minutes": 2}

    def test_it_says_when_there_is_nothing_to_do(self, db):
        out = io.StringIO()

        call_command("jobs_reap_stale", stdout=out)

        assert "ไม่มีงานที่ค้าง" in out.getvalue()

    def test_it_refuses_a_negative_limit(self, db):
        from django.core.management.base import CommandError

        with pytest.raises(CommandError):
            call_command("jobs_reap_stale", "--minutes", "-1", stdout=io.StringIO())
