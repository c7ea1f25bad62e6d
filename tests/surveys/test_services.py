"""Starting a survey, saving answers, the optimistic version check and the workflow."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from districts.models import District
from otop_portal.workflow import Status, WorkflowError
from surveys import selectors, services
from surveys.models import EntrepreneurAnswer, ProductAnswer
from tests.conftest import make_entrepreneur, make_product

BEFORE_DEADLINE = dt.date(2021, 5, 20)
AFTER_DEADLINE = dt.date(2021, 6, 2)


def district(code="5607") -> District:
    return District.objects.select_related("province").get(code=code)


def data(ready=(), trained=False, sales="0"):
    return services.AnswerData(trained, False, False, Decimal(sales), set(ready))


def answer_all(survey, registry, by, today=BEFORE_DEADLINE):
    for key in ("a", "b", "c"):
        answer = EntrepreneurAnswer.objects.get(survey=survey, entrepreneur=registry[key])
        services.survey_answer_save(
            survey=survey,
            entrepreneur=registry[key],
            data=data(),
            by=by,
            version=answer.version,
            today=today,
        )


@pytest.fixture
def survey(small_registry):
    return services.survey_get_or_start(round=small_registry["round"], district=district())


def test_starting_a_survey_prefills_one_answer_per_base_entrepreneur_and_product(
    small_registry, survey
):
    r = small_registry
    assert set(
        EntrepreneurAnswer.objects.filter(survey=survey).values_list("entrepreneur_id", flat=True)
    ) == {r["a"].id, r["b"].id, r["c"].id}
    assert set(
        ProductAnswer.objects.filter(survey=survey).values_list("product_id", flat=True)
    ) == {r[k].id for k in ("a1", "a2", "b1", "b2", "c1")}
    assert not EntrepreneurAnswer.objects.filter(answered_at__isnull=False).exists()
    assert survey.status == Status.DRAFT


def test_starting_again_returns_the_same_survey_and_adds_new_base_products(small_registry, survey):
    product = make_product(small_registry["b"], name="ข้าวแต๋น")
    again = services.survey_get_or_start(round=small_registry["round"], district=district())
    assert again.pk == survey.pk
    assert ProductAnswer.objects.filter(survey=survey).count() == 6
    assert ProductAnswer.objects.filter(survey=survey, product=product).exists()


def test_a_save_answers_a_product_new_in_the_base_since_the_survey_started(
    small_registry, survey, officer
):
    # The save path does not check the whole district's rows (issue #19): its own
    # entrepreneur's are checked, and a product the registry added since gets its row.
    product = make_product(small_registry["b"], name="ข้าวแต๋น")
    again = services.survey_get_or_start(
        round=small_registry["round"], district=district(), sync=False
    )
    assert not ProductAnswer.objects.filter(survey=again, product=product).exists()
    services.survey_answer_save(
        survey=again,
        entrepreneur=small_registry["b"],
        data=data(ready=[product.id]),
        by=officer,
        version=0,
        today=BEFORE_DEADLINE,
    )
    row = ProductAnswer.objects.get(survey=survey, product=product)
    assert row.ready and row.answered_at is not None
    assert (
        selectors.survey_readiness_of(
            round=small_registry["round"], district=district(), survey=survey, base_counts=(3, 6)
        ).products_ready
        == 1
    )


def test_saving_an_entrepreneur_records_its_answers_and_who(small_registry, survey, officer):
    r = small_registry
    answer = services.survey_answer_save(
        survey=survey,
        entrepreneur=r["a"],
        by=officer,
        version=0,
        data=services.AnswerData(True, False, True, Decimal("12500"), {r["a2"].id}),
    )
    assert (answer.trained, answer.has_standard, answer.sales_prev_year) == (
        True,
        True,
        Decimal("12500"),
    )
    assert (answer.version, answer.answered_by) == (1, officer)
    ready = dict(
        ProductAnswer.objects.filter(product__entrepreneur=r["a"], survey=survey).values_list(
            "product_id", "ready"
        )
    )
    assert ready == {r["a1"].id: False, r["a2"].id: True}
    assert answer.history.first().history_user == officer
    # Each product's answer has its record too: changed ("~"), by whom, to what.
    records = {
        h.product_id: h
        for h in ProductAnswer.history.filter(survey=survey, product__entrepreneur=r["a"]).order_by(
            "history_date"
        )
    }
    assert {p: (h.ready, h.history_type, h.history_user) for p, h in records.items()} == {
        r["a1"].id: (False, "~", officer),
        r["a2"].id: (True, "~", officer),
    }
    assert {h.answered_at for h in records.values()} == {answer.answered_at}


def test_a_save_from_an_older_version_is_refused_and_the_stored_answer_kept(
    small_registry, survey, officer, colleague
):
    r = small_registry
    # Both officers open the form at version 0; the colleague saves first.
    services.survey_answer_save(
        survey=survey,
        entrepreneur=r["a"],
        by=colleague,
        version=0,
        data=data(ready=[r["a1"].id], trained=True),
    )
    with pytest.raises(services.AnswerConflict) as exc:
        services.survey_answer_save(
            survey=survey, entrepreneur=r["a"], by=officer, version=0, data=data(sales="999")
        )
    assert "ถูกบันทึกไปแล้วโดย colleague" in exc.value.message
    assert exc.value.current.version == 1
    answer = EntrepreneurAnswer.objects.get(survey=survey, entrepreneur=r["a"])
    assert (answer.trained, answer.sales_prev_year, answer.answered_by) == (
        True,
        Decimal("0.00"),
        colleague,
    )
    assert ProductAnswer.objects.get(product=r["a1"]).ready


def test_a_product_of_another_entrepreneur_is_refused(small_registry, survey, officer):
    with pytest.raises(WorkflowError):
        services.survey_answer_save(
            survey=survey,
            entrepreneur=small_registry["a"],
            by=officer,
            version=0,
            data=data(ready=[small_registry["b1"].id]),
        )
    assert not ProductAnswer.objects.filter(answered_at__isnull=False).exists()


def test_another_districts_officer_cannot_save(small_registry, survey, outsider):
    with pytest.raises(WorkflowError, match="ไม่ใช่ของอำเภอของท่าน"):
        services.survey_answer_save(
            survey=survey, entrepreneur=small_registry["a"], by=outsider, version=0, data=data()
        )


def test_it_refuses_to_submit_until_every_base_product_has_an_answer(
    small_registry, survey, officer
):
    r = small_registry
    services.survey_answer_save(
        survey=survey, entrepreneur=r["a"], by=officer, version=0, data=data()
    )
    with pytest.raises(WorkflowError, match="ยังไม่มีคำตอบของผลิตภัณฑ์ 3 รายการ"):
        services.survey_submit(survey=survey, by=officer, today=BEFORE_DEADLINE)
    survey.refresh_from_db()
    assert survey.status == Status.DRAFT


def test_the_full_cycle_ends_locked(small_registry, survey, officer, province_staff):
    answer_all(survey, small_registry, officer)
    services.survey_submit(survey=survey, by=officer, today=BEFORE_DEADLINE)
    assert (survey.status, survey.late) == (Status.SUBMITTED, False)
    with pytest.raises(WorkflowError, match="ต้องระบุเหตุผล"):
        services.survey_return(survey=survey, by=province_staff, reason="  ")
    services.survey_return(survey=survey, by=province_staff, reason="ตรวจยอดขายรายที่ 2")
    assert survey.status == Status.RETURNED and survey.lock_reason(officer) is None
    services.survey_submit(survey=survey, by=officer, today=BEFORE_DEADLINE)
    services.survey_approve(survey=survey, by=province_staff)
    assert survey.status == Status.APPROVED
    with pytest.raises(WorkflowError, match="อนุมัติแล้ว"):
        services.survey_answer_save(
            survey=survey, entrepreneur=small_registry["a"], by=officer, version=1, data=data()
        )
    events = [h.history_change_reason for h in survey.history.order_by("history_date")]
    assert events[-4:] == ["submitted", "returned: ตรวจยอดขายรายที่ 2", "submitted", "approved"]
    assert survey.history.first().history_user == province_staff


def test_a_submission_after_the_deadline_is_accepted_and_marked_late(
    small_registry, survey, officer
):
    answer_all(survey, small_registry, officer, today=AFTER_DEADLINE)
    services.survey_submit(survey=survey, by=officer, today=AFTER_DEADLINE)
    assert (survey.status, survey.late) == (Status.SUBMITTED, True)


def test_a_round_that_locks_after_its_deadline_needs_an_exception(
    small_registry, survey, officer, province_staff
):
    round = small_registry["round"]
    round.lock_after_deadline = True
    round.save()
    survey.refresh_from_db()
    assert "พ้นกำหนดส่งวันที่ 25 พ.ค. 2564" in survey.lock_reason(officer, AFTER_DEADLINE)
    with pytest.raises(WorkflowError, match="พ้นกำหนดส่ง"):
        services.survey_answer_save(
            survey=survey,
            entrepreneur=small_registry["a"],
            by=officer,
            version=0,
            data=data(),
            today=AFTER_DEADLINE,
        )
    services.survey_grant_exception(survey=survey, by=province_staff, until=dt.date(2021, 6, 10))
    assert survey.lock_reason(officer, AFTER_DEADLINE) is None
    answer_all(survey, small_registry, officer, today=AFTER_DEADLINE)
    services.survey_submit(survey=survey, by=officer, today=AFTER_DEADLINE)
    assert survey.late
    assert survey.lock_reason(officer, dt.date(2021, 6, 11)) is not None


def test_readiness_counts_only_the_rounds_base(small_registry, survey, officer):
    r = small_registry
    services.survey_answer_save(
        survey=survey,
        entrepreneur=r["a"],
        by=officer,
        version=0,
        data=services.AnswerData(True, True, False, Decimal("100"), {r["a1"].id, r["a2"].id}),
    )
    r["a2"].status = "cancelled"
    r["a2"].save()
    [figures] = selectors.survey_readiness_for_districts(
        round=r["round"], districts=District.objects.filter(code="5607")
    )
    assert (figures.entrepreneurs, figures.products) == (3, 4)
    assert (figures.entrepreneurs_answered, figures.products_answered) == (1, 1)
    assert (figures.trained, figures.selling, figures.products_ready) == (1, 1, 1)
    assert figures.sales_prev == Decimal("100")


def test_readiness_for_districts_makes_a_fixed_number_of_queries(
    small_registry, survey, django_assert_num_queries
):
    round = small_registry["round"]
    for code in ("5601", "5602", "5603"):
        e = make_entrepreneur(code)
        make_product(e)
        services.survey_get_or_start(round=round, district=district(code))
    with django_assert_num_queries(5):
        few = selectors.survey_readiness_for_districts(
            round=round, districts=District.objects.filter(code__in=["5607", "5601"])
        )
    with django_assert_num_queries(5):
        many = selectors.survey_readiness_for_districts(
            round=round, districts=District.objects.filter(province_id="56")
        )
    assert len(few) == 2 and [d.code for d in many] == sorted(d.code for d in many)
    assert {d.code: d.status for d in many}["5608"] == Status.NOT_STARTED


def test_a_district_past_the_deadline_without_a_submission_is_overdue(
    small_registry, survey, officer, province_staff
):
    def figures(today):
        [row] = selectors.survey_readiness_for_districts(
            round=small_registry["round"],
            districts=District.objects.filter(code="5607"),
            today=today,
        )
        return row.late, row.overdue

    assert figures(BEFORE_DEADLINE) == (False, False)
    assert figures(AFTER_DEADLINE) == (False, True)
    services.survey_grant_exception(survey=survey, by=province_staff, until=dt.date(2021, 6, 10))
    assert figures(AFTER_DEADLINE) == (False, False)
    answer_all(survey, small_registry, officer, today=AFTER_DEADLINE)
    services.survey_submit(survey=survey, by=officer, today=AFTER_DEADLINE)
    assert figures(dt.date(2021, 7, 1)) == (True, False)


def test_the_export_makes_a_fixed_number_of_queries(
    small_registry, survey, django_assert_num_queries
):
    for n in range(30):
        make_product(make_entrepreneur("5607"), name=f"สินค้า {n}")
    with django_assert_num_queries(3):
        blocks = list(
            selectors.survey_export_blocks(
                round=small_registry["round"], districts=District.objects.filter(province_id="56")
            )
        )
    assert len(blocks) == 34
