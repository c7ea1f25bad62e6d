"""python manage.py prune_uploads [--days N] [--dry-run]

Run it once a day beside jobs_prune_files.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from otop_portal.upload_flow import upload_files_prune


class Command(BaseCommand):
    help = (
        "Delete the files districts uploaded for their forms that are older than "
        "UPLOADS_KEEP_FILES_DAYS days, and those of previews that expired (a day after the "
        "upload). The uploads stay listed with who, when, the file's name and what became of it."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=float,
            default=None,
            help=f"keep the files of this many days (default {settings.UPLOADS_KEEP_FILES_DAYS})",
        )
        parser.add_argument("--dry-run", action="store_true", help="list the files, delete none")

    def handle(self, *args, **options):
        days = options["days"]
        if days is not None and days < 0:
            raise CommandError(_("จำนวนวันต้องไม่ติดลบ"))
        older_than = dt.timedelta(days=days) if days is not None else None
        pruned = upload_files_prune(older_than=older_than, dry_run=options["dry_run"])
        for p in pruned:
            self.stdout.write(
                f"{p.upload._meta.verbose_name} #{p.upload.pk} {p.upload.original_name} "
                f"({p.size / (1024 * 1024):,.1f} MB)"
            )
        total = sum(p.size for p in pruned) / (1024 * 1024)
        if not pruned:
            self.stdout.write(_("ไม่มีไฟล์ที่เก่ากว่ากำหนด"))
        elif options["dry_run"]:
            self.stdout.write(
                self.style.WARNING(
                    _("ยังไม่ได้ลบไฟล์อัปโหลด %(count)s ไฟล์ รวม %(mb)s MB (--dry-run)")
                    % {"count": len(pruned), "mb": f"{total:,.1f}"}
                )
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    _("ลบไฟล์อัปโหลด %(count)s ไฟล์แล้ว รวม %(mb)s MB")
                    % {"count": len(pruned), "mb": f"{total:,.1f}"}
                )
            )
