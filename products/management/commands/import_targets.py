"""python manage.py import_targets FILE --round 2564-2 [--province 56] [--dry-run]"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from districts.commands import province_option
from otop_portal.commands import input_file, problems_argument, problems_option, refused
from otop_portal.importing import ImportRefused
from products.commands import round_option
from products.services.targets import targets_import


def _target(value: int | None) -> str:
    return "–" if value is None else str(value)


class Command(BaseCommand):
    help = (
        "Import the official targets of a province's districts from an attachment-1 workbook "
        "(เป้าหมายตัวชี้วัด). All or nothing; a second import of the same file changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the .xlsx, .xls, .ods or .csv file")
        parser.add_argument("--round", required=True, help="the round's code, e.g. 2564-2")
        parser.add_argument(
            "--province",
            help="the province's DOPA code, e.g. 56 (default: read from the file's title)",
        )
        parser.add_argument("--dry-run", action="store_true", help="read and report, write nothing")
        problems_argument(parser)

    def handle(self, *args, **options):
        path = input_file(options["file"])
        round = round_option(options["round"])
        problems = problems_option(options["problems"])
        province = None
        if options["province"]:
            province = province_option(options["province"])
        try:
            with path.open("rb") as fh:
                result = targets_import(
                    round=round,
                    file=fh,
                    name=path.name,
                    province=province,
                    dry_run=options["dry_run"],
                )
        except ImportRefused as exc:
            raise refused(self, path.name, exc, source=path, problems=problems) from None

        self.stdout.write(
            f"{path.name}: จังหวัด{result.province.name_th} รอบ {round.code}"
            + (" (ทดลอง ไม่บันทึก)" if result.dry_run else "")
        )
        self.stdout.write(f"{'รหัส':<6}{'อำเภอ':<16}{'คำนวณ':>8}{'เดิม':>8}{'ใหม่':>8}  ผล")
        labels = {"new": "ตั้งใหม่", "updated": "เปลี่ยน", "unchanged": "ไม่เปลี่ยน", "absent": "ไม่มีในไฟล์"}
        for c in result.changes:
            self.stdout.write(
                f"{c.code:<6}{c.name:<16}{c.computed:>8}{_target(c.old):>8}{_target(c.new):>8}"
                f"  {labels[c.status]}"
            )
        if result.notices:
            self.stdout.write("สิ่งที่อ่านแทนให้และข้อสังเกต:")
            for notice in result.notices:
                self.stdout.write(f"  {notice}")
        summary = (
            f"ตั้งใหม่ {result.count('new')}, เปลี่ยน {result.count('updated')}, "
            f"ไม่เปลี่ยน {result.count('unchanged')}, ไม่มีในไฟล์ {result.count('absent')}"
        )
        if not result.changed:
            summary += " — ไฟล์นี้ไม่ได้เปลี่ยนเป้าหมายใด"
        elif result.dry_run:
            summary += " — ยังไม่ได้บันทึก (--dry-run)"
        self.stdout.write(self.style.SUCCESS(summary))
