"""The surveys app's jobs: attachment 2 imported from a district's form, and exported."""

from __future__ import annotations

from jobs.handlers import (
    STAGE_COUNTING,
    STAGE_READING,
    STAGE_WRITING,
    counted,
    district_param,
    export_name,
    scope_param,
)
from jobs.models import Job, JobKind
from jobs.progress import Progress
from jobs.registry import register
from jobs.services import job_attach_output
from products.job_handlers import (
    base_products_count,
    district_import_check,
    export_check,
    round_param,
)
from surveys.selectors import survey_export_blocks
from surveys.services import survey_import
from surveys.workbook import write_survey


@register(JobKind.SURVEY_IMPORT, check=district_import_check, atomic=True)
def survey_import_job(job: Job, progress: Progress) -> dict:
    round, district = round_param(job.params), district_param(job.user, job.params)
    progress.stage(STAGE_READING)
    with job.input_file.open("rb") as fh:
        result = survey_import(
            round=round, district=district, file=fh, name=job.input_name, by=job.user
        )
    progress(result.rows, result.rows)
    return result.summary()


@register(JobKind.SURVEY_EXPORT, check=export_check)
def survey_export_job(job: Job, progress: Progress) -> dict:
    round = round_param(job.params)
    districts, province, district = scope_param(job.user, job.params)
    progress.stage(STAGE_COUNTING)
    total = base_products_count(round, districts)
    progress.stage(STAGE_WRITING)
    blocks = counted(
        survey_export_blocks(round=round, districts=districts),
        progress,
        total,
        rows=lambda block: len(block.products),
    )
    with job_attach_output(
        job, export_name("survey-{round}-{place}", round, province, district)
    ) as fh:
        rows = write_survey(
            fh, round=round, province_name=province.name_th if province else None, blocks=blocks
        )
    return {"rows": rows, "products": total}
