"""Starting, running and reaping background jobs.

- `job_start` checks the job in the request (jobs.registry: the handler's `check`), keeps
  the uploaded file, and either runs the job at once (up to JOBS_INLINE_MAX_ROWS rows)
  or enqueues the django-tasks task `jobs.tasks.run_job`, which a `db_worker` runs.
- `job_run` is what the task does. It claims the job with one conditional UPDATE
  (queued -> running), so a second delivery of the same job does nothing, whatever the
  queue does. It then calls the handler with a progress callback and marks the job
  succeeded or failed. A failed job says why in Thai; a traceback goes to the log only.
- `job_reap_stale` marks failed the running jobs whose worker stopped (no heartbeat for
  JOBS_STALE_AFTER_SECONDS) and the queued jobs that can no longer start.

Call `job_start` outside a transaction: the job's row must be committed before a worker
or the heartbeat's own connection can see it.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jobs.models import Job, JobStatus
from jobs.progress import Progress
from jobs.registry import handler_for
from otop_portal.importing import ImportRefused
from otop_portal.spreadsheet import SpreadsheetError
from otop_portal.workflow import WorkflowError

logger = logging.getLogger(__name__)

MSG_UNKNOWN_KIND = _("ระบบไม่รู้จักงานประเภทนี้")
MSG_REFUSED = _("ไม่รับไฟล์นี้: พบปัญหา %(count)s รายการ ข้อมูลในระบบไม่เปลี่ยนแปลง")
MSG_NO_PERMISSION = _("ท่านไม่มีสิทธิ์ทำรายการนี้")
MSG_NOT_FOUND = _("ไม่พบข้อมูลที่งานนี้อ้างถึง หรือท่านไม่มีสิทธิ์เข้าถึงข้อมูลนั้น")
MSG_UNEXPECTED = _(
    "เกิดข้อผิดพลาดที่ระบบไม่คาดไว้ งานนี้ไม่ได้เปลี่ยนข้อมูลในระบบ "
    "กรุณาลองอีกครั้ง หากยังไม่สำเร็จ แจ้งผู้ดูแลระบบพร้อมเลขงาน #%(id)s"
)
MSG_INTERRUPTED = _("งานถูกหยุดระหว่างทำ (เครื่องที่ทำงานกำลังปิด) ข้อมูลในระบบไม่เปลี่ยนแปลง กรุณาสั่งงานใหม่อีกครั้ง")
MSG_QUEUE_DOWN = _("ส่งงานเข้าคิวไม่ได้ ข้อมูลในระบบไม่เปลี่ยนแปลง กรุณาลองใหม่ภายหลัง")
MSG_STALE = _(
    "งานหยุดกลางคันเพราะเครื่องที่ทำงานหยุดทำงาน (ไม่มีสัญญาณนานเกิน %(minutes)s นาที) "
    "งานที่ไม่เสร็จจะไม่บันทึกอะไรเลย ข้อมูลในระบบจึงเหมือนเดิม กรุณาสั่งงานใหม่อีกครั้ง"
)
MSG_NEVER_QUEUED = _(
    "งานนี้ไม่ได้เริ่มทำ (ไม่ได้เข้าคิวภายใน %(minutes)s นาที) ข้อมูลในระบบไม่เปลี่ยนแปลง กรุณาสั่งงานใหม่อีกครั้ง"
)
MSG_TASK_LOST = _("คิวงานปิดงานนี้ไปโดยไม่ได้เริ่มทำ ข้อมูลในระบบไม่เปลี่ยนแปลง กรุณาสั่งงานใหม่อีกครั้ง")

#: The most problems a failed import keeps for its page (the service caps them too).
MAX_PROBLEMS = 1000


class JobRefused(Exception):
    """The job cannot be done as asked; `message` says why, for the user."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@dataclass
class JobPlan:
    """What a handler's check found: the rows the job will handle (None: unknown) and
    a short label for the lists ("อำเภอแม่ใจ รอบ 2564-2")."""

    rows: int | None = None
    label: str = ""


def inline_max_rows() -> int:
    return int(getattr(settings, "JOBS_INLINE_MAX_ROWS", 5000))


def stale_after() -> dt.timedelta:
    return dt.timedelta(seconds=int(getattr(settings, "JOBS_STALE_AFTER_SECONDS", 300)))


def _runner_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


def _jsonable(value) -> dict:
    """The summary as plain JSON (Decimals and dates become strings)."""
    if value is None:
        return {}
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


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
    params = _jsonable(params or {})
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
        from jobs.tasks import run_job

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
# Running
# ---------------------------------------------------------------------------


def failure_message(exc: BaseException, job_id: int) -> tuple[str, dict]:
    """The Thai message for why a job failed, and what the page shows with it."""
    if isinstance(exc, ImportRefused):
        problems = [p.as_dict() for p in exc.problems[:MAX_PROBLEMS]]
        return str(MSG_REFUSED % {"count": len(exc.problems)}), {
            "problems": problems,
            "problem_count": len(exc.problems),
        }
    if isinstance(exc, JobRefused | WorkflowError | SpreadsheetError):
        return str(exc.message), {}
    if isinstance(exc, PermissionDenied):
        return str(exc) or str(MSG_NO_PERMISSION), {}
    if isinstance(exc, Http404):
        return str(MSG_NOT_FOUND), {}
    if isinstance(exc, ValidationError):
        return " ".join(str(m) for m in exc.messages), {}
    if not isinstance(exc, Exception):
        return str(MSG_INTERRUPTED), {}
    return str(MSG_UNEXPECTED % {"id": job_id}), {}


def _expected(exc: BaseException) -> bool:
    return isinstance(
        exc,
        ImportRefused
        | JobRefused
        | WorkflowError
        | SpreadsheetError
        | PermissionDenied
        | Http404
        | ValidationError,
    )


def job_run(*, job_id: int) -> Job | None:
    """Run a queued job once: claim it, call its handler, record the outcome.

    Returns None when the job was not queued any more (a duplicate delivery, or a job
    already run or reaped): then nothing at all is done.
    """
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=now, heartbeat_at=now, runner=_runner_name()
    )
    if not claimed:
        logger.info("Job %s is not queued any more; this delivery does nothing.", job_id)
        return None
    job = Job.objects.select_related("user").get(pk=job_id)
    handler = handler_for(job.kind)
    progress = Progress(job.pk)
    try:
        if handler is None:
            raise JobRefused(MSG_UNKNOWN_KIND)
        progress.start()
        if handler.atomic:
            # The import's writes and the job's "succeeded" commit together or not at
            # all: a worker killed in between leaves neither (and the reaper says so).
            with transaction.atomic():
                summary = _call(handler, job, progress)
                progress.stop()
                _mark_succeeded(job, summary, progress)
        else:
            summary = _call(handler, job, progress)
            progress.stop()
            _mark_succeeded(job, summary, progress)
    except BaseException as exc:
        progress.stop()
        if _expected(exc):
            logger.info("Job %s (%s) failed: %s", job.pk, job.kind, exc)
        else:
            logger.exception("Job %s (%s) failed", job.pk, job.kind)
        try:
            _mark_failed(job, exc, progress)
        except Exception:
            logger.exception("Job %s: could not record its failure", job.pk)
        if not isinstance(exc, Exception):
            raise
    job.refresh_from_db()
    return job


def _call(handler, job: Job, progress: Progress) -> dict:
    if handler.check is not None:
        # Checked again when it runs: the user's rights may have changed in the queue.
        handler.check(by=job.user, params=job.params, input_file=job.input_file or None)
    return _jsonable(handler.run(job, progress))


def _final_counts(progress: Progress) -> dict:
    values = progress.values()
    total = max(values["total"], values["done"])
    return {"done": total, "total": total}


def _mark_succeeded(job: Job, summary: dict, progress: Progress) -> None:
    now = timezone.now()
    if Job.objects.filter(pk=job.pk).exclude(status=JobStatus.RUNNING).exists():
        logger.warning("Job %s was marked failed while it ran; it succeeded after all.", job.pk)
    # Not conditional on the status: if the reaper took a slow job for a dead one, the
    # job's real outcome wins.
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.SUCCEEDED,
        **_final_counts(progress),
        stage="",
        result=summary,
        error="",
        output_file=job.output_file.name or "",
        output_name=job.output_name,
        finished_at=now,
        heartbeat_at=now,
    )


def _mark_failed(job: Job, exc: BaseException, progress: Progress) -> None:
    message, result = failure_message(exc, job.pk)
    if job.output_file:
        # A half-written export is not offered for download.
        job.output_file.delete(save=False)
    values = progress.values()
    now = timezone.now()
    Job.objects.filter(pk=job.pk).exclude(status=JobStatus.SUCCEEDED).update(
        status=JobStatus.FAILED,
        done=values["done"],
        total=values["total"],
        result=result,
        error=message,
        output_file="",
        output_name="",
        finished_at=now,
        heartbeat_at=now,
    )


# ---------------------------------------------------------------------------
# Reaping
# ---------------------------------------------------------------------------


def _task_finished_without_running(task_result_id: str) -> bool:
    """Whether the queue closed this task (failed or done) without the job starting."""
    from django_tasks import TaskResultStatus, default_task_backend

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
