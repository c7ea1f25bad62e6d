"""How often the plausibility checks (reports.plausibility) flag an honest report.

The issue's goal: flags on at most 5% of the products with sales of an ordinary district's
report. The sample reports have 2 and 17 products with sales and their amounts come from a
handful of values (350, 1,200, 4,500.50, 18,000); the bench fixture (bench/fixture.py)
gives one product in three six months of (id x k) mod 4,000 + 100 baht, never a zero month,
and the demo (products/demo/phayao.py) makes no report at all. None of them looks like OTOP
sales, so this script generates districts' reports that do, and runs the portal's own
rules (`check_lines`, what every page, the review desk and the command call) on them:

- a district has 90-530 base products (Phayao's range), of 1-5 products per entrepreneur,
  and 15-40% of its products sold online in the round (Phayao: 22% in 5601, 18% in 5607);
- a product's sales are a price of the usual OTOP price points (35 to 3,500 baht) times a
  number of units: the units per month are log-normal across products (median 6, so a few
  big sellers and many small ones) with the category's season (Songkran in April, Mother's
  Day in August, the rainy months low) and gamma-Poisson noise, which gives small sellers
  months with no sale; a fifth of the products start selling online during the round;
  two in five amounts are what the platform paid (price x units less 0-10% fees, to the
  satang), the rest price x units;
- 4% of the products with sales have one wholesale order in one month (20-300 units);
- column T: a product that sold online last year (60% of those selling now) has last
  year's figure, this round's expected sales over a growth that is log-normal around 1.1;
  one in ten of them started late last year (T is 5-30% of that); the officer leaves T
  empty on 30% of the lines and rounds it to the hundred on half of the others;
- channels are always given (an honest report); an entrepreneur gives a shop link with
  probability 0.6, on Facebook, Shopee, LINE, Lazada or (3%) the front page of its own
  website; in 30% of districts 2-6 entrepreneurs sell through one shared page of the
  district's OTOP centre.

Then it plants each mistake the rules are for in every district (three extra zeros in a
month, the round total typed into column T, the round total typed into a month) on a
product with sales, and counts how many were caught.

    .venv/bin/python bench/plausibility.py [--districts 100] [--seed 1] [--json out.json]

No database: Django is set up for its settings and translations only.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import statistics
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

MONTHS = [4, 5, 6, 7, 8, 9]  # round 2, April-September (calendar months)
#: Price points (baht) and the months' season, per product type.
CATEGORIES = {
    "food": ([35, 45, 50, 59, 79, 89, 99, 120, 150, 199, 250], [1.4, 0.9, 0.8, 0.8, 1.1, 1.0]),
    "drink": ([45, 59, 89, 120, 150, 250, 350, 590], [1.5, 1.0, 0.8, 0.8, 1.0, 0.9]),
    "textile": (
        [150, 250, 290, 350, 450, 590, 890, 1200, 1500, 2500, 3500],
        [1.2, 0.8, 0.7, 0.8, 1.5, 0.9],
    ),
    "gift": ([59, 99, 150, 199, 250, 350, 450, 890, 1200], [1.3, 0.8, 0.7, 0.8, 1.4, 1.0]),
    "herbal": ([49, 69, 89, 120, 159, 199, 290, 390], [1.1, 1.0, 0.9, 0.9, 1.1, 1.0]),
}
CATEGORY_WEIGHTS = [40, 15, 20, 15, 10]
PLATFORMS = [
    "https://www.facebook.com/",
    "https://shopee.co.th/",
    "https://line.me/ti/p/~",
    "https://www.lazada.co.th/shop/",
]


def django_setup() -> None:
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789")
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "otop_portal.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    if mean > 50:  # normal approximation, rounded, for big sellers
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def district_lines(rng: random.Random, code: str) -> tuple[list, bool]:
    """One district's honest report: a LineFigures per base product, and whether some of
    its entrepreneurs sell through the district's shared page."""
    from reports.plausibility import FIRST_ROW, LineFigures

    n_products = rng.randint(90, 530)
    selling_share = rng.uniform(0.15, 0.40)
    shared_page = f"https://www.facebook.com/otop{code}" if rng.random() < 0.3 else None
    shared_members = set()
    entrepreneurs: list[tuple[str, str]] = []  # (code, link)
    lines = []
    number = 0
    while len(lines) < n_products:
        number += 1
        ent = f"{code}{number:05d}"
        link = ""
        if rng.random() < 0.6:
            if rng.random() < 0.03:
                link = f"https://www.shop{ent}.com/"
            else:
                link = rng.choice(PLATFORMS) + f"otop{ent}"
        if shared_page and len(shared_members) < rng.randint(2, 6) and rng.random() < 0.1:
            link = shared_page
            shared_members.add(ent)
        entrepreneurs.append((ent, link))
        for k in range(rng.choice([1, 1, 1, 2, 2, 3, 4, 5])):
            if len(lines) >= n_products:
                break
            lines.append(_product_line(rng, ent, link, k, selling_share, LineFigures))
    for i, line in enumerate(lines):
        line.row = FIRST_ROW + i
        line.line_id = i + 1
        line.product_id = i + 1
    return lines, bool(shared_members)


def _product_line(rng, ent, link, k, selling_share, LineFigures):
    category = rng.choices(list(CATEGORIES), CATEGORY_WEIGHTS)[0]
    prices, season = CATEGORIES[category]
    price = rng.choice(prices)
    months = [Decimal(0)] * len(MONTHS)
    baseline = None
    channels = {
        "facebook": False,
        "line": False,
        "shopee": False,
        "lazada": False,
        "otop_today": False,
        "other_channel": "",
        "url": "",
    }
    if rng.random() < selling_share:
        units = rng.lognormvariate(math.log(6), 1.2)
        start = rng.randint(1, 5) if rng.random() < 0.2 else 0
        paid = rng.random() < 0.4
        for m in range(start, len(MONTHS)):
            mean = rng.gammavariate(1.5, units * season[m] / 1.5)
            n = _poisson(rng, mean)
            months[m] = _amount(rng, price * n, paid)
        if rng.random() < 0.04:
            m = rng.randrange(len(MONTHS))
            bulk = round(math.exp(rng.uniform(math.log(20), math.log(300))))
            months[m] += _amount(rng, price * bulk * 0.85, paid)
        total = sum(months)
        if total > 0:
            channels[rng.choice(["facebook", "line", "shopee", "lazada", "otop_today"])] = True
            channels["url"] = link
            if start == 0 and rng.random() < 0.6 and rng.random() < 0.7:
                expected = sum(price * units * s for s in season)
                last_year = expected / rng.lognormvariate(math.log(1.1), 0.6)
                if rng.random() < 0.1:
                    last_year *= rng.uniform(0.05, 0.3)
                last_year = Decimal(round(last_year))
                if rng.random() < 0.5:
                    last_year = Decimal(round(last_year, -2)) or Decimal(100)
                baseline = last_year
    elif link and rng.random() < 0.3:
        channels["url"] = link  # listed with its shop, no sale this round
    return LineFigures(
        district=ent[:4],
        product_id=None,
        product_code=f"{ent}-{k}",
        product_name=f"{category} {k + 1}",
        entrepreneur_code=ent,
        row=None,
        months=months,
        baseline=baseline,
        channels=channels,
    )


def _amount(rng: random.Random, value: float, paid: bool) -> Decimal:
    if value <= 0:
        return Decimal(0)
    if paid:
        return Decimal(str(round(value * rng.uniform(0.9, 1.0), 2)))
    return Decimal(round(value))


def plant(rng: random.Random, lines: list, mistake: str) -> int:
    """Plant one mistake on a product with sales; returns its index."""
    selling = [i for i, line in enumerate(lines) if line.total > 0]
    if mistake == "month_is_total":
        # The total lands in an empty month: only then is S left as the sum (the reader
        # refuses a given S that differs from the months).
        selling = [
            i
            for i in selling
            if sum(1 for m in lines[i].months if m > 0) >= 3
            and any(m == 0 for m in lines[i].months)
        ]
    if mistake == "extra_zeros":
        selling = [i for i in selling if max(lines[i].months) >= 50]
    i = rng.choice(selling)
    line = lines[i]
    if mistake == "extra_zeros":
        m = rng.choice([k for k, v in enumerate(line.months) if v > 0])
        line.months[m] *= 1000
    elif mistake == "baseline_is_total":
        line.baseline = line.total
    else:
        m = rng.choice([k for k, v in enumerate(line.months) if v == 0])
        line.months[m] = line.total
    return i


#: The rules about the shop link rather than the figures.
LINK_RULES = {"no_channel", "bare_link", "shared_link"}

PLANTED = {
    "extra_zeros": "month_spike",
    "baseline_is_total": "total_in_wrong_column",
    "month_is_total": "total_in_wrong_column",
}


def measure(districts: int, seed: int) -> dict:
    from reports.models import PlausibilityThresholds
    from reports.plausibility import RULES, check_lines

    thresholds = PlausibilityThresholds()
    per_district = []
    shared = []
    figures_only = []
    per_rule = Counter()
    per_rule_products = Counter()
    flagged_without_sales = 0
    products = selling = 0
    caught = Counter()
    wrong_column = Counter()
    by_chance = Counter()
    months_with_sales = []
    for d in range(districts):
        rng = random.Random(f"{seed}:{d}")
        code = f"{5000 + d:04d}"
        lines, has_shared_page = district_lines(rng, code)
        shared.append(has_shared_page)
        flags = check_lines(lines, thresholds=thresholds, months=MONTHS)
        sold = {line.line_id for line in lines if line.total > 0}
        flagged = {f.line_id for f in flags}
        products += len(lines)
        selling += len(sold)
        months_with_sales += [sum(1 for m in lines[i - 1].months if m > 0) for i in sold]
        per_district.append(len(flagged & sold) / len(sold) if sold else 0.0)
        on_figures = {f.line_id for f in flags if f.rule not in LINK_RULES}
        figures_only.append(len(on_figures & sold) / len(sold) if sold else 0.0)
        flagged_without_sales += len(flagged - sold)
        for f in flags:
            per_rule[f.rule] += 1
            if f.rule == "total_in_wrong_column":
                wrong_column["T" if f.message.startswith("ยอดช่วงเดียวกัน") else "month"] += 1
        for i in sold:
            months = lines[i - 1].months
            top = max(months)
            others = sum(1 for m in months if m > 0) - 1
            if top == sum(months) - top and others >= 2:
                by_chance[f"{min(others, 3)}+ other months" if others >= 3 else "2"] += 1
        for rule in RULES:
            per_rule_products[rule] += len({f.line_id for f in flags if f.rule == rule} & sold)
        for mistake, rule in PLANTED.items():
            planted = [line.__class__(**vars(line)) for line in lines]
            for line in planted:
                line.months = list(line.months)
            i = plant(rng, planted, mistake)
            found = check_lines(planted, thresholds=thresholds, months=MONTHS)
            if any(f.rule == rule and f.line_id == planted[i].line_id for f in found):
                caught[mistake] += 1
    totals = sorted(
        float(sum(line.months))
        for d in range(min(districts, 20))
        for line in district_lines(random.Random(f"{seed}:{d}"), f"{5000 + d:04d}")[0]
        if line.total > 0
    )
    without = [r for r, s in zip(per_district, shared, strict=True) if not s]
    with_page = [r for r, s in zip(per_district, shared, strict=True) if s]
    return {
        "districts": districts,
        "seed": seed,
        "products": products,
        "products_with_sales": selling,
        "round_total_of_a_product_with_sales_baht": {
            "p10": round(totals[len(totals) // 10]),
            "median": round(statistics.median(totals)),
            "p90": round(totals[len(totals) * 9 // 10]),
            "max": round(totals[-1]),
            "top_10pct_share_of_sales": round(
                sum(totals[len(totals) * 9 // 10 :]) / sum(totals), 2
            ),
        },
        "months_with_sales_of_a_product_with_sales": dict(
            sorted(Counter(months_with_sales).items())
        ),
        "flagged_share_of_products_with_sales_per_district": _spread(per_district),
        "the_same_districts_without_a_shared_page": _spread(without),
        "the_same_districts_with_a_shared_page": _spread(with_page),
        "the_figures_rules_only_all_districts": _spread(figures_only),
        "products_with_sales_flagged_per_rule": {
            rule: {
                "products": per_rule_products[rule],
                "share": round(per_rule_products[rule] / selling, 4),
            }
            for rule in RULES
        },
        "flags_per_rule": {rule: per_rule[rule] for rule in RULES},
        "total_in_wrong_column_flags_by_case": dict(wrong_column),
        "products_with_sales_whose_top_month_is_the_sum_of_the_others": {
            "with 2 other months with sales": by_chance["2"],
            "with 3 or more": by_chance["3+ other months"],
            "share_of_products_with_sales": round(sum(by_chance.values()) / selling, 4),
            "note": "flagged only when the month is at least MONTH_IS_SUM_MIN_STEPS times "
            "the largest amount dividing the others",
        },
        "flagged_products_without_sales": flagged_without_sales,
        "planted_mistakes_caught": {m: f"{caught[m]}/{districts}" for m in PLANTED},
    }


def _spread(rates: list[float]) -> dict:
    if not rates:
        return {}
    return {
        "districts": len(rates),
        "mean": round(statistics.mean(rates), 4),
        "median": round(statistics.median(rates), 4),
        "p90": round(sorted(rates)[len(rates) * 9 // 10], 4),
        "max": round(max(rates), 4),
        "districts_above_5pct": sum(1 for r in rates if r > 0.05),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--districts", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="write the figures here (else print them)")
    args = parser.parse_args()
    django_setup()
    result = measure(args.districts, args.seed)
    text = json.dumps(result, indent=2, ensure_ascii=False)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
