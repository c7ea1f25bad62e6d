"""python manage.py plausibility --round 2564-2 [--district 5601 | --province 56] --format json|table"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext_lazy

from districts.commands import district_option, province_option
from districts.models import District
from products.commands import round_option
from reports.plausibility import RULES, flags_for_districts, rule_counts

MSG_FOUND = ngettext_lazy(
    "พบ %(count)s รายการที่ควรตรวจสอบ", "พบ %(count)s รายการที่ควรตรวจสอบ", "count"
)


class Command(BaseCommand):
    help = (
        "Print the figures of attachment 3 that look wrong, each with its reason: for a "
        "district, a province, or the whole country. The same checks as the report's page."
    )

    def add_arguments(self, parser):
        parser.add_argument("--round", required=True, help="the round's code, e.g. 2564-2")
        parser.add_argument("--district", help="a district's DOPA code, e.g. 5607")
        parser.add_argument("--province", help="a province's DOPA code, e.g. 56")
        parser.add_argument("--format", choices=["json", "table"], default="table")

    def handle(self, *args, **options):
        round = round_option(options["round"])
        if options["district"] and options["province"]:
            raise CommandError(_("ระบุ --district หรือ --province อย่างใดอย่างหนึ่ง"))
        if options["district"]:
            district = district_option(options["district"])
            districts = District.objects.filter(code=district.code)
        elif options["province"]:
            province = province_option(options["province"])
            districts = District.objects.filter(province=province)
        else:
            districts = District.objects.all()
        flags = flags_for_districts(round=round, districts=districts)
        if options["format"] == "json":
            data = {"round": round.code, "flags": [f.as_json() for f in flags]}
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=1))
            return
        row_word = _("แถว")
        for f in flags:
            row = "–" if f.line is None else str(f.line)
            self.stdout.write(
                f"{f.district}  {row_word} {row}  {f.entrepreneur}  {f.product_name}  "
                f"[{f.rule}] {f.message}"
            )
        counts = rule_counts(flags)
        summary = ", ".join(f"{RULES[rule]} {n}" for rule, n in counts.items() if n)
        self.stdout.write(MSG_FOUND % {"count": len(flags)} + (f" ({summary})" if summary else ""))
