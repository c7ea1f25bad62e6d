"""The job runner: states, progress, failures, and running a job only once."""

from __future__ import annotations

import logging
import threading

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage

from jobs import progress as progress_module
from jobs.models import Job, JobStatus
from jobs.progress import Progress
from jobs.registry import JobRefused
from jobs.runner import MSG_UNEXPECTED, job_run
from jobs.services import job_start
from jobs.tasks import run_job
from products.models import FiscalYear
from tests.jobs import kinds


def test_a_small_job_runs_at_once_and_succeeds(officer):
    job = job_start(kind=kinds.COUNT, by=officer, params={"rows": 4})

    assert job.status == JobStatus.SUCCEEDED
    assert (job.done, job.total, job.percent) == (4, 4, 100)
    assert job.result == {"rows": 4}
    assert job.user == officer
    assert job.started_at and job.finished_at and job.created_at <= job.started_at
    assert job.task_result_id == ""  # small: run in the request, not through the queue


def test_a_job_is_running_while_its_handler_works(officer):
    job_start(kind=kinds.COUNT, by=officer, params={"rows": 2})

    assert [seen["status"] for seen in kinds.SEEN] == [JobStatus.RUNNING, JobStatus.RUNNING]
    assert all(seen["heartbeat_at"] is not None for seen in kinds.SEEN)


def test_a_big_job_waits_in_the_queue_then_a_worker_runs_it(officer, held_queue):
    job = job_start(kind=kinds.COUNT, by=officer, params={"rows": 3}, size_hint=10)

    assert job.status == JobStatus.QUEUED
    assert job.started_at is None
    [task] = held_queue.results
    assert job.task_result_id == task.id
    assert task.task.module_path == "jobs.tasks.run_job"
    assert task.args == [job.pk]

    assert run_job.call(*task.args) == JobStatus.SUCCEEDED
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    assert (job.done, job.total) == (3, 3)


def test_the_size_the_check_counts_decides_whether_a_job_is_queued(officer, held_queue):
    small = job_start(kind=kinds.REFUSE, by=officer, params={"rows": 5})
    big = job_start(kind=kinds.REFUSE, by=officer, params={"rows": 6})

    assert small.status == JobStatus.SUCCEEDED
    assert big.status == JobStatus.QUEUED
    assert big.label == "ทดสอบ"


def test_with_the_immediate_backend_a_big_job_runs_through_the_queue_at_once(officer, settings):
    settings.JOBS_INLINE_MAX_ROWS = 1

    job = job_start(kind=kinds.COUNT, by=officer, params={"rows": 3}, size_hint=100)

    assert job.status == JobStatus.SUCCEEDED
    assert job.task_result_id


def test_a_second_delivery_of_a_job_does_nothing(officer, held_queue):
    job = job_start(kind=kinds.COUNT, by=officer, params={"rows": 2}, size_hint=10)

    assert run_job.call(job.pk) == JobStatus.SUCCEEDED
    assert run_job.call(job.pk) == "skipped"
    assert job_run(job_id=job.pk) is None
    # The handler looked at the row twice (two rows), in one run only.
    assert len(kinds.SEEN) == 2


def test_progress_is_saved_as_rows_go_by(officer, monkeypatch):
    monkeypatch.setattr(progress_module, "PROGRESS_INTERVAL", 0)

    job_start(kind=kinds.COUNT, by=officer, params={"rows": 4})

    assert [(s["done"], s["total"]) for s in kinds.SEEN] == [(1, 4), (2, 4), (3, 4), (4, 4)]


def test_progress_writes_are_throttled(officer, monkeypatch):
    monkeypatch.setattr(progress_module, "PROGRESS_INTERVAL", 3600)

    job = job_start(kind=kinds.COUNT, by=officer, params={"rows": 4})

    # No write while the rows went by; the final count is written when the job ends.
    assert [(s["done"], s["total"]) for s in kinds.SEEN] == [(0, 0)] * 4
    assert (job.done, job.total, job.percent) == (4, 4, 100)


def test_a_failing_import_fails_the_job_with_a_message_and_writes_nothing(officer, caplog):
    with caplog.at_level(logging.ERROR, logger="jobs.runner"):
        job = job_start(kind=kinds.FAIL_AFTER_WRITE, by=officer, params={"year": 2999})

    assert job.status == JobStatus.FAILED
    assert job.error == MSG_UNEXPECTED % {"id": job.pk}
    assert "internal detail" not in job.error and "Traceback" not in job.error
    assert not FiscalYear.objects.filter(year=2999).exists()
    assert job.finished_at is not None
    # The traceback went to the log, for the administrators.
    assert "internal detail that must not reach the user" in caplog.text
    assert any(record.exc_info for record in caplog.records)


def test_a_failed_export_offers_no_file(officer):
    job = job_start(kind=kinds.FAIL_AFTER_OUTPUT, by=officer)

    assert job.status == JobStatus.FAILED
    assert not job.output_file and not job.has_output
    [kept] = kinds.SEEN
    assert kept and not default_storage.exists(kept)


def test_a_job_the_reaper_gave_up_on_still_succeeds_when_it_finishes(officer, held_queue):
    job = job_start(kind=kinds.REFUSE, by=officer, params={"rows": 10})

    def reaped_meanwhile(job, progress):
        Job.objects.filter(pk=job.pk).update(status=JobStatus.FAILED, error="reaped")
        return {"ran": True}

    from jobs import registry

    handler = registry.handler_for(kinds.REFUSE)
    registry._HANDLERS[kinds.REFUSE] = registry.Handler(kinds.REFUSE, reaped_meanwhile)
    try:
        job_run(job_id=job.pk)
    finally:
        registry._HANDLERS[kinds.REFUSE] = handler

    job.refresh_from_db()
    assert (job.status, job.error, job.result) == (JobStatus.SUCCEEDED, "", {"ran": True})


def test_an_unknown_kind_is_refused_before_anything_is_kept(officer):
    with pytest.raises(JobRefused):
        job_start(kind="no_such_kind", by=officer)

    assert not Job.objects.exists()


def test_a_refusing_check_keeps_no_job(officer):
    with pytest.raises(PermissionDenied):
        job_start(kind=kinds.REFUSE, by=officer, params={"refuse": True})

    assert not Job.objects.exists()
    assert kinds.SEEN == []


def test_the_check_runs_again_when_the_job_runs(officer, held_queue):
    job = job_start(kind=kinds.REFUSE, by=officer, params={"rows": 10})
    Job.objects.filter(pk=job.pk).update(params={"rows": 10, "refuse": True})

    job = job_run(job_id=job.pk)

    assert job.status == JobStatus.FAILED
    assert job.error == "ไม่อนุญาต"
    assert kinds.SEEN == []


def test_the_heartbeat_thread_writes_progress_and_beats(db):
    written: list[dict] = []
    seen_three = threading.Event()
    beats = threading.Event()

    def write(job_id, values):
        written.append(values)
        if values["done"] == 3:
            seen_three.set()
        if len(written) >= 3:
            beats.set()

    progress = Progress(1, threaded=True, write=write, interval=0.01, heartbeat=0.01)
    progress.start()
    try:
        progress(3, 10)
        assert seen_three.wait(10)
        # With nothing new it still beats, every `heartbeat` seconds.
        assert beats.wait(10)
    finally:
        progress.stop()

    assert progress._thread is None
    assert written[0] == {"done": 3, "total": 10, "stage": ""}


def test_the_heartbeat_thread_is_used_unless_the_database_is_sqlite(db, monkeypatch):
    from django.db import connection

    monkeypatch.setattr(progress_module, "THREADED", None)

    assert progress_module.use_heartbeat_thread() is (connection.vendor != "sqlite")
    assert Progress(1).threaded is (connection.vendor != "sqlite")
