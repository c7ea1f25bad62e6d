"""python manage.py export_targets --round 2564-2 --province 56 -o FILE"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from xlsxwriter.exceptions import FileCreateError

from districts.models import District, Province
from products.selectors import round_get, targets_for_districts, targets_total
from products.targets_workbook import write_targets


class Command(BaseCommand):
    help = (
        "Write attachment 1 (เป้าหมายตัวชี้วัด) of a province for a round, in the department's layout."
    )

    def add_arguments(self, parser):
        parser.add_argument("--round", required=True, help="the round's code, e.g. 2564-2")
        parser.add_argument("--province", required=True, help="the province's DOPA code, e.g. 56")
        parser.add_argument("-o", "--output", required=True, help="the .xlsx file to write")

    def handle(self, *args, **options):
        round = round_get(options["round"])
        if round is None:
            raise CommandError(f"ไม่พบรอบการประเมิน {options['round']} (สร้างด้วย setup_round)")
        province = Province.objects.filter(code=options["province"]).first()
        if province is None:
            raise CommandError(f"ไม่พบจังหวัดรหัส {options['province']}")
        output = Path(options["output"])
        if output.suffix.lower() != ".xlsx":
            raise CommandError("ชื่อไฟล์ที่จะเขียนต้องลงท้ายด้วย .xlsx")
        if not output.parent.is_dir():
            raise CommandError(f"ไม่พบโฟลเดอร์ {output.parent}")
        rows = targets_for_districts(
            round=round, districts=District.objects.filter(province=province)
        )
        try:
            write_targets(str(output), round=round, province=province, rows=rows)
        except (OSError, FileCreateError) as exc:
            raise CommandError(f"เขียนไฟล์ {output} ไม่ได้: {exc}") from None
        total = targets_total(rows)
        self.stdout.write(
            self.style.SUCCESS(
                f"เขียน {output}: จังหวัด{province.name_th} {len(rows)} อำเภอ, "
                f"ผู้ประกอบการ {total.entrepreneurs}, ผลิตภัณฑ์ {total.products}, "
                f"เป้าหมาย {total.target} (คำนวณ {total.target_computed})"
            )
        )
