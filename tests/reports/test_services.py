"""Starting a report, the baseline prefill, saving a line, and the workflow rules."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from districts.models import District
from otop_portal.workflow import WorkflowError
from reports.models import Report, ReportLine, clean_shop_url
from reports.services import (
    StaleLine,
    report_approve,
    report_get_or_start,
    report_line_save,
    report_return,
    report_submit,
)
from surveys.models import EntrepreneurAnswer, Survey
from tests.conftest import make_entrepreneur, make_product, make_round
from tests.reports.conftest import make_line, make_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def maechai():
    return District.objects.get(code="5607")


def test_it_starts_a_report_with_one_line_per_base_product(round_2564, maechai):
    e = make_entrepreneur("5607")
    kept = [make_product(e), make_product(e)]
    make_product(e, status="cancelled")
    make_product(e, registered_year=2564)
    make_product(make_entrepreneur("5604"))

    report = report_get_or_start(round=round_2564, district=maechai)

    assert report.status == "draft"
    assert sorted(report.lines.values_list("product_id", flat=True)) == sorted(p.pk for p in kept)
    assert report.lines.filter(sales_baseline__isnull=False).count() == 0  # nothing invented
    assert report_get_or_start(round=round_2564, district=maechai).pk == report.pk
    assert ReportLine.objects.count() == 2


def test_it_adds_lines_for_new_base_products_while_the_report_is_a_draft(round_2564, maechai):
    e = make_entrepreneur("5607")
    make_product(e)
    report = report_get_or_start(round=round_2564, district=maechai)
    make_product(e)
    report_get_or_start(round=round_2564, district=maechai)
    assert report.lines.count() == 2
    Report.objects.filter(pk=report.pk).update(status="submitted")
    make_product(e)
    report_get_or_start(round=round_2564, district=maechai)
    assert report.lines.count() == 2  # a submitted report stays as it was sent


def test_it_prefills_a_zero_baseline_when_the_survey_says_no_online_sales(round_2564, maechai):
    none_sold = make_entrepreneur("5607")
    sold = make_entrepreneur("5607")
    unanswered = make_entrepreneur("5607")
    p1, p2, p3 = make_product(none_sold), make_product(sold), make_product(unanswered)
    survey = Survey.objects.create(round=round_2564, district=maechai)
    now = timezone.now()
    EntrepreneurAnswer.objects.create(
        survey=survey, entrepreneur=none_sold, sales_prev_year=0, answered_at=now
    )
    EntrepreneurAnswer.objects.create(
        survey=survey, entrepreneur=sold, sales_prev_year=12000, answered_at=now
    )
    EntrepreneurAnswer.objects.create(survey=survey, entrepreneur=unanswered, sales_prev_year=0)

    report = report_get_or_start(round=round_2564, district=maechai)
    lines = {line.product_id: line for line in report.lines.all()}

    assert lines[p1.pk].sales_baseline == Decimal("0")
    assert lines[p1.pk].baseline_source == "survey_zero"
    # A whole fiscal year for all products together says nothing exact about one product.
    assert lines[p2.pk].sales_baseline is None
    assert lines[p3.pk].sales_baseline is None


def test_it_prefills_the_baseline_from_last_years_report_of_the_same_months(round_2564, maechai):
    last_year = make_round("2563-2")
    e = make_entrepreneur("5607")
    p = make_product(e)
    make_line(make_report(last_year, "5607"), p, months=[100, 200, 0, 0, 0, 50.5])

    report = report_get_or_start(round=round_2564, district=maechai)

    line = report.lines.get()
    assert line.sales_baseline == Decimal("350.50")
    assert line.baseline_source == "previous_report"


def test_it_saves_a_line_and_refuses_a_stale_version(round_2564, maechai, officer, colleague):
    p = make_product(make_entrepreneur("5607"))
    line = report_get_or_start(round=round_2564, district=maechai).lines.get()
    line = ReportLine.objects.select_related("report__round", "report__district").get(pk=line.pk)
    saved = report_line_save(
        line=line,
        values={"month_1": Decimal("10"), "url": "http://a.example"},
        version=0,
        by=officer,
    )
    assert saved.version == 1 and saved.month_1 == Decimal("10") and saved.answered_by == officer
    with pytest.raises(StaleLine) as exc:
        report_line_save(line=line, values={"month_1": Decimal("99")}, version=0, by=colleague)
    assert p.name in str(exc.value.message)
    assert ReportLine.objects.get().month_1 == Decimal("10")


@pytest.mark.parametrize(
    ("field", "value", "limit"),
    [
        ("other_channel", "ช" * 101, 100),
        ("url", "https://shop.example/" + "x" * 480, 500),
        ("note", "น" * 501, 500),
    ],
)
def test_a_line_with_text_longer_than_its_field_is_refused_not_cut(
    round_2564, maechai, officer, field, value, limit
):
    """The service is the one write of a line: it refuses a long text with the field's
    error rather than cutting it (or, for the link, failing on PostgreSQL)."""
    make_product(make_entrepreneur("5607"))
    line = (
        report_get_or_start(round=round_2564, district=maechai)
        .lines.select_related("report__round", "report__district")
        .get()
    )
    with pytest.raises(ValidationError) as exc:
        report_line_save(line=line, values={field: value}, version=0, by=officer)
    assert exc.value.message_dict == {field: [f"ยาวเกิน {limit} ตัวอักษร"]}
    assert ReportLine.objects.get().version == 0


def test_outsiders_and_province_staff_cannot_save_a_line(
    round_2564, maechai, outsider, province_staff
):
    make_product(make_entrepreneur("5607"))
    line = (
        report_get_or_start(round=round_2564, district=maechai)
        .lines.select_related("report__round", "report__district")
        .get()
    )
    for user in (outsider, province_staff):
        with pytest.raises(WorkflowError):
            report_line_save(line=line, values={"month_1": Decimal("1")}, version=0, by=user)
    assert ReportLine.objects.get().version == 0


@pytest.mark.parametrize(
    "value",
    ["ftp://a.example", "javascript:alert(1)", "shopee.co.th", "http://", "https:// spaces .com"],
)
def test_a_link_must_be_http_or_https(value):
    with pytest.raises(ValidationError):
        clean_shop_url(value)


def test_a_good_link_is_kept():
    assert clean_shop_url(" https://shopee.co.th/otop?x=1 ") == "https://shopee.co.th/otop?x=1"
    assert clean_shop_url("") == ""


def test_a_report_sent_after_the_deadline_is_marked_late(
    round_2564, maechai, officer, province_staff
):
    report = report_get_or_start(round=round_2564, district=maechai)
    report_submit(
        report=report, by=officer, today=round_2564.report_deadline + dt.timedelta(days=1)
    )
    assert report.late is True
    report_return(report=report, by=province_staff, reason="แก้ยอด")
    report_submit(report=report, by=officer, today=round_2564.report_deadline)
    assert report.late is False
    report_approve(report=report, by=province_staff)
    assert Report.objects.get().status == "approved"
    assert report.lock_reason(officer) is not None


def test_a_round_that_locks_after_its_deadline_refuses_late_reports(maechai, officer):
    round = make_round(lock_after_deadline=True)
    report = report_get_or_start(round=round, district=maechai)
    with pytest.raises(WorkflowError):
        report_submit(report=report, by=officer, today=round.report_deadline + dt.timedelta(days=1))
    assert Report.objects.get().status == "draft"


def test_a_line_with_sales_needs_a_channel_or_a_link_to_submit(round_2564, maechai, officer):
    p = make_product(make_entrepreneur("5607"), name="น้ำพริกลาบ")
    report = report_get_or_start(round=round_2564, district=maechai)
    ReportLine.objects.filter(product=p).update(month_2=Decimal("5"))
    with pytest.raises(WorkflowError) as exc:
        report_submit(report=report, by=officer)
    assert "น้ำพริกลาบ" in str(exc.value.message)
    ReportLine.objects.filter(product=p).update(url="https://a.example/shop")
    report_submit(report=report, by=officer)
    assert report.status == "submitted"


def test_it_credits_the_start_of_a_report_to_who_started_it_outside_a_request(officer):
    """A command or a job has no request for simple_history to take the user from."""
    from reports.services import report_draft_lines, report_get_or_start

    round = make_round()
    product = make_product(make_entrepreneur("5607"))
    district = District.objects.get(code="5607")
    drafts = report_draft_lines(round=round, district=district)
    assert [line.product_id for line in drafts] == [product.pk] and drafts[0].pk is None
    assert not Report.objects.exists()  # the drafts are in memory only
    report = report_get_or_start(round=round, district=district, by=officer)
    first = report.history.earliest("history_date")
    assert (first.history_type, first.history_user) == ("+", officer)
    assert report.lines.get().history.earliest("history_date").history_user == officer
