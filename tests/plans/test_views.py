"""The work list page, the follow-up form and the province's view, through the test client."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from plans.models import FollowUp, Step
from tests.conftest import make_entrepreneur, make_product
from tests.plans.conftest import answer, build_district

pytestmark = pytest.mark.django_db

ROUND = "2564-2"


def plan_url(code="5607", **query):
    url = reverse("plans:district", args=[ROUND, code])
    if query:
        from urllib.parse import urlencode

        url += "?" + urlencode(query)
    return url


def followup_url(product, code="5607"):
    return reverse("plans:followup", args=[ROUND, code, product.pk])


def province_url(code="56"):
    return reverse("plans:province", args=[ROUND, code])


def post_followup(client, product, *, step=Step.CONTACTED, on=None, note="โทรนัดแล้ว", extra=None):
    prefix = f"p{product.pk}"
    data = {
        f"{prefix}-step": step,
        f"{prefix}-on": (on or timezone.localdate()).isoformat(),
        f"{prefix}-note": note,
        **(extra or {}),
    }
    return client.post(followup_url(product, product.district_id), data)


@pytest.fixture
def small_5607(round_2564):
    """Five base products of 5607: one sold, two ready; official target 3 (2 missing)."""
    return build_district(round_2564, "5607", products=5, ready=2, sold=1, target=3)


# ---------------------------------------------------------------------------
# The work list
# ---------------------------------------------------------------------------


def test_the_officer_sees_the_ranked_list_the_gap_and_the_explained_score(
    client, officer, small_5607
):
    client.force_login(officer)
    response = client.get(plan_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert "ยังขาดอีก 2 ผลิตภัณฑ์" in html
    assert "วิธีคิดคะแนนความพร้อม (เต็ม 100 คะแนน)" in html
    assert "ผลิตภัณฑ์พร้อมเข้าสู่ตลาดออนไลน์: ใช่ → 40/40" in html
    assert html.count("★ ชุดปิดช่องว่าง") == 2
    rows = response.context["items"]
    assert [r.product_id for r in rows[:2]] == [small_5607[1].pk, small_5607[2].pk]
    assert response.context["can_edit"]
    assert (
        html.count('<form method="post" action="/rounds/2564-2/districts/5607/plan/products/') == 4
    )
    assert f'name="p{small_5607[1].pk}-step"' in html
    assert reverse("plans:followup", args=[ROUND, "5607", small_5607[1].pk]) in html


def test_the_page_shows_the_sample_gap(client, officer, sample_data):
    client.force_login(officer)
    assert client.get(plan_url("5604")).status_code == 404  # not the officer's district
    response = client.get(plan_url("5607"))
    assert "ถึงเป้าหมายแล้ว" in response.content.decode()  # 17 sold against 11
    assert response.context["plan"].missing == 0
    assert response.context["page"].paginator.count == 93 - 17
    assert len(response.context["items"]) == 50  # a page of the list


def test_provincial_staff_read_the_list_without_forms(client, province_staff, small_5607):
    client.force_login(province_staff)
    response = client.get(plan_url())
    assert response.status_code == 200
    assert not response.context["can_edit"]
    assert 'method="post"' not in response.content.decode().split("<main")[1]


@pytest.mark.parametrize("who", ["outsider", "other_province_staff"])
def test_the_list_of_another_area_is_a_404(client, who, request, small_5607):
    client.force_login(request.getfixturevalue(who))
    assert client.get(plan_url()).status_code == 404


def test_the_list_needs_a_login(client, small_5607):
    response = client.get(plan_url())
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_an_empty_survey_links_to_the_survey_instead_of_ranking(client, officer, round_2564):
    make_product(make_entrepreneur("5607"))
    client.force_login(officer)
    response = client.get(plan_url())
    html = response.content.decode()
    assert "แบบสำรวจความพร้อมยังไม่มีคำตอบ" in html
    assert reverse("surveys:detail", args=[ROUND, "5607"]) in html
    assert response.context["plan"].survey_empty
    assert "★" not in html and "คะแนนความพร้อม" not in html


def test_the_filters_narrow_the_list(client, officer, round_2564):
    from districts.models import Subdistrict

    sub_a, sub_b = Subdistrict.objects.filter(district_id="5607").order_by("code")[:2]
    food = make_product(
        make_entrepreneur("5607", subdistrict=sub_a, type=1), type=1, name="น้ำพริกตาแดง"
    )
    cloth = make_product(
        make_entrepreneur("5607", subdistrict=sub_b, type=2), type=3, name="ผ้าทอไทลื้อ"
    )
    answer(round_2564, "5607", food, ready=True, trained=True)
    answer(round_2564, "5607", cloth, ready=True, trained=False)
    client.force_login(officer)

    def shown(**query):
        return [r.product_id for r in client.get(plan_url(**query)).context["items"]]

    assert shown() == [food.pk, cloth.pk]
    assert shown(type=3) == [cloth.pk]
    assert shown(subdistrict=sub_a.code) == [food.pk]
    assert shown(etype=2) == [cloth.pk]
    assert shown(type=1, etype=2) == []
    html = client.get(plan_url(type=3)).content.decode()
    assert "พบ 1 จาก 2 รายการ" in html


def test_the_work_list_page_makes_the_same_queries_for_a_small_and_a_large_district(
    client,
    admin,
    round_2564,
):
    build_district(round_2564, "5604", products=2, ready=1, sold=1, target=2)
    large = build_district(round_2564, "5607", products=40, ready=20, sold=5, target=30)
    for p in large[5:30]:
        FollowUp.objects.create(
            round=round_2564,
            product=p,
            district_id="5607",
            step=Step.HELPED,
            on=dt.date(2021, 6, 1),
            note="ช่วยถ่ายรูป",
        )
    client.force_login(admin)
    # Warm the session, and the subdistricts each page's filter keeps in the cache.
    client.get(plan_url("5604"))
    client.get(plan_url("5607"))
    counts = []
    for code in ("5604", "5607"):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(plan_url(code)).status_code == 200
        counts.append(len(ctx))
    assert counts[0] == counts[1] <= 20


# ---------------------------------------------------------------------------
# Follow-up
# ---------------------------------------------------------------------------


def test_the_officer_records_a_step_and_sees_it_in_buddhist_era(client, officer, small_5607):
    client.force_login(officer)
    product = small_5607[1]
    response = post_followup(
        client,
        product,
        step=Step.HELPED,
        on=dt.date(2021, 6, 3),
        note="ช่วยถ่ายรูปสินค้า",
        extra={"type": "1", "page": "1", "x": "y"},
    )
    assert response.status_code == 302
    assert response["Location"] == plan_url(type="1", page="1") + f"#p-{product.pk}"
    followup = FollowUp.objects.get()
    assert (followup.step, followup.on, followup.updated_by) == (
        Step.HELPED,
        dt.date(2021, 6, 3),
        officer,
    )
    html = client.get(plan_url()).content.decode()
    assert "ช่วยลงขายแล้ว</span> 3 มิ.ย. 2564" in html
    assert "ช่วยถ่ายรูปสินค้า" in html


def test_a_colleague_changes_the_step_and_the_history_shows_both(
    client, officer, colleague, small_5607
):
    product = small_5607[1]
    client.force_login(officer)
    post_followup(client, product, step=Step.CONTACTED, on=dt.date(2021, 6, 1), note="โทรแล้ว")
    client.force_login(colleague)
    post_followup(client, product, step=Step.LISTED, on=dt.date(2021, 6, 9), note="ลงขาย LINE")
    item = next(r for r in client.get(plan_url()).context["items"] if r.product_id == product.pk)
    assert [(h.step_label, h.on, h.who) for h in item.history] == [
        ("วางขายออนไลน์แล้ว", dt.date(2021, 6, 9), "colleague"),
        ("ติดต่อแล้ว", dt.date(2021, 6, 1), "officer"),
    ]


def test_a_refused_follow_up_says_why_and_saves_nothing(client, officer, small_5607):
    client.force_login(officer)
    response = post_followup(client, small_5607[1], on=timezone.localdate() + dt.timedelta(days=3))
    assert response.status_code == 302
    assert not FollowUp.objects.exists()
    page = client.get(response["Location"])
    messages = [str(m) for m in page.context["messages"]]
    assert any("วันที่ต้องไม่เลยวันนี้" in m for m in messages)


def test_it_requires_post(client, officer, small_5607):
    client.force_login(officer)
    assert client.get(followup_url(small_5607[1])).status_code == 405
    assert not FollowUp.objects.exists()


def test_it_checks_access(
    client, outsider, other_province_staff, province_staff, admin, small_5607
):
    product = small_5607[1]
    for user in (outsider, other_province_staff):
        client.force_login(user)
        assert post_followup(client, product).status_code == 404
    client.force_login(province_staff)
    assert post_followup(client, product).status_code == 403
    assert client.get(plan_url()).status_code == 200  # but they can read
    assert not FollowUp.objects.exists()
    client.force_login(admin)
    assert post_followup(client, product).status_code == 302
    assert FollowUp.objects.get().updated_by == admin


def test_another_districts_product_is_a_404_even_through_the_officers_own_district(
    client,
    officer,
    small_5607,
):
    other = make_product(make_entrepreneur("5604"))
    client.force_login(officer)
    response = client.post(
        reverse("plans:followup", args=[ROUND, "5607", other.pk]),
        {f"p{other.pk}-step": Step.CONTACTED, f"p{other.pk}-on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 404


# ---------------------------------------------------------------------------
# The province's view and its workbook
# ---------------------------------------------------------------------------


@pytest.fixture
def phayao(round_2564):
    # 5607: 5 missing, 3 ready unsold -> flagged. 5604: 3 missing, 3 ready -> enough.
    build_district(round_2564, "5607", products=8, ready=3, sold=1, target=6)
    build_district(round_2564, "5604", products=6, ready=3, sold=1, target=4)
    return round_2564


def test_provincial_staff_see_each_districts_gap_and_the_flagged_one(
    client, province_staff, phayao
):
    client.force_login(province_staff)
    response = client.get(province_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert [r.code for r in response.context["plan"].flagged] == ["5607"]
    assert 'id="d-5607" class="flagged"' in html
    assert 'id="d-5604" class="flagged"' not in html
    assert "ผลิตภัณฑ์พร้อมไม่พอ ต้องการความช่วยเหลือจากจังหวัด" in html
    assert "ยังขาด 5 มีผลิตภัณฑ์พร้อม 3 ยังขาดอีก 2 แม้ขายได้ทั้งหมด" in html
    assert reverse("plans:province_xlsx", args=[ROUND, "56"]) in html


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("province_staff", 200),
        ("admin", 200),
        ("officer", 404),
        ("other_province_staff", 404),
    ],
)
def test_the_province_view_is_for_the_provinces_staff(client, who, status, request, phayao):
    client.force_login(request.getfixturevalue(who))
    assert client.get(province_url()).status_code == status
    assert client.get(reverse("plans:province_xlsx", args=[ROUND, "56"])).status_code == status


def test_the_province_view_exports_the_same_figures_to_xlsx(client, province_staff, phayao):
    client.force_login(province_staff)
    response = client.get(reverse("plans:province_xlsx", args=[ROUND, "56"]))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="plan_2564-2_56.xlsx"' in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[2][0] == "จังหวัด พะเยา"
    header = rows[3]
    assert header[:7] == ["ที่", "รหัส", "อำเภอ", "ผลิตภัณฑ์ในฐาน", "เป้าหมาย", "ขายออนไลน์แล้ว", "ยังขาดอีก"]
    by_code = {r[1]: r for r in rows[4:13]}
    assert len(by_code) == 9
    assert by_code["5607"][4:10] == [6, 1, 5, 7, 3, 2]
    assert by_code["5607"][13] == "ผลิตภัณฑ์พร้อมไม่พอ ต้องการความช่วยเหลือจากจังหวัด"
    assert by_code["5604"][4:10] == [4, 1, 3, 5, 3, 0]
    total = rows[13]
    assert total[0] == "รวม"
    page = client.get(province_url()).context["plan"]
    assert total[4:10] == [
        page.total.target,
        page.total.sold_online,
        page.missing,
        page.unsold,
        page.ready_unsold,
        page.shortfall,
    ]
    assert "1 อำเภอ" in total[13]
    assert "A4:N4" not in sheet.merged_cells  # the header is one row
    assert "A1:N1" in sheet.merged_cells


def test_the_province_page_makes_the_same_queries_for_one_and_nine_busy_districts(
    client,
    province_staff,
    round_2564,
):
    build_district(round_2564, "5607", products=3, ready=1, sold=1)
    client.force_login(province_staff)
    client.get(province_url())
    with CaptureQueriesContext(connection) as one:
        client.get(province_url())
    for code in ("5601", "5602", "5603", "5604", "5605", "5606", "5608", "5609"):
        build_district(round_2564, code, products=5, ready=2, sold=1, target=3)
    with CaptureQueriesContext(connection) as nine:
        client.get(province_url())
    # 17: one more than before issue #19, the read of the round's totals rows (none
    # here: the builders write with the ORM, so the page sums live).
    assert len(one) == len(nine) <= 17


# ---------------------------------------------------------------------------
# The district page's snippet and the admin
# ---------------------------------------------------------------------------


def test_the_follow_up_snippet_for_the_district_page_shows_each_step_and_links_to_the_list(
    round_2564,
):
    from django.template.loader import render_to_string

    from plans.selectors import followup_counts

    p = make_product(make_entrepreneur("5607"))
    FollowUp.objects.create(
        round=round_2564, product=p, district_id="5607", step=Step.HELPED, on=dt.date(2021, 6, 1)
    )
    counts = followup_counts(round=round_2564, codes=["5607"])
    html = render_to_string(
        "plans/_followup_counts.html", {"counts": counts["5607"], "plan_url": plan_url()}
    )
    assert "ติดต่อแล้ว: <strong>0</strong>" in html
    assert "ช่วยลงขายแล้ว: <strong>1</strong>" in html
    assert f'href="{plan_url()}"' in html


def test_the_admin_lists_follow_ups_with_their_history(client, admin, round_2564):
    p = make_product(make_entrepreneur("5607"), name="น้ำผึ้งดอกลำไย")
    followup = FollowUp.objects.create(
        round=round_2564, product=p, district_id="5607", step=Step.CONTACTED, on=dt.date(2021, 6, 1)
    )
    client.force_login(admin)
    response = client.get(reverse("admin:plans_followup_changelist"))
    assert response.status_code == 200
    assert "น้ำผึ้งดอกลำไย" in response.content.decode()
    history = client.get(reverse("admin:plans_followup_history", args=[followup.pk]))
    assert history.status_code == 200


def test_the_district_page_shows_how_many_products_are_in_each_step(client, officer, small_5607):
    client.force_login(officer)
    post_followup(client, small_5607[1], step=Step.HELPED, on=dt.date(2021, 6, 3))
    html = client.get(reverse("dashboards:district", args=["2564-2", "5607"])).content.decode()
    assert "การติดตามของอำเภอ" in html
    assert "ช่วยลงขายแล้ว: <strong>1</strong>" in html
    assert plan_url() in html
