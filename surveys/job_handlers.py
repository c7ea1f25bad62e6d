"""The surveys app's jobs: attachment 2 imported from a district's form, and exported."""

from __future__ import annotations

from jobs.models import Job, JobKind
from jobs.progress import Progress
from jobs.registry import register
from products.job_handlers import (
    district_import_check,
    district_import_run,
    export_check,
    place_export_run,
)
from surveys.exports import survey_export_write
from surveys.services import survey_import


@register(JobKind.SURVEY_IMPORT, check=district_import_check, atomic=True)
def survey_import_job(job: Job, progress: Progress) -> dict:
    return district_import_run(job, progress, survey_import)


@register(JobKind.SURVEY_EXPORT, check=export_check)
def survey_export_job(job: Job, progress: Progress) -> dict:
    rows, total = place_export_run(
        job,
        progress,
        survey_export_write,
        "survey-{round}-{place}",
        rows=lambda block: len(block.products),
    )
    return {"rows": rows, "products": total}
