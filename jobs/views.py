"""Pages of background jobs: my jobs, one job's live progress and result, its download."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from jobs import selectors
from jobs.forms import ExportForm
from jobs.models import Job, JobStatus
from jobs.registry import JobRefused
from jobs.services import job_start
from otop_portal.downloads import stored_file


def _job_or_404(request: HttpRequest, job_id: int) -> Job:
    return get_object_or_404(Job.objects.visible_to(request.user).select_related("user"), pk=job_id)


@login_required
@require_GET
def job_list(request: HttpRequest) -> HttpResponse:
    everyone = request.GET.get("all") == "1" and request.user.is_portal_admin
    jobs = selectors.jobs_for_list(user=request.user, everyone=everyone)
    return render(
        request,
        "jobs/list.html",
        {
            "jobs": jobs,
            "everyone": everyone,
        },
    )


@login_required
@require_GET
def job_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _job_or_404(request, job_id)
    result = job.result if isinstance(job.result, dict) else {}
    return render(
        request,
        "jobs/detail.html",
        {
            "job": job,
            "state": selectors.job_status(job),
            "summary": result,
            "summary_template": selectors.summary_template(job),
            "problems": result.get("problems") if job.status == JobStatus.FAILED else None,
            "notices": result.get("notices") if job.status == JobStatus.SUCCEEDED else None,
        },
    )


@login_required
@require_GET
def job_status(request: HttpRequest, job_id: int) -> JsonResponse:
    job = _job_or_404(request, job_id)
    response = JsonResponse(selectors.job_status(job))
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def job_download(request: HttpRequest, job_id: int) -> FileResponse:
    job = _job_or_404(request, job_id)
    if not job.has_output:
        raise Http404
    return stored_file(job.output_file, filename=job.output_name)


@login_required
@require_POST
def job_export_start(request: HttpRequest) -> HttpResponse:
    """Start an export as a job (a big one is queued) and show its progress page."""
    form = ExportForm(request.POST)
    if not form.is_valid():
        for error in form.errors.get("__all__", []) or [_("ข้อมูลที่ส่งมาไม่ครบ")]:
            messages.error(request, error)
        return redirect("jobs:list")
    try:
        job = job_start(kind=form.cleaned_data["kind"], by=request.user, params=form.params())
    except JobRefused as exc:
        messages.error(request, exc.message)
        return redirect("jobs:list")
    return redirect("jobs:detail", job_id=job.pk)
