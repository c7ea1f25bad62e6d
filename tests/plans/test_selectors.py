"""The work list, the province's view and the follow-up counts, read with the sample files
and with small districts built for one case each."""

from __future__ import annotations

import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from districts.models import District, Province
from plans import selectors
from plans.models import FollowUp, Step
from plans.selectors import (
    MAX_SCORE,
    POINTS_READY,
    POINTS_SELLING,
    POINTS_STANDARD,
    POINTS_TRAINED,
    district_plan,
    followup_counts,
    province_plan,
    readiness_score,
    sales_points,
)
from products.models import Target
from reports.selectors import Why, kpi_products
from reports.services import district_totals_refresh
from surveys.models import EntrepreneurAnswer, ProductAnswer
from tests.conftest import make_entrepreneur, make_product
from tests.plans.conftest import answer, build_district, sell

pytestmark = pytest.mark.django_db


def kpi_json(*args) -> dict:
    out = io.StringIO()
    call_command("kpi", "--round", "2564-2", "--format", "json", *args, stdout=out)
    return {row["code"]: row for row in json.loads(out.getvalue())["districts"]}


def district(code: str) -> District:
    return District.objects.select_related("province").get(code=code)


def expected_score(ready, trained, selling, standard, sales) -> int:
    """The documented score, written out again from the constants."""
    score = 0
    score += POINTS_READY if ready else 0
    score += POINTS_SELLING if selling else 0
    score += POINTS_TRAINED if trained else 0
    score += POINTS_STANDARD if standard else 0
    if sales and sales >= Decimal("50000"):
        score += 10
    elif sales and sales >= Decimal("10000"):
        score += 7
    elif sales and sales > 0:
        score += 4
    return score


# ---------------------------------------------------------------------------
# The score
# ---------------------------------------------------------------------------


def test_the_score_adds_the_documented_points_item_by_item():
    items = readiness_score(
        ready=True, selling=False, trained=True, standard=None, sales_prev=Decimal("12500")
    )
    assert [(i.key, i.points, i.max_points) for i in items] == [
        ("ready", 40, 40),
        ("selling", 0, 25),
        ("trained", 15, 15),
        ("standard", 0, 10),
        ("sales", 7, 10),
    ]
    assert [i.answer for i in items] == ["ใช่", "ไม่ใช่", "ใช่", "ยังไม่ได้ตอบ", "12,500.00 บาท"]
    assert MAX_SCORE == 100


@pytest.mark.parametrize(
    ("amount", "points"),
    [
        (None, 0),
        (Decimal("0"), 0),
        (Decimal("0.01"), 4),
        (Decimal("9999.99"), 4),
        (Decimal("10000"), 7),
        (Decimal("49999.99"), 7),
        (Decimal("50000"), 10),
        (Decimal("748003"), 10),
    ],
)
def test_last_years_sales_earn_points_in_bands(amount, points):
    assert sales_points(amount) == points


def test_the_page_explains_every_item_of_the_score():
    rules = selectors.score_rules()
    assert [r.key for r in rules] == ["ready", "selling", "trained", "standard", "sales"]
    assert [r.points for r in rules] == ["40", "25", "15", "10", "4 / 7 / 10"]
    assert "ตั้งแต่ 50,000 บาท ได้ 10" in rules[-1].how


# ---------------------------------------------------------------------------
# The work list with the sample files
# ---------------------------------------------------------------------------


def test_the_sample_work_list_of_5607_ranks_by_the_documented_score(sample_data):
    plan = district_plan(round=sample_data, district=district("5607"))
    entrepreneurs = {
        a.entrepreneur_id: a
        for a in EntrepreneurAnswer.objects.filter(
            survey__district_id="5607", answered_at__isnull=False
        )
    }
    ready = dict(
        ProductAnswer.objects.filter(
            survey__district_id="5607", answered_at__isnull=False
        ).values_list("product_id", "ready")
    )

    assert not plan.survey_empty and plan.unanswered == 0
    scores = []
    for item in plan.items:
        a = entrepreneurs[item.entrepreneur_id]
        score = expected_score(
            ready[item.product_id], a.trained, a.selling_online, a.has_standard, a.sales_prev_year
        )
        assert item.score == score == sum(i.points for i in item.score_items)
        scores.append((score, a.sales_prev_year))
    # Best first: by score, then last year's sales, then codes.
    assert scores == sorted(scores, key=lambda s: (-s[0], -s[1]))
    assert [item.rank for item in plan.items] == list(range(1, len(plan.items) + 1))
    assert [item.sort_key() for item in plan.items] == sorted(
        item.sort_key() for item in plan.items
    )
    assert len({s for s, _ in scores}) > 3  # the samples do spread over several scores


def test_missing_to_target_equals_target_minus_sold_online_from_kpi_json(sample_data):
    rows = kpi_json("--province", "56")
    for code in ("5607", "5604"):
        plan = district_plan(round=sample_data, district=district(code))
        row = rows[code]
        assert plan.missing == max(0, row["target"] - row["sold_online"])
        assert (plan.kpi.target, plan.kpi.sold_online) == (row["target"], row["sold_online"])
    # 5607 sold 17 against 11; 5604 sold 2 against 12.
    assert district_plan(round=sample_data, district=district("5607")).missing == 0
    assert district_plan(round=sample_data, district=district("5604")).missing == 10


def test_the_work_list_holds_exactly_the_base_products_not_sold_online(sample_data):
    for code in ("5607", "5604"):
        plan = district_plan(round=sample_data, district=district(code))
        figures = kpi_products(round=sample_data, district=district(code), which="products")
        sold = {f.product_id for f in figures if f.why == Why.SOLD}
        assert len(plan.items) == plan.kpi.products - plan.kpi.sold_online
        assert not sold & {item.product_id for item in plan.items}
        assert {item.why for item in plan.items} <= {Why.LISTED_NO_SALES, Why.NOT_LISTED}


def test_the_best_ranked_products_that_close_the_gap_are_marked(sample_data):
    plan = district_plan(round=sample_data, district=district("5604"))
    assert plan.missing == 10
    assert [item.rank for item in plan.closing] == list(range(1, 11))
    assert all(not item.closes_gap for item in plan.items[10:])
    assert min(i.score for i in plan.closing) >= max(i.score for i in plan.items[10:])

    reached = district_plan(round=sample_data, district=district("5607"))
    assert reached.missing == 0 and reached.closing == []


def test_the_province_counts_the_same_ready_unsold_products_as_the_work_lists(sample_data):
    plan = province_plan(round=sample_data, province=Province.objects.get(code="56"))
    rows = {row.code: row for row in plan.rows}
    for code in ("5607", "5604"):
        work_list = district_plan(round=sample_data, district=district(code))
        assert rows[code].ready_unsold == work_list.ready_unsold > 0
        assert rows[code].missing == work_list.missing
        assert rows[code].unsold == work_list.unsold
    assert rows["5607"].outlook == selectors.Outlook.REACHED
    assert rows["5604"].outlook == selectors.Outlook.ENOUGH
    assert rows["5601"].outlook == selectors.Outlook.NO_SURVEY  # 60 missing, no survey
    assert not plan.flagged


def test_the_province_flags_the_sample_district_when_its_target_outgrows_its_ready_products(
    sample_data,
):
    ready = district_plan(round=sample_data, district=district("5604")).ready_unsold
    Target.objects.filter(round=sample_data, district_id="5604").update(official=2 + ready + 5)
    district_totals_refresh(round=sample_data)  # the update bypassed target_set
    plan = province_plan(round=sample_data, province=Province.objects.get(code="56"))
    row = next(r for r in plan.rows if r.code == "5604")
    assert row.flagged and row.shortfall == 5
    assert plan.flagged == [row]


# ---------------------------------------------------------------------------
# Built cases
# ---------------------------------------------------------------------------


def test_the_province_flags_a_district_whose_ready_unsold_products_are_fewer_than_its_gap(
    round_2564,
):
    # 5607: target 6, 1 sold, 5 missing, only 3 ready unsold: flagged.
    build_district(round_2564, "5607", products=8, ready=3, sold=1, target=6)
    # 5604: target 4, 1 sold, 3 missing, 3 ready unsold: enough.
    build_district(round_2564, "5604", products=6, ready=3, sold=1, target=4)
    plan = province_plan(round=round_2564, province=Province.objects.get(code="56"))
    rows = {row.code: row for row in plan.rows}

    assert (rows["5607"].missing, rows["5607"].ready_unsold) == (5, 3)
    assert rows["5607"].flagged and rows["5607"].shortfall == 2
    assert rows["5607"].outlook == selectors.Outlook.SHORT
    assert (rows["5604"].missing, rows["5604"].ready_unsold) == (3, 3)
    assert not rows["5604"].flagged
    assert [r.code for r in plan.flagged] == ["5607"]


def test_a_sold_product_is_never_ready_unsold(round_2564):
    (p,) = build_district(round_2564, "5607", products=1, ready=0, sold=1, target=2)
    plan = province_plan(round=round_2564, province=Province.objects.get(code="56"))
    row = next(r for r in plan.rows if r.code == "5607")
    assert ProductAnswer.objects.get(product=p).ready
    assert (row.missing, row.ready_unsold, row.flagged) == (1, 0, True)


def test_ties_are_broken_by_last_years_sales_then_by_code(round_2564):
    a = make_entrepreneur("5607", code="560700003")
    b = make_entrepreneur("5607", code="560700002")
    c = make_entrepreneur("5607", code="560700001")
    pa, pb, pc = make_product(a, code="A"), make_product(b, code="B"), make_product(c, code="C")
    answer(round_2564, "5607", pa, ready=True, trained=False, sales=5000)
    answer(round_2564, "5607", pb, ready=True, trained=False, sales=100)
    answer(round_2564, "5607", pc, ready=True, trained=False, sales=100)
    plan = district_plan(round=round_2564, district=district("5607"))
    # All score 44 (ready 40 + sales 4): a sold most; b and c tie on sales, c's code is lower.
    assert [i.score for i in plan.items] == [44, 44, 44]
    assert [i.product_id for i in plan.items] == [pa.pk, pc.pk, pb.pk]


def test_unanswered_products_earn_nothing_and_come_after_answered_ones(round_2564):
    p1 = make_product(make_entrepreneur("5607", code="560700001"))
    p2 = make_product(make_entrepreneur("5607", code="560700002"))
    answer(round_2564, "5607", p2, ready=False, trained=False)
    plan = district_plan(round=round_2564, district=district("5607"))
    assert [i.product_id for i in plan.items] == [p2.pk, p1.pk]
    assert not plan.items[1].answered and plan.unanswered == 1
    assert not plan.survey_empty


def test_an_empty_survey_is_said_to_be_empty(round_2564):
    make_product(make_entrepreneur("5607"))
    plan = district_plan(round=round_2564, district=district("5607"))
    assert plan.survey_empty and plan.unsold == 1


def test_the_filters_keep_the_districts_ranks(round_2564):
    from districts.models import Subdistrict

    sub_a, sub_b = Subdistrict.objects.filter(district_id="5607").order_by("code")[:2]
    food = make_product(make_entrepreneur("5607", subdistrict=sub_a, type=1), type=1)
    cloth = make_product(make_entrepreneur("5607", subdistrict=sub_b, type=3), type=3)
    answer(round_2564, "5607", food, ready=True, trained=True)
    answer(round_2564, "5607", cloth, ready=False, trained=False)
    plan = district_plan(round=round_2564, district=district("5607"))

    assert [i.rank for i in plan.filtered(product_type=3)] == [2]
    assert [i.product_id for i in plan.filtered(subdistrict=sub_a.code)] == [food.pk]
    assert [i.product_id for i in plan.filtered(entrepreneur_type=3)] == [cloth.pk]
    assert plan.filtered(product_type=1, entrepreneur_type=3) == []


# ---------------------------------------------------------------------------
# Follow-up counts
# ---------------------------------------------------------------------------


def _follow(round, product, step):
    return FollowUp.objects.create(
        round=round, product=product, district_id=product.district_id, step=step, on=round.starts_on
    )


def test_followup_counts_counts_each_step_per_district(round_2564):
    p = [make_product(make_entrepreneur("5607")) for _ in range(4)]
    q = make_product(make_entrepreneur("5604"))
    old = make_product(make_entrepreneur("5607"), registered_year=2550)  # not in the base
    _follow(round_2564, p[0], Step.CONTACTED)
    _follow(round_2564, p[1], Step.CONTACTED)
    _follow(round_2564, p[2], Step.LISTED)
    _follow(round_2564, q, Step.HELPED)
    _follow(round_2564, old, Step.LISTED)
    codes = District.objects.filter(province_id="56").values_list("code", flat=True)
    counts = followup_counts(round=round_2564, codes=list(codes))

    assert len(counts) == 9
    assert (counts["5607"].contacted, counts["5607"].helped, counts["5607"].listed) == (2, 0, 1)
    assert (counts["5604"].contacted, counts["5604"].helped, counts["5604"].listed) == (0, 1, 0)
    assert counts["5601"].total == 0
    assert counts["5607"].items() == [
        ("contacted", "ติดต่อแล้ว", 2),
        ("helped", "ช่วยลงขายแล้ว", 0),
        ("listed", "วางขายออนไลน์แล้ว", 1),
    ]
    assert district_plan(round=round_2564, district=district("5607")).followups == counts["5607"]


def test_followup_counts_makes_one_query_for_any_number_of_districts(round_2564):
    _follow(round_2564, make_product(make_entrepreneur("5607")), Step.CONTACTED)
    every = list(District.objects.values_list("code", flat=True))
    with CaptureQueriesContext(connection) as one:
        followup_counts(round=round_2564, codes=["5607"])
    with CaptureQueriesContext(connection) as many:
        counts = followup_counts(round=round_2564, codes=every)
    assert len(one) == len(many) == 1
    assert len(counts) == len(every) and counts["5607"].contacted == 1


# ---------------------------------------------------------------------------
# Fixed number of queries
# ---------------------------------------------------------------------------


def _queries(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx)


def test_the_work_list_makes_the_same_queries_for_a_small_and_a_large_district(round_2564):
    small = build_district(round_2564, "5604", products=3, ready=1, sold=1, target=2)
    large = build_district(round_2564, "5607", products=40, ready=20, sold=5, target=30)
    for p in (small[1], *large[5:25]):
        _follow(round_2564, p, Step.CONTACTED)
    d_small, d_large = district("5604"), district("5607")
    n_small = _queries(lambda: district_plan(round=round_2564, district=d_small))
    n_large = _queries(lambda: district_plan(round=round_2564, district=d_large))
    assert n_small == n_large == 14


def test_the_province_view_makes_the_same_queries_for_one_and_nine_busy_districts(round_2564):
    build_district(round_2564, "5607", products=3, ready=1, sold=1)
    phayao = Province.objects.get(code="56")
    one = _queries(lambda: province_plan(round=round_2564, province=phayao))
    for code in ("5601", "5602", "5603", "5604", "5605", "5606", "5608", "5609"):
        build_district(round_2564, code, products=4, ready=2, sold=1)
    sell(round_2564, make_product(make_entrepreneur("5601")))
    nine = _queries(lambda: province_plan(round=round_2564, province=phayao))
    assert one == nine == 10
