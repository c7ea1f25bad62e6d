"""The vocabulary of the forms' history: the change reasons the services write, read back,
and the words the survey and report pages show for them."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import translation

from otop_portal.workflow import (
    CHANGE_REASON_APPROVED,
    CHANGE_REASON_MAX_LENGTH,
    CHANGE_REASON_PREFILLED,
    CHANGE_REASON_SAVED,
    CHANGE_REASON_SUBMITTED,
    ChangeReason,
    change_reason_exception,
    change_reason_import,
    change_reason_parse,
    change_reason_returned,
    history_event,
    who_label,
)
from reports.selectors import REPORT_HISTORY
from surveys.selectors import SURVEY_HISTORY


@pytest.mark.parametrize(
    ("written", "read"),
    [
        (CHANGE_REASON_SUBMITTED, ChangeReason("submitted")),
        (CHANGE_REASON_APPROVED, ChangeReason("approved")),
        (CHANGE_REASON_SAVED, ChangeReason("saved")),
        (CHANGE_REASON_PREFILLED, ChangeReason("prefilled")),
        (
            change_reason_returned("ยอดขาย: ไม่ตรงกับทะเบียน"),
            ChangeReason("returned", return_reason="ยอดขาย: ไม่ตรงกับทะเบียน"),
        ),
        (
            change_reason_exception(dt.date(2021, 6, 30)),
            ChangeReason("exception", until=dt.date(2021, 6, 30)),
        ),
        (
            change_reason_import("แบบสำรวจ แม่ใจ 2564.xlsx"),
            ChangeReason("import", file_name="แบบสำรวจ แม่ใจ 2564.xlsx"),
        ),
    ],
)
def test_it_reads_back_every_reason_it_writes(written, read):
    assert change_reason_parse(written) == read


def test_it_writes_the_reasons_existing_databases_hold():
    assert [
        CHANGE_REASON_SUBMITTED,
        CHANGE_REASON_APPROVED,
        CHANGE_REASON_SAVED,
        CHANGE_REASON_PREFILLED,
        change_reason_returned("ตรวจยอดขายรายที่ 2"),
        change_reason_exception(dt.date(2021, 6, 30)),
        change_reason_import("b.xlsx"),
    ] == [
        "submitted",
        "approved",
        "saved",
        "prefilled",
        "returned: ตรวจยอดขายรายที่ 2",
        "exception until 2021-06-30",
        "import: b.xlsx",
    ]


@pytest.mark.parametrize("reason", [None, "", "edited", "submitted late", "import:x.xlsx"])
def test_it_reads_an_unknown_or_missing_reason_as_no_action(reason):
    assert change_reason_parse(reason) == ChangeReason(None)


def test_it_reads_an_exception_whose_date_does_not_read_without_a_date():
    assert change_reason_parse("exception until someday") == ChangeReason("exception")


def test_it_cuts_an_import_reason_to_the_column_and_reads_the_name_so_far():
    name = "ก" * 200 + ".xlsx"
    written = change_reason_import(name)
    assert len(written) == CHANGE_REASON_MAX_LENGTH
    assert change_reason_parse(written).file_name == name[: CHANGE_REASON_MAX_LENGTH - 8]


def test_it_cuts_a_long_return_reason_to_the_column_with_an_ellipsis():
    reason = "ข" * 200
    written = change_reason_returned(reason)
    assert len(written) == CHANGE_REASON_MAX_LENGTH
    assert change_reason_parse(written).return_reason == "ข" * 89 + "…"
    assert change_reason_returned("ข" * 90) == "returned: " + "ข" * 90


def record(reason=None, *, type="~", late=False):
    return SimpleNamespace(history_type=type, history_change_reason=reason, late=late)


def test_it_tells_each_step_of_a_survey_in_thai():
    events = [
        history_event(r, labels=SURVEY_HISTORY)
        for r in [
            record(type="+"),
            record("submitted"),
            record("submitted", late=True),
            record("returned: ยอดขาย: ผิด"),
            record("approved"),
            record("exception until 2021-06-30"),
            record("exception until someday"),
            record("import: แบบสำรวจ.xlsx"),
            record(None),
        ]
    ]
    assert events == [
        "เริ่มทำแบบสำรวจ",
        "ส่งแบบสำรวจ",
        "ส่งแบบสำรวจ (ส่งช้า)",
        "ส่งคืนให้แก้ไข: ยอดขาย: ผิด",
        "อนุมัติ",
        "ขยายเวลาให้ถึงวันที่ 30 มิ.ย. 2564",
        "แก้ไขแบบสำรวจ",
        "นำเข้าจากไฟล์ แบบสำรวจ.xlsx",
        "แก้ไขแบบสำรวจ",
    ]


def test_it_tells_each_step_of_a_report_in_english():
    with translation.override("en"):
        events = [
            history_event(r, labels=REPORT_HISTORY)
            for r in [
                record(type="+"),
                record("submitted", late=True),
                record("returned: wrong sales"),
                record("exception until 2021-06-30"),
                # The report's imports are read from its lines and uploads instead.
                record("import: report.xlsx"),
            ]
        ]
    assert events == [
        "Started the result report",
        "Sent the result report (late)",
        "Returned for correction: wrong sales",
        "Extended until 30 Jun 2564 BE",
        "Edited the result report",
    ]


def test_it_names_who_saved_a_record():
    named = SimpleNamespace(get_full_name=lambda: "สมชาย ใจดี", username="somchai")
    unnamed = SimpleNamespace(get_full_name=lambda: "", username="somchai")
    assert [who_label(named), who_label(unnamed), who_label(None)] == [
        "สมชาย ใจดี",
        "somchai",
        "ระบบ",
    ]
    with translation.override("en"):
        assert who_label(None) == "System"
