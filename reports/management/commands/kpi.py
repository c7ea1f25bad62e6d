"""python manage.py kpi --round 2564-2 [--province 56] [--format json|table]"""

from __future__ import annotations

import json
import unicodedata

from django.core.management.base import BaseCommand

from districts.commands import province_option
from otop_portal.workflow import Status
from products.commands import round_option
from reports.selectors import KpiRow, kpi_for_country, kpi_for_province


def _width(text: str) -> int:
    """Columns a terminal gives the text: Thai vowel and tone marks take none."""
    return sum(
        0 if unicodedata.combining(ch) or unicodedata.category(ch) == "Mn" else 1 for ch in text
    )


def _left(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def _right(text: str, width: int) -> str:
    return " " * max(0, width - _width(text)) + text


def _pct(value) -> str:
    return "–" if value is None else f"{value:,.2f}%"


def _yes(value) -> str:
    return "–" if value is None else ("ผ่าน" if value else "ไม่ผ่าน")


class Command(BaseCommand):
    help = (
        "Print the KPI of a round: per district of a province (--province), or per province "
        "for the whole country. The figures come from the same selector as every page."
    )

    def add_arguments(self, parser):
        parser.add_argument("--round", required=True, help="the round's code, e.g. 2564-2")
        parser.add_argument(
            "--province", help="the province's DOPA code, e.g. 56 (default: the country)"
        )
        parser.add_argument("--format", choices=["json", "table"], default="table")

    def handle(self, *args, **options):
        round = round_option(options["round"])
        if options["province"]:
            province = province_option(options["province"])
            kpi = kpi_for_province(round=round, province=province)
        else:
            kpi = kpi_for_country(round=round)
        if options["format"] == "json":
            self.stdout.write(json.dumps(kpi.as_json(), ensure_ascii=False, indent=1))
            return
        statuses = dict(Status.choices)
        title = f"ตัวชี้วัด รอบ {round.code} ({round.period_label})"
        self.stdout.write(title + (f" จังหวัด{kpi.total.name}" if kpi.scope_code else " ทั้งประเทศ"))
        columns = [
            ("รหัส", 6, _left),
            ("ชื่อ", 18, _left),
            ("ผปก.", 6, _right),
            ("ผลิตภัณฑ์", 10, _right),
            ("เป้า (คำนวณ/ทางการ)", 22, _right),
            ("ขายได้", 8, _right),
            ("ร้อยละ", 10, _right),
            ("", 9, _right),
            ("ยอดรอบนี้", 16, _right),
            ("ยอดปีก่อน", 16, _right),
            ("เติบโต", 10, _right),
            ("", 9, _right),
            ("  แบบสำรวจ / แบบรายงาน", 0, _left),
        ]

        def join(cells: list[str]) -> str:
            return "".join(
                align(cell, width) for cell, (_h, width, align) in zip(cells, columns, strict=True)
            )

        self.stdout.write(join([h for h, _w, _a in columns]))

        def line(row: KpiRow) -> str:
            official = "–" if row.target_official is None else str(row.target_official)
            return join(
                [
                    row.code,
                    row.name[:17],
                    str(row.entrepreneurs),
                    str(row.products),
                    f"{row.target} ({row.target_computed}/{official})",
                    str(row.sold_online),
                    _pct(row.achievement_pct),
                    _yes(row.target_met),
                    f"{row.sales_round:,.2f}",
                    f"{row.sales_baseline:,.2f}",
                    _pct(row.sales_growth_pct),
                    _yes(row.growth_met),
                    f"  {statuses.get(row.survey_status, row.survey_status)}"
                    f" / {statuses.get(row.report_status, row.report_status)}",
                ]
            )

        for row in kpi.rows:
            self.stdout.write(line(row))
        self.stdout.write(line(kpi.total))
        self.stdout.write(
            f"เป้าหมาย: ร้อยละ {round.target_rate} ของผลิตภัณฑ์ในฐาน; "
            f"รายได้เติบโต: ร้อยละ {round.growth_rate}"
        )
