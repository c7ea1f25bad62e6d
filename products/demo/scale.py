"""A country-sized registry for benchmarks and load tests (issue 6, item 1).

`country_plans` spreads a number of registry rows over every district of the country
(or of some provinces), and `products.demo.phayao.registry_rows` generates each district's
rows from its plan, so a district's rows are the same whether it is generated alone
or with the whole country. `registry_write_csv` streams rows to a CSV file;
`products.registry_workbook.registry_write` streams them to an .xlsx file. Both keep
memory flat whatever the number of rows: nothing holds more than one district's rows.

How the rows are spread: each district's share is its number of subdistricts (a rough
proxy for its population) times a log-normal noise, so that some districts are busy
OTOP centres and others have a handful of producers, as in the real registry. About
3% of each district's rows are outside the base (cancelled, or registered after the
window), and there are about 93 entrepreneurs for every 200 rows, the ratio of the
department's registry (93,000 producers, 200,000 products).
"""

from __future__ import annotations

import csv
import math
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from districts.models import District
from otop_portal.cells import csv_safe
from products.demo.phayao import MAX_PRODUCTS_PER_ENTREPRENEUR, DistrictPlan, district_plans
from products.registry_workbook import COLUMNS, RegistryRow, registry_cells

MSG_NO_DISTRICTS = _("ไม่พบอำเภอที่จะสร้างข้อมูล (ยังไม่ได้โหลดข้อมูลพื้นที่หรือรหัสจังหวัดไม่ถูกต้อง)")
#: The English plural follows the districts; the English words the rows so that any
#: number of them reads well.
MSG_TOO_FEW_ROWS = ngettext_lazy(
    "%(rows)s แถวน้อยเกินไปสำหรับ %(districts)s อำเภอ ต้องมีอย่างน้อย %(least)s แถว (อำเภอละ 2 แถว)",
    "%(rows)s แถวน้อยเกินไปสำหรับ %(districts)s อำเภอ ต้องมีอย่างน้อย %(least)s แถว (อำเภอละ 2 แถว)",
    "districts",
)

#: Entrepreneurs per registry row in the department's registry (93,000 / 200,000).
ENTREPRENEURS_PER_ROW = 93_000 / 200_000
#: The share of a district's rows outside the base (as products.demo.phayao does by default).
EXTRAS_SHARE = 0.03
#: The spread of the districts' sizes: sigma of the log-normal noise on their weights.
SIZE_NOISE = 0.6


@dataclass
class CountryPlan:
    plans: list[DistrictPlan]

    @property
    def rows(self) -> int:
        return sum(p.products + (p.extras or 0) for p in self.plans)

    @property
    def products(self) -> int:
        """Products of the base (rows outside the base excluded)."""
        return sum(p.products for p in self.plans)

    @property
    def entrepreneurs(self) -> int:
        """Entrepreneurs of the base."""
        return sum(p.entrepreneurs for p in self.plans)


def _allocate(total: int, weights: list[float], minimum: int) -> list[int]:
    """Split `total` into integers proportional to `weights`, each at least `minimum`
    (largest remainder method, so the parts add up to `total` exactly)."""
    spare = total - minimum * len(weights)
    whole = sum(weights)
    shares = [spare * w / whole for w in weights]
    parts = [minimum + math.floor(s) for s in shares]
    left = total - sum(parts)
    by_remainder = sorted(
        range(len(weights)), key=lambda i: shares[i] - math.floor(shares[i]), reverse=True
    )
    for i in by_remainder[:left]:
        parts[i] += 1
    return parts


def country_plans(
    *, rows: int, seed: int = 1, provinces: Iterable[str] | None = None
) -> CountryPlan:
    """Plans whose rows add up to exactly `rows`, over every district of the country
    (or of `provinces`), deterministic for a seed. Three queries.

    Raises ValueError when there are fewer than two rows per district.
    """
    districts = District.objects.annotate(subdistricts_count=Count("subdistricts"))
    if provinces is not None:
        districts = districts.filter(province_id__in=list(provinces))
    sizes = list(districts.order_by("code").values_list("code", "subdistricts_count"))
    if not sizes:
        raise ValueError(str(MSG_NO_DISTRICTS))
    if rows < 2 * len(sizes):
        raise ValueError(
            str(MSG_TOO_FEW_ROWS % {"rows": rows, "districts": len(sizes), "least": 2 * len(sizes)})
        )
    rng = random.Random(f"{seed}:country")
    weights = [max(n, 1) * rng.lognormvariate(0, SIZE_NOISE) for _code, n in sizes]
    totals = _allocate(rows, weights, minimum=2)

    # Each district's rows: its base products, then about 3% outside the base (every
    # third of which is a newcomer entrepreneur with a single late product).
    extras = [round(t * EXTRAS_SHARE) for t in totals]
    base = [t - x for t, x in zip(totals, extras, strict=True)]
    newcomers = sum(x // 3 for x in extras)
    wanted = round(rows * ENTREPRENEURS_PER_ROW) - newcomers
    ratio = wanted / sum(base)
    figures: dict[str, tuple[int, int]] = {}
    for (code, _n), products in zip(sizes, base, strict=True):
        # Some districts have a few big producers, others many small ones.
        guess = round(products * ratio * rng.uniform(0.8, 1.2))
        low = math.ceil(products / MAX_PRODUCTS_PER_ENTREPRENEUR)
        figures[code] = (min(max(guess, low, 1), products), products)
    plans = district_plans(figures)
    for plan, extra in zip(plans, extras, strict=True):
        plan.extras = extra
    return CountryPlan(plans)


class Counter:
    """Counts the rows and entrepreneurs of a stream of rows as it passes, in constant
    memory: registry_rows yields each entrepreneur's products one after another."""

    def __init__(self) -> None:
        self.rows = 0
        self.entrepreneurs = 0

    def count(self, rows: Iterable[RegistryRow]) -> Iterator[RegistryRow]:
        previous = None
        for row in rows:
            self.rows += 1
            if row.entrepreneur_code != previous:
                self.entrepreneurs += 1
                previous = row.entrepreneur_code
            yield row


def registry_write_csv(rows: Iterable[RegistryRow], path) -> None:
    """Write rows as the flat registry in UTF-8 CSV (with a byte-order mark, as Excel
    saves it), streaming: the same cells as products.registry_workbook.registry_csv,
    which builds the whole file in memory."""
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([header for _name, header, _aliases in COLUMNS])
        for row in rows:
            writer.writerow([csv_safe(c) for c in registry_cells(row)])
