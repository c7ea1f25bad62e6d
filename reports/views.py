"""Views of the reports app: a district's result report in the browser, its review,
its workbook out and in, the province's status list, and the products behind a KPI figure.

Scoping: every district and province is fetched through districts.scoping's
get_district_for_user and get_province_for_user, so anything out of the user's area is a
404. Writing needs can_edit_district (the district's
officers and administrators), reviewing can_review_district (provincial staff and
administrators); a user who can see but not do gets a 403.
"""

from __future__ import annotations

import io
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from districts.models import District
from districts.scoping import can_edit_district, can_review_district
from districts.selectors import (
    get_district_for_user,
    get_province_for_user,
    subdistrict_choices,
)
from otop_portal.dates import be_date
from otop_portal.downloads import attachment
from otop_portal.forms import ExceptionForm, ReviewForm
from otop_portal.importing import ImportRefused
from otop_portal.spreadsheet import SpreadsheetError
from otop_portal.templatetags.portal import baht
from otop_portal.upload_flow import (
    refusal_context,
    upload_marked_response,
    upload_problems_response,
)
from otop_portal.workflow import Status, WorkflowError
from products.models import Product, Round
from products.selectors import get_round_or_404
from products.vocab import ProductType
from reports import plausibility, selectors, services
from reports.exports import report_export_write
from reports.forms import LineFilterForm, ReportLineForm, upload_form
from reports.models import MONTH_FIELDS, Report, ReportLine, ReportUpload
from reports.workbook import print_sheet

LINES_PER_PAGE = 25
FILTER_KEYS = ("q", "show", "type", "subdistrict", "page")

#: The English plural follows the items ("rows"); the English words the products selling
#: online so that any number of them reads well.
MSG_FILE_IMPORTED = ngettext_lazy(
    "นำเข้าไฟล์ %(name)s แล้ว: %(rows)s รายการ ขายออนไลน์ได้ %(sold)s ผลิตภัณฑ์",
    "นำเข้าไฟล์ %(name)s แล้ว: %(rows)s รายการ ขายออนไลน์ได้ %(sold)s ผลิตภัณฑ์",
    "rows",
)


def _require_edit(request: HttpRequest, district: District) -> None:
    if not can_edit_district(request.user, district):
        raise PermissionDenied(_("ท่านดูแบบนี้ได้อย่างเดียว"))


def _require_review(request: HttpRequest, district: District) -> None:
    if not can_review_district(request.user, district):
        raise PermissionDenied(_("เฉพาะเจ้าหน้าที่จังหวัดตรวจแบบได้"))


def _filter_query(data) -> str:
    """The page's filters as a query string, rebuilt from known keys only."""
    return urlencode({k: data[k] for k in FILTER_KEYS if data.get(k)})


def _detail_url(round: Round, district: District, query: str = "", anchor: str = "") -> str:
    url = reverse("reports:detail", args=[round.code, district.code])
    return url + (f"?{query}" if query else "") + (f"#{anchor}" if anchor else "")


def _approve_url(round: Round, district: District) -> str:
    """The province's confirmation page for approving this district's report: approving
    locks the form, so every approve button leads there first. The page is the
    dashboards app's, a floor above, so it is linked by its URL name (as the menu links
    every app's pages), never imported."""
    url = reverse("dashboards:review_approve", args=[round.code, district.province_id])
    return f"{url}?items=report:{district.code}"


def _wants_json(request: HttpRequest) -> bool:
    return request.headers.get("x-requested-with") == "fetch"


def _page_context(
    request: HttpRequest, round: Round, district: District, report: Report | None, *, review: bool
) -> dict:
    can_edit = can_edit_district(request.user, district)
    # A report not started (no row, or the bare row an upload made) is shown as the
    # draft it would be, from the registry, without writing (issue #15): its first save,
    # upload or submit starts it.
    started = report is not None and report.status != Status.NOT_STARTED
    subject = report if started else Report(round=round, district=district, status=Status.DRAFT)
    lock_reason = subject.lock_reason(request.user)
    editable = can_edit and lock_reason is None
    filter_form = LineFilterForm(request.GET or None, subdistricts=subdistrict_choices(district))
    # The KPI, the flags and the progress, from the district's maintained totals.
    totals = selectors.district_totals_of(round=round, district=district)
    context = {
        "round": round,
        "district": district,
        "report": report,
        "started": started,
        "review": review,
        "can_edit": can_edit,
        "editable": editable,
        "lock_reason": lock_reason,
        "can_review": can_review_district(request.user, district),
        "filter_form": filter_form,
        "filter_query": _filter_query(request.GET),
        "filter_query_no_page": urlencode(
            {k: request.GET[k] for k in FILTER_KEYS if k != "page" and request.GET.get(k)}
        ),
        "filter_items": [(k, request.GET[k]) for k in FILTER_KEYS if request.GET.get(k)],
        "kpi": selectors.kpi_row_of(round=round, district=district, totals=totals),
        "status": report.status if report else Status.NOT_STARTED,
        "history": selectors.report_history(report=report),
        "uploads": selectors.report_uploads(report=report, limit=5),
        "month_labels": round.month_labels,
        "edit_colspan": len(round.month_labels) + 6,
    }
    if not started:
        lines = services.report_draft_lines(
            round=round, district=district, filters=filter_form.filters()
        )
        flags, by_line, progress = [], {}, None
        page = Paginator(lines, LINES_PER_PAGE).get_page(request.GET.get("page"))
        page_lines = list(page.object_list)
    else:
        flags = plausibility.district_flags(round=round, district=district, totals=totals)
        by_line = plausibility.flags_by_line(flags)
        page, page_lines, progress = selectors.report_lines_page_and_progress(
            report=report,
            filters=filter_form.filters(),
            number=request.GET.get("page"),
            per_page=LINES_PER_PAGE,
            progress=selectors.report_progress_of(totals),
            stamp=totals.stamp if totals is not None else "",
        )
    if started and editable and page.number == 1 and progress.lines < context["kpi"].products:
        # Products new in the base since the report started have no line yet (a page
        # does not write): they lead the first page as drafts; saving one adds them all.
        # (Every base product has its line when the lines are as many as the base.)
        page_lines = [
            *services.report_draft_lines(
                round=round, district=district, report=report, filters=filter_form.filters()
            ),
            *page_lines,
        ]
    hints = selectors.survey_sales_hints(
        round=round,
        district=district,
        entrepreneur_ids={line.product.entrepreneur_id for line in page_lines},
    )
    # Only the rows shown open get their form drawn here (issue #19): drawing the 50
    # forms of a page was most of its time. The first row is open when no filter is set
    # (as it always was), and `?edit=<row key>` opens a row: the link every other row
    # holds, so that the page works without JavaScript. With it, reports.js fills the
    # page's one blank form (line_template) from line_values for the row opened.
    month_labels = round.month_labels  # worded once: a property that names each month
    edit = request.GET.get("edit", "")
    first_open = not context["filter_query"]
    rows = []
    line_action = _line_actions(round, district)
    for index, line in enumerate(page_lines):
        key = _line_key(line)
        is_open = editable and (key == edit or (index == 0 and first_open))
        rows.append(
            {
                **_row_cells(line, month_labels),
                "line": line,
                "key": key,
                "action": line_action(line),
                "open": is_open,
                "form": ReportLineForm(
                    round=round, prefix=_line_prefix(line), initial=_line_initial(line)
                )
                if is_open
                else None,
                "hint": _baseline_hint(line, hints.get(line.product.entrepreneur_id)),
                "flags": by_line.get(line.pk, []),
            }
        )
    if editable:
        context.update(
            line_template=ReportLineForm(round=round, prefix=LINE_TEMPLATE_PREFIX),
            line_values={row["key"]: _line_values(row) for row in rows},
        )
    context.update(
        page=page,
        rows=rows,
        progress=progress,
        flags=flags,
        flagged=[
            {
                "first": group[0],
                "flags": group,
                "needs_note": any(f.rule not in services.FLAGS_WITHOUT_NOTE for f in group),
            }
            for group in by_line.values()
        ],
    )
    return context


def _line_key(line: ReportLine) -> str:
    """The line's id on the page: a stored line's pk, a draft line's product."""
    return str(line.pk) if line.pk else f"p{line.product_id}"


def _line_prefix(line: ReportLine) -> str:
    return f"l{line.pk}" if line.pk else f"p{line.product_id}"


def _line_action(round: Round, district: District, line: ReportLine) -> str:
    return _line_actions(round, district)(line)


def _line_actions(round: Round, district: District):
    """line -> where its form posts, with the two URLs reversed once for a page's 25
    lines instead of once per line (issue #19)."""
    save = reverse("reports:line_save", args=[round.code, district.code, 0])
    start = reverse("reports:line_start", args=[round.code, district.code, 0])
    save_head, start_head = save[: save.rindex("/0/") + 1], start[: start.rindex("/0/") + 1]

    def action(line: ReportLine) -> str:
        if line.pk:
            return f"{save_head}{line.pk}/"
        return f"{start_head}{line.product_id}/"

    return action


def _place(line: ReportLine) -> str:
    """ "ตำบลแม่สุก": the subdistrict of the line's entrepreneur, worded in Python (the
    row's {% blocktranslate %} cost more than the rest of its cell)."""
    return _("ตำบล%(name)s") % {"name": line.product.entrepreneur.subdistrict.name_th}


#: A product's type as its row names it (get_type_display() builds the choices' dict on
#: each call: a quarter of the rows' time).
PRODUCT_TYPES = dict(ProductType.choices)

#: The channels' names as a line's row lists them, in the form's order.
CHANNEL_NAMES = [
    ("facebook", "Facebook"),
    ("line", "LINE"),
    ("shopee", "Shopee"),
    ("lazada", "Lazada"),
    ("otop_today", "OTOP Today"),
]


def _row_cells(line: ReportLine, month_labels: list[str]) -> dict:
    """What a line's row shows, as the strings it shows (issue #19): the template only
    places them. Through a model instance, each `{{ line.product.entrepreneur.code }}`
    tries a dict, then an attribute, at every step, and each `|baht` is a filter call
    (the 25 rows drew in about 8 of the template's 22 ms, measured in-process)."""
    product = line.product
    entrepreneur = product.entrepreneur
    months = [getattr(line, name) for name in MONTH_FIELDS[: len(month_labels)]]
    # Annotated by the page's query; a line read alone (a refused save) sums its own.
    total = getattr(line, "line_total", None)
    if total is None:
        total = sum(m for m in months if m is not None)
    channels = [name for field, name in CHANNEL_NAMES if getattr(line, field)]
    if line.other_channel:
        channels.append(line.other_channel)
    return {
        "entrepreneur_code": entrepreneur.code,
        "product_name": product.name,
        "about": " · ".join([entrepreneur.name, str(PRODUCT_TYPES[product.type]), _place(line)]),
        "note": line.note,
        "channels": " ".join(channels),
        "url": line.url,
        "months": [(label, baht(m)) for label, m in zip(month_labels, months, strict=True)],
        "total": baht(total),
        "baseline": baht(line.sales_baseline),
        "saved": be_date(line.answered_at) if line.answered_at else "",
    }


def _line_initial(line: ReportLine) -> dict:
    return {name: getattr(line, name) for name in services.LINE_FIELDS} | {"version": line.version}


#: The prefix of the page's blank line form, which reports.js replaces with a row's
#: (Django's formsets name their empty_form's the same way).
LINE_TEMPLATE_PREFIX = "__prefix__"
#: The line's amounts, written as plain decimals in line_values ("1500.00").
AMOUNT_FIELDS = frozenset([*MONTH_FIELDS, "sales_baseline"])


def _baseline_hint(line: ReportLine, survey_sales) -> str:
    """What the baseline's help text adds for this line: where its baseline came from,
    and what the survey says the entrepreneur sold online the fiscal year before."""
    parts = []
    if line.baseline_source:
        parts.append(str(line.get_baseline_source_display()))
    if survey_sales is not None:
        parts.append(
            _("แบบสำรวจ: ผู้ประกอบการรายนี้มียอดทั้งปีงบประมาณก่อน %(amount)s บาท (ทุกผลิตภัณฑ์รวมกัน)")
            % {"amount": baht(survey_sales)}
        )
    return " · ".join(parts)


def _json_value(name: str, value):
    if value is None:
        return ""
    if name in AMOUNT_FIELDS:
        return f"{value:.2f}"
    return value


def _line_values(row: dict) -> dict:
    """What reports.js needs to turn the page's blank form into this row's: its prefix,
    where it posts, the values its form would show, and its baseline hint."""
    line = row["line"]
    return {
        "prefix": _line_prefix(line),
        "action": row["action"],
        "values": {name: _json_value(name, v) for name, v in _line_initial(line).items()},
        "hint": row["hint"],
    }


@login_required
@require_GET
def report_detail(request: HttpRequest, round_code: str, code: str) -> HttpResponse:
    round = get_round_or_404(round_code)
    district = get_district_for_user(request.user, code)
    report = selectors.report_for(round=round, district=district, people=True)
    return render(
        request,
        "reports/detail.html",
        _page_context(request, round, district, report, review=False),
    )


@login_required
@require_POST
def line_save(request: HttpRequest, round_code: str, code: str, line_id: int) -> HttpResponse:
    round = get_round_or_404(round_code)
    district = get_district_for_user(request.user, code)
    line = get_object_or_404(
        ReportLine.objects.visible_to(request.user).select_related(
            "report", "report__round", "report__district", "product"
        ),
        pk=line_id,
        report__round=round,
        report__district=district,
    )
    _require_edit(request, district)
    return _line_save(request, round, district, line, prefix=f"l{line.pk}")


@login_required
@require_POST
def line_start(request: HttpRequest, round_code: str, code: str, product_id: int) -> HttpResponse:
    """The first save of a line of a report not started yet (its page showed the draft
    from the registry): it starts the report, credited to the user, and saves the line."""
    round = get_round_or_404(round_code)
    district = get_district_for_user(request.user, code)
    product = get_object_or_404(Product.objects.base(round, district=district.pk), pk=product_id)
    _require_edit(request, district)
    started = (
        not Report.objects.filter(round=round, district=district)
        .exclude(status=Status.NOT_STARTED)
        .exists()
    )
    report = services.report_get_or_start(round=round, district=district, by=request.user)
    line = get_object_or_404(
        ReportLine.objects.select_related("report", "report__round", "report__district", "product"),
        report=report,
        product=product,
    )
    return _line_save(request, round, district, line, prefix=f"p{product.pk}", started=started)


#: The channel checkboxes of a line, as its row names them.
CHANNELS = [
    ("facebook", "Facebook"),
    ("line", "LINE"),
    ("shopee", "Shopee"),
    ("lazada", "Lazada"),
    ("otop_today", "OTOP Today"),
]


def _line_save(
    request: HttpRequest,
    round: Round,
    district: District,
    line: ReportLine,
    *,
    prefix: str,
    started: bool = False,
) -> HttpResponse:
    """Save a line from its form. `started`: this save started the report, so the page
    (its status, its forms) is drawn again rather than patched."""
    form = ReportLineForm(request.POST, round=round, prefix=prefix)
    query = _filter_query(request.POST)
    error = None
    stale = False
    if form.is_valid():
        try:
            line = services.report_line_save(
                line=line,
                values=form.values(),
                version=form.cleaned_data["version"],
                by=request.user,
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for message in errors:
                    form.add_error(field if field in form.fields else None, message)
        except services.StaleLine as exc:
            error, stale = str(exc.message), True
        except WorkflowError as exc:
            error = str(exc.message)
    if error is None and form.is_valid() and not form.errors:
        progress = selectors.report_progress(report=line.report)
        if _wants_json(request):
            return JsonResponse(
                {
                    "ok": True,
                    "version": line.version,
                    "total": f"{line.sales_total:,.2f}",
                    # What the line's row shows, as saved (the page patches the row).
                    "months": [f"{getattr(line, m):,.2f}" for m in MONTH_FIELDS],
                    "baseline": "–"
                    if line.sales_baseline is None
                    else f"{line.sales_baseline:,.2f}",
                    "channels": " ".join(
                        [
                            *(name for field, name in CHANNELS if getattr(line, field)),
                            line.other_channel,
                        ]
                    ).strip(),
                    "saved": be_date(line.answered_at) if line.answered_at else "",
                    "started": started,
                    "answered": progress.answered,
                    "lines": progress.lines,
                    "message": _("บันทึก %(name)s แล้ว") % {"name": line.product.name},
                    # The line's plausibility flags as saved (shown; they never block).
                    "flags": [
                        f"{f.rule_label}: {f.message}"
                        for f in plausibility.district_flags(round=round, district=district)
                        if f.line_id == line.pk
                    ],
                }
            )
        messages.success(request, _("บันทึก %(name)s แล้ว") % {"name": line.product.name})
        return redirect(_detail_url(round, district, query, f"line-{line.pk}"))
    errors = {field: [str(e) for e in errs] for field, errs in form.errors.items()}
    message = error or _("บันทึก %(name)s ไม่ได้ กรุณาแก้ไขช่องที่แจ้ง") % {"name": line.product.name}
    stored = ReportLine.objects.select_related("product").get(pk=line.pk) if stale else line
    if _wants_json(request):
        answer = {"ok": False, "message": message, "errors": errors}
        if stale:
            answer["version"] = stored.version
        return JsonResponse(answer, status=400)
    messages.error(request, message)
    for field, errs in errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for e in errs:
            messages.error(request, f"{label}: {e}" if label else e)
    if error is not None and not stale:  # the report is locked: nothing to type again
        return redirect(_detail_url(round, district, query, f"line-{line.pk}"))
    return _line_again(request, round, district, stored, form, stale=stale)


def _line_again(
    request: HttpRequest,
    round: Round,
    district: District,
    line: ReportLine,
    form: ReportLineForm,
    *,
    stale: bool,
) -> HttpResponse:
    """The report page with the line's form as the officer filled it, so that nothing
    typed is lost. After someone else saved the line, the form carries the stored version:
    saving again, with the stored values in view on the line's row, goes through."""
    prefix = f"l{line.pk}"
    if stale or form.prefix != prefix:
        # The first save of a draft line came with the product's prefix; the line is
        # stored now, and the page's form for it carries the line's own.
        data = request.POST.copy()
        for key in list(data):
            if key.startswith(f"{form.prefix}-"):
                data.setlist(prefix + key[len(form.prefix) :], data.getlist(key))
        if stale:
            data[f"{prefix}-version"] = str(line.version)
        form = ReportLineForm(data, round=round, prefix=prefix)
        form.is_valid()
    context = _page_context(request, round, district, line.report, review=False)
    shown = next((r for r in context["rows"] if r["line"].pk == line.pk), None)
    others = [r for r in context["rows"] if r["line"].pk != line.pk]
    for other in others:  # the line to fix leads the page, the only one open
        other.update(open=False, form=None)
    row = {
        **_row_cells(line, round.month_labels),
        "line": line,
        "key": _line_key(line),
        "action": _line_action(round, district, line),
        "open": True,
        "form": form,
        "hint": shown["hint"] if shown else _baseline_hint(line, None),
        "flags": plausibility.flags_by_line(context["flags"]).get(line.pk, []),
    }
    context["rows"] = [row, *others]
    return render(request, "reports/detail.html", context, status=409 if stale else 400)


@login_required
@require_POST
def report_submit(request: HttpRequest, round_code: str, code: str) -> HttpResponse:
    round = get_round_or_404(round_code)
    district = get_district_for_user(request.user, code)
    _require_edit(request, district)
    # A submit of a report not started starts it (credited to the officer); it also
    # gives a draft the lines of products new in the base, which the submit rule counts.
    report = services.report_get_or_start(round=round, district=district, by=request.user)
    # The notes the officer wrote on flagged lines (issue #18), named note-<line id>.
    notes = {
        int(key.removeprefix("note-")): value
        for key, value in request.POST.items()
        if key.startswith("note-") and key.removeprefix("note-").isdigit()
    }
    try:
        services.report_submit(report=report, by=request.user, notes=notes)
    except WorkflowError as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        for errors in exc.message_dict.values():
            for message in errors:
                messages.error(request, message)
    else:
        messages.success(request, _("ส่งแบบรายงานผลให้จังหวัดแล้ว"))
    return redirect(_detail_url(round, district))


@login_required
def report_review(request: HttpRequest, round_code: str, code: str) -> HttpResponse:
    """Provincial staff: the report read-only, with return (a reason required) and approve."""
    round = get_round_or_404(round_code)
    district = get_district_for_user(request.user, code)
    _require_review(request, district)
    report = selectors.report_for(round=round, district=district, people=True)
    review_form = ReviewForm(request.POST or None)
    if request.method == "POST":
        if report is None:
            raise Http404
        if review_form.is_valid():
            action = review_form.cleaned_data["action"]
            try:
                if action == "return":
                    reopened = report.status == Status.APPROVED
                    services.report_return(
                        report=report, by=request.user, reason=review_form.cleaned_data["reason"]
                    )
                    messages.success(
                        request,
                        _("เปิดแบบรายงานผลให้อำเภอแก้ไขอีกครั้งแล้ว")
                        if reopened
                        else _("ส่งคืนแบบรายงานผลให้อำเภอแก้ไขแล้ว"),
                    )
                    return redirect("reports:review", round.code, district.code)
                # Approving locks the form: it goes through the confirmation page,
                # which shows the figures being approved (issue #15).
                return redirect(_approve_url(round, district))
            except WorkflowError as exc:
                review_form.add_error(None, exc.message)
    context = _page_context(request, round, district, report, review=True)
    context.update(
        review_form=review_form,
        exception_form=ExceptionForm(),
        changes=selectors.report_changes_since_return(report=report)
        if report is not None and report.status == Status.SUBMITTED
        else None,
        approve_url=_approve_url(round, district),
    )
    return render(
        request, "reports/detail.html", context, status=400 if review_form.errors else 200
    )


@login_required
@require_POST
def report_exception(request: HttpRequest, round_code: str, code: str) -> HttpResponse:
    round = get_round_or_404(round_code)
    district = get_district_for_user(request.user, code)
    _require_review(request, district)
    report = get_object_or_404(
        Report.objects.visible_to(request.user), round=round, district=district
    )
    form = ExceptionForm(request.POST)
    if form.is_valid():
        services.report_grant_exception(
            report=report, by=request.user, until=form.cleaned_data["until"]
        )
        messages.success(request, _("ขยายเวลาให้แล้ว"))
    else:
        messages.error(request, _("กรุณาระบุวันที่ให้ถูกต้อง"))
    return redirect("reports:review", round.code, district.code)


@login_required
@require_GET
def report_download(request: HttpRequest, round_code: str, code: str) -> HttpResponse:
    round = get_round_or_404(round_code)
    district = get_district_for_user(request.user, code)
    buffer = io.BytesIO()
    report_export_write(buffer, round=round, district=district)
    return attachment(buffer.getvalue(), filename=f"report_{round.code}_{district.code}.xlsx")


@login_required
@require_GET
def report_print(request: HttpRequest, round_code: str, code: str) -> HttpResponse:
    """Attachment 3 as a page to print or save as PDF from the browser, without Excel."""
    round = get_round_or_404(round_code)
    district = get_district_for_user(request.user, code)
    sheet = print_sheet(
        round=round,
        province_name=district.province.name_th,
        district_name=district.name_th,
        rows=selectors.report_export_rows(
            round=round, districts=District.objects.filter(code=district.code)
        ),
    )
    return render(
        request, "reports/print.html", {"round": round, "district": district, "sheet": sheet}
    )


def _upload_page(
    request: HttpRequest, round: Round, district: District, *, status: int = 200, **extra
) -> HttpResponse:
    report = selectors.report_for(round=round, district=district)
    context = {
        "round": round,
        "district": district,
        "report": report,
        "form": upload_form(),
        "uploads": selectors.report_uploads(report=report),
        "lock_reason": report.lock_reason(request.user) if report else None,
        **extra,
    }
    return render(request, "reports/upload.html", context, status=status)


def _preview_page(request: HttpRequest, round: Round, district: District, upload) -> HttpResponse:
    """A preview is shown from what the upload kept, so it reopens the same later."""
    context = {
        "round": round,
        "district": district,
        "upload": upload,
        "result": upload.summary,
        "figures": upload.summary,
    }
    return render(request, "reports/upload_preview.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def report_upload(request: HttpRequest, round_code: str, code: str) -> HttpResponse:
    round = get_round_or_404(round_code)
    district = get_district_for_user(request.user, code)
    _require_edit(request, district)
    if request.method == "GET":
        return _upload_page(request, round, district)
    form = upload_form(request.POST, request.FILES)
    upload, refused = services.report_uploads.preview_upload(
        round=round, district=district, upload_form=form, by=request.user
    )
    if upload is None:
        extra = _refusal(refused, round, district) if refused else {}
        return _upload_page(request, round, district, form=form, status=400, **extra)
    return _preview_page(request, round, district, upload)


def _refusal(exc: Exception, round: Round, district: District) -> dict:
    return refusal_context(exc, namespace="reports", round_code=round.code, code=district.code)


def _upload(
    request: HttpRequest, round_code: str, code: str, upload_id: int
) -> tuple[Round, District, ReportUpload]:
    """The round, the district and its upload, for the district's editors (404 outside
    the user's scope, 403 for a user who only sees it)."""
    round = get_round_or_404(round_code)
    district = get_district_for_user(request.user, code)
    upload = get_object_or_404(
        ReportUpload.objects.visible_to(request.user).select_related(
            "report", "report__round", "report__district"
        ),
        pk=upload_id,
        report__round=round,
        report__district=district,
    )
    _require_edit(request, district)
    return round, district, upload


@login_required
@require_GET
def report_upload_reopen(
    request: HttpRequest, round_code: str, code: str, upload_id: int
) -> HttpResponse:
    round, district, upload = _upload(request, round_code, code, upload_id)
    if not upload.can_reopen:
        messages.error(
            request,
            _("ไฟล์นี้เปิดตัวอย่างไม่ได้แล้ว (%(outcome)s)") % {"outcome": upload.outcome_label},
        )
        return redirect("reports:upload", round.code, district.code)
    return _preview_page(request, round, district, upload)


@login_required
@require_POST
def report_upload_commit(
    request: HttpRequest, round_code: str, code: str, upload_id: int
) -> HttpResponse:
    round, district, upload = _upload(request, round_code, code, upload_id)
    try:
        result = services.report_uploads.commit(
            upload=upload, by=request.user, allow_blank=request.POST.get("allow_blank") == "1"
        )
    except (ImportRefused, SpreadsheetError) as exc:
        return _upload_page(request, round, district, **_refusal(exc, round, district), status=400)
    except WorkflowError as exc:
        messages.error(request, exc.message)
        return redirect("reports:upload", round.code, district.code)
    figures = result.figures
    messages.success(
        request,
        MSG_FILE_IMPORTED
        % {"name": upload.original_name, "rows": result.rows, "sold": figures.sold_online},
    )
    return redirect(_detail_url(round, district))


@login_required
@require_POST
def report_upload_discard(
    request: HttpRequest, round_code: str, code: str, upload_id: int
) -> HttpResponse:
    round, district, upload = _upload(request, round_code, code, upload_id)
    try:
        services.report_uploads.discard(upload=upload, by=request.user)
        messages.success(
            request,
            _("ยกเลิกการนำเข้าไฟล์ %(name)s แล้ว ข้อมูลในระบบไม่เปลี่ยนแปลง")
            % {"name": upload.original_name},
        )
    except WorkflowError as exc:
        messages.error(request, exc.message)
    return redirect("reports:upload", round.code, district.code)


@login_required
@require_GET
def report_upload_problems(
    request: HttpRequest, round_code: str, code: str, upload_id: int
) -> HttpResponse:
    """Every problem of a refused upload (CSV)."""
    _round, _district, upload = _upload(request, round_code, code, upload_id)
    return upload_problems_response(upload)


@login_required
@require_GET
def report_upload_marked(
    request: HttpRequest, round_code: str, code: str, upload_id: int
) -> HttpResponse:
    """A refused upload's marked-up copy: each problem cell filled and commented."""
    _round, _district, upload = _upload(request, round_code, code, upload_id)
    return upload_marked_response(upload)


@login_required
@require_GET
def province_reports(request: HttpRequest, round_code: str, code: str) -> HttpResponse:
    round = get_round_or_404(round_code)
    province = get_province_for_user(request.user, code)
    kpi = selectors.kpi_for_province(round=round, province=province)
    return render(
        request,
        "reports/province.html",
        {
            "round": round,
            "province": province,
            "kpi": kpi,
        },
    )


@login_required
@require_GET
def province_download(request: HttpRequest, round_code: str, code: str) -> HttpResponse:
    round = get_round_or_404(round_code)
    province = get_province_for_user(request.user, code)
    buffer = io.BytesIO()
    report_export_write(buffer, round=round, province=province)
    return attachment(buffer.getvalue(), filename=f"report_{round.code}_{province.code}.xlsx")


@login_required
@require_GET
def kpi_explain(request: HttpRequest, round_code: str, code: str, which: str) -> HttpResponse:
    round = get_round_or_404(round_code)
    district = get_district_for_user(request.user, code)
    if which not in selectors.EXPLAINABLE:
        raise Http404
    products = selectors.kpi_products(round=round, district=district, which=which)
    kpi = selectors.kpi_for_districts(
        round=round, districts=District.objects.filter(code=district.code)
    )
    return render(
        request,
        "reports/explain.html",
        {
            "round": round,
            "district": district,
            "which": which,
            "products": products,
            "kpi": kpi.rows[0],
            "counted": sum(1 for p in products if p.counted),
            "figures": selectors.EXPLAINABLE,
        },
    )
