"""The dashboard at country scale on PostgreSQL (issue 6, item 5).

Makes (or reuses) the country fixture in the bench database (bench/fixture.py: the
generated registry imported, round 2564-2, every district's survey and report filled),
then measures with Django's test client, in this process, as production runs (DEBUG
off):
- the province page of the province with the most base products, of the one with the
  most districts (Bangkok's 50) and of Phayao;
- the country page;
each `--requests` times after `--warmup` requests: the server time's p50 and p95, and
the queries one request makes. The query counts are compared with the same pages on a
database holding Phayao alone (a second bench database, made once with the demo).

Also the report and survey pages of the district with the most base products, as its
officer sees them with both forms in draft (a form on each line), with their size on
the wire (gzip, as a browser asks). Every request asks for gzip.

Before the timed requests it flushes PostgreSQL's dirty pages and waits (at most two
minutes) for the machine's one-minute load average to fall below 1: in `make bench` the
registry's import runs just before, and PostgreSQL writes and vacuums after it.

Goals: province p95 <= 150 ms, country p95 <= 100 ms (issue 19), the biggest district's
report and survey pages p95 <= 60 ms and <= 60 KB compressed, the same number of
queries as with Phayao alone. `--explain` prints EXPLAIN ANALYZE of each page's slowest queries.

    .venv/bin/python bench/dashboard.py [--quick] [--requests 30] [--json FILE]

--quick uses 20,000 registry rows in the database otop_bench_quick. Only databases named
otop_bench* on 127.0.0.1 are ever touched.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (  # noqa: E402
    DEFAULT_URL,
    QUICK_URL,
    ROOT,
    ROUND,
    SETTLE_LOAD,
    settle_machine,
    timings_summary,
    write_json,
)

PROVINCE_GOAL_MS = 150
#: Issue 19: the country page reads the maintained totals (400 ms in issue 6).
COUNTRY_GOAL_MS = 100
#: Issue 19: the biggest district's report and survey pages, time and gzipped size.
DISTRICT_GOAL_MS = 60
DISTRICT_GOAL_KB = 60
PHAYAO_URL = "postgres://postgres@127.0.0.1:5432/otop_bench_phayao"


def _client():
    from django.test import Client

    from bench.fixture import ADMIN
    from districts.models import User

    # As a browser asks: the pages are compressed (issue 19), and that costs CPU too.
    client = Client(HTTP_ACCEPT_ENCODING="gzip")
    client.force_login(User.objects.get(username=ADMIN))
    return client


def _static_storage():
    """Pages are rendered without the collected static files' manifest."""
    from django.test import override_settings

    return override_settings(
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
    )


def query_count(client, url: str) -> tuple[int, list[dict]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"{url}: HTTP {response.status_code}")
    return len(ctx.captured_queries), ctx.captured_queries


def _officer_client(district: str):
    """A client signed in as the officer of `district`, whose survey and report are put
    back to draft: the pages officers wait on are the ones they fill, with a form on
    each line (an approved report's page has none, and was the lighter page measured
    before)."""
    from django.test import Client

    from districts.models import User
    from districts.scoping import Role
    from otop_portal.workflow import Status
    from reports.models import Report
    from surveys.models import Survey

    officer, _created = User.objects.update_or_create(
        username=f"bench-officer-{district}",
        defaults={"role": Role.OFFICER, "district_id": district, "is_active": True},
    )
    for model in (Report, Survey):
        model.objects.filter(round__in=_rounds(), district_id=district).update(status=Status.DRAFT)
    client = Client(HTTP_ACCEPT_ENCODING="gzip")
    client.force_login(officer)
    return client


def _rounds():
    from products.selectors import round_get

    return [round_get(ROUND)]


def measure(client, urls: dict[str, str], *, warmup: int, requests: int) -> dict[str, dict]:
    """Time each page `requests` times after `warmup` requests. The pages take turns,
    so that whatever else the machine does slows them alike. A page given as (client,
    url) is asked by that client rather than `client`."""
    import os

    clients = {name: url[0] if isinstance(url, tuple) else client for name, url in urls.items()}
    urls = {name: url[1] if isinstance(url, tuple) else url for name, url in urls.items()}
    for name, url in urls.items():
        for _i in range(warmup):
            clients[name].get(url)
    times: dict[str, list[float]] = {name: [] for name in urls}
    load_before = os.getloadavg()
    for _i in range(requests):
        for name, url in urls.items():
            t = time.perf_counter()
            response = clients[name].get(url)
            times[name].append(time.perf_counter() - t)
            if response.status_code != 200:
                raise SystemExit(f"{url}: HTTP {response.status_code}")
    load = [round(x, 2) for x in (*load_before[:1], os.getloadavg()[0])]
    out = {}
    for name, url in urls.items():
        queries, captured = query_count(clients[name], url)
        wire = clients[name].get(url)
        out[name] = {
            "url": url,
            **timings_summary(times[name]),
            "queries": queries,
            "wire_kb": round(len(wire.content) / 1024, 1),
            "gzip": wire.get("Content-Encoding") == "gzip",
            "load_average": load,
            "_captured": captured,
        }
    return out


def explain(captured: list[dict], *, top: int = 3) -> None:
    from django.db import connection

    for q in captured:
        print(f"   {float(q['time']) * 1000:6.1f} ms  {q['sql'][:150]}")
    slowest = sorted(captured, key=lambda q: float(q["time"]), reverse=True)[:top]
    for q in slowest:
        print(f"\n-- {float(q['time']) * 1000:.1f} ms: {q['sql'][:300]}")
        with connection.cursor() as cur:
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + q["sql"])
            for (line,) in cur.fetchall():
                print("   ", line)


def biggest_province(round) -> tuple[str, int]:
    from django.db.models import Count

    from products.models import Product

    row = (
        Product.objects.base(round)
        .values("district__province_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    return row["district__province_id"], row["n"]


def biggest_district(round) -> tuple[str, int]:
    from django.db.models import Count

    from products.models import Product

    row = (
        Product.objects.base(round)
        .order_by()
        .values("district_id")
        .annotate(n=Count("id"))
        .order_by("-n", "district_id")
        .first()
    )
    return row["district_id"], row["n"]


def most_districts() -> tuple[str, int]:
    from django.db.models import Count

    from districts.models import Province

    p = Province.objects.annotate(n=Count("districts")).order_by("-n", "code").first()
    return p.code, p.n


def phayao_counts() -> dict:
    """Query counts of the same pages on the Phayao-only database (a subprocess: a
    process sets Django up against one database)."""
    out = subprocess.run(
        [sys.executable, str(Path(__file__)), "--phayao-counts"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    if out.returncode != 0:
        raise SystemExit(f"the Phayao-only run failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _phayao_main() -> None:
    from bench.fixture import phayao_ensure

    phayao_ensure(PHAYAO_URL, log=lambda m: print(m, file=sys.stderr))
    from django.urls import reverse

    with _static_storage():
        client = _client()
        province, _q = query_count(client, reverse("dashboards:province", args=[ROUND, "56"]))
        country, _q = query_count(client, reverse("dashboards:country", args=[ROUND]))
    print(json.dumps({"province": province, "country": country}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="20,000 rows instead of 200,000")
    parser.add_argument("--rows", type=int, help="registry rows (default 200000, quick 20000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", help=f"default {DEFAULT_URL} ({QUICK_URL} with --quick)")
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE slow queries")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    parser.add_argument("--phayao-counts", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phayao_counts:
        _phayao_main()
        return

    rows = args.rows or (20_000 if args.quick else 200_000)
    url = args.database_url or (QUICK_URL if args.quick else DEFAULT_URL)
    started = time.perf_counter()
    from bench.fixture import fixture_ensure

    fixture = fixture_ensure(url, rows=rows, seed=args.seed)
    from django.urls import reverse

    from products.selectors import round_get

    code, base = biggest_province(round_get(ROUND))
    district, district_base = biggest_district(round_get(ROUND))
    wide, wide_districts = most_districts()
    phayao = phayao_counts()
    # The application as the servers load it (otop_portal.wsgi: its objects frozen out
    # of the garbage collector's generations, as each gunicorn worker does).
    import otop_portal.wsgi  # noqa: F401

    quiet = settle_machine()
    print(
        f"settled: waited {quiet['waited_s']} s for a load average below {SETTLE_LOAD} "
        f"(now {quiet['load_average']})"
    )
    with _static_storage():
        client = _client()
        officer = _officer_client(district)
        pages = measure(
            client,
            {
                "province": reverse("dashboards:province", args=[ROUND, code]),
                "province_phayao": reverse("dashboards:province", args=[ROUND, "56"]),
                "province_most_districts": reverse("dashboards:province", args=[ROUND, wide]),
                "country": reverse("dashboards:country", args=[ROUND]),
                "district_report": (officer, reverse("reports:detail", args=[ROUND, district])),
                "district_survey": (officer, reverse("surveys:detail", args=[ROUND, district])),
            },
            warmup=args.warmup,
            requests=args.requests,
        )
        for name, page in pages.items():
            print(
                f"{name:16} p50 {page['p50_ms']:7.1f} ms  p95 {page['p95_ms']:7.1f} ms"
                f"  {page['queries']} queries  {page['wire_kb']} KB  {page['url']}"
            )
            if args.explain:
                explain(page["_captured"])
    for page in pages.values():
        captured = page.pop("_captured")
        slowest = sorted(captured, key=lambda q: float(q["time"]), reverse=True)[:3]
        page["slowest_queries"] = [
            {"ms": round(float(q["time"]) * 1000, 1), "sql": q["sql"][:160]} for q in slowest
        ]
        # Product's default ordering joins the entrepreneurs into the base counts unless
        # the query clears it (see bench/RESULTS.md's notes).
        page["base_count_joins_entrepreneurs"] = any(
            'COUNT(DISTINCT "products_product"."entrepreneur_id")' in q["sql"]
            and 'JOIN "products_entrepreneur"' in q["sql"]
            for q in captured
        )
    result = {
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "rows": rows,
        "database": url.rsplit("/", 1)[-1],
        "fixture": fixture,
        "settled": quiet,
        "province": {"code": code, "base_products": base, **pages["province"]},
        "province_phayao": pages["province_phayao"],
        "province_most_districts": {
            "code": wide,
            "districts": wide_districts,
            **pages["province_most_districts"],
        },
        "country": pages["country"],
        "district_report": {
            "code": district,
            "base_products": district_base,
            **pages["district_report"],
        },
        "district_survey": {
            "code": district,
            "base_products": district_base,
            **pages["district_survey"],
        },
        "phayao_alone_queries": phayao,
        "goals": {
            "province_p95_ms": PROVINCE_GOAL_MS,
            "country_p95_ms": COUNTRY_GOAL_MS,
            "province_met": pages["province"]["p95_ms"] <= PROVINCE_GOAL_MS,
            "country_met": pages["country"]["p95_ms"] <= COUNTRY_GOAL_MS,
            "province_queries_same": pages["province"]["queries"] == phayao["province"],
            "country_queries_same": pages["country"]["queries"] == phayao["country"],
            "district_p95_ms": DISTRICT_GOAL_MS,
            "district_kb": DISTRICT_GOAL_KB,
            "district_report_met": pages["district_report"]["p95_ms"] <= DISTRICT_GOAL_MS
            and pages["district_report"]["wire_kb"] <= DISTRICT_GOAL_KB,
            "district_survey_met": pages["district_survey"]["p95_ms"] <= DISTRICT_GOAL_MS
            and pages["district_survey"]["wire_kb"] <= DISTRICT_GOAL_KB,
        },
        "seconds": round(time.perf_counter() - started, 1),
    }
    print(f"queries with Phayao alone: province {phayao['province']}, country {phayao['country']}")
    write_json(args.json, result)


if __name__ == "__main__":
    main()
