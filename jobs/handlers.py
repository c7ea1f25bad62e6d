"""The handlers of the portal's imports and exports: a thin layer over the apps' services.

Each kind has a check (who may do it, with which parameters, and how many rows: it runs
when the job is started and again when it runs) and a run. Imports call the apps' import
services, which read, check and write in one transaction; they run `atomic` so the job's
"succeeded" commits with the import. Exports call the apps' row generators and workbook
writers through a counting wrapper, which is where their progress comes from.

Parameters are JSON: {"round": "2564-2", "district": "5607"} or {"province": "56"};
a registry import takes {"as_of": "2021-04-01"}.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from districts.models import District, Province
from districts.scoping import can_edit_district, get_district_for_user, get_province_for_user
from jobs.models import Job, JobKind
from jobs.progress import Progress
from jobs.registry import register
from jobs.selectors import place_label, registry_label
from jobs.services import JobPlan, JobRefused, job_attach_output
from products.models import Product, Round
from products.selectors import round_get

MSG_NO_ROUND = _("ไม่พบรอบการประเมิน “%(value)s”")
MSG_NO_SCOPE = _("ต้องระบุอำเภอหรือจังหวัด")
MSG_NO_FILE = _("ไม่มีไฟล์ที่จะนำเข้า")
MSG_TOO_LARGE = _("ไฟล์ใหญ่เกิน %(limit)s MB")
MSG_BAD_DATE = _("“%(value)s” ไม่ใช่วันที่ ให้เขียนแบบ YYYY-MM-DD")
MSG_REGISTRY_ADMINS = _("เฉพาะผู้ดูแลระบบนำเข้าทะเบียนได้")
MSG_EDITORS_ONLY = _("เฉพาะเจ้าหน้าที่ของอำเภอนี้นำเข้าแบบของอำเภอได้")

STAGE_READING = _("กำลังอ่านและตรวจไฟล์ และบันทึกเมื่อไม่พบปัญหา")
STAGE_COUNTING = _("กำลังนับแถว")
STAGE_WRITING = _("กำลังเขียนไฟล์ Excel")

#: Bytes of an uploaded workbook per row, to guess whether an import is big before it
#: is read: the department's registry runs at 100-180 bytes a row, so this guesses high.
IMPORT_BYTES_PER_ROW = 100


# ---------------------------------------------------------------------------
# Parameters and scope
# ---------------------------------------------------------------------------


def _round(params: dict) -> Round:
    code = str(params.get("round") or "")
    round = round_get(code)
    if round is None:
        raise JobRefused(MSG_NO_ROUND % {"value": code})
    return round


def _district(by, params: dict) -> District:
    """The district of the parameters if the user sees it (404 otherwise, as on the pages)."""
    return get_district_for_user(by, params.get("district") or "")


def _province(by, params: dict) -> Province:
    """A province's consolidated forms are for its staff and administrators; to a district
    officer a province does not exist (404), as on the province pages."""
    return get_province_for_user(by, params.get("province") or "")


def _scope(by, params: dict) -> tuple[QuerySet[District], Province | None, District | None]:
    """The districts of an export: one district, a province's, or (for administrators,
    who alone see the country's page) the whole country's, with no province."""
    if params.get("country"):
        if by is None or not by.is_portal_admin:
            raise Http404
        return District.objects.all(), None, None
    if params.get("district"):
        district = _district(by, params)
        return District.objects.filter(code=district.code), district.province, district
    if params.get("province"):
        province = _province(by, params)
        return District.objects.filter(province=province), province, None
    raise JobRefused(MSG_NO_SCOPE)


def _place_label(province: Province | None, district: District | None, round: Round) -> str:
    return place_label(
        round_code=round.code,
        district_name=district.name_th if district else "",
        province_name=province.name_th if province and not district else "",
    )


def _rows_from_bytes(input_file, limit: int) -> int:
    if input_file is None:
        raise JobRefused(MSG_NO_FILE)
    # Django's File works out the size of an upload, a stored file or an open file.
    size = (input_file if isinstance(input_file, File) else File(input_file)).size or 0
    if size > limit:
        raise JobRefused(MSG_TOO_LARGE % {"limit": f"{limit / (1024 * 1024):.0f}"})
    return size // IMPORT_BYTES_PER_ROW


def counted(items: Iterable, progress: Progress, total: int, rows=lambda item: 1) -> Iterator:
    """Yield the items of an exporter's generator, reporting the rows the writer has taken.

    An item is counted once the writer asks for the next one, so `done` never runs ahead
    of what is written.
    """
    done = 0
    progress(0, total)
    for item in items:
        yield item
        done += rows(item)
        progress(done, total)


# ---------------------------------------------------------------------------
# Registry import (administrators)
# ---------------------------------------------------------------------------


def _as_of(params: dict) -> dt.date:
    value = str(params.get("as_of") or "")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise JobRefused(MSG_BAD_DATE % {"value": value}) from None


def registry_import_check(*, by, params: dict, input_file) -> JobPlan:
    if by is None or not (by.is_portal_admin or by.has_perm("products.add_registrysnapshot")):
        raise PermissionDenied(MSG_REGISTRY_ADMINS)
    as_of = _as_of(params)
    rows = _rows_from_bytes(input_file, settings.REGISTRY_UPLOAD_MAX_BYTES)
    return JobPlan(rows=rows, label=registry_label(as_of))


@register(JobKind.REGISTRY_IMPORT, check=registry_import_check, atomic=True)
def registry_import_job(job: Job, progress: Progress) -> dict:
    from products.services.registry import registry_import_file

    progress.stage(STAGE_READING)
    with job.input_file.open("rb") as fh:
        result = registry_import_file(
            file=fh,
            as_of=_as_of(job.params),
            by=job.user,
            name=job.input_name,
            progress=progress,
        )
    progress(result.row_count, result.row_count)
    return {
        **result.summary(),
        "rows": result.row_count,
        "snapshot": result.snapshot.pk if result.snapshot else None,
        "notices": [str(n) for n in result.notices],
    }


# ---------------------------------------------------------------------------
# A district's survey or report, imported from its form (the district's editors)
# ---------------------------------------------------------------------------


def _district_import_check(*, by, params: dict, input_file) -> JobPlan:
    round = _round(params)
    district = _district(by, params)
    if not can_edit_district(by, district):
        raise PermissionDenied(MSG_EDITORS_ONLY)
    rows = _rows_from_bytes(input_file, settings.DISTRICT_UPLOAD_MAX_BYTES)
    return JobPlan(rows=rows, label=_place_label(district.province, district, round))


def _district_import(job: Job, progress: Progress, service) -> dict:
    """Run a district form's import service (survey_import, report_import) on the job's file."""
    round, district = _round(job.params), _district(job.user, job.params)
    progress.stage(STAGE_READING)
    with job.input_file.open("rb") as fh:
        result = service(round=round, district=district, file=fh, name=job.input_name, by=job.user)
    progress(result.rows, result.rows)
    return result.summary()


@register(JobKind.SURVEY_IMPORT, check=_district_import_check, atomic=True)
def survey_import_job(job: Job, progress: Progress) -> dict:
    from surveys.services import survey_import

    return _district_import(job, progress, survey_import)


@register(JobKind.REPORT_IMPORT, check=_district_import_check, atomic=True)
def report_import_job(job: Job, progress: Progress) -> dict:
    from reports.services import report_import

    return _district_import(job, progress, report_import)


# ---------------------------------------------------------------------------
# Exports of attachments 1, 2 and 3
# ---------------------------------------------------------------------------


def _export_check(*, by, params: dict, input_file) -> JobPlan:
    round = _round(params)
    districts, province, district = _scope(by, params)
    rows = Product.objects.base(round).filter(district__in=districts).count()
    return JobPlan(rows=rows, label=_place_label(province, district, round))


def _export_name(
    pattern: str, round: Round, province: Province | None, district: District | None
) -> str:
    """The file name the page's own download gives (pattern: "survey-{round}-{place}");
    the whole country's is "all"."""
    place = district.code if district else province.code if province else "all"
    return pattern.format(round=round.code, place=place) + ".xlsx"


def _place_export(job: Job, progress: Progress, write, pattern: str, **counting):
    """Run a form's export function (survey_export_write, report_export_write) for the
    job's place, counting what it writes; returns what it returned and the products."""
    round = _round(job.params)
    districts, province, district = _scope(job.user, job.params)
    progress.stage(STAGE_COUNTING)
    total = Product.objects.base(round).filter(district__in=districts).count()
    progress.stage(STAGE_WRITING)
    with job_attach_output(job, _export_name(pattern, round, province, district)) as fh:
        written = write(
            fh,
            round=round,
            district=district,
            province=province,
            track=lambda items: counted(items, progress, total, **counting),
        )
    return written, total


@register(JobKind.SURVEY_EXPORT, check=_export_check)
def survey_export_job(job: Job, progress: Progress) -> dict:
    from surveys.exports import survey_export_write

    rows, total = _place_export(
        job,
        progress,
        survey_export_write,
        "survey-{round}-{place}",
        rows=lambda block: len(block.products),
    )
    return {"rows": rows, "products": total}


@register(JobKind.REPORT_EXPORT, check=_export_check)
def report_export_job(job: Job, progress: Progress) -> dict:
    from reports.exports import report_export_write

    _nothing, total = _place_export(job, progress, report_export_write, "report_{round}_{place}")
    return {"rows": progress.done, "products": total}


def targets_export_check(*, by, params: dict, input_file) -> JobPlan:
    round = _round(params)
    province = _province(by, params)
    return JobPlan(
        rows=District.objects.filter(province=province).count(),
        label=_place_label(province, None, round),
    )


@register(JobKind.TARGETS_EXPORT, check=targets_export_check)
def targets_export_job(job: Job, progress: Progress) -> dict:
    from products.targets_workbook import targets_export_write

    round = _round(job.params)
    province = _province(job.user, job.params)
    with job_attach_output(job, f"targets_{round.code}_{province.code}.xlsx") as fh:
        rows = targets_export_write(fh, round=round, province=province)
    progress(len(rows), len(rows))
    return {"rows": len(rows)}
