"""The reports app's jobs: attachment 3 imported from a district's form, and exported."""

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
from reports.selectors import report_district_headings, report_export_rows
from reports.services import report_import
from reports.workbook import write_report


@register(JobKind.REPORT_IMPORT, check=district_import_check, atomic=True)
def report_import_job(job: Job, progress: Progress) -> dict:
    round, district = round_param(job.params), district_param(job.user, job.params)
    progress.stage(STAGE_READING)
    with job.input_file.open("rb") as fh:
        result = report_import(
            round=round, district=district, file=fh, name=job.input_name, by=job.user
        )
    progress(result.rows, result.rows)
    return result.as_summary()


@register(JobKind.REPORT_EXPORT, check=export_check)
def report_export_job(job: Job, progress: Progress) -> dict:
    round = round_param(job.params)
    districts, province, district = scope_param(job.user, job.params)
    progress.stage(STAGE_COUNTING)
    total = base_products_count(round, districts)
    progress.stage(STAGE_WRITING)
    rows = counted(report_export_rows(round=round, districts=districts), progress, total)
    # The same calls as reports.workbook.write_district_report / write_province_report,
    # with the rows counted on their way to the writer.
    names = None if district else report_district_headings(districts, country=province is None)
    with job_attach_output(
        job, export_name("report_{round}_{place}", round, province, district)
    ) as fh:
        write_report(
            fh,
            round=round,
            province_name=province.name_th if province else None,
            district_name=district.name_th if district else None,
            rows=rows,
            district_names=names,
        )
    return {"rows": progress.done, "products": total}
