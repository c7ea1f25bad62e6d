"""The report's history as its page lists it (reports.selectors.report_history, one
statement of raw SQL since issue #19): every kind of event, who, newest first."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from reports.models import Report, ReportLine, ReportUpload
from reports.selectors import report_history
from reports.services import (
    report_flag_notes_save,
    report_get_or_start,
    report_line_save,
    report_return,
    report_submit,
)
from tests.reports.test_views import R

pytestmark = pytest.mark.django_db

TODAY = dt.date(2021, 9, 1)


def test_it_lists_every_kind_of_event_with_who_newest_first(
    officer, colleague, province_staff, products
):
    from products.selectors import round_get

    officer.first_name, officer.last_name = "สมศรี", "ใจดี"
    officer.save()
    report = report_get_or_start(round=round_get(R), district=officer.district, by=officer)
    line = ReportLine.objects.get(product=products[0])
    values = {"month_1": Decimal("500"), "facebook": True}
    report_line_save(line=line, values=values, version=line.version, by=officer, today=TODAY)
    ReportUpload.objects.create(
        report=report,
        original_name="report_5607.xlsx",
        outcome="committed",
        uploaded_by=colleague,
        uploaded_at=timezone.now(),
        file="uploads/reports/x.xlsx",
    )
    ReportUpload.objects.create(  # a file refused is not an event of the report
        report=report,
        original_name="wrong.xlsx",
        outcome="refused",
        uploaded_by=colleague,
        uploaded_at=timezone.now(),
        file="uploads/reports/y.xlsx",
    )
    report_flag_notes_save(report=report, notes={line.pk: "ขายงานกาชาด"}, by=officer, today=TODAY)
    report_submit(report=Report.objects.get(), by=officer, today=TODAY)
    report_return(report=Report.objects.get(), by=province_staff, reason="ยอดเดือนเมษายนไม่ตรง")

    items = report_history(report=report)
    assert [(i.what, i.who) for i in items] == [
        ("ส่งคืนให้แก้ไข: ยอดเดือนเมษายนไม่ตรง", province_staff.username),
        ("ส่งแบบรายงานผล", "สมศรี ใจดี"),
        ("หมายเหตุของยอดที่ควรตรวจสอบ ผ้าพันคอฝ้าย: ขายงานกาชาด", "สมศรี ใจดี"),
        ("นำเข้าจากไฟล์ report_5607.xlsx", colleague.username),
        ("บันทึก ผ้าพันคอฝ้าย", "สมศรี ใจดี"),
        ("เริ่มทำแบบรายงานผล", "สมศรี ใจดี"),
    ]
    assert all(timezone.is_aware(i.when) for i in items)
    assert [i.when for i in items] == sorted((i.when for i in items), reverse=True)
    assert len(report_history(report=report, limit=2)) == 2
