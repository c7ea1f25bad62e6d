"""Views of the dashboards: each role's home, the province, district and country
dashboards, their downloads, and the province's review desk."""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from dashboards import charts
from dashboards.dashboard_export import (
    print_table,
    write_dashboard_csv,
    write_dashboard_xlsx,
    write_targets_progress,
)
from dashboards.forms import MSG_PICK_ONE, DashboardFilterForm, ReviewForm
from dashboards.selectors import (
    country_dashboard,
    district_dashboard,
    province_dashboard,
    readiness_shares,
    review_figures_attach,
    review_items_get,
    review_queue,
)
from districts.models import District, Province
from districts.scoping import can_review_province
from districts.selectors import get_district_for_user, get_province_for_user
from otop_portal.downloads import XLSX, attachment
from otop_portal.workflow import (
    MSG_CANNOT_REVIEW_STATE,
    Status,
    WorkflowError,
    submission_approve,
    submission_return,
)
from plans.selectors import followup_counts
from products.models import Round
from products.selectors import get_round_or_404, round_current
from reports.plausibility import flagged_lines_for_districts, flags_for_districts
from reports.selectors import kpi_for_country, kpi_for_province


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def portal_admin_required(view: Callable) -> Callable:
    """Administrators only; anyone else gets a 404, so the page is not revealed."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        if not request.user.is_portal_admin:
            raise Http404
        return view(request, *args, **kwargs)

    return login_required(wrapped)


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each role's home: the officer's district page, the province page of provincial
    staff, the country page of administrators, for the current round."""
    user = request.user
    current = round_current()
    if current is not None:
        if user.is_portal_admin:
            return redirect("dashboards:country", round_code=current.code)
        if user.is_province_staff and user.province_id:
            return redirect("dashboards:province", round_code=current.code, code=user.province_id)
        if user.is_officer and user.district_id:
            return redirect("dashboards:district", round_code=current.code, code=user.district_id)
    rounds = list(Round.objects.visible_to(user).select_related("fiscal_year")[:10])
    return render(
        request,
        "dashboards/home.html",
        {"rounds": rounds, "current_round": rounds[0] if rounds else None},
    )


# ---------------------------------------------------------------------------
# Province
# ---------------------------------------------------------------------------


@require_GET
@login_required
def province(request: HttpRequest, round_code: str, code: str) -> HttpResponse:
    round = get_round_or_404(round_code)
    province = get_province_for_user(request.user, code)
    filters = DashboardFilterForm(request.GET or None)
    sort, show = filters.values()
    dashboard = province_dashboard(
        round=round, province=province, today=timezone.localdate(), sort=sort, show=show
    )
    flagged = flagged_lines_for_districts(
        round=round, districts=District.objects.filter(province=province)
    )
    for row in dashboard.all_rows:
        row.flagged_lines = flagged.get(row.code, 0)
    chart = charts.bar_chart(
        [
            charts.Bar(
                r.kpi.name, r.kpi.achievement_pct, r.kpi.target_met, note=_achievement_note(r.kpi)
            )
            for r in dashboard.all_rows
        ],
        title=_("ร้อยละของเป้าหมาย (ขายออนไลน์แล้ว / เป้าหมาย) รายอำเภอ จังหวัด%(province)s")
        % {"province": province.name_th},
        goal_label=_("เป้าหมาย"),
    )
    return render(
        request,
        "dashboards/province.html",
        {
            "round": round,
            "province": province,
            "d": dashboard,
            "filters": filters,
            "achievement_chart": chart,
            "readiness_chart": _readiness_chart(
                dashboard.readiness_total, _("จังหวัด%(name)s") % {"name": province.name_th}
            ),
            "can_review": can_review_province(request.user, province),
        },
    )


def _achievement_note(kpi) -> str:
    if kpi.achievement_pct is None:
        return _("ไม่มีเป้าหมาย")
    return f"{kpi.achievement_pct:,.2f} % ({kpi.sold_online}/{kpi.target})"


def _readiness_chart(readiness, scope: str):
    """The readiness shares as a chart, or None while nothing has been answered."""
    if readiness is None or not (readiness.entrepreneurs_answered or readiness.products_answered):
        return None
    bars = [
        charts.Bar(label, pct, note=f"{done:,}/{of:,}")
        for label, done, of, pct in readiness_shares(readiness)
    ]
    return charts.bar_chart(
        bars,
        title=_("ความพร้อมเข้าสู่ตลาดออนไลน์ %(scope)s") % {"scope": scope},
        goal_pct=None,
        css_class="chart readiness",
    )


@require_GET
@login_required
def province_xlsx(request: HttpRequest, round_code: str, code: str) -> HttpResponse:
    round = get_round_or_404(round_code)
    province = get_province_for_user(request.user, code)
    kpi = kpi_for_province(round=round, province=province)
    output = io.BytesIO()
    write_dashboard_xlsx(
        output,
        round=round,
        scope_name=_("จังหวัด %(name)s") % {"name": province.name_th},
        rows=kpi.rows,
        total=kpi.total,
        area_label=_("อำเภอ"),
    )
    return attachment(
        output.getvalue(),
        content_type=XLSX,
        filename=f"dashboard-{round.code}-{province.code}.xlsx",
    )


@require_GET
@login_required
def province_print(request: HttpRequest, round_code: str, code: str) -> HttpResponse:
    """The province's dashboard table as a page to print or save as PDF, with the title
    block, the totals and the signature lines."""
    round = get_round_or_404(round_code)
    province = get_province_for_user(request.user, code)
    kpi = kpi_for_province(round=round, province=province)
    table = print_table(
        round,
        scope_name=_("จังหวัด %(name)s") % {"name": province.name_th},
        rows=kpi.rows,
        total=kpi.total,
        area_label=_("อำเภอ"),
    )
    return render(
        request,
        "dashboards/province_print.html",
        {"round": round, "province": province, "table": table},
    )


@require_GET
@login_required
def province_csv(request: HttpRequest, round_code: str, code: str) -> HttpResponse:
    round = get_round_or_404(round_code)
    province = get_province_for_user(request.user, code)
    kpi = kpi_for_province(round=round, province=province)
    output = io.StringIO()
    write_dashboard_csv(output, round=round, rows=kpi.rows, total=kpi.total, area_label=_("อำเภอ"))
    return attachment(
        output.getvalue().encode("utf-8"),
        content_type="text/csv; charset=utf-8",
        filename=f"dashboard-{round.code}-{province.code}.csv",
    )


@require_GET
@login_required
def targets_progress_xlsx(request: HttpRequest, round_code: str, code: str) -> HttpResponse:
    """Attachment 1, with the districts' progress on a second sheet."""
    round = get_round_or_404(round_code)
    province = get_province_for_user(request.user, code)
    output = io.BytesIO()
    write_targets_progress(
        output,
        round=round,
        province=province,
        kpi=kpi_for_province(round=round, province=province),
    )
    return attachment(
        output.getvalue(),
        content_type=XLSX,
        filename=f"targets-progress-{round.code}-{province.code}.xlsx",
    )


# ---------------------------------------------------------------------------
# District
# ---------------------------------------------------------------------------


@require_GET
@login_required
def district(request: HttpRequest, round_code: str, code: str) -> HttpResponse:
    round = get_round_or_404(round_code)
    district = get_district_for_user(request.user, code)
    dashboard = district_dashboard(round=round, district=district, today=timezone.localdate())
    return render(
        request,
        "dashboards/district.html",
        {
            "round": round,
            "district": district,
            "d": dashboard,
            "row": dashboard.row,
            "kpi": dashboard.row.kpi,
            "progress_label": _achievement_note(dashboard.row.kpi),
            "readiness_chart": _readiness_chart(
                dashboard.row.readiness, _("อำเภอ%(name)s") % {"name": district.name_th}
            ),
            "sees_province": can_review_province(request.user, district.province),
            "followups": followup_counts(round=round, codes=[district.code])[district.code],
        },
    )


# ---------------------------------------------------------------------------
# Country
# ---------------------------------------------------------------------------


@require_GET
@portal_admin_required
def country(request: HttpRequest, round_code: str) -> HttpResponse:
    round = get_round_or_404(round_code)
    dashboard = country_dashboard(round=round, today=timezone.localdate())
    return render(request, "dashboards/country.html", {"round": round, "d": dashboard})


@require_GET
@portal_admin_required
def country_xlsx(request: HttpRequest, round_code: str) -> HttpResponse:
    round = get_round_or_404(round_code)
    kpi = kpi_for_country(round=round)
    output = io.BytesIO()
    write_dashboard_xlsx(
        output,
        round=round,
        scope_name=_("ทั้งประเทศ"),
        rows=kpi.rows,
        total=kpi.total,
        area_label=_("จังหวัด"),
    )
    return attachment(output.getvalue(), content_type=XLSX, filename=f"dashboard-{round.code}.xlsx")


@require_GET
@portal_admin_required
def country_csv(request: HttpRequest, round_code: str) -> HttpResponse:
    round = get_round_or_404(round_code)
    kpi = kpi_for_country(round=round)
    output = io.StringIO()
    write_dashboard_csv(output, round=round, rows=kpi.rows, total=kpi.total, area_label=_("จังหวัด"))
    return attachment(
        output.getvalue().encode("utf-8"),
        content_type="text/csv; charset=utf-8",
        filename=f"dashboard-{round.code}.csv",
    )


# ---------------------------------------------------------------------------
# Review desk
# ---------------------------------------------------------------------------


def _with_flags(round: Round, items: list) -> list:
    """Each waiting report with its flagged lines and their notes (reports.plausibility)."""
    reports = [i.submission.district_id for i in items if i.kind == "report"]
    flags = flags_for_districts(round=round, districts=District.objects.filter(code__in=reports))
    for item in items:
        item.flags = [
            f for f in flags if item.kind == "report" and f.district == item.submission.district_id
        ]
    return items


@require_http_methods(["GET", "POST"])
@login_required
def review(request: HttpRequest, round_code: str, code: str) -> HttpResponse:
    """The forms of the province waiting for review, each with the figures staff
    approve. Anyone who sees the province may look (an officer sees only their own
    district's forms); only its staff and administrators act, each action through the
    workflow services, which record who, when and why in the form's history. Approving
    goes through review_approve's confirmation first."""
    round = get_round_or_404(round_code)
    province = get_object_or_404(Province.objects.visible_to(request.user), code=code)
    can_review = can_review_province(request.user, province)
    if request.method == "POST" and not can_review:
        raise PermissionDenied
    items = review_queue(round=round, province=province, user=request.user)
    form = ReviewForm(request.POST or None, keys=[i.key for i in items])
    if request.method == "POST":
        if form.is_valid():
            if form.cleaned_data["action"] == ReviewForm.APPROVE:
                query = urlencode([("items", key) for key in form.cleaned_data["items"]])
                url = reverse("dashboards:review_approve", args=[round.code, province.code])
                return redirect(f"{url}?{query}")
            _review_act(request, round=round, province=province, data=form.cleaned_data)
            return redirect(reverse("dashboards:review", args=[round.code, province.code]))
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    _with_flags(round, items)
    review_figures_attach(round=round, items=items)
    return render(
        request,
        "dashboards/review.html",
        {
            "round": round,
            "province": province,
            "items": items,
            "form": form,
            "can_review": can_review,
        },
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
@login_required
def review_approve(request: HttpRequest, round_code: str, code: str) -> HttpResponse:
    """Approving locks a form, so it is confirmed first: the GET lists the chosen forms
    (?items=survey:5601&items=report:5602) that are waiting, with the figures being
    approved, and writes nothing; its form POSTs the same items to approve them."""
    round = get_round_or_404(round_code)
    province = get_object_or_404(Province.objects.visible_to(request.user), code=code)
    if not can_review_province(request.user, province):
        raise PermissionDenied
    desk = reverse("dashboards:review", args=[round.code, province.code])
    data = request.POST if request.method == "POST" else request.GET
    keys = data.getlist("items")
    chosen = review_items_get(round=round, province=province, user=request.user, keys=keys)
    items = [i for i in chosen if i.submission.status == Status.SUBMITTED]
    for item in chosen:
        if item not in items:
            label = f"{item.kind_label} {item.submission.district.name_th}"
            messages.error(request, f"{label}: {MSG_CANNOT_REVIEW_STATE}")
    if not items:
        messages.error(request, MSG_PICK_ONE)
        return redirect(desk)
    if request.method == "POST":
        _review_act(
            request,
            round=round,
            province=province,
            data={"action": ReviewForm.APPROVE, "items": [i.key for i in items]},
        )
        return redirect(desk)
    _with_flags(round, items)
    review_figures_attach(round=round, items=items)
    return render(
        request,
        "dashboards/review_approve.html",
        {"round": round, "province": province, "items": items},
    )


def _review_act(request: HttpRequest, *, round: Round, province: Province, data: dict) -> None:
    items = review_items_get(round=round, province=province, user=request.user, keys=data["items"])
    done = 0
    for item in items:
        label = f"{item.kind_label} {item.submission.district.name_th}"
        try:
            if data["action"] == ReviewForm.RETURN:
                submission_return(
                    submission=item.submission, by=request.user, reason=data["reason"]
                )
            else:
                submission_approve(submission=item.submission, by=request.user)
        except WorkflowError as exc:
            messages.error(request, f"{label}: {exc.message}")
            continue
        done += 1
    if not done:
        return
    if data["action"] == ReviewForm.RETURN:
        messages.success(request, _("ส่งคืน%(label)s แล้ว") % {"label": label})
    else:
        messages.success(
            request,
            ngettext("อนุมัติแล้ว %(n)s แบบ", "อนุมัติแล้ว %(n)s แบบ", done) % {"n": done},
        )
