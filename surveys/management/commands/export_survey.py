"""python manage.py export_survey --round 2564-2 (--district 5601 | --province 56) -o FILE"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from districts.models import District, Province
from products.selectors import round_get
from surveys.selectors import survey_export_blocks
from surveys.workbook import write_survey


class Command(BaseCommand):
    help = (
        "Write attachment 2 (แบบสำรวจความพร้อม) of a district, or the consolidated form of a "
        "province (all its districts in DOPA order), prefilled with the registry and the "
        "answers so far."
    )

    def add_arguments(self, parser):
        parser.add_argument("--round", required=True, help="the round's code, e.g. 2564-2")
        where = parser.add_mutually_exclusive_group(required=True)
        where.add_argument("--district", help="a district's DOPA code, e.g. 5601")
        where.add_argument("--province", help="a province's DOPA code, e.g. 56")
        parser.add_argument("-o", "--output", required=True, help="the .xlsx file to write")

    def handle(self, *args, **options):
        round = round_get(options["round"])
        if round is None:
            raise CommandError(f"ไม่พบรอบการประเมิน {options['round']} (สร้างด้วย setup_round)")
        if options["district"]:
            district = (
                District.objects.select_related("province").filter(code=options["district"]).first()
            )
            if district is None:
                raise CommandError(f"ไม่พบอำเภอรหัส {options['district']}")
            districts = District.objects.filter(code=district.code)
            province_name, label = district.province.name_th, f"อำเภอ{district.name_th}"
        else:
            province = Province.objects.filter(code=options["province"]).first()
            if province is None:
                raise CommandError(f"ไม่พบจังหวัดรหัส {options['province']}")
            districts = District.objects.filter(province=province)
            province_name, label = province.name_th, f"จังหวัด{province.name_th} (ทุกอำเภอ)"
        path = Path(options["output"])
        if not path.parent.is_dir():
            raise CommandError(f"ไม่พบโฟลเดอร์ {path.parent}")
        try:
            with path.open("wb") as fh:
                rows = write_survey(
                    fh,
                    round=round,
                    province_name=province_name,
                    blocks=survey_export_blocks(round=round, districts=districts),
                )
        except OSError as exc:
            raise CommandError(f"เขียนไฟล์ {path} ไม่ได้: {exc.strerror}") from None
        self.stdout.write(f"{path}: แบบสำรวจความพร้อม {label} รอบ {round.code} {rows:,} แถว")
