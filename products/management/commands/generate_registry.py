"""generate_registry: write a country-sized registry file for benchmarks and load tests."""

from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from otop_portal.commands import cannot_write, output_file
from products.demo.phayao import registry_rows
from products.demo.scale import Counter, country_plans, registry_write_csv
from products.registry_workbook import registry_write

FORMATS = ("xlsx", "csv")


class Command(BaseCommand):
    help = (
        "Write a realistic flat registry (.xlsx or .csv) over every district of the "
        "country, deterministic for a seed, in constant memory. Import it with "
        "`import_registry FILE --as-of 2021-04-01`."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--products",
            type=int,
            default=200_000,
            help="registry rows (products) to write, in all (default 200000)",
        )
        parser.add_argument("-o", "--output", required=True, help="the file to write")
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        parser.add_argument(
            "--format",
            choices=FORMATS,
            help="xlsx or csv (default: from the file's extension, else xlsx)",
        )
        parser.add_argument(
            "--province",
            action="append",
            dest="provinces",
            metavar="CODE",
            help="only this province's districts (repeatable; default: the whole country)",
        )

    def handle(self, *args, **options):
        path = Path(options["output"])
        fmt = options["format"] or (path.suffix.lower().lstrip(".") or "xlsx")
        if fmt not in FORMATS:
            raise CommandError(
                _("ไม่รู้จักรูปแบบไฟล์ “%(format)s” ให้ใช้ --format xlsx หรือ csv") % {"format": fmt}
            )
        output_file(path, suffix="")
        started = time.perf_counter()
        try:
            plan = country_plans(
                rows=options["products"], seed=options["seed"], provinces=options["provinces"]
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        counter = Counter()
        rows = counter.count(registry_rows(plan.plans, seed=options["seed"]))
        try:
            if fmt == "csv":
                registry_write_csv(rows, path)
            else:
                registry_write(rows, str(path))
        except OSError as exc:
            raise cannot_write(path, exc) from None
        seconds = time.perf_counter() - started
        self.stdout.write(
            _(
                "%(path)s: %(rows)s แถว ผู้ประกอบการ %(entrepreneurs)s ราย "
                "(ในฐาน: ผลิตภัณฑ์ %(base)s ผู้ประกอบการ %(base_e)s) "
                "%(districts)s อำเภอ, seed %(seed)s, %(mb).1f MB ใน %(seconds).1f วินาที"
            )
            % {
                "path": path,
                "rows": f"{counter.rows:,}",
                "entrepreneurs": f"{counter.entrepreneurs:,}",
                "base": f"{plan.products:,}",
                "base_e": f"{plan.entrepreneurs:,}",
                "districts": len(plan.plans),
                "seed": options["seed"],
                "mb": path.stat().st_size / 1e6,
                "seconds": seconds,
            }
        )
