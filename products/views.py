"""Views of the products app: a province's targets (attachment 1) and a district's target."""

from __future__ import annotations

import io
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from districts.models import District, Province
from districts.scoping import can_review_district
from districts.selectors import get_district_for_user, get_province_for_user
from otop_portal.downloads import attachment
from otop_portal.importing import ImportRefused
from otop_portal.refusal import refusal_of_form
from products.forms import TargetForm, TargetsUploadForm
from products.models import Round, Target
from products.selectors import get_round_or_404, targets_for_districts, targets_total
from products.services.targets import target_set, targets_import
from products.targets_workbook import rate_label, targets_export_write

MSG_SAVED = _("บันทึกเป้าหมายทางการของอำเภอ%(name)sแล้ว")
MSG_CLEARED = _("ล้างเป้าหมายทางการของอำเภอ%(name)sแล้ว ใช้เป้าหมายที่คำนวณแทน")
MSG_IMPORTED = _("บันทึกเป้าหมายทางการจากไฟล์ %(name)s แล้ว")


def reviewers_only(view):
    """Province pages are for provincial staff and administrators. A district officer
    sees only their own district, so to them a province's page does not exist (404)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        user = request.user
        if not (user.is_portal_admin or user.is_province_staff):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _district_for_review(request: HttpRequest, code: str) -> District:
    """The district if the user may set its target: out of scope is a 404, the
    district's own officer (who may only read) gets a 403."""
    district = get_district_for_user(request.user, code)
    if not can_review_district(request.user, district):
        raise PermissionDenied
    return district


def _rows(round: Round, province: Province):
    return targets_for_districts(round=round, districts=District.objects.filter(province=province))


@login_required
@reviewers_only
@require_GET
def targets(request: HttpRequest, round_code: str, code: str) -> HttpResponse:
    round = get_round_or_404(round_code, snapshot=True)
    province = get_province_for_user(request.user, code)
    rows = _rows(round, province)
    return render(
        request,
        "products/targets.html",
        {
            "round": round,
            "province": province,
            "rows": rows,
            "total": targets_total(rows),
            "rate": rate_label(round.target_rate),
            "upload_form": TargetsUploadForm(),
        },
    )


@login_required
@reviewers_only
@require_GET
def targets_xlsx(request: HttpRequest, round_code: str, code: str) -> HttpResponse:
    round = get_round_or_404(round_code)
    province = get_province_for_user(request.user, code)
    buffer = io.BytesIO()
    targets_export_write(buffer, round=round, province=province)
    return attachment(buffer.getvalue(), filename=f"targets_{round.code}_{province.code}.xlsx")


@login_required
@reviewers_only
@require_http_methods(["GET", "POST"])
def targets_import_view(request: HttpRequest, round_code: str, code: str) -> HttpResponse:
    round = get_round_or_404(round_code)
    province = get_province_for_user(request.user, code)
    context = {"round": round, "province": province, "problems": [], "notices": [], "result": None}
    if request.method == "POST":
        form = TargetsUploadForm(request.POST, request.FILES)
    else:
        form = TargetsUploadForm()
    if form.is_bound and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = targets_import(
                round=round,
                file=upload,
                name=upload.name,
                province=province,
                by=request.user,
                dry_run=form.cleaned_data["dry_run"],
            )
        except ImportRefused as exc:
            context["problems"] = exc.problems
        else:
            context["result"] = result
            context["notices"] = result.notices
            if not result.dry_run and result.changed:
                messages.success(request, MSG_IMPORTED % {"name": upload.name})
    context["form"] = form
    context["refusal"] = refusal_of_form(form)
    return render(request, "products/targets_import.html", context)


def _history(round: Round, district: District) -> list[dict]:
    """The target's changes, newest first: who, when, old -> new, reason."""
    records = list(
        Target.history.filter(round_id=round.pk, district_id=district.code)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    entries, previous = [], None
    for record in records:
        new = None if record.history_type == "-" else record.official
        entries.append(
            {
                "when": record.history_date,
                "who": record.history_user,
                "old": previous,
                "new": new,
                "reason": record.reason,
            }
        )
        previous = new
    entries.reverse()
    return entries


@login_required
@require_http_methods(["GET", "POST"])
def target_edit(request: HttpRequest, round_code: str, code: str) -> HttpResponse:
    round = get_round_or_404(round_code)
    district = _district_for_review(request, code)
    current = targets_for_districts(round=round, districts=District.objects.filter(code=code))[0]
    if request.method == "POST":
        form = TargetForm(request.POST)
        if form.is_valid():
            try:
                target_set(
                    round=round,
                    district=district,
                    official=form.cleaned_data["official"],
                    reason=form.cleaned_data["reason"],
                    by=request.user,
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            else:
                done = MSG_CLEARED if form.cleaned_data["official"] is None else MSG_SAVED
                messages.success(request, done % {"name": district.name_th})
                return redirect(
                    "products:targets", round_code=round.code, code=district.province_id
                )
    else:
        form = TargetForm(initial={"official": current.target_official})
    return render(
        request,
        "products/target_edit.html",
        {
            "round": round,
            "district": district,
            "current": current,
            "rate": rate_label(round.target_rate),
            "form": form,
            "history": _history(round, district),
        },
    )
