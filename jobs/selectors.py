"""Reads of jobs for the pages: the list, a job's state and its status JSON."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext_lazy

from districts.models import District, Province
from jobs.models import Job, JobKind, JobStatus
from jobs.services import stale_after
from otop_portal.dates import be_date

LIST_LIMIT = 100

#: What the progress page says, on the page (templates/jobs/detail.html) and as it polls:
#: "n" chooses the English plural (the total rows; the jobs ahead).
MSG_COUNTS = ngettext_lazy(
    "ทำแล้ว %(done)s จาก %(total)s แถว (%(percent)s %%)",
    "ทำแล้ว %(done)s จาก %(total)s แถว (%(percent)s %%)",
    "n",
)
MSG_AHEAD = ngettext_lazy("มีงานรอคิวก่อนหน้า %(ahead)s งาน", "มีงานรอคิวก่อนหน้า %(ahead)s งาน", "n")

#: The partial that shows a succeeded job's summary, by kind.
SUMMARY_TEMPLATES = {
    JobKind.REGISTRY_IMPORT: "jobs/summary/registry_import.html",
    JobKind.SURVEY_IMPORT: "jobs/summary/survey_import.html",
    JobKind.REPORT_IMPORT: "jobs/summary/report_import.html",
    JobKind.SURVEY_EXPORT: "jobs/summary/export.html",
    JobKind.REPORT_EXPORT: "jobs/summary/export.html",
    JobKind.TARGETS_EXPORT: "jobs/summary/export.html",
}
GENERIC_SUMMARY = "jobs/summary/generic.html"


def jobs_for_list(*, user, everyone: bool = False) -> QuerySet[Job]:
    """The user's own jobs, newest first; an administrator may ask for everyone's."""
    jobs = Job.objects.visible_to(user).select_related("user")
    if not (everyone and user.is_portal_admin):
        jobs = jobs.filter(user=user)
    return jobs.defer("result", "params")[:LIST_LIMIT]


def job_is_stalled(job: Job, now=None) -> bool:
    """A running job whose worker has not been heard of for the stale limit: the reaper
    will mark it failed."""
    if job.status != JobStatus.RUNNING:
        return False
    seen = job.heartbeat_at or job.started_at
    return seen is not None and (now or timezone.now()) - seen > stale_after()


def jobs_ahead(job: Job) -> int:
    """How many queued jobs were started before this queued one (0 when not queued)."""
    if job.status != JobStatus.QUEUED:
        return 0
    return Job.objects.filter(status=JobStatus.QUEUED, pk__lt=job.pk).count()


def job_status(job: Job, now=None) -> dict:
    """What the progress page polls: status, rows done of total, and where to go next.
    counts_text and ahead_text say the counts in the reader's language ("" when unknown
    or none), so that the page need not know how each language says one or many."""
    ahead = jobs_ahead(job)
    return {
        "id": job.pk,
        "status": job.status,
        "status_label": str(job.get_status_display()),
        "finished": job.is_finished,
        "done": job.done,
        "total": job.total,
        "percent": job.percent,
        "stage": job.stage,
        "error": job.error,
        "stalled": job_is_stalled(job, now),
        "ahead": ahead,
        "counts_text": (
            MSG_COUNTS
            % {
                "done": f"{job.done:,}",
                "total": f"{job.total:,}",
                "percent": job.percent,
                "n": job.total,
            }
            if job.total
            else ""
        ),
        "ahead_text": MSG_AHEAD % {"ahead": f"{ahead:,}", "n": ahead} if ahead else "",
        "download_url": reverse("jobs:download", args=[job.pk]) if job.has_output else None,
    }


def summary_template(job: Job) -> str:
    return SUMMARY_TEMPLATES.get(job.kind, GENERIC_SUMMARY)


# ---------------------------------------------------------------------------
# A job's label, in the reader's language
# ---------------------------------------------------------------------------


def place_label(*, round_code: str, district_name: str = "", province_name: str = "") -> str:
    """What an export or a form import is about: "อำเภอแม่ใจ รอบ 2564-2"."""
    if district_name:
        place = _("อำเภอ%(name)s") % {"name": district_name}
    elif province_name:
        place = _("จังหวัด%(name)s") % {"name": province_name}
    else:
        place = _("ทุกจังหวัด")
    return _("%(place)s รอบ %(round)s") % {"place": place, "round": round_code}


def registry_label(as_of: dt.date) -> str:
    """What a registry import is about: "ทะเบียน ณ วันที่ 1 เม.ย. 2564"."""
    return _("ทะเบียน ณ วันที่ %(date)s") % {"date": be_date(as_of)}


def job_labels(jobs: Iterable[tuple[int, dict, str]]) -> dict[int, str]:
    """{job id: label} for (id, params, stored label) rows, in three queries at most."""
    jobs = [(pk, params if isinstance(params, dict) else {}, label) for pk, params, label in jobs]
    district_names = dict(
        District.objects.filter(
            code__in={str(p["district"]) for _pk, p, _l in jobs if p.get("district")}
        ).values_list("code", "name_th")
    )
    province_names = dict(
        Province.objects.filter(
            code__in={str(p["province"]) for _pk, p, _l in jobs if p.get("province")}
        ).values_list("code", "name_th")
    )
    labels = {}
    for pk, params, stored in jobs:
        label = stored
        if params.get("as_of"):
            try:
                label = registry_label(dt.date.fromisoformat(str(params["as_of"])))
            except ValueError:
                pass
        elif params.get("round"):
            if params.get("district"):
                place = {"district_name": district_names.get(str(params["district"]))}
            elif params.get("province"):
                place = {"province_name": province_names.get(str(params["province"]))}
            else:
                place = {} if params.get("country") else None
            if place is not None and all(place.values()):
                label = place_label(round_code=str(params["round"]), **place)
        labels[pk] = label
    return labels
