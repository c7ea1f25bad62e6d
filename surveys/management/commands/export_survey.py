"""python manage.py export_survey --round 2564-2 (--district 5601 | --province 56) -o FILE"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from otop_portal.commands import (
    cannot_write,
    district_option,
    output_file,
    province_option,
    round_option,
)
from surveys.exports import survey_export_write


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
        round = round_option(options["round"])
        district = province = None
        if options["district"]:
            district = district_option(options["district"])
            label = f"อำเภอ{district.name_th}"
        else:
            province = province_option(options["province"])
            label = f"จังหวัด{province.name_th} (ทุกอำเภอ)"
        path = output_file(options["output"], suffix="")
        try:
            with path.open("wb") as fh:
                rows = survey_export_write(fh, round=round, district=district, province=province)
        except OSError as exc:
            raise cannot_write(path, exc) from None
        self.stdout.write(f"{path}: แบบสำรวจความพร้อม {label} รอบ {round.code} {rows:,} แถว")
