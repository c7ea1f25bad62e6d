"""The countdown to a deadline: a count of a thousand days or more has its separator, so
that it never reads as a year of the Christian era ("2021 days overdue")."""

from __future__ import annotations

import datetime as dt

from django.utils import translation

from dashboards.selectors import Deadline
from dashboards.templatetags.dashboard_tags import countdown

DUE = dt.date(2021, 5, 25)


def test_it_counts_days_overdue_with_a_thousands_separator():
    late = Deadline(kind="survey", date=DUE, today=DUE + dt.timedelta(days=2021))
    assert countdown(late) == "พ้นกำหนดแล้ว 2,021 วัน"
    with translation.override("en"):
        assert countdown(late) == "2,021 days overdue"


def test_it_counts_days_left_with_a_thousands_separator():
    early = Deadline(kind="survey", date=DUE, today=DUE - dt.timedelta(days=1200))
    assert countdown(early) == "อีก 1,200 วัน"


def test_it_writes_small_counts_as_before():
    assert countdown(Deadline(kind="survey", date=DUE, today=DUE)) == "ครบกำหนดวันนี้"
    assert countdown(Deadline(kind="survey", date=DUE, today=DUE + dt.timedelta(days=4))) == (
        "พ้นกำหนดแล้ว 4 วัน"
    )
