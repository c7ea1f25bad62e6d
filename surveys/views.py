"""Views of the surveys app: a district's survey (attachment 2) in the browser, its
Excel form out and in, the review workflow, and the province's status list.

Scoping is decided by the decorators: a district or province outside the user's
scope is a 404; a user who may see but not write (provincial staff on a district's
answers, an officer on a review) gets a 403.
"""

from __future__ import annotations

import io
from functools import wraps
from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.translation import gettext as _
from django.utils.translation import ngettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from districts.models import District, Province
from districts.scoping import Role, can_edit_district, can_review_district
from districts.selectors import get_district_for_user, subdistrict_choices
from otop_portal.downloads import XLSX
from otop_portal.forms import ExceptionForm, ReviewForm
from otop_portal.importing import ImportRefused
from otop_portal.spreadsheet import SpreadsheetError
from otop_portal.upload_flow import (
    refusal_context,
    upload_marked_response,
    upload_problems_response,
)
from otop_portal.workflow import Status, WorkflowError
from products.models import Round
from products.selectors import get_round_or_404
from surveys import selectors, services
from surveys.exports import survey_export_write
from surveys.forms import EntrepreneurAnswerForm, SurveyFilterForm, upload_form
from surveys.models import Survey, SurveyUpload
from surveys.workbook import print_sheet


def district_view(view):
    """Resolve the round and the district through the user's scope (404 outside it)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, round_code: str, code: str, **kwargs) -> HttpResponse:
        round = get_round_or_404(round_code)
        district = get_district_for_user(request.user, code)
        return view(request, round, district, **kwargs)

    return wrapper


def editor_required(view):
    """Only the district's own officers (and administrators) write its survey."""

    @wraps(view)
    def wrapper(request: HttpRequest, round: Round, district: District, **kwargs):
        if not can_edit_district(request.user, district):
            raise PermissionDenied
        return view(request, round, district, **kwargs)

    return wrapper


def editor_required_on_post(view):
    @wraps(view)
    def wrapper(request: HttpRequest, round: Round, district: District, **kwargs):
        if request.method == "POST" and not can_edit_district(request.user, district):
            raise PermissionDenied
        return view(request, round, district, **kwargs)

    return wrapper


def reviewer_required(view):
    """Only the province's staff (and administrators) return, approve or extend."""

    @wraps(view)
    def wrapper(request: HttpRequest, round: Round, district: District, **kwargs):
        if not can_review_district(request.user, district):
            raise PermissionDenied
        return view(request, round, district, **kwargs)

    return wrapper


def province_view(view):
    """Resolve the round and the province; the districts are those the user sees."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, round_code: str, code: str, **kwargs) -> HttpResponse:
        round = get_round_or_404(round_code)
        province = get_object_or_404(Province.objects.visible_to(request.user), code=code)
        districts = District.objects.visible_to(request.user).filter(province=province)
        return view(request, round, province, districts, **kwargs)

    return wrapper


def province_reviewer_required(view):
    @wraps(view)
    def wrapper(request: HttpRequest, round: Round, province: Province, districts, **kwargs):
        user = request.user
        if not (user.is_portal_admin or user.role == Role.PROVINCE):
            raise PermissionDenied
        return view(request, round, province, districts, **kwargs)

    return wrapper


#: Entrepreneurs per page of the survey's list: a big district's whole list was over
#: 250 KB of HTML (issue #19).
ENTREPRENEURS_PER_PAGE = 50
#: The list's filters, kept by its page links.
FILTER_KEYS = ("q", "type", "subdistrict", "unanswered")
#: "n", the entrepreneurs imported in all (new, changed and unchanged), chooses the
#: English plural of the noun that ends the list.
MSG_IMPORTED = ngettext_lazy(
    "นำเข้าแล้ว: ผู้ประกอบการใหม่ %(new)s เปลี่ยน %(changed)s ไม่เปลี่ยน %(unchanged)s ราย",
    "นำเข้าแล้ว: ผู้ประกอบการใหม่ %(new)s เปลี่ยน %(changed)s ไม่เปลี่ยน %(unchanged)s ราย",
    "n",
)


def imported_message(counts) -> str:
    """What a committed import says of its entrepreneurs (a services Counts)."""
    return MSG_IMPORTED % {**counts.as_dict(), "n": counts.new + counts.changed + counts.unchanged}


def _detail_url(round: Round, district: District) -> str:
    return reverse("surveys:detail", kwargs={"round_code": round.code, "code": district.code})


def _approve_url(round: Round, district: District) -> str:
    """The province's confirmation page for approving this district's survey: approving
    locks the form, so every approve button leads there first. The page is the
    dashboards app's, a floor above, so it is linked by its URL name (as the menu links
    every app's pages), never imported."""
    url = reverse("dashboards:review_approve", args=[round.code, district.province_id])
    return f"{url}?items=survey:{district.code}"


def _row_url(round: Round, district: District, code: str) -> str:
    """The survey's list at the row of one entrepreneur: the list works out its page
    (`at`), so the form and every save that link to it need not (issue #19)."""
    return f"{_detail_url(round, district)}?{urlencode({'at': code})}#e-{code}"


def _survey_or_transient(
    round: Round, district: District, *, people: bool = False
) -> tuple[Survey | None, Survey]:
    """The stored survey (or None) and a survey to ask about locks: a survey that has
    not been started is an unsaved draft. `people`: see selectors.survey_for."""
    survey = selectors.survey_for(round=round, district=district, people=people)
    return survey, survey or Survey(round=round, district=district, status=Status.DRAFT)


# ---------------------------------------------------------------------------
# The survey page
# ---------------------------------------------------------------------------


@require_GET
@district_view
def detail(request: HttpRequest, round: Round, district: District) -> HttpResponse:
    survey, subject = _survey_or_transient(round, district, people=True)
    filters = SurveyFilterForm(request.GET or None, subdistricts=subdistrict_choices(district))
    listed = selectors.survey_entrepreneurs(
        round=round,
        district=district,
        survey=survey,
        page=request.GET.get("page"),
        per_page=ENTREPRENEURS_PER_PAGE,
        at=request.GET.get("at", ""),
        **filters.filters(),
    )
    page = listed.page
    # One reverse for the page's 50 links (issue #19): a row's is the same path with its
    # code, quoted as reverse() quotes it.
    link = reverse("surveys:entrepreneur", args=[round.code, district.code, "0"])[:-2]
    for row in page.object_list:
        row.url = f"{link}{quote(row.code, safe=RFC3986_SUBDELIMS + '~:@')}/"
    readiness = selectors.survey_readiness_of(
        round=round,
        district=district,
        survey=survey,
        base_counts=listed.base_counts,
        answer_counts=listed.counts,
    )
    user = request.user
    lock = subject.lock_reason(user)
    can_review = can_review_district(user, district)
    return render(
        request,
        "surveys/detail.html",
        {
            "round": round,
            "district": district,
            "survey": survey,
            "subject": subject,
            "rows": page.object_list,
            "page": page,
            "filter_query_no_page": urlencode(
                {k: request.GET[k] for k in FILTER_KEYS if request.GET.get(k)}
            ),
            "filters": filters,
            "readiness": readiness,
            "lock_reason": lock,
            "can_edit": lock is None,
            "can_review": can_review
            and survey is not None
            and survey.status in (Status.SUBMITTED, Status.APPROVED),
            "changes": selectors.survey_changes_since_return(survey=survey)
            if can_review and survey is not None and survey.status == Status.SUBMITTED
            else None,
            "approve_url": _approve_url(round, district),
            "can_extend": can_review and round.lock_after_deadline,
            "review_form": ReviewForm(),
            "exception_form": ExceptionForm(initial={"until": subject.unlocked_until}),
            "history": selectors.survey_history(survey=survey),
            "uploads": selectors.survey_uploads(survey=survey),
            "filtered": filters.is_bound and any(filters.filters().values()),
        },
    )


@require_http_methods(["GET", "POST"])
@district_view
@editor_required_on_post
def entrepreneur(
    request: HttpRequest, round: Round, district: District, entrepreneur_code: str
) -> HttpResponse:
    # The district is the user's (district_view, 404 outside it); its entrepreneurs are
    # those the round counts in it, who may have moved district since its snapshot: an
    # entrepreneur without a product of the round's base in the district is a 404. The
    # products say it, so the entrepreneur is read by code alone (issue #19: the base's
    # subquery twice cost a millisecond of planning on every form and save).
    person = selectors.entrepreneur_or_404(entrepreneur_code)
    survey, subject = _survey_or_transient(round, district)
    # How they were answered is read only for a page shown (below): a save reads it in
    # its transaction (issue #19: a query less for every save).
    products = selectors.entrepreneur_products(round=round, district=district, entrepreneur=person)
    if not products:
        raise Http404
    lock = subject.lock_reason(request.user)
    conflict = None
    status = 200
    if request.method == "POST":
        if lock:
            messages.error(request, lock)
            return redirect(request.path)
        form = EntrepreneurAnswerForm(request.POST, products=products)
        if form.is_valid():
            # A survey already started is the one read above; the save checks its own
            # entrepreneur's answer rows against the base (issue #19).
            if survey is None or survey.status == Status.NOT_STARTED:
                survey = services.survey_get_or_start(
                    round=round, district=district, by=request.user, sync=False
                )
            try:
                services.survey_answer_save(
                    survey=survey,
                    entrepreneur=person,
                    data=form.answer_data(),
                    by=request.user,
                    version=form.cleaned_data["version"],
                )
            except services.AnswerConflict as exc:
                # The officer keeps what they typed; the next save is made against
                # what is stored now, which the page shows beside the form.
                conflict = exc.current
                status = 409
                data = request.POST.copy()
                data["version"] = str(conflict.version)
                form = EntrepreneurAnswerForm(data, products=products)
                form.is_valid()
                form.add_error(None, exc.message)
            except WorkflowError as exc:
                messages.error(request, exc.message)
                return redirect(request.path)
            else:
                messages.success(request, _("บันทึกคำตอบของ %(name)s แล้ว") % {"name": person.name})
                if "save_next" in request.POST:
                    following = selectors.next_entrepreneur_code(
                        round=round, district=district, after=person.code
                    )
                    if following:
                        return redirect(
                            "surveys:entrepreneur",
                            round_code=round.code,
                            code=district.code,
                            entrepreneur_code=following,
                        )
                return redirect(_row_url(round, district, person.code))
        else:
            status = 400
    # Read here, not before the save: a save that passes reads them only in its
    # transaction (issue #19); a page shows them as they are stored now.
    answer = selectors.entrepreneur_answer(survey=survey, entrepreneur=person)
    selectors.products_readiness(products, survey=survey, entrepreneur=person)
    if request.method != "POST":
        initial = {
            "version": answer.version if answer else 0,
            "ready": [p.id for p in products if p.ready],
        }
        if answer is not None and answer.answered_at:
            initial.update(
                trained=answer.trained,
                selling_online=answer.selling_online,
                has_standard=answer.has_standard,
                sales_prev_year=f"{answer.sales_prev_year:,.2f}" if answer.sales_prev_year else "",
            )
        form = EntrepreneurAnswerForm(initial=initial, products=products)
    return render(
        request,
        "surveys/entrepreneur.html",
        {
            "back_url": _row_url(round, district, person.code),
            "round": round,
            "district": district,
            "survey": survey,
            "person": person,
            "products": products,
            "answer": answer,
            "form": form,
            "lock_reason": lock,
            "can_edit": lock is None,
            "conflict": conflict,
            "conflict_ready": [p for p in products if p.ready] if conflict else [],
        },
        status=status,
    )


# ---------------------------------------------------------------------------
# Workflow
# ---------------------------------------------------------------------------


@require_POST
@district_view
@editor_required
def submit(request: HttpRequest, round: Round, district: District) -> HttpResponse:
    survey = services.survey_get_or_start(round=round, district=district, by=request.user)
    try:
        services.survey_submit(survey=survey, by=request.user)
    except WorkflowError as exc:
        messages.error(request, exc.message)
    else:
        if survey.late:
            messages.warning(request, _("ส่งแบบสำรวจแล้ว (ส่งหลังกำหนด)"))
        else:
            messages.success(request, _("ส่งแบบสำรวจแล้ว รอจังหวัดตรวจ"))
    return redirect(_detail_url(round, district))


@require_POST
@district_view
@reviewer_required
def review(request: HttpRequest, round: Round, district: District) -> HttpResponse:
    form = ReviewForm(request.POST)
    survey = selectors.survey_for(round=round, district=district)
    if not form.is_valid():
        messages.error(request, _("คำขอไม่ถูกต้อง"))
    elif survey is None:
        messages.error(request, _("อำเภอนี้ยังไม่ได้เริ่มทำแบบสำรวจ"))
    else:
        try:
            if form.cleaned_data["action"] == "return":
                reopened = survey.status == Status.APPROVED
                services.survey_return(
                    survey=survey, by=request.user, reason=form.cleaned_data["reason"]
                )
                messages.success(
                    request,
                    _("เปิดแบบสำรวจให้อำเภอแก้ไขอีกครั้งแล้ว") if reopened else _("ส่งคืนให้อำเภอแก้ไขแล้ว"),
                )
            else:
                # Approving locks the form: it goes through the confirmation page,
                # which shows the figures being approved (issue #15).
                return redirect(_approve_url(round, district))
        except WorkflowError as exc:
            messages.error(request, exc.message)
    return redirect(_detail_url(round, district))


@require_POST
@district_view
@reviewer_required
def grant_exception(request: HttpRequest, round: Round, district: District) -> HttpResponse:
    form = ExceptionForm(request.POST)
    if form.is_valid():
        survey = services.survey_get_or_start(round=round, district=district, by=request.user)
        try:
            services.survey_grant_exception(
                survey=survey, by=request.user, until=form.cleaned_data["until"]
            )
        except WorkflowError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("ขยายเวลาให้อำเภอแล้ว"))
    else:
        messages.error(request, _("กรุณาระบุวันที่ให้ถูกต้อง"))
    return redirect(_detail_url(round, district))


# ---------------------------------------------------------------------------
# Excel out and in
# ---------------------------------------------------------------------------


def _xlsx_response(filename: str, **place) -> FileResponse:
    buffer = io.BytesIO()
    survey_export_write(buffer, **place)
    buffer.seek(0)
    return FileResponse(buffer, as_attachment=True, filename=filename, content_type=XLSX)


@require_GET
@district_view
def export(request: HttpRequest, round: Round, district: District) -> FileResponse:
    return _xlsx_response(
        f"survey-{round.code}-{district.code}.xlsx", round=round, district=district
    )


@require_GET
@district_view
def print_form(request: HttpRequest, round: Round, district: District) -> HttpResponse:
    """Attachment 2 as a page to print or save as PDF from the browser, without Excel."""
    blocks = selectors.survey_export_blocks(round=round, district=district)
    sheet = print_sheet(
        round=round,
        province_name=district.province.name_th,
        district_name=district.name_th,
        blocks=blocks,
    )
    return render(
        request, "surveys/print.html", {"round": round, "district": district, "sheet": sheet}
    )


@require_GET
@province_view
@province_reviewer_required
def province_export(
    request: HttpRequest, round: Round, province: Province, districts
) -> FileResponse:
    return _xlsx_response(
        f"survey-{round.code}-{province.code}.xlsx", round=round, province=province
    )


def _upload_context(round, district, survey, subject, user, **extra) -> dict:
    return {
        "round": round,
        "district": district,
        "survey": survey,
        "lock_reason": subject.lock_reason(user),
        "uploads": selectors.survey_uploads(survey=survey),
        "max_mb": f"{settings.DISTRICT_UPLOAD_MAX_BYTES / (1024 * 1024):.1f}",
        **extra,
    }


def _upload_page(request, round, district, *, status: int = 200, **extra) -> HttpResponse:
    survey, subject = _survey_or_transient(round, district)
    extra.setdefault("form", upload_form())
    context = _upload_context(round, district, survey, subject, request.user, **extra)
    return render(request, "surveys/upload.html", context, status=status)


def _preview_context(record: SurveyUpload) -> dict:
    """A preview is shown from what the upload kept, so it reopens the same later."""
    return {
        "preview": record.summary,
        "upload_record": record,
        "notices": record.summary.get("notices", []),
    }


@require_http_methods(["GET", "POST"])
@district_view
@editor_required
def upload(request: HttpRequest, round: Round, district: District) -> HttpResponse:
    if request.method == "GET":
        return _upload_page(request, round, district)
    form = upload_form(request.POST, request.FILES)
    record, refused = services.survey_uploads.preview_upload(
        round=round, district=district, upload_form=form, by=request.user
    )
    if record is None:
        extra = _refusal(refused, round, district) if refused else {}
        status = 400 if form.errors else 422  # the file refused whole, or its rows
        return _upload_page(request, round, district, form=form, status=status, **extra)
    return _upload_page(request, round, district, **_preview_context(record))


def _refusal(exc: Exception, round: Round, district: District) -> dict:
    return refusal_context(exc, namespace="surveys", round_code=round.code, code=district.code)


def _upload_or_404(request, round, district, upload_id) -> SurveyUpload:
    # Without what its preview read: a commit reads it with the upload's lock, once
    # (issue #19: the kept rows were read and decoded twice).
    return get_object_or_404(
        SurveyUpload.objects.visible_to(request.user)
        .select_related("survey__round__fiscal_year", "survey__district__province")
        .filter(survey__round=round, survey__district=district)
        .defer("read"),
        pk=upload_id,
    )


@require_GET
@district_view
@editor_required
def upload_reopen(
    request: HttpRequest, round: Round, district: District, upload_id: int
) -> HttpResponse:
    record = _upload_or_404(request, round, district, upload_id)
    if not record.can_reopen:
        messages.error(
            request, _("ไฟล์นี้เปิดตัวอย่างไม่ได้แล้ว (%(outcome)s)") % {"outcome": record.outcome_label}
        )
        return redirect("surveys:upload", round_code=round.code, code=district.code)
    return _upload_page(request, round, district, **_preview_context(record))


@require_POST
@district_view
@editor_required
def upload_confirm(
    request: HttpRequest, round: Round, district: District, upload_id: int
) -> HttpResponse:
    record = _upload_or_404(request, round, district, upload_id)
    try:
        result = services.survey_uploads.commit(
            upload=record, by=request.user, allow_blank=request.POST.get("allow_blank") == "1"
        )
    except (ImportRefused, SpreadsheetError) as exc:
        return _upload_page(request, round, district, **_refusal(exc, round, district), status=422)
    except WorkflowError as exc:
        messages.error(request, exc.message)
        return redirect("surveys:upload", round_code=round.code, code=district.code)
    messages.success(
        request,
        imported_message(result.entrepreneurs),
    )
    return redirect(_detail_url(round, district))


@require_POST
@district_view
@editor_required
def upload_discard(
    request: HttpRequest, round: Round, district: District, upload_id: int
) -> HttpResponse:
    record = _upload_or_404(request, round, district, upload_id)
    try:
        services.survey_uploads.discard(upload=record, by=request.user)
    except WorkflowError as exc:
        messages.error(request, exc.message)
    else:
        messages.info(request, _("ยกเลิกการนำเข้าไฟล์ %(name)s แล้ว") % {"name": record.original_name})
    return redirect("surveys:upload", round_code=round.code, code=district.code)


@require_GET
@district_view
@editor_required
def upload_problems(
    request: HttpRequest, round: Round, district: District, upload_id: int
) -> HttpResponse:
    """Every problem of a refused upload (CSV)."""
    return upload_problems_response(_upload_or_404(request, round, district, upload_id))


@require_GET
@district_view
@editor_required
def upload_marked(
    request: HttpRequest, round: Round, district: District, upload_id: int
) -> FileResponse:
    """A refused upload's marked-up copy: each problem cell filled and commented."""
    return upload_marked_response(_upload_or_404(request, round, district, upload_id))


# ---------------------------------------------------------------------------
# The province
# ---------------------------------------------------------------------------


@require_GET
@province_view
def province(request: HttpRequest, round: Round, province: Province, districts) -> HttpResponse:
    rows = selectors.survey_readiness_for_districts(round=round, districts=districts)
    if not rows:
        raise Http404
    counts = {status: 0 for status in Status.values}
    for row in rows:
        counts[row.status] += 1
    return render(
        request,
        "surveys/province.html",
        {
            "round": round,
            "province": province,
            "rows": rows,
            "late_count": sum(1 for r in rows if r.late or r.overdue),
            "status_counts": [(Status(s).label, s, n) for s, n in counts.items()],
            "can_export": request.user.is_portal_admin or request.user.role == Role.PROVINCE,
        },
    )
