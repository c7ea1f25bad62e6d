"""python manage.py rebuild_totals [--round 2564-2] [--dry-run]"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from products.commands import round_option
from reports.services import district_totals_rebuild


class Command(BaseCommand):
    help = (
        "Recompute the per-district totals that the province and country pages read, from "
        "the same selectors as the KPI, and say how many stored rows were missing or "
        "differed. Every write keeps them current; this repairs them after a change made "
        "outside the portal's services (SQL, the admin)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--round", help="the round's code, e.g. 2564-2 (default: every round)")
        parser.add_argument("--dry-run", action="store_true", help="compare only, write nothing")

    def handle(self, *args, **options):
        round = round_option(options["round"]) if options["round"] else None
        for result in district_totals_rebuild(round=round, dry_run=options["dry_run"]):
            verb = "จะคำนวณใหม่" if result.dry_run else "คำนวณใหม่"
            self.stdout.write(
                f"{result.round.code}: {verb} {result.rows:,} อำเภอ "
                f"(ไม่มีแถว {result.missing:,}, ตัวเลขต่าง {result.differing:,})"
            )
