"""`send_reminders`: e-mails to officers whose forms are not submitted, once a day."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from dashboards.models import ReminderLog
from districts.scoping import Role
from otop_portal.workflow import Status
from reports.models import Report
from surveys.models import Survey
from tests.conftest import make_entrepreneur, make_product, make_round, make_user

pytestmark = pytest.mark.django_db

SURVEY_DEADLINE = dt.date(2021, 5, 25)
REPORT_DEADLINE = dt.date(2021, 9, 20)


@pytest.fixture
def round_(db):
    return make_round(survey_deadline=SURVEY_DEADLINE, report_deadline=REPORT_DEADLINE)


@pytest.fixture
def officers(officer, outsider):
    """The officers of 5607 (survey in draft) and 5604 (survey submitted), with e-mail,
    both districts with base products."""
    for user, email in ((officer, "maechai@example.go.th"), (outsider, "chiangmuan@example.go.th")):
        user.email = email
        user.save()
        make_product(make_entrepreneur(user.district_id))
    return officer, outsider


def run(round, today: dt.date, *args) -> str:
    out = io.StringIO()
    call_command(
        "send_reminders", "--round", round.code, "--today", today.isoformat(), *args, stdout=out
    )
    return out.getvalue()


def days(n: int) -> dt.date:
    return SURVEY_DEADLINE + dt.timedelta(days=n)


def test_officers_with_an_open_survey_are_reminded_three_days_before(round_, officers):
    officer, outsider = officers
    Survey.objects.create(round=round_, district_id="5607", status=Status.DRAFT)
    Survey.objects.create(round=round_, district_id="5604", status=Status.SUBMITTED)
    make_user("nomail", Role.OFFICER, district="5607")  # no e-mail address: skipped
    staff = make_user("staff56", Role.PROVINCE, province="56")
    staff.email = "staff@example.go.th"  # not an officer: skipped
    staff.save()
    output = run(round_, days(-3))
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["maechai@example.go.th"]
    assert message.subject == ("[OTOP ตลาดออนไลน์] เตือนส่งแบบสำรวจความพร้อม อำเภอแม่ใจ (อีก 3 วัน)")
    assert "อำเภอแม่ใจ ยังไม่ได้ส่งแบบต่อไปนี้ของรอบการประเมินที่ 2 ปีงบประมาณ 2564" in message.body
    assert "แบบสำรวจความพร้อม: สถานะ ร่าง · กำหนดส่ง 25 พฤษภาคม 2564 (อีก 3 วัน)" in message.body
    assert "/rounds/2564-2/districts/5607/" in message.body
    assert "ส่งแล้ว 1 ฉบับ" in output
    log = ReminderLog.objects.get()
    assert (log.user, log.kind, log.sent_on, log.days_to_deadline) == (
        officer,
        "survey",
        days(-3),
        3,
    )


def test_a_second_run_on_the_same_day_sends_nothing_again(round_, officers):
    run(round_, days(-3))
    assert len(mail.outbox) == 2  # neither district has started its survey
    output = run(round_, days(-3))
    assert len(mail.outbox) == 2
    assert ReminderLog.objects.count() == 2
    assert "ส่งแล้ว 0 ฉบับ · เตือนไปแล้ววันนี้ 2 รายการ" in output


def test_reminders_go_out_before_on_and_after_the_deadline_only(round_, officers):
    sent_on = []
    for n in range(-5, 17):
        before = len(mail.outbox)
        run(round_, days(n))
        if len(mail.outbox) > before:
            sent_on.append(n)
    # 3 days before, on the day, the day after, then every 7 days.
    assert sent_on == [-3, 0, 1, 8, 15]
    late = [m for m in mail.outbox if "พ้นกำหนดแล้ว 1 วัน" in m.subject]
    assert len(late) == 2  # both officers


def test_the_days_before_can_be_chosen(round_, officers):
    run(round_, days(-7), "--days-before", "7")
    assert len(mail.outbox) == 2
    run(round_, days(-3), "--days-before", "7")
    assert len(mail.outbox) == 2


def test_returned_forms_are_reminded_and_approved_ones_are_not(round_, officers):
    Survey.objects.create(
        round=round_, district_id="5607", status=Status.RETURNED, return_reason="แก้ไขยอดขาย"
    )
    Survey.objects.create(round=round_, district_id="5604", status=Status.APPROVED)
    run(round_, days(0))
    assert [m.to for m in mail.outbox] == [["maechai@example.go.th"]]
    assert "ส่งคืนให้แก้ไข" in mail.outbox[0].body
    assert "ครบกำหนดวันนี้" in mail.outbox[0].subject


def test_the_report_deadline_has_its_own_reminders(round_, officers):
    Report.objects.create(round=round_, district_id="5604", status=Status.SUBMITTED)
    run(round_, REPORT_DEADLINE - dt.timedelta(days=3))
    assert [m.to for m in mail.outbox] == [["maechai@example.go.th"]]
    assert "แบบรายงานผล" in mail.outbox[0].subject
    assert ReminderLog.objects.get().kind == "report"


def test_two_deadlines_on_one_day_make_one_email(officers):
    round_ = make_round(survey_deadline=SURVEY_DEADLINE, report_deadline=SURVEY_DEADLINE)
    run(round_, days(0))
    assert len(mail.outbox) == 2
    assert "เตือนส่งแบบสำรวจความพร้อม และแบบรายงานผล อำเภอ" in mail.outbox[0].subject
    assert ReminderLog.objects.count() == 4


def test_a_district_without_a_base_is_not_reminded(round_, officers):
    other = make_user("officer5601", Role.OFFICER, district="5601")
    other.email = "muang@example.go.th"
    other.save()
    run(round_, days(0))
    assert "muang@example.go.th" not in [to for m in mail.outbox for to in m.to]


def test_a_dry_run_lists_and_sends_nothing(round_, officers):
    output = run(round_, days(0), "--dry-run")
    assert mail.outbox == []
    assert ReminderLog.objects.count() == 0
    assert "maechai@example.go.th" in output and "จะส่ง 2 ฉบับ" in output


def test_a_day_without_a_reminder_says_so(round_, officers):
    assert "วันนี้ไม่มีกำหนดที่ต้องเตือน" in run(round_, days(-10))
    assert mail.outbox == []


def test_a_failed_send_is_retried_on_the_next_run(round_, officers, monkeypatch):
    from django.core.mail import EmailMessage

    def refuse(self, fail_silently=False):
        raise OSError("connection refused")

    monkeypatch.setattr(EmailMessage, "send", refuse)
    with pytest.raises(CommandError, match="ส่งอีเมลไม่สำเร็จ 2 ฉบับ"):
        run(round_, days(0))
    assert ReminderLog.objects.count() == 0
    monkeypatch.undo()
    run(round_, days(0))
    assert len(mail.outbox) == 2


def test_an_unknown_round_is_refused_without_a_traceback(db):
    with pytest.raises(CommandError, match="ไม่พบรอบการประเมิน"):
        call_command("send_reminders", "--round", "2599-1")


def test_a_bad_date_is_refused_without_a_traceback(round_):
    with pytest.raises(CommandError, match="ไม่ใช่วันที่"):
        call_command("send_reminders", "--round", round_.code, "--today", "25/05/2564")


def test_the_command_takes_a_buddhist_era_date(round_, officers):
    call_command(
        "send_reminders", "--round", round_.code, "--today", "2564-05-22", stdout=io.StringIO()
    )
    assert len(mail.outbox) == 2
