"""python manage.py jobs_reap_stale [--minutes N] [--dry-run]

Run it every few minutes (cron or a systemd timer) beside the workers.
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from jobs.services import describe_failure, job_reap_stale, stale_after


class Command(BaseCommand):
    help = (
        "Mark failed the running jobs whose worker stopped (no heartbeat for the stale "
        "limit, JOBS_STALE_AFTER_SECONDS) and the queued jobs that can no longer start."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--minutes",
            type=float,
            default=None,
            help=f"the stale limit in minutes (default {stale_after().total_seconds() / 60:g})",
        )
        parser.add_argument("--dry-run", action="store_true", help="list the jobs, change nothing")

    def handle(self, *args, **options):
        minutes = options["minutes"]
        if minutes is not None and minutes < 0:
            raise CommandError(_("จำนวนนาทีต้องไม่ติดลบ"))
        older_than = dt.timedelta(minutes=minutes) if minutes is not None else None
        jobs = job_reap_stale(older_than=older_than, dry_run=options["dry_run"])
        for job in jobs:
            self.stdout.write(describe_failure(job))
        if not jobs:
            self.stdout.write(_("ไม่มีงานที่ค้าง"))
        elif options["dry_run"]:
            self.stdout.write(
                self.style.WARNING(
                    ngettext(
                        "ยังไม่ได้เปลี่ยนสถานะ %(count)s งาน (--dry-run)",
                        "ยังไม่ได้เปลี่ยนสถานะ %(count)s งาน (--dry-run)",
                        len(jobs),
                    )
                    % {"count": len(jobs)}
                )
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    ngettext(
                        "ทำเครื่องหมายว่าไม่สำเร็จ %(count)s งาน",
                        "ทำเครื่องหมายว่าไม่สำเร็จ %(count)s งาน",
                        len(jobs),
                    )
                    % {"count": len(jobs)}
                )
            )
