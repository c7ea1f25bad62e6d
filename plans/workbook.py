"""The province's plan as a workbook: each district's gap to its target against its
ready, unsold products, in the department's look (otop_portal.xlsx.FormWriter).

The rows come from plans.selectors.province_plan, the same rows the page shows, so the
file never disagrees with the page, the dashboard or `kpi --format json`.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from otop_portal.xlsx import FormWriter
from plans.selectors import ProvincePlan, ProvincePlanRow, StepCounts

FORMATS = [
    "center",
    "center",
    "text",
    "whole",
    "whole",
    "whole",
    "whole",
    "whole",
    "whole",
    "whole",
    "whole",
    "whole",
    "whole",
    "text",
]
WIDTHS = [6, 8, 20, 12, 11, 12, 11, 12, 14, 16, 11, 13, 13, 36]


def headers() -> list[str]:
    return [
        _("ที่"),
        _("รหัส"),
        _("อำเภอ"),
        _("ผลิตภัณฑ์ในฐาน"),
        _("เป้าหมาย"),
        _("ขายออนไลน์แล้ว"),
        _("ยังขาดอีก"),
        _("ยังไม่ขายออนไลน์"),
        _("พร้อมแต่ยังไม่ขาย (ตามแบบสำรวจ)"),
        _("ยังขาดแม้ขายผลิตภัณฑ์พร้อมได้ทั้งหมด"),
        _("ติดต่อแล้ว"),
        _("ช่วยลงขายแล้ว"),
        _("วางขายออนไลน์แล้ว"),
        _("ประเมิน"),
    ]


def _values(
    number,
    code: str,
    name: str,
    *,
    products: int,
    target: int,
    sold: int,
    missing: int,
    unsold: int,
    ready_unsold: int,
    shortfall: int,
    followups: StepCounts,
    outlook: str,
) -> list:
    return [
        number,
        code,
        name,
        products,
        target,
        sold,
        missing,
        unsold,
        ready_unsold,
        shortfall,
        followups.contacted,
        followups.helped,
        followups.listed,
        outlook,
    ]


def _row_values(number: int, row: ProvincePlanRow) -> list:
    return _values(
        number,
        row.code,
        row.name,
        products=row.kpi.products,
        target=row.kpi.target,
        sold=row.kpi.sold_online,
        missing=row.missing,
        unsold=row.unsold,
        ready_unsold=row.ready_unsold,
        shortfall=row.shortfall,
        followups=row.followups,
        outlook=row.outlook_label,
    )


def province_plan_rows(plan: ProvincePlan) -> Iterator[tuple[list, bool]]:
    """(values, is_total) for each district in DOPA order, then the province's total."""
    for number, row in enumerate(plan.rows, start=1):
        yield _row_values(number, row), False
    flagged = len(plan.flagged)
    outlook = (
        ngettext(
            "%(n)s อำเภอต้องการความช่วยเหลือจากจังหวัด",
            "%(n)s อำเภอต้องการความช่วยเหลือจากจังหวัด",
            flagged,
        )
        % {"n": flagged}
        if flagged
        else ""
    )
    yield (
        _values(
            _("รวม"),
            "",
            "",
            products=plan.total.products,
            target=plan.total.target,
            sold=plan.total.sold_online,
            missing=plan.missing,
            unsold=plan.unsold,
            ready_unsold=plan.ready_unsold,
            shortfall=plan.shortfall,
            followups=plan.followups,
            outlook=outlook,
        ),
        True,
    )


def write_province_plan(output, *, plan: ProvincePlan) -> None:
    round = plan.round
    columns = len(FORMATS)
    w = FormWriter(output, sheet_name=_("แผนส่งเสริม"))
    w.widths(WIDTHS)
    titles = [
        _("แผนส่งเสริมผลิตภัณฑ์ OTOP ให้ถึงเป้าหมายตัวชี้วัดตลาดออนไลน์ (รอบการประเมินที่ %(number)s)")
        % {"number": round.number},
        _("ประจำปีงบประมาณ พ.ศ.%(year)s (%(period)s)")
        % {"year": round.fiscal_year_id, "period": round.period_label},
        _("จังหวัด %(name)s") % {"name": plan.province.name_th},
    ]
    for r, title in enumerate(titles):
        w.merge(r, 0, r, columns - 1, title, "title")
    header_row = len(titles)
    w.row(header_row, headers(), "header")
    w.print_titles(header_row, header_row)
    r = header_row + 1
    for values, is_total in province_plan_rows(plan):
        if is_total:
            w.merge(r, 0, r, 2, values[0], "total_label")
            w.put(r, 1, None, "total_label")
            w.put(r, 2, None, "total_label")
            for col in range(3, columns - 1):
                w.put(r, col, values[col], "total_whole")
            w.put(r, columns - 1, values[-1], "text")
        else:
            w.row(r, values, FORMATS)
        r += 1
    r += 1
    notes = [
        _(
            "หมายเหตุ : ขายออนไลน์แล้ว นับจากแบบรายงานผล (สิ่งที่ส่งมาด้วย ๓) เท่านั้น "
            "คือผลิตภัณฑ์ในฐานที่ยอดจำหน่ายรวมในรอบมากกว่า 0 การติดตามของอำเภอไม่นับเป็นยอดขาย"
        ),
        _(
            "ยังขาดอีก = เป้าหมาย − ขายออนไลน์แล้ว (ไม่น้อยกว่า 0) · "
            "พร้อมแต่ยังไม่ขาย = แบบสำรวจ (สิ่งที่ส่งมาด้วย ๒) ระบุว่าผลิตภัณฑ์พร้อมเข้าสู่ตลาดออนไลน์ "
            "และยังไม่มียอดขายในรอบ"
        ),
    ]
    for note in notes:
        w.put(r, 0, note, "note")
        r += 1
    w.close()
