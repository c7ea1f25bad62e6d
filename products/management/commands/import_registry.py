"""python manage.py import_registry FILE --as-of YYYY-MM-DD [--dry-run]"""

from __future__ import annotations

import unicodedata
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext_lazy

from otop_portal.commands import input_file, problems_argument, problems_option, refused
from otop_portal.importing import ImportRefused
from products.registry_workbook import parse_date_option
from products.services.registry import RegistryImportResult, registry_import_file

MSG_IMPORTED = ngettext_lazy(
    "%(name)s: ทะเบียน ณ วันที่ %(date)s, %(rows)s แถว",
    "%(name)s: ทะเบียน ณ วันที่ %(date)s, %(rows)s แถว",
    "rows",
)


def _width(text: str) -> int:
    """Columns a text takes in a terminal: Thai vowels and tone marks above or below a
    consonant take none."""
    return sum(0 if unicodedata.category(c) in ("Mn", "Me", "Cf") else 1 for c in text)


def _left(text: str, width: int) -> str:
    return text + " " * max(width - _width(text), 0)


def _right(text: str, width: int) -> str:
    return " " * max(width - _width(text), 0) + text


def summary_lines(result: RegistryImportResult) -> list[str]:
    """The per-district table of an import, as plain text lines."""
    words = [_("ใหม่"), _("เปลี่ยน"), _("คงเดิม"), _("ออก")]
    lines = [
        _left("", 26) + _left(_("ผลิตภัณฑ์"), 36) + _("ผู้ประกอบการ"),
        _left(_("รหัส"), 6)
        + _left(_("อำเภอ"), 20)
        + "".join(_right(w, 9) for w in words)
        + "".join(_right(w, 9) for w in words),
    ]

    def counts(c) -> str:
        return "".join(_right(f"{n:,}", 9) for n in (c.new, c.updated, c.unchanged, c.removed))

    for d in result.districts:
        lines.append(
            _left(d.code, 6) + _left(d.name, 20) + counts(d.products) + counts(d.entrepreneurs)
        )
    lines.append(
        _left("", 6) + _left(_("รวม"), 20) + counts(result.products) + counts(result.entrepreneurs)
    )
    return lines


class Command(BaseCommand):
    help = (
        "Import a registry snapshot (flat .xlsx, .xls, .ods or .csv, one header row) as "
        "of a date. All or nothing. Products and entrepreneurs missing from the snapshot "
        "are marked not registered only in the provinces the file lists: a province's "
        "file, or two districts', leaves the rest of the country as it is."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the registry file (.xlsx, .xls, .ods or .csv)")
        parser.add_argument(
            "--as-of",
            required=True,
            help="the date of the registry, YYYY-MM-DD (a Buddhist Era year such as 2564 is accepted)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="check and report, write nothing"
        )
        parser.add_argument(
            "--remove-missing-provinces",
            action="store_true",
            help="also mark not registered the products and entrepreneurs of the provinces "
            "the registry holds and the file does not list (by default they are kept, and named)",
        )
        problems_argument(parser)

    def handle(self, *args, **options):
        path = Path(options["file"])
        try:
            as_of = parse_date_option(options["as_of"])
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        input_file(path)
        problems = problems_option(options["problems"])
        try:
            with path.open("rb") as fh:
                result = registry_import_file(
                    file=fh,
                    as_of=as_of,
                    dry_run=options["dry_run"],
                    name=path.name,
                    remove_missing_provinces=options["remove_missing_provinces"],
                )
        except ImportRefused as exc:
            raise refused(self, path.name, exc, source=path, problems=problems) from None
        except OSError as exc:
            raise CommandError(
                _("อ่านไฟล์ %(path)s ไม่ได้: %(error)s") % {"path": path, "error": exc.strerror or exc}
            ) from None

        self.stdout.write(
            MSG_IMPORTED % {"name": path.name, "date": as_of.isoformat(), "rows": result.row_count}
            + (_(" (ทดลอง ไม่บันทึก)") if result.dry_run else "")
        )
        for line in summary_lines(result):
            self.stdout.write(line)
        self.stdout.write(result.removal_scope)
        if result.notices:
            self.stdout.write(_("สิ่งที่ระบบอ่านแทนให้และข้อสังเกต:"))
            for notice in result.notices:
                self.stdout.write(f"  {notice}")
        if not result.changed:
            self.stdout.write(self.style.SUCCESS(_("ไฟล์นี้ไม่ได้เปลี่ยนทะเบียน ทุกแถวคงเดิม")))
        elif result.dry_run:
            self.stdout.write(self.style.WARNING(_("ยังไม่ได้บันทึก (--dry-run)")))
        else:
            self.stdout.write(
                self.style.SUCCESS(_("บันทึกแล้วเป็นชุดข้อมูลทะเบียน #%(id)s") % {"id": result.snapshot.pk})
            )
