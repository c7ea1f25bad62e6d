"""python manage.py import_report FILE --round 2564-2 --district 5601 [--dry-run]"""

from __future__ import annotations

from products.commands import DistrictImportCommand
from reports.services import report_import


class Command(DistrictImportCommand):
    help = (
        "Import a district's attachment 3 (แบบรายงานผล). All or nothing: a file with any "
        "problem is refused whole. Base products absent from the file get no sales this round."
    )
    file_help = "the .xlsx, .xls, .ods or .csv file"

    def import_file(self, **kwargs):
        return report_import(**kwargs)

    def report(self, result, *, name, round, district):
        row = result.figures
        self.stdout.write(
            f"{name}: อำเภอ{district.name_th} รอบ {round.code}"
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
