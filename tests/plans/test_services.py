"""Recording a follow-up: who may, what is refused, what is kept, and what never changes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from districts.models import District
from otop_portal.workflow import WorkflowError
from plans.models import FollowUp, Step
from plans.services import MSG_FUTURE_DATE, MSG_NOT_IN_BASE, followup_record
from reports.models import ReportLine
from reports.selectors import kpi_for_districts
from tests.conftest import make_entrepreneur, make_product
from tests.plans.conftest import sell

pytestmark = pytest.mark.django_db

TODAY = dt.date(2021, 6, 15)


@pytest.fixture
def product(round_2564):
    return make_product(make_entrepreneur("5607"))


def record(round, product, by, step=Step.CONTACTED, on=dt.date(2021, 6, 1), note="โทรนัดแล้ว"):
    return followup_record(
        round=round, product=product, step=step, on=on, note=note, by=by, today=TODAY
    )


def test_an_officer_records_steps_and_the_history_keeps_each_one(
    round_2564, product, officer, colleague
):
    record(round_2564, product, officer)
    followup = record(
        round_2564,
        product,
        colleague,
        step=Step.LISTED,
        on=dt.date(2021, 6, 10),
        note="ลงขายใน Shopee",
    )

    assert FollowUp.objects.count() == 1
    assert (followup.step, followup.on, followup.note, followup.updated_by) == (
        Step.LISTED,
        dt.date(2021, 6, 10),
        "ลงขายใน Shopee",
        colleague,
    )
    history = list(
        followup.history.order_by("history_date").values_list("step", "note", "history_user_id")
    )
    assert history == [
        (Step.CONTACTED, "โทรนัดแล้ว", officer.pk),
        (Step.LISTED, "ลงขายใน Shopee", colleague.pk),
    ]


def test_saving_the_same_step_again_adds_no_history(round_2564, product, officer):
    record(round_2564, product, officer)
    followup = record(round_2564, product, officer)
    assert followup.history.count() == 1


def test_an_administrator_may_record_a_step(round_2564, product, admin):
    assert record(round_2564, product, admin).updated_by == admin


@pytest.mark.parametrize("who", ["province_staff", "outsider", "other_province_staff"])
def test_only_the_districts_officers_may_record_a_step(round_2564, product, who, request):
    with pytest.raises(WorkflowError):
        record(round_2564, product, request.getfixturevalue(who))
    assert not FollowUp.objects.exists()


def test_it_refuses_a_date_in_the_future(round_2564, product, officer):
    with pytest.raises(ValidationError) as exc:
        record(round_2564, product, officer, on=TODAY + dt.timedelta(days=1))
    assert exc.value.message_dict["on"] == [MSG_FUTURE_DATE % {"today": "15 มิ.ย. 2564"}]
    assert not FollowUp.objects.exists()


def test_it_refuses_a_product_outside_the_rounds_base(round_2564, officer):
    old = make_product(make_entrepreneur("5607"), registered_year=2550)
    with pytest.raises(ValidationError) as exc:
        record(round_2564, old, officer)
    assert exc.value.messages == [str(MSG_NOT_IN_BASE)]
    assert not FollowUp.objects.exists()


def test_it_refuses_an_unknown_step(round_2564, product, officer):
    with pytest.raises(ValidationError) as exc:
        record(round_2564, product, officer, step="sold")
    assert "step" in exc.value.message_dict


def test_a_follow_up_never_changes_the_report_or_the_kpi(round_2564, product, officer):
    sold = make_product(make_entrepreneur("5607"))
    sell(round_2564, sold)
    districts = District.objects.filter(code="5607")
    before = kpi_for_districts(round=round_2564, districts=districts).rows[0]
    lines = list(ReportLine.objects.values())

    record(round_2564, product, officer, step=Step.LISTED)

    after = kpi_for_districts(round=round_2564, districts=districts).rows[0]
    assert after.as_json() == before.as_json()
    assert after.sold_online == 1
    assert list(ReportLine.objects.values()) == lines
