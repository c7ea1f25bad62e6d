"""The one django-tasks task: run a job by its id (jobs.runner.job_run)."""

from __future__ import annotations

from django_tasks import task

from jobs.runner import job_run


@task()
def run_job(job_id: int) -> str:
    """Run job `job_id` once. A second delivery of the same job finds it claimed and does
    nothing; a failing handler fails the job, not the task, so the queue never retries
    work that may have been done."""
    job = job_run(job_id=job_id)
    return job.status if job is not None else "skipped"
