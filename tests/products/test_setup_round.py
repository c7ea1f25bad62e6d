"""setup_round: the seed's values by default, updates only what is given."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from products.models import FiscalYear, RegistrySnapshot, Round
from products.services.rounds import round_setup


def run(*args) -> str:
    out = io.StringIO()
    call_command("setup_round", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_it_creates_round_2564_2_with_the_seeds_values():
    run("2564-2")
    r = Round.objects.get()
    assert FiscalYear.objects.get().year == 2564
    assert r.code == "2564-2"
    assert (r.starts_on, r.ends_on) == (dt.date(2021, 4, 1), dt.date(2021, 9, 30))
    assert (r.target_rate, r.growth_rate) == (Decimal("11"), Decimal("10"))
    assert (r.window_start, r.window_end) == (2557, 2563)
    assert (r.survey_deadline, r.report_deadline) == (dt.date(2021, 5, 25), dt.date(2021, 9, 20))
    assert r.period_label == "เมษายน 2564 - กันยายน 2564"
    assert r.snapshot is None


@pytest.mark.django_db
def test_round_1_runs_october_to_march():
    run("2564-1")
    r = Round.objects.get()
    assert (r.starts_on, r.ends_on) == (dt.date(2020, 10, 1), dt.date(2021, 3, 31))
    assert r.month_labels == ["ต.ค.", "พ.ย.", "ธ.ค.", "ม.ค.", "ก.พ.", "มี.ค."]


@pytest.mark.django_db
def test_the_period_and_months_follow_the_language_and_stay_thai_for_the_workbooks():
    run("2564-1")
    r = Round.objects.get()
    with translation.override("en"):
        assert r.period_label == "October 2563 - March 2564 BE"
        assert r.month_labels == ["Oct", "Nov", "Dec", "Jan", "Feb", "Mar"]
        assert r.period_label_th == "ตุลาคม 2563 - มีนาคม 2564"
        assert r.month_labels_th == ["ต.ค.", "พ.ย.", "ธ.ค.", "ม.ค.", "ก.พ.", "มี.ค."]
        assert str(r) == "2564-1 (round 1, fiscal year 2564)"
    assert str(r) == "2564-1 (รอบที่ 1 ปีงบประมาณ 2564)"


@pytest.mark.django_db
def test_running_it_again_changes_nothing_and_says_so():
    run("2564-2")
    Round.objects.update(target_rate=Decimal("12"))  # an administrator's edit
    assert "ไม่มีอะไรเปลี่ยน" in run("2564-2")
    assert Round.objects.get().target_rate == Decimal("12")


@pytest.mark.django_db
def test_options_update_an_existing_round_and_accept_buddhist_era_dates():
    run("2564-2")
    out = run(
        "2564-2",
        "--target-rate",
        "12",
        "--window",
        "2558-2563",
        "--survey-deadline",
        "2564-05-31",
        "--report-deadline",
        "2021-09-25",
    )
    r = Round.objects.get()
    assert r.target_rate == Decimal("12")
    assert (r.window_start, r.window_end) == (2558, 2563)
    assert (r.survey_deadline, r.report_deadline) == (dt.date(2021, 5, 31), dt.date(2021, 9, 25))
    assert "ปรับรอบ" in out


@pytest.mark.django_db
def test_it_links_the_latest_or_a_given_snapshot():
    old = RegistrySnapshot.objects.create(as_of=dt.date(2021, 1, 1))
    new = RegistrySnapshot.objects.create(as_of=dt.date(2021, 4, 1))
    run("2564-2")
    assert Round.objects.get().snapshot == new
    run("2564-2", "--snapshot", str(old.pk))
    assert Round.objects.get().snapshot == old
    run("2564-2", "--snapshot", "latest")
    assert Round.objects.get().snapshot == new


@pytest.mark.django_db
def test_a_dry_run_writes_nothing():
    out = run("2564-2", "--dry-run")
    assert "--dry-run" in out
    assert not Round.objects.exists() and not FiscalYear.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "args",
    [
        ["2564-3"],
        ["64-2"],
        ["2564"],
        ["2564-2", "--target-rate", "abc"],
        ["2564-2", "--target-rate", "0"],
        ["2564-2", "--window", "2563-2557"],
        ["2564-2", "--survey-deadline", "2564-13-01"],
        ["2564-2", "--snapshot", "99"],
        ["2564-2", "--survey-deadline", "2021-10-01"],
    ],
)
def test_bad_options_give_a_clear_error_and_write_nothing(args):
    with pytest.raises(CommandError):
        run(*args)
    assert not Round.objects.exists()


@pytest.mark.django_db
def test_the_service_reports_what_changed():
    first = round_setup(code="2564-2")
    assert first.created and first.changed
    second = round_setup(code="2564-2", growth_rate=Decimal("15"))
    assert second.changes == {"growth_rate": (Decimal("10.00"), Decimal("15"))}
