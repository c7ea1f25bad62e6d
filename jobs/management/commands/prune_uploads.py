"""python manage.py prune_uploads [--days N] [--dry-run]

Run it once a day beside jobs_prune_files, whose shape it shares.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import ngettext_lazy

from jobs.management.commands.jobs_prune_files import Command as PruneCommand
from otop_portal.upload_flow import upload_files_prune


class Command(PruneCommand):
    help = (
        "Delete the files districts uploaded for their forms that are older than "
        "UPLOADS_KEEP_FILES_DAYS days, and those of previews that expired (a day after the "
        "upload). The uploads stay listed with who, when, the file's name and what became of it."
    )
    msg_dry_run = ngettext_lazy(
        "ยังไม่ได้ลบไฟล์อัปโหลด %(count)s ไฟล์ รวม %(mb)s MB (--dry-run)",
        "ยังไม่ได้ลบไฟล์อัปโหลด %(count)s ไฟล์ รวม %(mb)s MB (--dry-run)",
        "count",
    )
    msg_done = ngettext_lazy(
        "ลบไฟล์อัปโหลด %(count)s ไฟล์แล้ว รวม %(mb)s MB",
        "ลบไฟล์อัปโหลด %(count)s ไฟล์แล้ว รวม %(mb)s MB",
        "count",
    )

    def default_days(self) -> int:
        return settings.UPLOADS_KEEP_FILES_DAYS

    def prune(self, *, older_than, dry_run):
        return upload_files_prune(older_than=older_than, dry_run=dry_run)

    def describe(self, pruned) -> str:
        upload = pruned.upload
        return f"{upload._meta.verbose_name} #{upload.pk} {upload.original_name}"
