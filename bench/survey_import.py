"""How long importing a district's filled survey takes, beyond reading the file.

Generates a district with 600 base products (250 entrepreneurs), writes its filled
attachment 2 with the portal's own writer, then times, separately:
- reading the file (open_workbook + the survey reader), and
- the import proper (matching against the registry, comparing with the answers and
  writing them in one transaction), for a first import (every answer new), a second
  with about a third of the answers changed, and a third that changes nothing.

Each figure is the median of several runs. It uses a throwaway in-memory SQLite
database, so it never touches var/db.sqlite3 or a shared PostgreSQL.

    DEBUG=1 .venv/bin/python bench/survey_import.py [--runs 5] [--products 600]
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ["DATABASE_URL"] = "sqlite://:memory:"
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "otop_portal.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

DISTRICT = "5601"


def build(products: int):
    from districts.models import District, Subdistrict, User
    from products.models import Entrepreneur, FiscalYear, Product, Round

    fy, _ = FiscalYear.objects.get_or_create(year=2564)
    import datetime as dt

    round = Round.objects.create(
        fiscal_year=fy,
        number=2,
        starts_on=dt.date(2021, 4, 1),
        ends_on=dt.date(2021, 9, 30),
        survey_deadline=dt.date(2099, 5, 25),
        report_deadline=dt.date(2099, 9, 20),
    )
    subdistricts = list(Subdistrict.objects.filter(district_id=DISTRICT))
    rng = random.Random(64)
    entrepreneurs, items = [], []
    n = 0
    while len(items) < products:
        n += 1
        e = Entrepreneur(
            code=f"{DISTRICT}{n:05d}",
            name=f"กลุ่มผู้ผลิตทดสอบ {n}",
            type=rng.randint(1, 3),
            house_no=str(n),
            moo=str(n % 15 + 1),
            subdistrict=subdistricts[n % len(subdistricts)],
            district_id=DISTRICT,
            phone="0812345678",
        )
        entrepreneurs.append(e)
        for k in range(min(rng.randint(1, 4), products - len(items))):
            items.append((e, f"ผลิตภัณฑ์ {n}-{k + 1}", rng.randint(1, 5)))
    Entrepreneur.objects.bulk_create(entrepreneurs)
    Product.objects.bulk_create(
        [
            Product(
                entrepreneur=e,
                district_id=DISTRICT,
                code=f"{e.code}-{i:02d}",
                name=name,
                type=t,
                registered_year=2560,
            )
            for i, (e, name, t) in enumerate(items)
        ]
    )
    user = User.objects.create(username="bench", role="officer", district_id=DISTRICT)
    return round, District.objects.select_related("province").get(code=DISTRICT), user, n


def filled_form(round, district, seed: int) -> bytes:
    """The district's form as an officer returns it: random marks and amounts."""
    from districts.models import District
    from surveys.selectors import survey_export_blocks
    from surveys.workbook import write_survey

    rng = random.Random(seed)
    blocks = list(
        survey_export_blocks(round=round, districts=District.objects.filter(code=district.code))
    )
    for b in blocks:
        b.trained, b.selling, b.standard = (rng.random() < 0.4 for _ in range(3))
        b.sales_prev = rng.choice([0, 0, 0, 12500, 48000.5, 230000])
        for p in b.products:
            p.ready = rng.random() < 0.4
    out = io.BytesIO()
    write_survey(out, round=round, province_name=district.province.name_th, blocks=blocks)
    return out.getvalue()


def timed(fn, **kwargs):
    start = time.perf_counter()
    value = fn(**kwargs)
    return time.perf_counter() - start, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--products", type=int, default=600)
    args = parser.parse_args()

    from surveys.models import Survey
    from surveys.services import survey_get_or_start, survey_import_rows
    from surveys.workbook import read_survey

    call_command("migrate", verbosity=0)
    round, district, user, entrepreneurs = build(args.products)
    first_file = filled_form(round, district, seed=1)
    # About a third of the marks differ between two random fills.
    second_file = filled_form(round, district, seed=2)

    reads, firsts, seconds, thirds, queries = [], [], [], [], []
    for _ in range(args.runs):
        Survey.objects.all().delete()
        survey = survey_get_or_start(round=round, district=district)
        t_read, read1 = timed(read_survey, file=io.BytesIO(first_file), round=round)
        reads.append(t_read)
        with CaptureQueriesContext(connection) as ctx:
            t, result = timed(
                survey_import_rows, survey=survey, read=read1, by=user, name="first.xlsx"
            )
        queries.append(len(ctx.captured_queries))
        assert result.products.new == args.products, result.summary()
        firsts.append(t)
        read2 = read_survey(io.BytesIO(second_file), round=round)
        t, changed = timed(
            survey_import_rows, survey=survey, read=read2, by=user, name="second.xlsx"
        )
        seconds.append(t)
        read3 = read_survey(io.BytesIO(second_file), round=round)
        t, same = timed(survey_import_rows, survey=survey, read=read3, by=user, name="third.xlsx")
        assert not same.changed
        thirds.append(t)

    def ms(values: list[float]) -> str:
        return f"{statistics.median(values) * 1000:7.1f} ms"

    print(
        f"survey import: {args.products} products, {entrepreneurs} entrepreneurs, "
        f"{len(first_file) / 1024:.0f} KB .xlsx, median of {args.runs} runs "
        f"(SQLite in memory, {connection.vendor})"
    )
    print(f"  read the file (calamine + reader)        {ms(reads)}")
    print(
        f"  import, every answer new                 {ms(firsts)}  "
        f"({statistics.median(queries):.0f} queries)"
    )
    print(
        f"  import, {changed.entrepreneurs.changed} entrepreneurs and "
        f"{changed.products.changed} products changed   {ms(seconds)}"
    )
    print(f"  import, nothing changed                  {ms(thirds)}")


if __name__ == "__main__":
    main()
