"""python manage.py import_report FILE --round 2564-2 --district 5601 [--dry-run]"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from districts.commands import district_option
from otop_portal.cells import CellError
from otop_portal.commands import input_file, refused
from otop_portal.importing import ImportRefused
from otop_portal.spreadsheet import SpreadsheetError
from otop_portal.workflow import WorkflowError
from products.commands import round_option
from reports.services import report_import


class Command(BaseCommand):
    help = (
        "Import a district's attachment 3 (แบบรายงานผล). All or nothing: a file with any "
        "problem is refused whole. Base products absent from the file get no sales this round."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the .xlsx, .xls, .ods or .csv file")
        parser.add_argument("--round", required=True, help="the round's code, e.g. 2564-2")
        parser.add_argument("--district", required=True, help="the district's DOPA code, e.g. 5601")
        parser.add_argument("--dry-run", action="store_true", help="read and report, write nothing")

    def handle(self, *args, **options):
        path = input_file(options["file"])
        round = round_option(options["round"])
        district = district_option(options["district"])
        try:
            with path.open("rb") as fh:
                result = report_import(
                    round=round,
                    district=district,
                    file=fh,
                    name=path.name,
                    dry_run=options["dry_run"],
                )
        except (ImportRefused, SpreadsheetError, CellError, WorkflowError) as exc:
            raise refused(self, path.name, exc) from None

        row = result.figures
        self.stdout.write(
            f"{path.name}: อำเภอ{district.name_th} รอบ {round.code}"
            + (" (ทดลอง ไม่บันทึก)" if result.dry_run else "")
        )
        for notice in result.notices:
            self.stdout.write(f"  {notice}")
        for warning in result.warnings:
            self.stdout.write(self.style.WARNING(f"  {warning}"))
        summary = (
            f"อ่าน {result.rows} รายการ, เปลี่ยน {result.changed} รายการ; "
            f"ขายออนไลน์ได้ {row.sold_online} ผลิตภัณฑ์ (เป้าหมาย {row.target}), "
            f"ยอดรอบนี้ {row.sales_round:,.2f} บาท, ยอดปีก่อน {row.sales_baseline:,.2f} บาท"
        )
        if result.dry_run:
            summary += " — ยังไม่ได้บันทึก (--dry-run)"
        self.stdout.write(self.style.SUCCESS(summary))
