"""Review that staff can trust (issue #15): the desk shows each form's figures, approving
is confirmed on a page that shows them, an approved form can be reopened with a reason,
and a resubmission shows what the district changed since the return."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from districts.scoping import Role
from otop_portal.workflow import Status, submission_approve, submission_submit
from reports.models import Report, ReportLine
from reports.services import report_get_or_start, report_line_save, report_return
from surveys.models import Survey
from surveys.services import AnswerData, survey_answer_save, survey_get_or_start, survey_return
from tests.conftest import make_entrepreneur, make_product, make_user
from tests.reports.conftest import bulk_district_data

pytestmark = pytest.mark.django_db

R = "2564-2"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def desk(code="56"):
    return reverse("dashboards:review", args=[R, code])


def confirm(code="56"):
    return reverse("dashboards:review_approve", args=[R, code])


def submit_all(round, codes, model=Report):
    for code in codes:
        officer = make_user(f"o{model.__name__}{code}", Role.OFFICER, district=code)
        form, _ = model.objects.get_or_create(round=round, district_id=code)
        if model is Survey:  # answered in full: the readiness figures are not the point
            Survey.objects.filter(pk=form.pk).update(status=Status.SUBMITTED)
            continue
        # Sales need a channel before a submit.
        ReportLine.objects.filter(report__district_id=code).update(line=True)
        submission_submit(submission=form, by=officer)


def values(obj, /, **changes):
    """A line's values as report_line_save takes them, with `changes`."""
    keys = ("facebook", "line", "shopee", "lazada", "otop_today", "other_channel", "url", "note")
    out = {k: getattr(obj, k) for k in keys}
    out.update({f"month_{i}": getattr(obj, f"month_{i}") for i in range(1, 7)})
    out["sales_baseline"] = obj.sales_baseline
    out.update(changes)
    return out


# ---------------------------------------------------------------------------
# The desk's figures
# ---------------------------------------------------------------------------


def test_it_shows_each_waiting_reports_figures_on_the_desk(client, province_staff, round_2564):
    bulk_district_data(round_2564, ["5601"], products_per_district=4, sold_per_district=2)
    submit_all(round_2564, ["5601"])
    client.force_login(province_staff)
    response = client.get(desk())
    item = response.context["items"][0]
    assert (item.kpi.sold_online, item.kpi.sales_round) == (2, Decimal("2000.00"))
    html = response.content.decode()
    assert "ขายออนไลน์ / เป้าหมาย" in html
    assert f"2 / {item.kpi.target}" in html
    assert "2,000.00" in html  # the round's sales
    assert "100.00 %" in html  # growth: 2,000 against 1,000 a year earlier


def test_it_shows_each_waiting_surveys_answers_and_readiness(
    client, officer, province_staff, round_2564
):
    person = make_entrepreneur("5607")
    product = make_product(person)
    make_product(person)
    survey = survey_get_or_start(round=round_2564, district=officer.district, by=officer)
    survey_answer_save(
        survey=survey,
        entrepreneur=person,
        data=AnswerData(True, False, True, Decimal("0"), {product.pk}),
        by=officer,
        version=0,
    )
    submission_submit(submission=survey, by=officer)
    client.force_login(province_staff)
    html = client.get(desk()).content.decode()
    assert "2 / 2 ผลิตภัณฑ์" in html  # answered / base
    assert "ผลิตภัณฑ์พร้อมขายออนไลน์" in html
    assert "1 / 0 / 1" in html  # trained / selling / standard


def test_the_desk_makes_the_same_number_of_queries_for_any_number_of_districts(
    client, province_staff, round_2564
):
    client.force_login(province_staff)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(desk()).status_code == 200
        return len(captured)

    bulk_district_data(round_2564, ["5601", "5602"])
    submit_all(round_2564, ["5601", "5602"])
    submit_all(round_2564, ["5601", "5602"], model=Survey)
    few = queries()
    codes = ["5603", "5604", "5605", "5606", "5607", "5608"]
    bulk_district_data(round_2564, codes)
    submit_all(round_2564, codes)
    submit_all(round_2564, codes, model=Survey)
    assert len(client.get(desk()).context["items"]) == 16
    assert queries() == few


# ---------------------------------------------------------------------------
# Approving is confirmed
# ---------------------------------------------------------------------------


def test_the_confirmation_shows_the_figures_and_writes_nothing(client, province_staff, round_2564):
    bulk_district_data(round_2564, ["5601", "5602"])
    submit_all(round_2564, ["5601", "5602"])
    client.force_login(province_staff)
    before = (Report.history.count(), ReportLine.history.count())
    response = client.get(confirm(), {"items": ["report:5601", "report:5602"]})
    assert response.status_code == 200
    html = response.content.decode()
    assert "ยืนยันอนุมัติ 2 แบบ" in html and html.count("data-figures") == 2
    assert "2,000.00" in html
    assert (Report.history.count(), ReportLine.history.count()) == before
    assert set(Report.objects.values_list("status", flat=True)) == {Status.SUBMITTED}


def test_one_reports_approve_button_leads_to_the_confirmation_then_approves(
    client, province_staff, round_2564
):
    bulk_district_data(round_2564, ["5607"])
    submit_all(round_2564, ["5607"])
    client.force_login(province_staff)
    review = reverse("reports:review", args=[R, "5607"])
    assert f"{confirm()}?items=report:5607" in client.get(review).content.decode()
    response = client.post(review, {"action": "approve"})
    assert response["Location"] == f"{confirm()}?items=report:5607"
    page = client.get(response["Location"])
    assert [i.key for i in page.context["items"]] == ["report:5607"]
    assert Report.objects.get().status == Status.SUBMITTED
    response = client.post(confirm(), {"items": ["report:5607"]})
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.status == Status.APPROVED and report.reviewed_by == province_staff


def test_the_confirmation_leaves_out_a_form_no_longer_waiting(client, province_staff, round_2564):
    submit_all(round_2564, ["5601", "5602"], model=Survey)
    Survey.objects.filter(district_id="5602").update(status=Status.APPROVED)
    client.force_login(province_staff)
    response = client.get(confirm(), {"items": ["survey:5601", "survey:5602"]}, follow=True)
    assert [i.key for i in response.context["items"]] == ["survey:5601"]
    assert "ตรวจได้เฉพาะแบบที่ส่งแล้ว" in response.content.decode()
    response = client.get(confirm(), {"items": ["survey:5602"]}, follow=True)
    assert response.redirect_chain[-1][0] == desk()
    assert "เลือกแบบที่จะอนุมัติอย่างน้อยหนึ่งรายการ" in response.content.decode()


def test_outsiders_are_refused_on_the_confirmation(
    client, officer, outsider, other_province_staff, round_2564
):
    submit_all(round_2564, ["5607"], model=Survey)
    for user, status in ((other_province_staff, 404), (officer, 403), (outsider, 403)):
        client.force_login(user)
        assert client.get(confirm(), {"items": ["survey:5607"]}).status_code == status
        assert client.post(confirm(), {"items": ["survey:5607"]}).status_code == status
    assert Survey.objects.get().status == Status.SUBMITTED


def test_the_confirmation_requires_get_or_post(client, province_staff, round_2564):
    client.force_login(province_staff)
    assert client.put(confirm()).status_code == 405


# ---------------------------------------------------------------------------
# Reopening an approved form
# ---------------------------------------------------------------------------


def approved_report(round, officer, staff, products):
    report = report_get_or_start(round=round, district=officer.district, by=officer)
    for line in report.lines.all():
        report_line_save(
            line=line, values=values(line, month_1=Decimal("100"), line=True), version=0, by=officer
        )
    submission_submit(submission=report, by=officer)
    return submission_approve(submission=report, by=staff)


@pytest.fixture
def products(round_2564):
    e = make_entrepreneur("5607", name="กลุ่มทอผ้า")
    return [make_product(e, name="ผ้าพันคอฝ้าย"), make_product(e, name="กาแฟดอยหลวง")]


def test_staff_reopen_an_approved_report_with_a_reason(
    client, officer, province_staff, round_2564, products
):
    report = approved_report(round_2564, officer, province_staff, products)
    client.force_login(province_staff)
    review = reverse("reports:review", args=[R, "5607"])
    assert "เปิดให้แก้ไขอีกครั้ง" in client.get(review).content.decode()
    response = client.post(review, {"action": "return", "reason": "  "})
    assert response.status_code == 400
    assert "ต้องระบุเหตุผลที่ส่งคืน" in response.content.decode()
    report.refresh_from_db()
    assert report.status == Status.APPROVED
    response = client.post(review, {"action": "return", "reason": "ยอดเดือนพฤษภาคมซ้ำกับเมษายน"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == Status.RETURNED and report.reviewed_by == province_staff
    record = report.history.latest()
    assert record.history_user == province_staff
    assert record.history_change_reason == "reopened: ยอดเดือนพฤษภาคมซ้ำกับเมษายน"
    # The district reads who reopened it and why, and can edit again.
    client.force_login(officer)
    html = client.get(reverse("reports:detail", args=[R, "5607"])).content.decode()
    assert "เปิดให้แก้ไขอีกครั้งหลังอนุมัติ: ยอดเดือนพฤษภาคมซ้ำกับเมษายน" in html
    assert "ยอดเดือนพฤษภาคมซ้ำกับเมษายน" in html and "data-line-form" in html
    assert report.lock_reason(officer) is None
    # The district's page lists the step: who reopened it and why.
    html = client.get(reverse("dashboards:district", args=[R, "5607"])).content.decode()
    assert "จังหวัดเปิดให้แก้ไขอีกครั้งหลังอนุมัติ" in html


def test_staff_reopen_an_approved_survey_with_a_reason(client, officer, province_staff, round_2564):
    survey = survey_get_or_start(round=round_2564, district=officer.district, by=officer)
    submission_submit(submission=survey, by=officer)
    submission_approve(submission=survey, by=province_staff)
    client.force_login(province_staff)
    review = reverse("surveys:review", args=[R, "5607"])
    client.post(review, {"action": "return", "reason": ""})
    survey.refresh_from_db()
    assert survey.status == Status.APPROVED
    client.post(review, {"action": "return", "reason": "ตรวจการอบรมอีกครั้ง"})
    survey.refresh_from_db()
    assert survey.status == Status.RETURNED
    assert survey.history.latest().history_change_reason == "reopened: ตรวจการอบรมอีกครั้ง"
    assert survey.lock_reason(officer) is None


def test_outsiders_cannot_reopen(
    client, officer, outsider, other_province_staff, province_staff, round_2564, products
):
    report = approved_report(round_2564, officer, province_staff, products)
    review = reverse("reports:review", args=[R, "5607"])
    for user, status in ((other_province_staff, 404), (outsider, 404), (officer, 403)):
        client.force_login(user)
        response = client.post(review, {"action": "return", "reason": "ขอแก้"})
        assert response.status_code == status
    report.refresh_from_db()
    assert report.status == Status.APPROVED
    survey = Survey.objects.create(round=round_2564, district_id="5607", status=Status.APPROVED)
    review = reverse("surveys:review", args=[R, "5607"])
    for user, status in ((other_province_staff, 404), (outsider, 404), (officer, 403)):
        client.force_login(user)
        response = client.post(review, {"action": "return", "reason": "ขอแก้"})
        assert response.status_code == status
    survey.refresh_from_db()
    assert survey.status == Status.APPROVED


# ---------------------------------------------------------------------------
# What changed since the return
# ---------------------------------------------------------------------------


def test_the_review_page_shows_what_changed_since_the_return(
    client, officer, province_staff, round_2564, products
):
    report = report_get_or_start(round=round_2564, district=officer.district, by=officer)
    scarf, coffee = (report.lines.get(product=p) for p in products)
    report_line_save(
        line=scarf, values=values(scarf, month_1=Decimal("100"), line=True), version=0, by=officer
    )
    submission_submit(submission=report, by=officer)
    report_return(report=report, by=province_staff, reason="ยอดเมษายนไม่ตรง")
    # The district corrects April; the coffee is cancelled in the registry and its line
    # removed; the registry adds a product.
    scarf.refresh_from_db()
    report_line_save(
        line=scarf,
        values=values(scarf, month_1=Decimal("1250"), line=True, note="แก้ตามใบเสร็จ"),
        version=scarf.version,
        by=officer,
    )
    products[1].status = "cancelled"
    products[1].save()
    coffee.delete()
    make_product(products[0].entrepreneur, name="น้ำพริกเผา")
    client.force_login(officer)
    client.post(reverse("reports:submit", args=[R, "5607"]))  # adds the new product's line
    report.refresh_from_db()
    assert report.status == Status.SUBMITTED

    client.force_login(province_staff)
    response = client.get(reverse("reports:review", args=[R, "5607"]))
    changes = response.context["changes"]
    assert [(r.name, r.kind) for r in changes.rows] == [
        ("กาแฟดอยหลวง", "removed"),
        ("น้ำพริกเผา", "added"),
        ("ผ้าพันคอฝ้าย", "changed"),
    ]
    scarf_change = changes.rows[2]
    assert [(f.before_label, f.after_label) for f in scarf_change.fields] == [
        ("100.00", "1,250.00"),
        ("–", "แก้ตามใบเสร็จ"),
    ]
    html = response.content.decode()
    assert "สิ่งที่อำเภอแก้ไขหลังส่งคืน" in html and "ยอดเมษายนไม่ตรง" in html
    assert "<del>100.00</del>" in html and "<ins>1,250.00</ins>" in html


def test_a_survey_resubmitted_after_a_return_shows_the_changed_answers(
    client, officer, province_staff, round_2564
):
    person = make_entrepreneur("5607", name="กลุ่มจักสาน")
    basket = make_product(person, name="ตะกร้าไม้ไผ่")
    survey = survey_get_or_start(round=round_2564, district=officer.district, by=officer)
    survey_answer_save(
        survey=survey,
        entrepreneur=person,
        data=AnswerData(False, False, False, Decimal("0"), set()),
        by=officer,
        version=0,
    )
    submission_submit(submission=survey, by=officer)
    survey_return(survey=survey, by=province_staff, reason="ตรวจการอบรม")
    survey_answer_save(
        survey=survey,
        entrepreneur=person,
        data=AnswerData(True, False, False, Decimal("12000"), {basket.pk}),
        by=officer,
        version=1,
    )
    submission_submit(submission=survey, by=officer)
    client.force_login(province_staff)
    response = client.get(reverse("surveys:detail", args=[R, "5607"]))
    rows = response.context["changes"].rows
    assert [(r.name, r.kind) for r in rows] == [
        ("กลุ่มจักสาน", "changed"),
        ("ตะกร้าไม้ไผ่", "changed"),
    ]
    assert [(f.before_label, f.after_label) for f in rows[0].fields] == [
        ("ไม่ใช่", "ใช่"),
        ("0.00", "12,000.00"),
    ]
    assert [(f.before_label, f.after_label) for f in rows[1].fields] == [("ไม่ใช่", "ใช่")]
    assert "สิ่งที่อำเภอแก้ไขหลังส่งคืน" in response.content.decode()


def test_a_form_never_returned_shows_no_changes(client, officer, province_staff, round_2564):
    submit_all(round_2564, ["5607"])
    client.force_login(province_staff)
    response = client.get(reverse("reports:review", args=[R, "5607"]))
    assert response.context["changes"] is None
    assert "สิ่งที่อำเภอแก้ไขหลังส่งคืน" not in response.content.decode()
