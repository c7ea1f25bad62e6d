"""python manage.py kpi --round 2564-2 [--province 56] [--format json|table]"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from districts.models import Province
from otop_portal.workflow import Status
from products.selectors import round_get
from reports.selectors import KpiRow, kpi_for_country, kpi_for_province


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
        parser.add_argument("--province", help="the province's DOPA code, e.g. 56 (default: the country)")
        parser.add_argument("--format", choices=["json", "table"], default="table")

    def handle(self, *args, **options):
        round = round_get(options["round"])
        if round is None:
            raise CommandError(f"ไม่พบรอบการประเมิน {options['round']} (สร้างด้วย setup_round)")
        if options["province"]:
            province = Province.objects.filter(code=options["province"]).first()
            if province is None:
                raise CommandError(f"ไม่พบจังหวัดรหัส {options['province']}")
            kpi = kpi_for_province(round=round, province=province)
        else:
            kpi = kpi_for_country(round=round)
        if options["format"] == "json":
            self.stdout.write(json.dumps(kpi.as_json(), ensure_ascii=False, indent=1))
            return
        statuses = dict(Status.choices)
        title = f"ตัวชี้วัด รอบ {round.code} ({round.period_label})"
        self.stdout.write(title + (f" จังหวัด{kpi.total.name}" if kpi.scope_code else " ทั้งประเทศ"))
        self.stdout.write(
            f"{'รหัส':<6}{'ชื่อ':<18}{'ผปก.':>6}{'ผลิตภัณฑ์':>10}{'เป้า(คำนวณ/ทางการ)':>20}"
            f"{'ขายได้':>8}{'ร้อยละ':>10}{'':>9}{'ยอดรอบนี้':>16}{'ยอดปีก่อน':>16}{'เติบโต':>10}{'':>9}"
            f"  แบบสำรวจ / แบบรายงาน"
        )

        def line(row: KpiRow) -> str:
            official = "–" if row.target_official is None else str(row.target_official)
            target = f"{row.target} ({row.target_computed}/{official})"
            return (
                f"{row.code:<6}{row.name[:17]:<18}{row.entrepreneurs:>6}{row.products:>10}"
                f"{target:>20}{row.sold_online:>8}{_pct(row.achievement_pct):>10}"
                f"{_yes(row.target_met):>9}{row.sales_round:>16,.2f}{row.sales_baseline:>16,.2f}"
                f"{_pct(row.sales_growth_pct):>10}{_yes(row.growth_met):>9}"
                f"  {statuses.get(row.survey_status, row.survey_status)}"
                f" / {statuses.get(row.report_status, row.report_status)}"
            )

        for row in kpi.rows:
            self.stdout.write(line(row))
        self.stdout.write(line(kpi.total))
        self.stdout.write(
            f"เป้าหมาย: ร้อยละ {round.target_rate} ของผลิตภัณฑ์ในฐาน; "
            f"รายได้เติบโต: ร้อยละ {round.growth_rate}"
        )
