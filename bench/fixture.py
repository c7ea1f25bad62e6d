"""The country-scale fixture the dashboard and load benchmarks share.

On a bench PostgreSQL database (bench.common), `fixture_ensure`:
1. migrates;
2. generates the registry with `generate_registry` (kept under var/bench/ and reused:
   the generator is deterministic) and imports it through the registry service;
3. sets up round 2564-2 on that snapshot, with an official target for two districts
   in three;
4. gives every district a survey and a report in a mix of states, and fills them:
   every base entrepreneur and product answered, a report line for every base product
   (about a third of them with sales). The answers are inserted with INSERT ... SELECT
   statements: this is a benchmark's fixture, not an import path, and it takes seconds
   instead of minutes. The values depend only on the rows' ids, so they are the same
   on every run. Rows are inserted survey by survey, as the portal makes them (a
   survey's answers are created together when it starts), so that they lie on disk as
   they would in production; then VACUUM ANALYZE does what autovacuum would in time.

A database that already holds the same fixture is reused as it is; one whose fill is
of an older version of this module is filled again; one that holds a registry of
another size is dropped and made again.
"""

from __future__ import annotations

import io
import time
from pathlib import Path

from bench.common import AS_OF, BENCH_VAR, ROUND, database_ensure

ADMIN = "bench-admin"
#: Marks the fill (as the reason of its targets); change it when _fill changes.
FILL_MARK = "bench fill v3"


def registry_file(rows: int, seed: int) -> Path:
    """The generated registry (made once, then reused)."""
    from django.core.management import call_command

    path = BENCH_VAR / f"registry-{rows}-seed{seed}.xlsx"
    if not path.exists():
        BENCH_VAR.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial.xlsx")
        call_command(
            "generate_registry", "--products", str(rows), "--seed", str(seed), "-o", str(partial)
        )
        partial.rename(path)
    return path


def _state(source_name: str) -> str:
    """The database's state: ready, stale (filled by an older _fill), empty (nothing
    imported yet) or other (another registry)."""
    from products.models import RegistrySnapshot, Target
    from reports.models import ReportLine
    from surveys.models import Survey

    names = set(RegistrySnapshot.objects.values_list("source_name", flat=True))
    if not names:
        return "empty"
    if names != {source_name}:
        return "other"
    if Survey.objects.count() == 928 and ReportLine.objects.exists():
        return "ready" if Target.objects.filter(reason=FILL_MARK).exists() else "stale"
    return "other"


def _status(code: str, salt: int) -> str:
    """A district's form state, fixed by its code: 30% approved, 20% submitted, 10%
    returned, 40% draft (so that more than 300 districts can still edit)."""
    k = (int(code) * salt) % 10
    if k < 3:
        return "approved"
    if k < 5:
        return "submitted"
    if k < 6:
        return "returned"
    return "draft"


def _fill(round, codes: list[str] | None = None) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from districts.models import District, User
    from products.models import Target
    from reports.models import Report
    from surveys.models import Survey

    admin = User.objects.get(username=ADMIN)
    now = timezone.now()
    if codes is None:
        codes = list(District.objects.order_by("code").values_list("code", flat=True))
    with transaction.atomic():
        for model, salt in ((Survey, 7919), (Report, 104729)):
            objs = []
            for code in codes:
                status = _status(code, salt)
                done = status in ("submitted", "approved")
                objs.append(
                    model(
                        round=round,
                        district_id=code,
                        status=status,
                        submitted_at=now if done else None,
                        submitted_by=admin if done else None,
                        reviewed_at=now if status in ("approved", "returned") else None,
                        reviewed_by=admin if status in ("approved", "returned") else None,
                        return_reason="ตรวจแล้วขอให้แก้ยอดจำหน่าย" if status == "returned" else "",
                        late=int(code) % 13 == 0 and done,
                    )
                )
            model.objects.bulk_create(objs)
        Target.objects.bulk_create(
            [
                Target(
                    round=round,
                    district_id=code,
                    official=5 + int(code) % 40,
                    reason=FILL_MARK,
                    set_by=admin,
                )
                for code in codes
                if int(code) % 3
            ],
            ignore_conflicts=True,
        )
        base = (
            "p.registered AND p.status = 'active' "
            "AND p.registered_year BETWEEN %(start)s AND %(end)s"
        )
        params = {"round": round.pk, "start": round.window_start, "end": round.window_end}
        with connection.cursor() as cur:
            cur.execute(
                f"""
                INSERT INTO surveys_productanswer (survey_id, product_id, ready, answered_at)
                SELECT s.id, p.id, p.id %% 5 < 2, now()
                FROM products_product p
                JOIN surveys_survey s ON s.district_id = p.district_id AND s.round_id = %(round)s
                WHERE {base}
                ORDER BY s.id, p.id
                """,
                params,
            )
            cur.execute(
                f"""
                INSERT INTO surveys_entrepreneuranswer (survey_id, entrepreneur_id, trained,
                    selling_online, has_standard, sales_prev_year, answered_at, version)
                SELECT s.id, e.id, e.id %% 3 = 0, e.id %% 4 = 0, e.id %% 5 = 0,
                    (e.id %% 7) * 1500, now(), 1
                FROM products_entrepreneur e
                JOIN surveys_survey s ON s.district_id = e.district_id AND s.round_id = %(round)s
                WHERE EXISTS (SELECT 1 FROM products_product p
                              WHERE p.entrepreneur_id = e.id AND {base})
                ORDER BY s.id, e.id
                """,
                params,
            )
            months = ", ".join(
                f"CASE WHEN p.id %% 3 = 0 THEN ((p.id * {k}) %% 4000) + 100 ELSE 0 END"
                for k in (7, 11, 13, 17, 19, 23)
            )
            cur.execute(
                f"""
                INSERT INTO reports_reportline (report_id, product_id, facebook, line, shopee,
                    lazada, otop_today, other_channel, url, month_1, month_2, month_3, month_4,
                    month_5, month_6, sales_baseline, baseline_source, note, answered_at,
                    version)
                SELECT r.id, p.id, p.id %% 3 = 0, p.id %% 6 = 0, p.id %% 9 = 0, false, false,
                    '', '', {months},
                    CASE WHEN p.id %% 4 = 0 THEN (p.id %% 9000) + 500 ELSE NULL END,
                    CASE WHEN p.id %% 4 = 0 THEN 'entered' ELSE '' END, '', now(), 1
                FROM products_product p
                JOIN reports_report r ON r.district_id = p.district_id AND r.round_id = %(round)s
                WHERE {base}
                ORDER BY r.id, p.id
                """,
                params,
            )
    # The fill writes with SQL, not through the services, so it recomputes the
    # per-district totals the pages read as `manage.py rebuild_totals` would (issue #19).
    from reports.services import district_totals_rebuild

    district_totals_rebuild(round=round)
    # As autovacuum would in time: statistics for the planner, and the visibility map
    # that index-only scans need.
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")


def _unfill() -> None:
    """Remove what _fill made (and anything the load test added to it)."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            "TRUNCATE surveys_productanswer, surveys_entrepreneuranswer, surveys_surveyupload, "
            "surveys_historicalproductanswer, surveys_historicalentrepreneuranswer, "
            "surveys_historicalsurvey, surveys_survey, reports_reportline, reports_reportupload, "
            "reports_historicalreportline, reports_historicalreport, reports_report, "
            "products_target, products_historicaltarget, reports_districttotals CASCADE"
        )


def _admin_ensure() -> None:
    from django.contrib.auth.hashers import make_password

    from districts.models import User
    from districts.scoping import Role

    User.objects.update_or_create(
        username=ADMIN,
        defaults={
            "role": Role.ADMIN,
            "is_staff": True,
            "is_superuser": True,
            "password": make_password(None),
        },
    )


def _round_ensure(snapshot):
    """Round 2564-2 on `snapshot`, with the seed's values, through the service."""
    from products.selectors import round_get
    from products.services.rounds import round_setup

    round_setup(code=ROUND, snapshot=snapshot)
    return round_get(ROUND)


def phayao_ensure(url: str, *, log=print) -> None:
    """A database with Phayao alone (the demo's registry, 1,873 base products), its
    surveys and reports filled the same way: the scale the query counts compare with."""
    from bench.common import django_setup

    database_ensure(url)
    django_setup(url)
    from django.core.management import call_command

    from products.demo.phayao import (
        DEMO_AS_OF,
        DEMO_SOURCE,
        PHAYAO,
        SEED_TABLE,
        district_plans,
        registry_rows,
    )
    from products.models import Target
    from products.services.registry import registry_import
    from surveys.models import Survey

    call_command("migrate", verbosity=0, interactive=False)
    if Survey.objects.filter(district__province_id=PHAYAO).count() == len(SEED_TABLE):
        _totals_upgrade(log)
        return
    # The demo's registry and official targets (as products.demo.phayao.demo_load makes them,
    # without its users).
    log(f"fixture: loading Phayao's demo registry into {url}")
    _admin_ensure()
    rows = list(registry_rows(district_plans({c: v[:2] for c, v in SEED_TABLE.items()})))
    imported = registry_import(rows=rows, as_of=DEMO_AS_OF, source_name=DEMO_SOURCE)
    round = _round_ensure(imported.snapshot)
    Target.objects.bulk_create(
        [Target(round=round, district_id=c, official=v[2]) for c, v in SEED_TABLE.items()],
        ignore_conflicts=True,
    )
    _fill(round, codes=sorted(SEED_TABLE))


def _totals_upgrade(log) -> None:
    """A database kept from before migration reports.0007 holds totals rows without the
    forms' progress and survey counts (its pages would count them live): recompute them,
    as the README's upgrade note says."""
    from django.core.management import call_command

    from reports.models import DistrictTotals

    if DistrictTotals.objects.filter(report_lines__isnull=True).exists():
        log("fixture: totals from before reports.0007: manage.py rebuild_totals")
        call_command("rebuild_totals", stdout=io.StringIO())


def fixture_ensure(url: str, *, rows: int, seed: int = 1, log=print) -> dict:
    """Make the bench database hold the country fixture; returns what it did and took.

    Django must not be set up yet: this creates the database first, then sets Django
    up against it (bench.common.django_setup).
    """
    from bench.common import django_setup

    info: dict = {"rows": rows, "seed": seed}
    created = database_ensure(url)
    django_setup(url)
    from django.core.management import call_command
    from django.db import connections

    t = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    info["migrate_s"] = round(time.perf_counter() - t, 1)
    path = registry_file(rows, seed)
    state = "empty" if created else _state(path.name)
    if state == "other":
        log(f"fixture: {url} holds another registry: making it again")
        connections.close_all()
        database_ensure(url, recreate=True)
        call_command("migrate", verbosity=0, interactive=False)
        state = "empty"
    info["reused"] = state == "ready"
    if state == "ready":
        log(f"fixture: reusing {url} ({path.name})")
        _totals_upgrade(log)
        return info
    if state == "stale":
        log("fixture: filling the surveys and reports again (the fill has changed)")
        t = time.perf_counter()
        from products.selectors import round_get

        _unfill()
        _fill(round_get(ROUND))
        info["fill_s"] = round(time.perf_counter() - t, 1)
        return info

    from products.registry_workbook import parse_date_option
    from products.services.registry import registry_import_file

    _admin_ensure()
    log(f"fixture: importing {path.name}")
    t = time.perf_counter()
    with path.open("rb") as fh:
        result = registry_import_file(file=fh, as_of=parse_date_option(AS_OF), name=path.name)
    info["import_s"] = round(time.perf_counter() - t, 1)
    info["products"] = result.products.new
    info["entrepreneurs"] = result.entrepreneurs.new
    the_round = _round_ensure(result.snapshot)
    log("fixture: filling every district's survey and report")
    t = time.perf_counter()
    _fill(the_round)
    info["fill_s"] = round(time.perf_counter() - t, 1)
    return info
