"""load_demo: Phayao's demo equals the seed's table, and loading it twice changes nothing."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from districts.models import District, User
from otop_portal.workflow import be_date
from products.demo.phayao import (
    DEMO_DATA,
    DEMO_PASSWORD,
    DEMO_TARGET_REASON,
    SAMPLE_DISTRICTS,
    SEED_TABLE,
    demo_load,
    district_plans,
    registry_rows,
)
from products.models import Entrepreneur, Product, RegistrySnapshot, Target
from products.selectors import round_get, targets_for_districts


def load() -> str:
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_the_demo_figures_equal_the_seeds_table():
    out = load()
    round = round_get("2564-2")
    figures = targets_for_districts(
        round=round, districts=District.objects.filter(province_id="56")
    )
    assert {f.code: (f.entrepreneurs, f.products, f.target_official) for f in figures} == SEED_TABLE
    assert sum(f.entrepreneurs for f in figures) == 913
    assert sum(f.products for f in figures) == 1873
    assert sum(f.target for f in figures) == 215
    assert set(Target.objects.values_list("reason", flat=True)) == {DEMO_TARGET_REASON}
    snapshot = RegistrySnapshot.objects.get()
    assert round.snapshot == snapshot
    assert str(snapshot) == f"ทะเบียน ณ 1 เมษายน 2564 ชุดที่ {snapshot.pk}"
    # Rows outside the base show the rule: cancelled, and registered after the window.
    assert Product.objects.filter(status="cancelled").exists()
    assert Product.objects.filter(registered_year=2564).exists()
    assert Product.objects.count() > 1873
    for username in ["admin", "phayao", "officer5601", "officer5609"]:
        assert username in out
    assert DEMO_PASSWORD in out


@pytest.mark.django_db
def test_it_makes_a_user_for_each_role_who_can_log_in(client):
    load()
    assert User.objects.get(username="admin").is_portal_admin
    phayao = User.objects.get(username="phayao")
    assert (phayao.role, phayao.province_id) == ("province", "56")
    for code in SEED_TABLE:
        officer = User.objects.get(username=f"officer{code}")
        assert (officer.role, officer.district_id) == ("officer", code)
    assert client.login(username="officer5607", password=DEMO_PASSWORD)


@pytest.mark.django_db
def test_loading_it_twice_changes_nothing_and_says_so():
    load()
    before = (
        sorted(Product.objects.values_list("code", "name", "registered", "last_snapshot_id")),
        sorted(Entrepreneur.objects.values_list("code", "name", "last_snapshot_id")),
        list(Target.objects.values_list("district_id", "official", "set_at")),
        RegistrySnapshot.objects.count(),
        list(User.objects.values_list("username", "password")),
    )
    out = load()
    after = (
        sorted(Product.objects.values_list("code", "name", "registered", "last_snapshot_id")),
        sorted(Entrepreneur.objects.values_list("code", "name", "last_snapshot_id")),
        list(Target.objects.values_list("district_id", "official", "set_at")),
        RegistrySnapshot.objects.count(),
        list(User.objects.values_list("username", "password")),
    )
    assert after == before
    assert "ไม่มีอะไรเปลี่ยน" in out


@pytest.mark.django_db
def test_the_generator_is_deterministic_and_real():
    plans = district_plans({"5607": (65, 93), "5604": (42, 94)})
    first = list(registry_rows(plans, seed=7))
    assert first == list(registry_rows(plans, seed=7))
    assert first != list(registry_rows(plans, seed=8))
    # A district's rows do not depend on the other districts generated with it.
    alone = list(registry_rows(district_plans({"5607": (65, 93)}), seed=7))
    assert alone == [r for r in first if r.district_code == "5607"]
    real = {code for code, _name in plans[0].subdistricts} | {c for c, _n in plans[1].subdistricts}
    assert {r.subdistrict_code for r in first} <= real
    assert len({r.product_code for r in first}) == len(first)
    assert len({r.product_type for r in first}) == 5
    assert len({r.entrepreneur_type for r in first}) == 3


@pytest.mark.django_db
def test_the_demo_registry_of_5604_and_5607_is_the_sample_registry(samples):
    from products.registry_workbook import registry_read

    load()
    sample = registry_read(samples / "registry.xlsx").rows
    for code in SAMPLE_DISTRICTS:
        assert set(Product.objects.filter(district_id=code).values_list("code", "name")) == {
            (r.product_code, r.product_name) for r in sample if r.district_code == code
        }
    # The other districts are generated, with the seed's figures.
    assert Product.objects.filter(district_id="5601", code__startswith="560100001-").exists()


@pytest.mark.django_db
def test_a_demo_officer_can_upload_the_sample_survey_and_report(client, settings, tmp_path):
    """officer5607 uploads products/demo_data's survey and report through the pages,
    and the district's figures are the sample's (tests/fixtures/samples/expected.json)."""
    from django.urls import reverse

    from reports.selectors import kpi_for_districts
    from surveys.selectors import survey_readiness_for_districts

    settings.MEDIA_ROOT = tmp_path
    load()
    assert client.login(username="officer5607", password=DEMO_PASSWORD)
    args = ["2564-2", "5607"]

    with (DEMO_DATA / "survey_5607.xlsx").open("rb") as fh:
        response = client.post(reverse("surveys:upload", args=args), {"file": fh})
    assert response.status_code == 200, response.context.get("problems")
    upload = response.context["upload_record"]
    client.post(reverse("surveys:upload_confirm", args=[*args, upload.pk]))

    with (DEMO_DATA / "report_5607.xlsx").open("rb") as fh:
        response = client.post(reverse("reports:upload", args=args), {"file": fh})
    assert response.status_code == 200, response.context.get("problems")
    upload = response.context["upload"]
    client.post(reverse("reports:upload_commit", args=[*args, upload.pk]))

    round = round_get("2564-2")
    districts = District.objects.filter(code="5607")
    [readiness] = survey_readiness_for_districts(round=round, districts=districts)
    assert (readiness.entrepreneurs, readiness.products, readiness.trained) == (65, 93, 27)
    kpi = kpi_for_districts(round=round, districts=districts).rows[0]
    assert (kpi.sold_online, kpi.sales_round) == (17, Decimal("448207.50"))


def test_the_demo_data_are_the_sample_workbooks(samples):
    for name in [
        "registry.xlsx",
        "survey_5604.xlsx",
        "survey_5607.xlsx",
        "report_5604.xlsx",
        "report_5607.xlsx",
    ]:
        assert (DEMO_DATA / name).read_bytes() == (samples / name).read_bytes(), name


@pytest.mark.django_db
def test_it_sets_the_deadlines_two_and_eight_weeks_from_today(client):
    today = timezone.localdate()
    out = load()
    round = round_get("2564-2")
    assert round.survey_deadline == today + dt.timedelta(days=14)
    assert round.report_deadline == today + dt.timedelta(days=56)
    assert be_date(round.survey_deadline) in out
    # The officer's page counts down to the survey instead of counting days overdue.
    client.login(username="officer5607", password=DEMO_PASSWORD)
    page = client.get("/", follow=True).content.decode()
    assert "อีก 14 วัน" in page
    assert "พ้นกำหนดแล้ว" not in page
    assert "เลยกำหนด" not in page


@pytest.mark.django_db
def test_as_in_letter_it_keeps_the_letters_deadlines():
    out = io.StringIO()
    call_command("load_demo", "--as-in-letter", stdout=out)
    round = round_get("2564-2")
    assert (round.survey_deadline, round.report_deadline) == (
        dt.date(2021, 5, 25),
        dt.date(2021, 9, 20),
    )
    assert "25 พ.ค. 2564" in out.getvalue()


@pytest.mark.django_db
def test_a_rerun_moves_the_deadlines_to_its_own_day_and_changes_nothing_else():
    first_day = dt.date(2026, 3, 2)
    demo_load(today=first_day)
    targets = list(Target.objects.values_list("district_id", "official", "set_at"))
    assert not demo_load(today=first_day).changed
    later = demo_load(today=first_day + dt.timedelta(days=10))
    round = round_get("2564-2")
    assert round.survey_deadline == dt.date(2026, 3, 26)
    assert round.report_deadline == dt.date(2026, 5, 7)
    assert later.changes == ["กำหนดส่งแบบสำรวจ 26 มี.ค. 2569 กำหนดส่งแบบรายงานผล 7 พ.ค. 2569"]
    assert list(Target.objects.values_list("district_id", "official", "set_at")) == targets
    # From the letter's dates back to today's, and the other way, on request.
    demo_load(as_in_letter=True, today=first_day)
    round.refresh_from_db()
    assert round.survey_deadline == dt.date(2021, 5, 25)
    demo_load(today=first_day)
    round.refresh_from_db()
    assert round.survey_deadline == dt.date(2026, 3, 16)
