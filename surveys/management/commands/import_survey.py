"""python manage.py import_survey FILE --round 2564-2 --district 5601 [--dry-run]"""

from __future__ import annotations

from products.commands import DistrictImportCommand
from surveys.services import survey_import


class Command(DistrictImportCommand):
    help = (
        "Import a district's filled attachment 2 (แบบสำรวจความพร้อม) from .xlsx, .xls or .ods. "
        "All or nothing: a file with any problem is refused whole and every problem is listed."
    )

    def import_file(self, **kwargs):
        return survey_import(**kwargs)

    def report(self, result, *, name, round, district):
        self.stdout.write(
            f"{name}: อำเภอ{district.name_th} ({district.code}) รอบ {round.code} "
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
