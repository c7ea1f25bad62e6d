"""English says "1 product" and "2 products"; Thai, which has no plural, reads the same
either way. Each message that carries a count is worded with 1 and with 2 (1,234 where the
code shows the count with thousands separators) exactly as the code words it: a module's
message formatted as the code formats it, a message built inside a function through that
function, and a template's message through its tag as the template writes it."""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.management import call_command
from django.template import Context, Template
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext

from dashboards.management.commands.send_reminders import MSG_SEND_FAILED, MSG_SENT
from jobs.management.commands.jobs_prune_files import Command as PruneJobFiles
from jobs.management.commands.prune_uploads import Command as PruneUploads
from jobs.models import Job, JobKind, JobStatus
from jobs.selectors import MSG_AHEAD, job_status
from jobs.services import MSG_NEVER_QUEUED, MSG_STALE
from plans.selectors import StepCounts
from plans.workbook import province_plan_rows
from products.admin import MSG_REGISTRY_IMPORTED
from products.demo.phayao import MSG_DEMO_REGISTRY
from products.demo.scale import MSG_TOO_FEW_ROWS
from products.management.commands.import_registry import MSG_IMPORTED as MSG_REGISTRY_READ
from products.management.commands.setup_round import MSG_PREVIEW_DISTRICT, MSG_TARGETS_COPIED
from products.services.targets import MSG_BASE_DIFFERS
from reports import services as report_services
from reports import workbook as report_workbook
from reports.management.commands.plausibility import MSG_FOUND
from reports.plausibility import Flag
from reports.views import MSG_FILE_IMPORTED
from surveys import services as survey_services
from surveys import workbook as survey_workbook
from surveys.models import MSG_UNANSWERED
from surveys.views import imported_message

TEMPLATES = Path(settings.BASE_DIR) / "templates"
TAG = re.compile(
    r"\{% blocktranslate (?P<options>.*?) %\}(?P<text>.*?)"
    r"(?:\{% plural %\}(?P<plural>.*?))?\{% endblocktranslate %\}",
    re.S,
)


@dataclass
class Case:
    """One message: `say(n)` words it as the code does; {n} in `thai` is the count as shown
    (`thai` can also be a function of the count)."""

    say: object
    one: str
    two: str
    thai: object
    #: The second count: 1234 where the code shows thousands separators, else 2.
    many: int = 2

    def shown(self, n: int) -> str:
        return f"{n:,}" if self.many == 1234 else str(n)


def check(case: Case) -> None:
    with translation.override("en"):
        assert str(case.say(1)) == case.one
        assert str(case.say(case.many)) == case.two
    with translation.override("th"):
        for n in (1, case.many):
            thai = case.thai(n) if callable(case.thai) else case.thai
            assert str(case.say(n)) == thai.format(n=case.shown(n))


# ---------------------------------------------------------------------------
# Messages of the Python code
# ---------------------------------------------------------------------------


def rows(n: int) -> str:
    """The rows a message lists: "5", "5, 6"."""
    return ", ".join(str(row) for row in range(5, 5 + n))


PYTHON = {
    "send_reminders: failed": Case(
        lambda n: MSG_SEND_FAILED % {"n": n},
        "1 email could not be sent; you can try again later",
        "2 emails could not be sent; you can try again later",
        "ส่งอีเมลไม่สำเร็จ {n} ฉบับ ลองอีกครั้งภายหลังได้",
    ),
    "send_reminders: sent": Case(
        lambda n: MSG_SENT % {"verb": gettext("ส่งแล้ว"), "n": n, "already": 3},
        "Sent 1 email · 3 already reminded today",
        "Sent 2 emails · 3 already reminded today",
        "ส่งแล้ว {n} ฉบับ · เตือนไปแล้ววันนี้ 3 รายการ",
    ),
    "send_reminders: dry run": Case(
        lambda n: MSG_SENT % {"verb": gettext("จะส่ง"), "n": n, "already": 0},
        "Would send 1 email · 0 already reminded today",
        "Would send 2 emails · 0 already reminded today",
        "จะส่ง {n} ฉบับ · เตือนไปแล้ววันนี้ 0 รายการ",
    ),
    "jobs_prune_files: dry run": Case(
        lambda n: PruneJobFiles.msg_dry_run % {"count": n, "mb": "1.5"},
        "The files of 1 job, 1.5 MB in all, not deleted yet (--dry-run)",
        "The files of 2 jobs, 1.5 MB in all, not deleted yet (--dry-run)",
        "ยังไม่ได้ลบไฟล์ของ {n} งาน รวม 1.5 MB (--dry-run)",
    ),
    "jobs_prune_files: done": Case(
        lambda n: PruneJobFiles.msg_done % {"count": n, "mb": "1.5"},
        "Deleted the files of 1 job, 1.5 MB in all",
        "Deleted the files of 2 jobs, 1.5 MB in all",
        "ลบไฟล์ของ {n} งานแล้ว รวม 1.5 MB",
    ),
    "prune_uploads: dry run": Case(
        lambda n: PruneUploads.msg_dry_run % {"count": n, "mb": "0.2"},
        "Not deleted yet: 1 uploaded file, 0.2 MB in all (--dry-run)",
        "Not deleted yet: 2 uploaded files, 0.2 MB in all (--dry-run)",
        "ยังไม่ได้ลบไฟล์อัปโหลด {n} ไฟล์ รวม 0.2 MB (--dry-run)",
    ),
    "prune_uploads: done": Case(
        lambda n: PruneUploads.msg_done % {"count": n, "mb": "0.2"},
        "Deleted 1 uploaded file, 0.2 MB in all",
        "Deleted 2 uploaded files, 0.2 MB in all",
        "ลบไฟล์อัปโหลด {n} ไฟล์แล้ว รวม 0.2 MB",
    ),
    "report import: absent": Case(
        lambda n: report_services.MSG_ABSENT_BECOMES_ZERO % {"count": n},
        "1 product in the base is not in the file and counts as having no sales this round "
        "(its monthly sales, channels, link and remarks will be blank; its last year's sales "
        "stay as they are)",
        "2 products in the base are not in the file and count as having no sales this round "
        "(monthly sales, channels, links and remarks will be blank; last year's sales stay "
        "as they are)",
        "ผลิตภัณฑ์ {n} รายการในฐานไม่มีในไฟล์ ถือว่าไม่มียอดจำหน่ายในรอบนี้ "
        "(ยอดรายเดือน ช่องทาง ลิงก์ และหมายเหตุจะว่าง ส่วนยอดปีก่อนคงเดิม)",
    ),
    "report import: absent had sales": Case(
        lambda n: report_services.MSG_ABSENT_HAD_SALES % {"count": n, "names": "ผ้าทอ"},
        "Of these, 1 product had sales in the portal and will become zero: ผ้าทอ",
        "Of these, 2 products had sales in the portal and will become zero: ผ้าทอ",
        "ในจำนวนนี้ {n} รายการเคยมียอดจำหน่ายในระบบ และจะกลายเป็นศูนย์: ผ้าทอ",
    ),
    "report workbook: unusual mark": Case(
        lambda n: report_workbook.MSG_UNUSUAL_MARK % {"mark": "x", "count": n},
        "Read “x” as choosing a channel in 1 cell (the form asks for ๑)",
        "Read “x” as choosing a channel in 2 cells (the form asks for ๑)",
        "อ่าน “x” เป็นการเลือกช่องทาง {n} ช่อง (แบบฟอร์มให้ใส่ ๑)",
    ),
    "report workbook: other mark": Case(
        lambda n: report_workbook.MSG_OTHER_MARK % {"count": n},
        "The “อื่น ๆ (ระบุ)” (other, specify) column has only a mark and no channel name; "
        "saved as “other” in 1 row",
        "The “อื่น ๆ (ระบุ)” (other, specify) column has only a mark and no channel name; "
        "saved as “other” in 2 rows",
        "ช่อง “อื่น ๆ (ระบุ)” มีเพียงเครื่องหมาย ไม่มีชื่อช่องทาง บันทึกเป็น “อื่น ๆ” {n} แถว",
    ),
    "report workbook: carried": Case(
        lambda n: report_workbook.MSG_CARRIED % {"count": n},
        "A blank (or merged) entrepreneur code took the value from the row above in 1 row",
        "Blank (or merged) entrepreneur codes took the value from the row above in 2 rows",
        "รหัสผู้ประกอบการที่เว้นว่าง (หรือผสานเซลล์) ใช้ค่าจากแถวบน {n} แถว",
    ),
    "survey: unanswered": Case(
        lambda n: MSG_UNANSWERED % {"count": n},
        "Cannot send yet: 1 product has no answer. Every product in the base must be "
        "answered before sending",
        "Cannot send yet: 2 products have no answer. Every product in the base must be "
        "answered before sending",
        "ยังส่งไม่ได้: ยังไม่มีคำตอบของผลิตภัณฑ์ {n} รายการ ต้องตอบให้ครบทุกผลิตภัณฑ์ในฐานก่อนส่ง",
    ),
    "survey import: skipped": Case(
        lambda n: (
            survey_services.MSG_SKIPPED % {"count": n, "start": 2557, "end": 2563, "rows": rows(n)}
        ),
        "Skipped 1 row of a registered product that is not in this round's base (cancelled, "
        "or registered outside the years 2557 - 2563): row 5",
        "Skipped 2 rows of registered products that are not in this round's base (cancelled, "
        "or registered outside the years 2557 - 2563): rows 5, 6",
        lambda n: (
            "ข้าม {n} แถวที่เป็นผลิตภัณฑ์ในทะเบียนแต่ไม่อยู่ในฐานของรอบนี้ "
            f"(ยกเลิกแล้ว หรือลงทะเบียนนอกช่วงปี 2557 - 2563): แถว {rows(n)}"
        ),
    ),
    "survey import: not in file": Case(
        lambda n: survey_services.MSG_NOT_IN_FILE % {"count": n},
        "1 product in the base is not in the file; its earlier answer is unchanged",
        "2 products in the base are not in the file; their earlier answers are unchanged",
        "ผลิตภัณฑ์ในฐาน {n} รายการไม่อยู่ในไฟล์ คำตอบเดิมของรายการเหล่านี้ไม่เปลี่ยนแปลง",
    ),
    "survey import: amounts summed": Case(
        lambda n: survey_services.MSG_AMOUNTS_SUMMED % {"count": n, "items": "A-1 (แถว 5, 6)"},
        "1 entrepreneur has sales on several rows; the portal adds up all rows as the "
        "entrepreneur's sales: A-1 (แถว 5, 6)",
        "2 entrepreneurs have sales on several rows; the portal adds up all rows as the "
        "entrepreneur's sales: A-1 (แถว 5, 6)",
        "ผู้ประกอบการ {n} รายมียอดจำหน่ายหลายแถว ระบบรวมยอดของทุกแถวเป็นยอดของผู้ประกอบการ: A-1 (แถว 5, 6)",
    ),
    "survey workbook: unusual mark": Case(
        lambda n: survey_workbook.MSG_UNUSUAL_MARK % {"mark": "/", "count": n, "cells": "D5"},
        "Read “/” as ‘yes’ in 1 cell (D5); the form asks for 1",
        "Read “/” as ‘yes’ in 2 cells (D5); the form asks for 1",
        "อ่าน “/” เป็น ‘ใช่’ {n} ช่อง (D5) ตามแบบฟอร์มให้ใส่ 1",
    ),
    "setup_round: targets copied": Case(
        lambda n: MSG_TARGETS_COPIED % {"count": n},
        "Copied the official target of 1 district",
        "Copied the official targets of 2 districts",
        "คัดลอกเป้าหมายทางการ {n} อำเภอ",
    ),
    "plausibility: found": Case(
        lambda n: MSG_FOUND % {"count": n},
        "1 figure to check",
        "2 figures to check",
        "พบ {n} รายการที่ควรตรวจสอบ",
    ),
    "jobs: stale": Case(
        lambda n: MSG_STALE % {"minutes": n},
        "The job stopped midway because its worker stopped (no heartbeat for more than "
        "1 minute). An unfinished job saves nothing, so the data in the portal is unchanged. "
        "Please start the job again",
        "The job stopped midway because its worker stopped (no heartbeat for more than "
        "2 minutes). An unfinished job saves nothing, so the data in the portal is unchanged. "
        "Please start the job again",
        "งานหยุดกลางคันเพราะเครื่องที่ทำงานหยุดทำงาน (ไม่มีสัญญาณนานเกิน {n} นาที) "
        "งานที่ไม่เสร็จจะไม่บันทึกอะไรเลย ข้อมูลในระบบจึงเหมือนเดิม กรุณาสั่งงานใหม่อีกครั้ง",
    ),
    "jobs: never queued": Case(
        lambda n: MSG_NEVER_QUEUED % {"minutes": n},
        "This job never started (it was not picked up within 1 minute). The data in the "
        "portal is unchanged. Please start the job again",
        "This job never started (it was not picked up within 2 minutes). The data in the "
        "portal is unchanged. Please start the job again",
        "งานนี้ไม่ได้เริ่มทำ (ไม่ได้เข้าคิวภายใน {n} นาที) ข้อมูลในระบบไม่เปลี่ยนแปลง กรุณาสั่งงานใหม่อีกครั้ง",
    ),
    "job status: counts": Case(
        lambda n: job_status(Job(status=JobStatus.RUNNING, done=1, total=n))["counts_text"],
        "Done 1 of 1 row (100 %)",
        "Done 1 of 1,234 rows (0 %)",
        lambda n: f"ทำแล้ว 1 จาก {{n}} แถว ({100 // n} %)",
        1234,
    ),
    "job status: ahead": Case(
        lambda n: MSG_AHEAD % {"ahead": f"{n:,}", "n": n},
        "1 job ahead in the queue",
        "1,234 jobs ahead in the queue",
        "มีงานรอคิวก่อนหน้า {n} งาน",
        1234,
    ),
    "registry admin: imported": Case(
        lambda n: MSG_REGISTRY_IMPORTED % {"snapshot": "ทะเบียน #3", "rows": n},
        "Registry imported: ทะเบียน #3 (1 row)",
        "Registry imported: ทะเบียน #3 (2 rows)",
        "นำเข้าทะเบียนแล้ว: ทะเบียน #3 ({n} แถว)",
    ),
    "import_registry: read": Case(
        lambda n: MSG_REGISTRY_READ % {"name": "r.xlsx", "date": "2021-04-01", "rows": n},
        "r.xlsx: registry as of 2021-04-01, 1 row",
        "r.xlsx: registry as of 2021-04-01, 2 rows",
        "r.xlsx: ทะเบียน ณ วันที่ 2021-04-01, {n} แถว",
    ),
    "demo: registry imported": Case(
        lambda n: MSG_DEMO_REGISTRY % {"rows": 700, "new": n, "updated": 0},
        "Imported demo registry of 700 rows (1 new product, 0 changed)",
        "Imported demo registry of 700 rows (2 new products, 0 changed)",
        "นำเข้าทะเบียนสาธิต 700 แถว (ผลิตภัณฑ์ใหม่ {n} เปลี่ยน 0)",
    ),
    "generate_registry: too few rows": Case(
        lambda n: MSG_TOO_FEW_ROWS % {"rows": 1, "districts": n, "least": 2 * n},
        "Too few rows (1) for 1 district: at least 2 rows are needed (2 per district)",
        "Too few rows (1) for 2 districts: at least 4 rows are needed (2 per district)",
        lambda n: f"1 แถวน้อยเกินไปสำหรับ {{n}} อำเภอ ต้องมีอย่างน้อย {2 * n} แถว (อำเภอละ 2 แถว)",
    ),
    "targets import: base differs": Case(
        lambda n: MSG_BASE_DIFFERS % {"name": "ปง", "file": n, "base": 131},
        "ปง district: the file gives 1 product but the portal's base has 131 (the computed "
        "target uses the portal's base)",
        "ปง district: the file gives 2 products but the portal's base has 131 (the computed "
        "target uses the portal's base)",
        "อำเภอปง: ไฟล์ระบุจำนวนผลิตภัณฑ์ {n} แต่ฐานข้อมูลในระบบมี 131 (เป้าหมายที่คำนวณใช้ฐานในระบบ)",
    ),
    "setup_round: repin preview": Case(
        lambda n: (
            MSG_PREVIEW_DISTRICT
            % {
                "code": "5602",
                "name": "จุน",
                "before": "3",
                "after": f"{n:,}",
                "t_before": "1",
                "t_after": "1",
                "leaving": "2",
                "joining": "0",
                "n": n,
            }
        ),
        "  5602 จุน: base 3 -> 1 product, computed target 1 -> 1, leaving 2, joining 0",
        "  5602 จุน: base 3 -> 1,234 products, computed target 1 -> 1, leaving 2, joining 0",
        "  5602 จุน: ฐาน 3 -> {n} ผลิตภัณฑ์, เป้าหมายคำนวณ 1 -> 1, ออก 2, เข้า 0",
        1234,
    ),
    "report upload: imported": Case(
        lambda n: MSG_FILE_IMPORTED % {"name": "r.xlsx", "rows": n, "sold": 1},
        "Imported file r.xlsx: 1 item; products selling online: 1",
        "Imported file r.xlsx: 2 items; products selling online: 1",
        "นำเข้าไฟล์ r.xlsx แล้ว: {n} รายการ ขายออนไลน์ได้ 1 ผลิตภัณฑ์",
    ),
    "survey upload: imported": Case(
        lambda n: imported_message(survey_services.Counts(new=1, changed=n - 1)),
        "Imported: 1 new, 0 changed and 0 unchanged entrepreneur",
        "Imported: 1 new, 1 changed and 0 unchanged entrepreneurs",
        lambda n: f"นำเข้าแล้ว: ผู้ประกอบการใหม่ 1 เปลี่ยน {n - 1} ไม่เปลี่ยน 0 ราย",
    ),
}


@pytest.mark.parametrize("case", PYTHON.values(), ids=PYTHON.keys())
def test_it_says_one_thing_or_two_in_the_code(case):
    check(case)


def flag(template: str, params: dict) -> Flag:
    return Flag(
        district="5607",
        product="P-1",
        product_name="ผ้าทอ",
        entrepreneur="E-1",
        line=5,
        rule=template,
        template=template,
        params=params,
    )


def test_a_plausibility_flag_names_one_other_entrepreneur_or_two():
    check(
        Case(
            lambda n: flag("copied", {"months": "4,500", "count": n, "others": "E-2"}).message,
            "Every month (4,500 baht) is the same as on products of 1 other entrepreneur "
            "(E-2): a row may have been copied by mistake",
            "Every month (4,500 baht) is the same as on products of 2 other entrepreneurs "
            "(E-2): a row may have been copied by mistake",
            "ยอดรายเดือน (4,500 บาท) ตรงกันทุกเดือนกับผลิตภัณฑ์ของผู้ประกอบการอื่น {n} ราย (E-2) อาจคัดลอกแถวผิด",
        )
    )
    check(
        Case(
            lambda n: (
                flag("shared_link", {"url": "https://x.th/a", "count": n, "others": "E-2"}).message
            ),
            "The link “https://x.th/a” is also on products of 1 other entrepreneur (E-2)",
            "The link “https://x.th/a” is also on products of 2 other entrepreneurs (E-2)",
            "ลิงก์ “https://x.th/a” ใช้ร่วมกับผลิตภัณฑ์ของผู้ประกอบการอื่น {n} ราย (E-2)",
        )
    )


def province_plan(flagged: int):
    zero = SimpleNamespace(products=0, target=0, sold_online=0)
    return SimpleNamespace(
        rows=[],
        flagged=[object()] * flagged,
        total=zero,
        missing=0,
        unsold=0,
        ready_unsold=0,
        shortfall=0,
        followups=SimpleNamespace(contacted=0, helped=0, listed=0),
    )


def test_the_plan_workbook_counts_one_district_or_two():
    def outlook(n):
        values, is_total = list(province_plan_rows(province_plan(n)))[-1]
        assert is_total
        return values[-1]

    check(
        Case(
            outlook,
            "1 district needs help from the province",
            "2 districts need help from the province",
            "{n} อำเภอต้องการความช่วยเหลือจากจังหวัด",
        )
    )


def stale_jobs(user, n: int) -> None:
    beat = timezone.now() - dt.timedelta(minutes=60)
    for _ in range(n):
        Job.objects.create(
            user=user,
            kind=JobKind.REGISTRY_IMPORT,
            status=JobStatus.RUNNING,
            started_at=beat,
            heartbeat_at=beat,
        )


def reap(language: str, *args: str) -> str:
    out = io.StringIO()
    with translation.override(language):
        call_command("jobs_reap_stale", *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("n", "dry_run", "done"),
    [
        (1, "1 job not changed yet (--dry-run)", "Marked 1 job as failed"),
        (2, "2 jobs not changed yet (--dry-run)", "Marked 2 jobs as failed"),
    ],
)
def test_the_reaper_counts_one_job_or_two(officer, n, dry_run, done):
    stale_jobs(officer, n)
    assert dry_run in reap("en", "--dry-run")
    assert f"ยังไม่ได้เปลี่ยนสถานะ {n} งาน (--dry-run)" in reap("th", "--dry-run")
    assert done in reap("en")
    stale_jobs(officer, n)
    assert f"ทำเครื่องหมายว่าไม่สำเร็จ {n} งาน" in reap("th")


# ---------------------------------------------------------------------------
# Messages of the templates
# ---------------------------------------------------------------------------


def tags(path: str, text: str) -> list[str]:
    """Each blocktranslate tag of the template whose text is `text`, as the template has it."""
    source = (TEMPLATES / path).read_text(encoding="utf-8")
    found = [m.group(0) for m in TAG.finditer(source) if m.group("text") == text]
    assert found, f"{path} has no {{% blocktranslate %}}{text}"
    return found


def tag_case(path: str, text: str, context, one: str, two: str, thai: str, many: int = 2):
    """A Case for each tag of `path` with `text`: context(n) is what the page passes."""
    return [
        Case(
            lambda n, tag=tag: Template("{% load i18n portal %}" + tag).render(Context(context(n))),
            one,
            two,
            thai,
            many,
        )
        for tag in tags(path, text)
    ]


def ns(**values):
    return SimpleNamespace(**values)


TEMPLATE_CASES = {
    "dashboards/country.html": tag_case(
        "dashboards/country.html",
        "ผลิตภัณฑ์ {{ n }} รายการ",
        lambda n: {"total": ns(products=n)},
        "1 product",
        "1,234 products",
        "ผลิตภัณฑ์ {n} รายการ",
        1234,
    ),
    "dashboards/province.html": tag_case(
        "dashboards/province.html",
        "ผลิตภัณฑ์ {{ n }} รายการ",
        lambda n: {"total": ns(products=n)},
        "1 product",
        "1,234 products",
        "ผลิตภัณฑ์ {n} รายการ",
        1234,
    ),
    "dashboards/district.html": tag_case(
        "dashboards/district.html",
        "ผลิตภัณฑ์ {{ n }} รายการ",
        lambda n: {"kpi": ns(products=n)},
        "1 product",
        "1,234 products",
        "ผลิตภัณฑ์ {n} รายการ",
        1234,
    ),
    "jobs summary: not in file": tag_case(
        "jobs/summary/survey_import.html",
        "ผลิตภัณฑ์ในฐาน {{ count }} รายการไม่อยู่ในไฟล์ คำตอบเดิมไม่เปลี่ยน",
        lambda n: {"summary": {"not_in_file": n}},
        "1 product in the base is not in the file; its earlier answer is unchanged",
        "1,234 products in the base are not in the file; their earlier answers are unchanged",
        "ผลิตภัณฑ์ในฐาน {n} รายการไม่อยู่ในไฟล์ คำตอบเดิมไม่เปลี่ยน",
        1234,
    ),
    "jobs summary: skipped": tag_case(
        "jobs/summary/survey_import.html",
        "ข้าม {{ count }} แถวที่ไม่อยู่ในฐานของรอบนี้",
        lambda n: {"summary": {"skipped": n}},
        "Skipped 1 row that is not in this round's base",
        "Skipped 1,234 rows that are not in this round's base",
        "ข้าม {n} แถวที่ไม่อยู่ในฐานของรอบนี้",
        1234,
    ),
    "plans: base": tag_case(
        "plans/district.html",
        "จากผลิตภัณฑ์ในฐาน {{ n }} รายการ",
        lambda n: {"kpi": ns(products=n)},
        "Out of 1 product in the base",
        "Out of 1,234 products in the base",
        "จากผลิตภัณฑ์ในฐาน {n} รายการ",
        1234,
    ),
    "plans: missing": tag_case(
        "plans/district.html",
        "ยังขาดอีก {{ n }} ผลิตภัณฑ์",
        lambda n: {"plan": ns(missing=n)},
        "1 more product needed",
        "1,234 more products needed",
        "ยังขาดอีก {n} ผลิตภัณฑ์",
        1234,
    ),
    "plans: ready": tag_case(
        "plans/district.html",
        "แบบสำรวจระบุว่าพร้อม {{ n }} รายการ",
        lambda n: {"plan": ns(ready_unsold=n)},
        "The survey marks 1 product ready",
        "The survey marks 1,234 products ready",
        "แบบสำรวจระบุว่าพร้อม {n} รายการ",
        1234,
    ),
    "plans: cannot rank": tag_case(
        "plans/district.html",
        "ลำดับของรายการนี้มาจากคำตอบในแบบสำรวจความพร้อมเท่านั้น "
        "เมื่อยังไม่มีคำตอบจึงยังจัดลำดับผลิตภัณฑ์ที่ยังไม่ขายออนไลน์ {{ n }} รายการไม่ได้",
        lambda n: {"plan": ns(unsold=n)},
        "The order of this list comes only from the readiness survey's answers. Without "
        "answers, the 1 product not yet selling online cannot be ranked",
        "The order of this list comes only from the readiness survey's answers. Without "
        "answers, the 2 products not yet selling online cannot be ranked",
        "ลำดับของรายการนี้มาจากคำตอบในแบบสำรวจความพร้อมเท่านั้น "
        "เมื่อยังไม่มีคำตอบจึงยังจัดลำดับผลิตภัณฑ์ที่ยังไม่ขายออนไลน์ {n} รายการไม่ได้",
    ),
    "plans: closing set": tag_case(
        "plans/district.html",
        "ผลิตภัณฑ์ {{ n }} อันดับแรกที่มีเครื่องหมาย ★ คือชุดที่เล็กที่สุดที่ถ้าขายออนไลน์ได้ทั้งหมดจะถึงเป้าหมาย",
        lambda n: {"plan": ns(closing=[object()] * n)},
        "The first product, marked ★, would reach the target on its own if it sold online",
        "The first 2 products, marked ★, are the smallest set that would reach the target if "
        "all of them sold online",
        "ผลิตภัณฑ์ {n} อันดับแรกที่มีเครื่องหมาย ★ คือชุดที่เล็กที่สุดที่ถ้าขายออนไลน์ได้ทั้งหมดจะถึงเป้าหมาย",
    ),
    "plans: closing not ready": tag_case(
        "plans/district.html",
        "ในชุดนี้มี {{ n }} รายการที่แบบสำรวจยังไม่ระบุว่าผลิตภัณฑ์พร้อม จึงอาจต้องช่วยมากกว่ารายการอื่น",
        lambda n: {"plan": ns(closing_not_ready=n)},
        "1 product in this set is not marked ready in the survey, so it may need more help "
        "than the others",
        "2 products in this set are not marked ready in the survey, so they may need more "
        "help than the others",
        "ในชุดนี้มี {n} รายการที่แบบสำรวจยังไม่ระบุว่าผลิตภัณฑ์พร้อม จึงอาจต้องช่วยมากกว่ารายการอื่น",
    ),
    "plans: shortfall": tag_case(
        "plans/district.html",
        "แม้ผลิตภัณฑ์ที่ยังไม่ขายทุกรายการจะขายออนไลน์ได้ ก็ยังขาดอีก {{ n }} ผลิตภัณฑ์",
        lambda n: {"plan": ns(shortfall=n)},
        "Even if every product not yet selling sold online, 1 more product would still be needed",
        "Even if every product not yet selling sold online, 2 more products would still be needed",
        "แม้ผลิตภัณฑ์ที่ยังไม่ขายทุกรายการจะขายออนไลน์ได้ ก็ยังขาดอีก {n} ผลิตภัณฑ์",
    ),
    "plans: unanswered": tag_case(
        "plans/district.html",
        "มี {{ n }} รายการที่แบบสำรวจยังไม่มีคำตอบ จึงยังไม่ได้คะแนน",
        lambda n: {"plan": ns(unanswered=n)},
        "1 product has no survey answer yet, so it scores no points",
        "2 products have no survey answers yet, so they score no points",
        "มี {n} รายการที่แบบสำรวจยังไม่มีคำตอบ จึงยังไม่ได้คะแนน",
    ),
    "plans: found of total": tag_case(
        "plans/district.html",
        "พบ {{ n }} จาก {{ total }} รายการ อันดับและเครื่องหมาย ★ เป็นของทั้งอำเภอ",
        lambda n: {"page": ns(paginator=ns(count=1)), "plan": ns(unsold=n)},
        "Found 1 of 1 product. Ranks and ★ marks are for the whole district",
        "Found 1 of 2 products. Ranks and ★ marks are for the whole district",
        "พบ 1 จาก {n} รายการ อันดับและเครื่องหมาย ★ เป็นของทั้งอำเภอ",
    ),
    "dashboards: showing of all": tag_case(
        "dashboards/province.html",
        "แสดง {{ n }} จาก {{ all }} อำเภอ",
        lambda n: {"d": ns(rows=[object()], all_rows=[object()] * n)},
        "Showing 1 of 1 district",
        "Showing 1 of 2 districts",
        "แสดง 1 จาก {n} อำเภอ",
    ),
    "plans/province.html": tag_case(
        "plans/province.html",
        "ต้องการความช่วยเหลือ {{ n }} อำเภอ",
        lambda n: {"plan": ns(flagged=[object()] * n)},
        "1 district needs help",
        "2 districts need help",
        "ต้องการความช่วยเหลือ {n} อำเภอ",
    ),
    "reports/_kpi_stats.html": tag_case(
        "reports/_kpi_stats.html",
        "ผู้ประกอบการ {{ n }} ราย",
        lambda n: {"kpi": ns(entrepreneurs=n)},
        "1 entrepreneur",
        "1,234 entrepreneurs",
        "ผู้ประกอบการ {n} ราย",
        1234,
    ),
    "explain: selling online": tag_case(
        "reports/explain.html",
        "ขายออนไลน์ได้ {{ n }} ผลิตภัณฑ์",
        lambda n: {"kpi": ns(sold_online=n)},
        "1 product selling online",
        "2 products selling online",
        "ขายออนไลน์ได้ {n} ผลิตภัณฑ์",
    ),
    "explain: in the base (tab)": tag_case(
        "reports/explain.html",
        "ผลิตภัณฑ์ในฐาน {{ n }}",
        lambda n: {"kpi": ns(products=n)},
        "1 product in the base",
        "2 products in the base",
        "ผลิตภัณฑ์ในฐาน {n}",
    ),
    "explain: counted": tag_case(
        "reports/explain.html",
        "นับเป็นขายออนไลน์ได้ {{ n }} ผลิตภัณฑ์",
        lambda n: {"counted": n},
        "1 product counted as selling online",
        "2 products counted as selling online",
        "นับเป็นขายออนไลน์ได้ {n} ผลิตภัณฑ์",
    ),
    "explain: in the base (heading)": tag_case(
        "reports/explain.html",
        "ผลิตภัณฑ์ในฐาน {{ n }} รายการ",
        lambda n: {"products": [object()] * n},
        "1 product in the base",
        "2 products in the base",
        "ผลิตภัณฑ์ในฐาน {n} รายการ",
    ),
    "upload preview: read": tag_case(
        "reports/upload_preview.html",
        "อ่านได้ {{ n }} รายการ",
        lambda n: {"result": ns(rows=n)},
        "1 item read",
        "2 items read",
        "อ่านได้ {n} รายการ",
    ),
    "jobs summary: read (registry)": tag_case(
        "jobs/summary/registry_import.html",
        "อ่านได้ {{ rows }} แถว",
        lambda n: {"summary": {"rows": n}},
        "Read 1 row",
        "Read 1,234 rows",
        "อ่านได้ {n} แถว",
        1234,
    ),
    "jobs summary: read (survey)": tag_case(
        "jobs/summary/survey_import.html",
        "อ่านได้ {{ rows }} แถว",
        lambda n: {"summary": {"rows": n}},
        "Read 1 row",
        "Read 1,234 rows",
        "อ่านได้ {n} แถว",
        1234,
    ),
    "jobs summary: wrote": tag_case(
        "jobs/summary/export.html",
        "เขียน {{ rows }} แถว",
        lambda n: {"summary": {"rows": n}},
        "Wrote 1 row",
        "Wrote 1,234 rows",
        "เขียน {n} แถว",
        1234,
    ),
    "surveys/upload.html: read": tag_case(
        "surveys/upload.html",
        "อ่านได้ {{ rows }} แถว ยังไม่มีการเปลี่ยนแปลงข้อมูลในระบบจนกว่าจะกดยืนยัน",
        lambda n: {"preview": {"rows": n}},
        "Read 1 row. Nothing in the portal changes until you confirm",
        "Read 2 rows. Nothing in the portal changes until you confirm",
        "อ่านได้ {n} แถว ยังไม่มีการเปลี่ยนแปลงข้อมูลในระบบจนกว่าจะกดยืนยัน",
    ),
    "surveys/detail.html: entrepreneurs answered": tag_case(
        "surveys/detail.html",
        "{{ answered }} จาก {{ total }} รายตอบแล้ว",
        lambda n: {"readiness": ns(entrepreneurs_answered=1, entrepreneurs=n)},
        "1 of 1 entrepreneur answered",
        "1 of 2 entrepreneurs answered",
        "1 จาก {n} รายตอบแล้ว",
    ),
    "surveys/detail.html: products answered": tag_case(
        "surveys/detail.html",
        "ผลิตภัณฑ์ {{ answered }} จาก {{ total }} รายการ",
        lambda n: {"readiness": ns(products_answered=1, products=n)},
        "1 of 1 product",
        "1 of 2 products",
        "ผลิตภัณฑ์ 1 จาก {n} รายการ",
    ),
    "reports/detail.html: progress": tag_case(
        "reports/detail.html",
        "บันทึกแล้ว <strong data-progress-answered>{{ answered }}</strong> จาก "
        "<span data-progress-lines>{{ lines }}</span> รายการ · มียอดขาย {{ sold }} รายการ",
        lambda n: {"progress": ns(answered=1, lines=n, with_sales=1)},
        "Recorded <strong data-progress-answered>1</strong> of "
        "<span data-progress-lines>1</span> item · 1 with sales",
        "Recorded <strong data-progress-answered>1</strong> of "
        "<span data-progress-lines>2</span> items · 1 with sales",
        "บันทึกแล้ว <strong data-progress-answered>1</strong> จาก "
        "<span data-progress-lines>{n}</span> รายการ · มียอดขาย 1 รายการ",
    ),
    "dashboards/_review_figures.html": tag_case(
        "dashboards/_review_figures.html",
        "{{ answered }} / {{ base }} ผลิตภัณฑ์",
        lambda n: {"r": ns(products_answered=1, products=n)},
        "1 / 1 product",
        "1 / 1,234 products",
        "1 / {n} ผลิตภัณฑ์",
        1234,
    ),
    "plans/province.html: flagged district": tag_case(
        "plans/province.html",
        "ยังขาด {{ missing }} มีผลิตภัณฑ์พร้อม {{ ready }} ยังขาดอีก {{ short }} แม้ขายได้ทั้งหมด",
        lambda n: {"row": ns(missing=5, ready_unsold=n, shortfall=3)},
        "Short 5, 1 ready product, still 3 short even if all sell",
        "Short 5, 2 ready products, still 3 short even if all sell",
        "ยังขาด 5 มีผลิตภัณฑ์พร้อม {n} ยังขาดอีก 3 แม้ขายได้ทั้งหมด",
    ),
    "upload preview: will change": tag_case(
        "reports/upload_preview.html",
        "รายการที่จะเปลี่ยน {{ n }} รายการ",
        lambda n: {"result": ns(changed=n)},
        "1 item will change",
        "2 items will change",
        "รายการที่จะเปลี่ยน {n} รายการ",
    ),
}


@pytest.mark.parametrize(
    "case",
    [case for cases in TEMPLATE_CASES.values() for case in cases],
    ids=[
        name if len(cases) == 1 else f"{name} #{i}"
        for name, cases in TEMPLATE_CASES.items()
        for i, _case in enumerate(cases, start=1)
    ],
)
def test_it_says_one_thing_or_two_in_the_templates(case):
    check(case)


def test_the_follow_up_counts_say_product_or_products():
    counts = StepCounts(contacted=1, helped=0, listed=1234)
    with translation.override("en"):
        html = render_to_string("plans/_followup_counts.html", {"counts": counts})
    assert "<strong>1</strong> product</li>" in html
    assert "<strong>0</strong> products</li>" in html
    assert "<strong>1,234</strong> products</li>" in html
    with translation.override("th"):
        html = render_to_string("plans/_followup_counts.html", {"counts": counts})
    assert "<strong>1</strong> ผลิตภัณฑ์</li>" in html
