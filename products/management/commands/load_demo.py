"""python manage.py load_demo: Phayao's demo, with a login for each role."""

from __future__ import annotations

import unicodedata

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from products.demo.phayao import DEMO_ROUND, demo_load


class Command(BaseCommand):
    help = (
        "Load Phayao's demo: the round 2564-2, a registry of the 9 districts whose base "
        "equals the seed's table (the sample registry in products/demo_data for 5604 and "
        "5607, generated rows for the others), the seed's official targets, and a user for "
        "each role. Idempotent. The demo registry replaces Phayao's registry in the "
        "database: use it on a development database only. The round's deadlines are set "
        "two and eight weeks from today, so that the demo reads as a round in progress."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--as-in-letter",
            action="store_true",
            help="Keep the deadlines of the province's letter (25 May and 20 September 2564) "
            "instead of setting them two and eight weeks from today.",
        )

    def handle(self, *args, **options):
        result = demo_load(as_in_letter=options["as_in_letter"])
        if result.changed:
            for line in result.changes:
                self.stdout.write(f"  {line}")
            self.stdout.write(
                self.style.SUCCESS(
                    _("โหลดข้อมูลสาธิตจังหวัดพะเยา รอบ %(round)s แล้ว") % {"round": DEMO_ROUND}
                )
            )
        else:
            self.stdout.write(self.style.SUCCESS(_("ข้อมูลสาธิตครบอยู่แล้ว ไม่มีอะไรเปลี่ยน")))
        self.stdout.write("")
        self.stdout.write(_("ผู้ใช้สาธิต (รหัสผ่านสำหรับทดลองเท่านั้น):"))
        rows = [(_("ชื่อผู้ใช้"), _("รหัสผ่าน"), _("บทบาท"), _("พื้นที่"))]
        rows += [(u.username, u.password, u.role, u.area) for u in result.logins]
        widths = [max(_width(r[i]) for r in rows) for i in range(3)]
        for r in rows:
            self.stdout.write(
                "  " + "  ".join(_pad(r[i], widths[i]) for i in range(3)) + "  " + r[3]
            )


def _width(text: str) -> int:
    return sum(0 if unicodedata.category(c) in ("Mn", "Me", "Cf") else 1 for c in str(text))


def _pad(text: str, width: int) -> str:
    return str(text) + " " * (width - _width(text))
