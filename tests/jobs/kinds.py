"""Job kinds that exist only in the tests, registered when this module is imported (by
tests/jobs/conftest.py, and by the worker processes of test_workers.py)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from django.core.exceptions import PermissionDenied

from jobs.registry import JobPlan, register
from jobs.services import job_attach_output

TALLY = "test_tally"
COUNT = "test_count"
FAIL_AFTER_WRITE = "test_fail_after_write"
FAIL_AFTER_OUTPUT = "test_fail_after_output"
REFUSE = "test_refuse"
SLOW_IMPORT = "test_slow_import"

#: What the in-process handlers saw while they ran, for the tests to read.
SEEN: list = []


@register(TALLY)
def tally(job, progress) -> dict:
    """Count a few rows slowly, then append "<job id> <pid>" to the log named in params."""
    steps = int(job.params.get("steps", 3))
    for step in range(steps):
        time.sleep(float(job.params.get("pause", 0.02)))
        progress(step + 1, steps)
    with Path(job.params["log"]).open("a") as fh:
        fh.write(f"{job.pk} {os.getpid()}\n")
    return {"rows": steps}


@register(COUNT)
def count(job, progress) -> dict:
    """Report `rows` rows one by one, noting what the job's row says at each step."""
    from jobs.models import Job

    rows = int(job.params.get("rows", 5))
    for done in range(1, rows + 1):
        progress(done, rows)
        SEEN.append(Job.objects.values("status", "done", "total", "heartbeat_at").get(pk=job.pk))
    return {"rows": rows}


@register(FAIL_AFTER_WRITE, atomic=True)
def fail_after_write(job, progress) -> dict:
    """An import that writes, then breaks: its write must not survive."""
    from products.models import FiscalYear

    FiscalYear.objects.create(year=int(job.params.get("year", 2999)))
    progress(1, 2)
    raise RuntimeError("internal detail that must not reach the user")


@register(FAIL_AFTER_OUTPUT)
def fail_after_output(job, progress) -> dict:
    """An export that keeps its file, then breaks: the file must not be offered."""
    with job_attach_output(job, "half.xlsx") as fh:
        fh.write(b"half a workbook")
    SEEN.append(job.output_file.name)
    raise RuntimeError("broken after the file was written")


def refuse_check(*, by, params, input_file):
    if params.get("refuse"):
        raise PermissionDenied("ไม่อนุญาต")
    return JobPlan(rows=params.get("rows"), label="ทดสอบ")


@register(REFUSE, check=refuse_check)
def refuse(job, progress) -> dict:
    SEEN.append(job.pk)
    return {"ran": True}


@register(SLOW_IMPORT, atomic=True)
def slow_import(job, progress) -> dict:
    """An import that writes, says so in a file, then takes its time (to be killed)."""
    from products.models import FiscalYear

    FiscalYear.objects.create(year=int(job.params["year"]))
    progress(1, 10)
    Path(job.params["ready"]).write_text("written")
    time.sleep(float(job.params.get("sleep", 60)))
    return {"rows": 10}
