"""Template helpers of the jobs pages: a job's label in the reader's language.

Job.label is written once, when the job starts, in the language of whoever started it
(the apps' job handlers), so an export started in Thai would stay Thai in the English UI.
The pages make the label again from the job's parameters (jobs.selectors.job_labels, with
the words the handlers use); a label that cannot be made again is shown as it was stored.
"""

from __future__ import annotations

from django import template
from django.db.models import QuerySet

from jobs.models import Job
from jobs.selectors import job_labels

register = template.Library()


@register.filter
def job_label(job: Job) -> str:
    """{{ job|job_label }}: one job's label (the job's page)."""
    return job_labels([(job.pk, job.params, job.label)])[job.pk]


@register.simple_tag
def jobs_labelled(jobs) -> list[tuple[Job, str]]:
    """{% jobs_labelled jobs as rows %}: each job of the list with its label.

    The list's query leaves the parameters out (jobs.selectors.jobs_for_list); here the
    same query reads them, so that the list makes no query per job.
    """
    if isinstance(jobs, QuerySet):
        jobs = jobs.defer(None).defer("result")
    jobs = list(jobs)
    labels = job_labels((job.pk, job.params, job.label) for job in jobs)
    return [(job, labels[job.pk]) for job in jobs]
