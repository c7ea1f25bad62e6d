"""The products app's jobs: the registry import, and what every round's job shares (its
round, a district's import check, an export's size); attachment 1's export."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from districts.models import District
from districts.scoping import can_edit_district
from jobs.handlers import (
    STAGE_COUNTING,
    STAGE_READING,
    STAGE_WRITING,
    counted,
    district_param,
    export_name,
    job_place_label,
    province_param,
    rows_from_bytes,
    scope_param,
)
from jobs.models import Job, JobKind
from jobs.progress import Progress
from jobs.registry import JobPlan, JobRefused, register
from jobs.selectors import registry_label
from jobs.services import job_attach_output
from products.models import Product, Round
from products.selectors import round_get
from products.services.registry import registry_import_file
from products.targets_workbook import targets_export_write

MSG_NO_ROUND = _("ไม่พบรอบการประเมิน “%(value)s”")
MSG_BAD_DATE = _("“%(value)s” ไม่ใช่วันที่ ให้เขียนแบบ YYYY-MM-DD")
MSG_REGISTRY_ADMINS = _("เฉพาะผู้ดูแลระบบนำเข้าทะเบียนได้")
MSG_EDITORS_ONLY = _("เฉพาะเจ้าหน้าที่ของอำเภอนี้นำเข้าแบบของอำเภอได้")
MSG_BAD_CHOICE = _("“%(value)s” ไม่ใช่ค่าที่ใช้ได้ของ %(name)s ให้ใช้ true หรือ false")


def round_param(params: dict) -> Round:
    code = str(params.get("round") or "")
    round = round_get(code)
    if round is None:
        raise JobRefused(MSG_NO_ROUND % {"value": code})
    return round


def district_import_check(*, by, params: dict, input_file) -> JobPlan:
    """A district's survey or report imported from its form: the district's editors."""
    round = round_param(params)
    district = district_param(by, params)
    if not can_edit_district(by, district):
        raise PermissionDenied(MSG_EDITORS_ONLY)
    rows = rows_from_bytes(input_file, settings.DISTRICT_UPLOAD_MAX_BYTES)
    return JobPlan(rows=rows, label=job_place_label(district.province, district, round))


def base_products_count(round: Round, districts) -> int:
    return Product.objects.base(round, district=districts.values("code")).count()


def district_import_run(job: Job, progress: Progress, service) -> dict:
    """Run a district form's import service (survey_import, report_import) on the job's file."""
    round, district = round_param(job.params), district_param(job.user, job.params)
    progress.stage(STAGE_READING)
    with job.input_file.open("rb") as fh:
        result = service(round=round, district=district, file=fh, name=job.input_name, by=job.user)
    progress(result.rows, result.rows)
    return result.summary()


def place_export_run(job: Job, progress: Progress, write, pattern: str, **counting):
    """Run a form's export function (survey_export_write, report_export_write) for the
    job's place, counting what it writes; returns what it returned and the products."""
    round = round_param(job.params)
    districts, province, district = scope_param(job.user, job.params)
    progress.stage(STAGE_COUNTING)
    total = base_products_count(round, districts)
    progress.stage(STAGE_WRITING)
    with job_attach_output(job, export_name(pattern, round, province, district)) as fh:
        written = write(
            fh,
            round=round,
            district=district,
            province=province,
            track=lambda items: counted(items, progress, total, **counting),
        )
    return written, total


def export_check(*, by, params: dict, input_file) -> JobPlan:
    """An export of attachment 2 or 3: its rows are the base products of its districts."""
    round = round_param(params)
    districts, province, district = scope_param(by, params)
    return JobPlan(
        rows=base_products_count(round, districts),
        label=job_place_label(province, district, round),
    )


# ---------------------------------------------------------------------------
# Registry import (administrators)
# ---------------------------------------------------------------------------


def _as_of(params: dict) -> dt.date:
    value = str(params.get("as_of") or "")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise JobRefused(MSG_BAD_DATE % {"value": value}) from None


def _remove_missing_provinces(params: dict) -> bool:
    """The job's "remove_missing_provinces" param: true or false, false when absent."""
    value = params.get("remove_missing_provinces", False)
    if not isinstance(value, bool):
        raise JobRefused(MSG_BAD_CHOICE % {"name": "remove_missing_provinces", "value": value})
    return value


def registry_import_check(*, by, params: dict, input_file) -> JobPlan:
    if by is None or not (by.is_portal_admin or by.has_perm("products.add_registrysnapshot")):
        raise PermissionDenied(MSG_REGISTRY_ADMINS)
    as_of = _as_of(params)
    _remove_missing_provinces(params)
    rows = rows_from_bytes(input_file, settings.REGISTRY_UPLOAD_MAX_BYTES)
    return JobPlan(rows=rows, label=registry_label(as_of))


@register(JobKind.REGISTRY_IMPORT, check=registry_import_check, atomic=True)
def registry_import_job(job: Job, progress: Progress) -> dict:
    progress.stage(STAGE_READING)
    with job.input_file.open("rb") as fh:
        result = registry_import_file(
            file=fh,
            as_of=_as_of(job.params),
            by=job.user,
            name=job.input_name,
            progress=progress,
            remove_missing_provinces=_remove_missing_provinces(job.params),
        )
    progress(result.row_count, result.row_count)
    return {
        **result.summary(),
        "rows": result.row_count,
        "snapshot": result.snapshot.pk if result.snapshot else None,
        "notices": [str(n) for n in result.notices],
    }


# ---------------------------------------------------------------------------
# Attachment 1
# ---------------------------------------------------------------------------


def targets_export_check(*, by, params: dict, input_file) -> JobPlan:
    round = round_param(params)
    province = province_param(by, params)
    return JobPlan(
        rows=District.objects.filter(province=province).count(),
        label=job_place_label(province, None, round),
    )


@register(JobKind.TARGETS_EXPORT, check=targets_export_check)
def targets_export_job(job: Job, progress: Progress) -> dict:
    round = round_param(job.params)
    province = province_param(job.user, job.params)
    with job_attach_output(job, f"targets_{round.code}_{province.code}.xlsx") as fh:
        rows = targets_export_write(fh, round=round, province=province)
    progress(len(rows), len(rows))
    return {"rows": len(rows)}
