"""python manage.py export_report --round 2564-2 (--district 5601 | --province 56) -o FILE"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from xlsxwriter.exceptions import FileCreateError

from districts.models import District, Province
from products.selectors import round_get
from reports.workbook import write_district_report, write_province_report


class Command(BaseCommand):
    help = (
        "Write attachment 3 (แบบรายงานผล) of a district, or the consolidated report of a "
        "province (districts in DOPA order), in the department's layout."
    )

    def add_arguments(self, parser):
        parser.add_argument("--round", required=True, help="the round's code, e.g. 2564-2")
        where = parser.add_mutually_exclusive_group(required=True)
        where.add_argument("--district", help="the district's DOPA code, e.g. 5601")
        where.add_argument("--province", help="the province's DOPA code, e.g. 56")
        parser.add_argument("-o", "--output", required=True, help="the .xlsx file to write")

    def handle(self, *args, **options):
        round = round_get(options["round"])
        if round is None:
            raise CommandError(f"ไม่พบรอบการประเมิน {options['round']} (สร้างด้วย setup_round)")
        output = Path(options["output"])
        if output.suffix.lower() != ".xlsx":
            raise CommandError("ชื่อไฟล์ที่จะเขียนต้องลงท้ายด้วย .xlsx")
        if not output.parent.is_dir():
            raise CommandError(f"ไม่พบโฟลเดอร์ {output.parent}")
        try:
            if options["district"]:
                district = (
                    District.objects.select_related("province")
                    .filter(code=options["district"])
                    .first()
                )
                if district is None:
                    raise CommandError(f"ไม่พบอำเภอรหัส {options['district']}")
                write_district_report(str(output), round=round, district=district)
                where = f"อำเภอ{district.name_th}"
            else:
                province = Province.objects.filter(code=options["province"]).first()
                if province is None:
                    raise CommandError(f"ไม่พบจังหวัดรหัส {options['province']}")
                write_province_report(str(output), round=round, province=province)
                where = f"จังหวัด{province.name_th}"
        except (OSError, FileCreateError) as exc:
            raise CommandError(f"เขียนไฟล์ {output} ไม่ได้: {exc}") from None
        self.stdout.write(
            self.style.SUCCESS(f"เขียน {output}: แบบรายงานผล {where} รอบ {round.code}")
        )
