"""python manage.py jobs_prune_files [--days N] [--dry-run]

Run it once a day (cron or a systemd timer) beside the workers.
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from jobs.services import job_prune_files, keep_files_for


class Command(BaseCommand):
    help = (
        "Delete the files (uploads read, workbooks written) of the jobs that finished more "
        "than JOBS_KEEP_FILES_DAYS days ago. The jobs and their summaries stay."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=float,
            default=None,
            help=f"keep the files of this many days (default {keep_files_for().days})",
        )
        parser.add_argument("--dry-run", action="store_true", help="list the files, delete none")

    def handle(self, *args, **options):
        days = options["days"]
        if days is not None and days < 0:
            raise CommandError(_("จำนวนวันต้องไม่ติดลบ"))
        older_than = dt.timedelta(days=days) if days is not None else None
        pruned = job_prune_files(older_than=older_than, dry_run=options["dry_run"])
        for p in pruned:
            self.stdout.write(
                f"#{p.job.pk} {p.job.get_kind_display()} {p.job.label}: "
                f"{p.job.input_name or p.job.output_name} ({p.size / (1024 * 1024):,.1f} MB)"
            )
        total = sum(p.size for p in pruned) / (1024 * 1024)
        if not pruned:
            self.stdout.write(_("ไม่มีไฟล์ที่เก่ากว่ากำหนด"))
        elif options["dry_run"]:
            self.stdout.write(
                self.style.WARNING(
                    _("ยังไม่ได้ลบไฟล์ของ %(count)s งาน รวม %(mb)s MB (--dry-run)")
                    % {"count": len(pruned), "mb": f"{total:,.1f}"}
                )
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    _("ลบไฟล์ของ %(count)s งานแล้ว รวม %(mb)s MB")
                    % {"count": len(pruned), "mb": f"{total:,.1f}"}
                )
            )
