"""python manage.py import_survey FILE --round 2564-2 --district 5601 [--dry-run]"""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from districts.models import District
from otop_portal.cells import CellError
from otop_portal.importing import ImportRefused
from otop_portal.spreadsheet import SpreadsheetError
from otop_portal.workflow import WorkflowError
from products.selectors import round_get
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
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"ไม่พบไฟล์ {path}")
        round = round_get(options["round"])
        if round is None:
            raise CommandError(f"ไม่พบรอบการประเมิน {options['round']} (สร้างด้วย setup_round)")
        district = (
            District.objects.select_related("province").filter(code=options["district"]).first()
        )
        if district is None:
            raise CommandError(f"ไม่พบอำเภอรหัส {options['district']}")
        by = None
        if options["user"]:
            by = get_user_model().objects.filter(username=options["user"]).first()
            if by is None:
                raise CommandError(f"ไม่พบผู้ใช้ {options['user']}")
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
        except ImportRefused as exc:
            for problem in exc.problems:
                self.stderr.write(f"  {problem}")
            raise CommandError(
                f"ไม่รับไฟล์ {path.name}: พบปัญหา {len(exc.problems)} รายการ ข้อมูลในระบบไม่เปลี่ยนแปลง"
            ) from None
        except (SpreadsheetError, CellError, WorkflowError) as exc:
            raise CommandError(f"ไม่รับไฟล์ {path.name}: {exc.message}") from None

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
