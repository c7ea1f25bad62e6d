"""python manage.py jobs_prune_files [--days N] [--dry-run]

Run it once a day (cron or a systemd timer) beside the workers. prune_uploads, its
sibling for the files districts upload for their forms, shares this command's shape.
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext_lazy

from jobs.services import job_prune_files, keep_files_for


class Command(BaseCommand):
    help = (
        "Delete the files (uploads read, workbooks written) of the jobs that finished more "
        "than JOBS_KEEP_FILES_DAYS days ago. The jobs and their summaries stay."
    )
    msg_dry_run = ngettext_lazy(
        "ยังไม่ได้ลบไฟล์ของ %(count)s งาน รวม %(mb)s MB (--dry-run)",
        "ยังไม่ได้ลบไฟล์ของ %(count)s งาน รวม %(mb)s MB (--dry-run)",
        "count",
    )
    msg_done = ngettext_lazy(
        "ลบไฟล์ของ %(count)s งานแล้ว รวม %(mb)s MB",
        "ลบไฟล์ของ %(count)s งานแล้ว รวม %(mb)s MB",
        "count",
    )

    def default_days(self) -> int:
        return keep_files_for().days

    def prune(self, *, older_than: dt.timedelta | None, dry_run: bool) -> list:
        """What was (or, with dry_run, would be) pruned: items with a size in bytes."""
        return job_prune_files(older_than=older_than, dry_run=dry_run)

    def describe(self, pruned) -> str:
        job = pruned.job
        return (
            f"#{job.pk} {job.get_kind_display()} {job.label}: {job.input_name or job.output_name}"
        )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=float,
            default=None,
            help=f"keep the files of this many days (default {self.default_days()})",
        )
        parser.add_argument("--dry-run", action="store_true", help="list the files, delete none")

    def handle(self, *args, **options):
        days = options["days"]
        if days is not None and days < 0:
            raise CommandError(_("จำนวนวันต้องไม่ติดลบ"))
        older_than = dt.timedelta(days=days) if days is not None else None
        pruned = self.prune(older_than=older_than, dry_run=options["dry_run"])
        for p in pruned:
            self.stdout.write(f"{self.describe(p)} ({p.size / (1024 * 1024):,.1f} MB)")
        total = {"count": len(pruned), "mb": f"{sum(p.size for p in pruned) / (1024 * 1024):,.1f}"}
        if not pruned:
            self.stdout.write(_("ไม่มีไฟล์ที่เก่ากว่ากำหนด"))
        elif options["dry_run"]:
            self.stdout.write(self.style.WARNING(self.msg_dry_run % total))
        else:
            self.stdout.write(self.style.SUCCESS(self.msg_done % total))
