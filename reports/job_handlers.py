"""The reports app's jobs: attachment 3 imported from a district's form, and exported."""

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
from reports.exports import report_export_write
from reports.services import report_import


@register(JobKind.REPORT_IMPORT, check=district_import_check, atomic=True)
def report_import_job(job: Job, progress: Progress) -> dict:
    return district_import_run(job, progress, report_import)


@register(JobKind.REPORT_EXPORT, check=export_check)
def report_export_job(job: Job, progress: Progress) -> dict:
    _nothing, total = place_export_run(job, progress, report_export_write, "report_{round}_{place}")
    return {"rows": progress.done, "products": total}
