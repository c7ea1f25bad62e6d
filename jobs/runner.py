"""Running a job: claim it, call its handler, record the outcome (jobs.tasks runs it from
the queue, jobs.services.job_start runs a small one at once).

`job_run` claims the job with one conditional UPDATE (queued -> running), so a second
delivery of the same job does nothing, whatever the queue does. It then calls the handler
with a progress callback and marks the job succeeded or failed. A failed job says why in
Thai; a traceback goes to the log only.
"""

from __future__ import annotations

import json
import logging
import os
import socket

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jobs.models import Job, JobStatus
from jobs.progress import Progress
from jobs.registry import JobRefused, handler_for
from otop_portal.importing import ImportRefused
from otop_portal.refusal import MSG_HEADLINE
from otop_portal.spreadsheet import SpreadsheetError
from otop_portal.workflow import WorkflowError

logger = logging.getLogger(__name__)

MSG_UNKNOWN_KIND = _("ระบบไม่รู้จักงานประเภทนี้")
MSG_NO_PERMISSION = _("ท่านไม่มีสิทธิ์ทำรายการนี้")
MSG_NOT_FOUND = _("ไม่พบข้อมูลที่งานนี้อ้างถึง หรือท่านไม่มีสิทธิ์เข้าถึงข้อมูลนั้น")
MSG_UNEXPECTED = _(
    "เกิดข้อผิดพลาดที่ระบบไม่คาดไว้ งานนี้ไม่ได้เปลี่ยนข้อมูลในระบบ "
    "กรุณาลองอีกครั้ง หากยังไม่สำเร็จ แจ้งผู้ดูแลระบบพร้อมเลขงาน #%(id)s"
)
MSG_INTERRUPTED = _("งานถูกหยุดระหว่างทำ (เครื่องที่ทำงานกำลังปิด) ข้อมูลในระบบไม่เปลี่ยนแปลง กรุณาสั่งงานใหม่อีกครั้ง")

#: The most problems a failed import keeps for its page (the service caps them too).
MAX_PROBLEMS = 1000


def _runner_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


def jsonable(value) -> dict:
    """The summary as plain JSON (Decimals and dates become strings)."""
    if value is None:
        return {}
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def failure_message(exc: BaseException, job_id: int) -> tuple[str, dict]:
    """The Thai message for why a job failed, and what the page shows with it."""
    if isinstance(exc, ImportRefused):
        problems = [p.as_dict() for p in exc.problems[:MAX_PROBLEMS]]
        count = len(exc.problems)
        return str(MSG_HEADLINE % {"count": f"{count:,}", "n": count}), {
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
    return jsonable(handler.run(job, progress))


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
