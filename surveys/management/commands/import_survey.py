"""python manage.py import_survey FILE --round 2564-2 --district 5601 [--dry-run]"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from districts.commands import district_option
from otop_portal.cells import CellError
from otop_portal.commands import input_file, refused, user_option
from otop_portal.importing import ImportRefused
from otop_portal.spreadsheet import SpreadsheetError
from otop_portal.workflow import WorkflowError
from products.commands import round_option
from surveys.services import survey_import


class Command(BaseCommand):
    help = (
        "Import a district's filled attachment 2 (แบบสำรวจความพร้อม) from .xlsx, .xls or .ods. "
        "All or nothing: a file with any problem is refused whole and every problem is listed."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the .xlsx, .xls or .ods file")
        parser.add_argument("--round", required=True, help="the round's code, e.g. 2564-2")
        parser.add_argument("--district", required=True, help="the district's DOPA code, e.g. 5601")
        parser.add_argument("--user", help="the username the import is recorded under")
        parser.add_argument("--dry-run", action="store_true", help="read and report, write nothing")

    def handle(self, *args, **options):
        path = input_file(options["file"])
        round = round_option(options["round"])
        district = district_option(options["district"])
        by = user_option(options["user"])
        try:
            with path.open("rb") as fh:
                result = survey_import(
                    round=round,
                    district=district,
                    file=fh,
                    name=path.name,
                    by=by,
                    dry_run=options["dry_run"],
                )
        except (ImportRefused, SpreadsheetError, CellError, WorkflowError) as exc:
            raise refused(self, path.name, exc) from None

        self.stdout.write(
            f"{path.name}: อำเภอ{district.name_th} ({district.code}) รอบ {round.code} "
            f"อ่านได้ {result.rows} แถว" + (" (ทดลอง ไม่บันทึก)" if result.dry_run else "")
        )
        for label, counts in (("ผู้ประกอบการ", result.entrepreneurs), ("ผลิตภัณฑ์", result.products)):
            self.stdout.write(
                f"  {label}: ใหม่ {counts.new}, เปลี่ยน {counts.changed}, ไม่เปลี่ยน {counts.unchanged}"
            )
        for notice in result.notices:
            self.stdout.write(f"  {notice}")
        if not result.changed:
            self.stdout.write("ไฟล์นี้ไม่ได้เปลี่ยนคำตอบใด")
        elif result.dry_run:
            self.stdout.write("ทดลองเท่านั้น: ยังไม่ได้บันทึก (นำ --dry-run ออกเพื่อบันทึก)")
        else:
            self.stdout.write("บันทึกแล้ว")
