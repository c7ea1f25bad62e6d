"""Views of the plans app: a district's ranked work list and its follow-up, and the
province's view of every district's gap with its export.

Scoping: districts and provinces are fetched through districts.scoping's
get_district_for_user and get_province_for_user, so anything out of the user's area is a
404. Recording a follow-up needs can_edit_district (the district's officers and
administrators); provincial staff read the work list and get a 403 when they post.
"""

from __future__ import annotations

import io
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from districts.models import District
from districts.scoping import can_edit_district
from districts.selectors import get_district_for_user, get_province_for_user, subdistrict_choices
from otop_portal.downloads import attachment
from otop_portal.workflow import WorkflowError
from plans import selectors, services
from plans.forms import FILTER_KEYS, FollowUpForm, PlanFilterForm
from plans.models import Step
from plans.workbook import write_province_plan
from products.models import Product, Round
from products.selectors import get_round_or_404

#: How many products a page of the work list shows (with a follow-up form each).
PER_PAGE = 50
#: The query string a page keeps: its filters and its page number.
QUERY_KEYS = (*FILTER_KEYS, "page")


def _require_edit(request: HttpRequest, district: District) -> None:
    if not can_edit_district(request.user, district):
        raise PermissionDenied(_("เฉพาะเจ้าหน้าที่ของอำเภอบันทึกการติดตามได้"))


def _filter_query(data, keys=QUERY_KEYS) -> str:
    """The work list's filters (and page) as a query string, rebuilt from known keys only."""
    return urlencode({k: data[k] for k in keys if data.get(k)})


def _plan_url(round: Round, district: District, query: str = "", anchor: str = "") -> str:
    url = reverse("plans:district", args=[round.code, district.code])
    return url + (f"?{query}" if query else "") + (f"#{anchor}" if anchor else "")


@login_required
@require_GET
def district_plan(request: HttpRequest, round_code: str, code: str) -> HttpResponse:
    round = get_round_or_404(round_code)
    district = get_district_for_user(request.user, code)
    plan = selectors.district_plan(round=round, district=district)
    filter_form = PlanFilterForm(request.GET or None, subdistricts=subdistrict_choices(district))
    filters = filter_form.filters()
    page = Paginator(plan.filtered(**filters), PER_PAGE).get_page(request.GET.get("page"))
    can_edit = can_edit_district(request.user, district)
    return render(
        request,
        "plans/district.html",
        {
            "round": round,
            "district": district,
            "plan": plan,
            "page": page,
            "items": page.object_list,
            "can_edit": can_edit,
            # The follow-up inputs are written out in the template rather than by
            # Django's widget templates, which took most of the page's time at 50 rows;
            # FollowUpForm validates what they post.
            "steps": Step.choices,
            "today": timezone.localdate(),
            "note_max_length": services.NOTE_MAX_LENGTH,
            "filter_form": filter_form,
            "filtered": any(filters.values()),
            "filter_query_no_page": _filter_query(request.GET, FILTER_KEYS),
            "filter_items": [(k, request.GET[k]) for k in QUERY_KEYS if request.GET.get(k)],
            "rules": selectors.score_rules(),
            "max_score": selectors.MAX_SCORE,
        },
    )


@login_required
@require_POST
def followup_save(
    request: HttpRequest, round_code: str, code: str, product_id: int
) -> HttpResponse:
    round = get_round_or_404(round_code)
    district = get_district_for_user(request.user, code)
    # The district is the user's (404 outside it); its products are those the round
    # counts in it, which may have moved district since the round's snapshot.
    product = get_object_or_404(Product.objects.base(round, district=district.code), pk=product_id)
    _require_edit(request, district)
    form = FollowUpForm(request.POST, prefix=f"p{product.pk}")
    anchor = f"p-{product.pk}"
    query = _filter_query(request.POST)
    if form.is_valid():
        try:
            services.followup_record(
                round=round,
                district=district,
                product=product,
                step=form.cleaned_data["step"],
                on=form.cleaned_data["on"],
                note=form.cleaned_data["note"],
                by=request.user,
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for message in errors:
                    form.add_error(field if field in form.fields else None, message)
        except WorkflowError as exc:
            raise PermissionDenied(exc.message) from None
    if form.is_valid() and not form.errors:
        messages.success(request, _("บันทึกการติดตาม %(name)s แล้ว") % {"name": product.name})
    else:
        messages.error(request, _("บันทึกการติดตาม %(name)s ไม่ได้") % {"name": product.name})
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for message in errors:
                messages.error(request, f"{label}: {message}" if label else message)
    return redirect(_plan_url(round, district, query, anchor))


@login_required
@require_GET
def province_plan(request: HttpRequest, round_code: str, code: str) -> HttpResponse:
    round = get_round_or_404(round_code)
    province = get_province_for_user(request.user, code)
    plan = selectors.province_plan(round=round, province=province)
    return render(
        request,
        "plans/province.html",
        {
            "round": round,
            "province": province,
            "plan": plan,
        },
    )


@login_required
@require_GET
def province_plan_xlsx(request: HttpRequest, round_code: str, code: str) -> HttpResponse:
    round = get_round_or_404(round_code)
    province = get_province_for_user(request.user, code)
    plan = selectors.province_plan(round=round, province=province)
    buffer = io.BytesIO()
    write_province_plan(buffer, plan=plan)
    return attachment(buffer.getvalue(), filename=f"plan_{round.code}_{province.code}.xlsx")
