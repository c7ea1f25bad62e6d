"""python manage.py export_report --round 2564-2 (--district 5601 | --province 56) -o FILE"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from xlsxwriter.exceptions import FileCreateError

from districts.commands import district_option, province_option
from otop_portal.commands import cannot_write, output_file
from products.commands import round_option
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
        round = round_option(options["round"])
        output = output_file(options["output"])
        try:
            if options["district"]:
                district = district_option(options["district"])
                write_district_report(str(output), round=round, district=district)
                where = f"อำเภอ{district.name_th}"
            else:
                province = province_option(options["province"])
                write_province_report(str(output), round=round, province=province)
                where = f"จังหวัด{province.name_th}"
        except (OSError, FileCreateError) as exc:
            raise cannot_write(output, exc) from None
        self.stdout.write(
            self.style.SUCCESS(f"เขียน {output}: แบบรายงานผล {where} รอบ {round.code}")
        )
