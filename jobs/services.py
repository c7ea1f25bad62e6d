"""Starting, running and reaping background jobs.

- `job_start` checks the job in the request (jobs.registry: the handler's `check`), keeps
  the uploaded file, and either runs the job at once (up to JOBS_INLINE_MAX_ROWS rows)
  or enqueues the django-tasks task `jobs.tasks.run_job`, which a `db_worker` runs.
- `job_run` (jobs.runner) is what the task does: claim the job, call its handler,
  record the outcome.
- `job_reap_stale` marks failed the running jobs whose worker stopped (no heartbeat for
  JOBS_STALE_AFTER_SECONDS) and the queued jobs that can no longer start.

Call `job_start` outside a transaction: the job's row must be committed before a worker
or the heartbeat's own connection can see it.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.files import File
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _
from django_tasks import TaskResultStatus, default_task_backend

from jobs.models import Job, JobStatus
from jobs.registry import JobPlan, JobRefused, handler_for
from jobs.runner import MSG_UNKNOWN_KIND, job_run, jsonable
from jobs.tasks import run_job

logger = logging.getLogger(__name__)

MSG_QUEUE_DOWN = _("ส่งงานเข้าคิวไม่ได้ ข้อมูลในระบบไม่เปลี่ยนแปลง กรุณาลองใหม่ภายหลัง")
MSG_STALE = ngettext_lazy(
    "งานหยุดกลางคันเพราะเครื่องที่ทำงานหยุดทำงาน (ไม่มีสัญญาณนานเกิน %(minutes)s นาที) "
    "งานที่ไม่เสร็จจะไม่บันทึกอะไรเลย ข้อมูลในระบบจึงเหมือนเดิม กรุณาสั่งงานใหม่อีกครั้ง",
    "งานหยุดกลางคันเพราะเครื่องที่ทำงานหยุดทำงาน (ไม่มีสัญญาณนานเกิน %(minutes)s นาที) "
    "งานที่ไม่เสร็จจะไม่บันทึกอะไรเลย ข้อมูลในระบบจึงเหมือนเดิม กรุณาสั่งงานใหม่อีกครั้ง",
    "minutes",
)
MSG_NEVER_QUEUED = ngettext_lazy(
    "งานนี้ไม่ได้เริ่มทำ (ไม่ได้เข้าคิวภายใน %(minutes)s นาที) ข้อมูลในระบบไม่เปลี่ยนแปลง กรุณาสั่งงานใหม่อีกครั้ง",
    "งานนี้ไม่ได้เริ่มทำ (ไม่ได้เข้าคิวภายใน %(minutes)s นาที) ข้อมูลในระบบไม่เปลี่ยนแปลง กรุณาสั่งงานใหม่อีกครั้ง",
    "minutes",
)
MSG_TASK_LOST = _("คิวงานปิดงานนี้ไปโดยไม่ได้เริ่มทำ ข้อมูลในระบบไม่เปลี่ยนแปลง กรุณาสั่งงานใหม่อีกครั้ง")


def inline_max_rows() -> int:
    return int(getattr(settings, "JOBS_INLINE_MAX_ROWS", 5000))


def stale_after() -> dt.timedelta:
    return dt.timedelta(seconds=int(getattr(settings, "JOBS_STALE_AFTER_SECONDS", 300)))


# ---------------------------------------------------------------------------
# Starting
# ---------------------------------------------------------------------------


def job_start(
    *,
    kind: str,
    by,
    params: dict | None = None,
    input_file=None,
    input_name: str = "",
    size_hint: int = 0,
) -> Job:
    """Check and record a job, then run it now or queue it; returns the job as it is then.

    The handler's check refuses what the user may not do (PermissionDenied, Http404) or
    what cannot be done (JobRefused) before anything is kept. A job of at most
    JOBS_INLINE_MAX_ROWS rows (`size_hint`, or the rows the check counted) runs now, in
    this process; a bigger one goes to the task queue. With the immediate backend (tests,
    a laptop) the queue runs it at once too.
    """
    handler = handler_for(kind)
    if handler is None:
        raise JobRefused(MSG_UNKNOWN_KIND)
    params = jsonable(params or {})
    plan = None
    if handler.check is not None:
        plan = handler.check(by=by, params=params, input_file=input_file)
    plan = plan or JobPlan()
    rows = max(int(size_hint or 0), int(plan.rows or 0))

    job = Job(
        user=by if by is not None and by.pk else None,
        kind=str(kind),
        params=params,
        label=plan.label[:255],
    )
    if input_file is not None:
        name = os.path.basename(input_name or getattr(input_file, "name", "") or "upload")
        job.input_name = name[:255]
        if hasattr(input_file, "seek"):
            input_file.seek(0)
        job.input_file.save(
            name, input_file if isinstance(input_file, File) else File(input_file), save=False
        )
    job.save()

    if rows <= inline_max_rows():
        job_run(job_id=job.pk)
    else:
        try:
            result = run_job.enqueue(job.pk)
        except Exception:
            logger.exception("Job %s: could not be enqueued", job.pk)
            Job.objects.filter(pk=job.pk, status=JobStatus.QUEUED).update(
                status=JobStatus.FAILED, error=str(MSG_QUEUE_DOWN), finished_at=timezone.now()
            )
        else:
            Job.objects.filter(pk=job.pk).update(task_result_id=str(result.id))
    job.refresh_from_db()
    return job


@contextmanager
def job_attach_output(job: Job, filename: str) -> Iterator:
    """Give an export a binary file to write; when the block ends, keep it as the job's
    download. The job's row is updated by the runner when the job succeeds."""
    with tempfile.TemporaryFile() as fh:
        yield fh
        fh.seek(0)
        job.output_file.save(filename, File(fh, name=filename), save=False)
        job.output_name = filename[:255]


# ---------------------------------------------------------------------------
# Reaping
# ---------------------------------------------------------------------------


def _task_finished_without_running(task_result_id: str) -> bool:
    """Whether the queue closed this task (failed or done) without the job starting."""
    if not default_task_backend.supports_get_result:
        return False
    try:
        result = default_task_backend.get_result(task_result_id)
    except Exception:
        # An unknown id, or a backend that lost it: the age rule below decides.
        return False
    return result.status in (TaskResultStatus.FAILED, TaskResultStatus.SUCCESSFUL)


def _stale_conditions(cutoff) -> tuple[Q, Q]:
    running = Q(status=JobStatus.RUNNING) & (
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
    )
    old_queued = Q(status=JobStatus.QUEUED, created_at__lt=cutoff)
    return running, old_queued


def _stale_candidates(cutoff) -> list[Job]:
    running, old_queued = _stale_conditions(cutoff)
    return list(Job.objects.filter(running | old_queued).order_by("id"))


def job_reap_stale(
    *, older_than: dt.timedelta | None = None, dry_run: bool = False, now=None
) -> list[Job]:
    """Mark failed the jobs that will never finish; returns them.

    - A running job with no heartbeat for `older_than` (JOBS_STALE_AFTER_SECONDS): its
      worker was killed or lost its database. Its import was one transaction, so nothing
      of it was written.
    - A queued job never handed to the queue for as long (the process that started it
      died first), or whose task the queue closed without running it.

    Each job is marked with a conditional UPDATE, so a job that beats in the meantime is
    left alone.
    """
    now = now or timezone.now()
    limit = older_than if older_than is not None else stale_after()
    cutoff = now - limit
    minutes = max(1, round(limit.total_seconds() / 60))
    reaped: list[Job] = []

    running, old_queued = _stale_conditions(cutoff)
    never_queued = old_queued & Q(task_result_id="")
    for job in _stale_candidates(cutoff):
        if job.status == JobStatus.RUNNING:
            condition, message = running, MSG_STALE % {"minutes": minutes}
        elif not job.task_result_id:
            condition, message = never_queued, MSG_NEVER_QUEUED % {"minutes": minutes}
        elif _task_finished_without_running(job.task_result_id):
            condition = Q(status=JobStatus.QUEUED, task_result_id=job.task_result_id)
            message = MSG_TASK_LOST
        else:
            continue
        if dry_run:
            job.error = str(message)
            reaped.append(job)
            continue
        marked = Job.objects.filter(condition, pk=job.pk).update(
            status=JobStatus.FAILED, error=str(message), stage="", finished_at=now
        )
        if marked:
            logger.warning("Job %s (%s) reaped: %s", job.pk, job.kind, message)
            job.refresh_from_db()
            reaped.append(job)
    return reaped


def describe_failure(job: Job) -> str:
    """The failure as one line for a command's output."""
    return gettext("งาน #%(id)s %(kind)s: %(error)s") % {
        "id": job.pk,
        "kind": job.get_kind_display(),
        "error": job.error,
    }


# ---------------------------------------------------------------------------
# Old files
# ---------------------------------------------------------------------------


def keep_files_for() -> dt.timedelta:
    return dt.timedelta(days=getattr(settings, "JOBS_KEEP_FILES_DAYS", 30))


@dataclass
class PrunedJob:
    job: Job
    #: Bytes of the files deleted (or that a dry run would delete); 0 if already gone.
    size: int


def job_prune_files(
    *, older_than: dt.timedelta | None = None, dry_run: bool = False, now=None
) -> list[PrunedJob]:
    """Delete the files of the jobs that finished more than `older_than`
    (JOBS_KEEP_FILES_DAYS) ago: the uploads they read and the workbooks they wrote.

    The jobs stay, with their summaries and file names; their pages say the file was
    deleted. Uploads that a survey or report keeps as evidence are kept by that
    survey or report, not by the job, and are not touched. One query to find the jobs
    and one to clear their files, whatever their number.
    """
    now = now or timezone.now()
    cutoff = now - (older_than if older_than is not None else keep_files_for())
    jobs = list(
        Job.objects.filter(status__in=[JobStatus.SUCCEEDED, JobStatus.FAILED])
        .filter(finished_at__lt=cutoff)
        .exclude(input_file="", output_file="")
        .order_by("id")
    )
    pruned = []
    for job in jobs:
        size = 0
        for field in (job.input_file, job.output_file):
            if not field:
                continue
            try:
                size += field.storage.size(field.name)
            except OSError:
                pass  # already gone from the storage: the record is cleared all the same
            if not dry_run:
                field.storage.delete(field.name)
        pruned.append(PrunedJob(job, size))
    if not dry_run and jobs:
        Job.objects.filter(pk__in=[j.pk for j in jobs]).update(input_file="", output_file="")
        for job in jobs:
            job.input_file.name = job.output_file.name = ""
        logger.info("Files of %s jobs deleted", len(jobs))
    return pruned
