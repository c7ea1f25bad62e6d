"""python manage.py export_targets --round 2564-2 --province 56 -o FILE"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from xlsxwriter.exceptions import FileCreateError

from districts.commands import province_option
from otop_portal.commands import cannot_write, output_file
from products.commands import round_option
from products.selectors import targets_total
from products.targets_workbook import targets_export_write


class Command(BaseCommand):
    help = (
        "Write attachment 1 (เป้าหมายตัวชี้วัด) of a province for a round, in the department's layout."
    )

    def add_arguments(self, parser):
        parser.add_argument("--round", required=True, help="the round's code, e.g. 2564-2")
        parser.add_argument("--province", required=True, help="the province's DOPA code, e.g. 56")
        parser.add_argument("-o", "--output", required=True, help="the .xlsx file to write")

    def handle(self, *args, **options):
        round = round_option(options["round"])
        province = province_option(options["province"])
        output = output_file(options["output"])
        try:
            rows = targets_export_write(str(output), round=round, province=province)
        except (OSError, FileCreateError) as exc:
            raise cannot_write(output, exc) from None
        total = targets_total(rows)
        self.stdout.write(
            self.style.SUCCESS(
                f"เขียน {output}: จังหวัด{province.name_th} {len(rows)} อำเภอ, "
                f"ผู้ประกอบการ {total.entrepreneurs}, ผลิตภัณฑ์ {total.products}, "
                f"เป้าหมาย {total.target} (คำนวณ {total.target_computed})"
            )
        )
