"""The registry import at country scale, against its floor and against
django-import-export (issue 6, item 2).

For the generated registry (generate_registry, made once and kept under var/bench/ by
bench/fixture.py), each run measures, each in a fresh Python process, on PostgreSQL:
1. the floor (bench/floor.py): python-calamine reading the file, plus a COPY of the
   same cells into a new table (the COPY into a temporary table, which is not logged,
   is reported too);
2. the first import of the file (products.services.registry.registry_import_file: read, clean,
   check, then write in one transaction) into an empty registry;
3. a second import of the same file, which changes nothing;
4. django-import-export importing the first --die-rows products of the same rows (and
   their entrepreneurs) through the admin's ModelResources (EntrepreneurResource, then
   ProductResource, as the admin does, with their settings), from datasets made before
   the clock starts; its time is extrapolated linearly to the whole file's rows.

The time of an import is the service call's, from opening the file to the commit; the
peak memory is the process's maximum resident set (ru_maxrss), Django included. Each
figure is the median of --runs runs; the ratios are computed within each run (the floor
and the import measured side by side) and their median is reported.

Goals: first import <= 3x the floor; >= 20x faster than django-import-export; peak
memory < 1 GB; the unchanged re-import faster than the first import.

    .venv/bin/python bench/registry.py [--quick] [--rows N] [--runs 3] [--json FILE]

Prints the figures, then one JSON line with all of them. --quick uses 20,000 rows, one
run, and 1,000 rows for django-import-export. The database is otop_bench_registry
(otop_bench_registry_quick with --quick), emptied before each import: only databases
named otop_bench* on 127.0.0.1 are ever touched.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import AS_OF, ROOT, write_json  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/otop_bench_registry"
QUICK_URL = "postgres://postgres@127.0.0.1:5432/otop_bench_registry_quick"
FLOOR_GOAL = 3.0
DIE_GOAL = 20.0
MEMORY_GOAL_MB = 1024


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def _timed(phases: dict, name: str, function):
    def timed(*args, **kwargs):
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            phases[name] = phases.get(name, 0.0) + time.perf_counter() - started

    return timed


def child_import(path: str) -> dict:
    """Import the file once (this process is fresh); the figures as a dict, with the
    time of each phase: the upload's extent check, reading and cleaning the rows (the
    check included), the plan (loading the registry and comparing), and the writes."""
    from otop_portal import uploads
    from products.registry_workbook import parse_date_option
    from products.services import registry as services

    phases: dict[str, float] = {}
    uploads.check_extent = _timed(phases, "extent_check_s", uploads.check_extent)
    services._registry_read = _timed(phases, "read_s", services._registry_read)
    services._registry_plan = _timed(phases, "plan_s", services._registry_plan)
    services._registry_apply_copy = _timed(phases, "write_s", services._registry_apply_copy)
    with open(path, "rb") as fh:
        started = time.perf_counter()
        result = services.registry_import_file(
            file=fh, as_of=parse_date_option(AS_OF), name=Path(path).name
        )
        seconds = time.perf_counter() - started
    phases["other_s"] = seconds - sum(phases.get(k, 0.0) for k in ("read_s", "plan_s", "write_s"))
    return {
        "seconds": seconds,
        "phases": phases,
        "maxrss_mb": _maxrss_mb(),
        "rows": result.row_count,
        "districts": len(result.districts),
        "products": result.products.as_dict(),
        "entrepreneurs": result.entrepreneurs.as_dict(),
    }


def child_die(path: str, products: int) -> dict:
    """django-import-export on the first `products` rows of the file, timed."""
    import tablib

    from products.admin import EntrepreneurResource, ProductResource
    from products.registry_workbook import registry_read

    rows = registry_read(path).rows
    all_entrepreneurs = len({r.entrepreneur_code for r in rows})
    subset = rows[:products]
    entrepreneurs = tablib.Dataset(
        headers=["code", "name", "type", "house_no", "moo", "subdistrict", "phone", "registered"]
    )
    seen = set()
    for r in subset:
        if r.entrepreneur_code not in seen:
            seen.add(r.entrepreneur_code)
            entrepreneurs.append(
                [
                    r.entrepreneur_code,
                    r.entrepreneur_name,
                    r.entrepreneur_type,
                    r.house_no,
                    r.moo,
                    r.subdistrict_code,
                    r.phone,
                    1,
                ]
            )
    items = tablib.Dataset(
        headers=["code", "entrepreneur", "name", "type", "registered_year", "status", "registered"]
    )
    for r in subset:
        items.append(
            [
                r.product_code,
                r.entrepreneur_code,
                r.product_name,
                r.product_type,
                r.registered_year,
                str(r.status),
                1,
            ]
        )
    timings = {}
    for name, resource_class, dataset in (
        ("entrepreneurs", EntrepreneurResource, entrepreneurs),
        ("products", ProductResource, items),
    ):
        started = time.perf_counter()
        result = resource_class().import_data(
            dataset, dry_run=False, raise_errors=True, use_transactions=True
        )
        timings[name] = time.perf_counter() - started
        if result.has_errors() or result.has_validation_errors():
            raise SystemExit(f"django-import-export refused the {name}")
    full = timings["entrepreneurs"] / len(entrepreneurs) * all_entrepreneurs
    full += timings["products"] / len(items) * len(rows)
    return {
        "seconds": sum(timings.values()),
        "entrepreneurs_s": timings["entrepreneurs"],
        "products_s": timings["products"],
        "rows": len(items),
        "entrepreneurs": len(entrepreneurs),
        "extrapolated_s": full,
        "all_rows": len(rows),
        "all_entrepreneurs": all_entrepreneurs,
    }


def _child(args: list[str]) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, cwd=ROOT
    )
    if done.returncode:
        raise SystemExit(f"bench/registry.py {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _empty_registry() -> None:
    """Empty the registry of the bench database (and what refers to it)."""
    from django.db import connection

    from products.models import Entrepreneur, Product, RegistrySnapshot, SnapshotProduct

    # SnapshotProduct has no database foreign keys for CASCADE to follow: named too.
    models = (Product, Entrepreneur, RegistrySnapshot, SnapshotProduct)
    tables = ", ".join(m._meta.db_table for m in models)
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


def _median(values) -> float:
    return round(statistics.median(values), 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="20,000 rows instead of 200,000")
    parser.add_argument("--rows", type=int, help="registry rows (default 200000, quick 20000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, help="runs of each measurement (default 3, quick 1)")
    parser.add_argument(
        "--die-rows", type=int, help="django-import-export's rows (default 5000, quick 1000)"
    )
    parser.add_argument("--database-url", help=f"default {DEFAULT_URL} ({QUICK_URL} with --quick)")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    parser.add_argument("--child", choices=["import", "die"], help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    url = args.database_url or (QUICK_URL if args.quick else DEFAULT_URL)
    rows = args.rows or (20_000 if args.quick else 200_000)
    args.runs = args.runs or (1 if args.quick else 3)
    args.die_rows = args.die_rows or (1000 if args.quick else 5000)

    from bench.common import database_ensure, django_setup, machine

    if args.child:
        django_setup(url)
        if args.child == "import":
            print(json.dumps(child_import(args.file)))
        else:
            print(json.dumps(child_die(args.file, args.die_rows)))
        return

    from bench import floor
    from bench.fixture import registry_file

    database_ensure(url)
    django_setup(url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    path = str(registry_file(rows, args.seed))
    print(f"registry: {path}", file=sys.stderr)

    runs = []
    for number in range(1, args.runs + 1):
        _empty_registry()
        common = ["--database-url", url, "--file", path]
        die = _child(["--child", "die", *common, "--die-rows", str(args.die_rows)])
        _empty_registry()
        low = floor.measure_in_child(path, url)
        first = _child(["--child", "import", *common])
        again = _child(["--child", "import", *common])
        if (
            first["products"]["new"] != first["rows"]
            or again["products"]["unchanged"] != again["rows"]
        ):
            raise SystemExit(f"unexpected import counts: {first} / {again}")
        floor_s = low["read_s"] + low["copy_s"]
        run = {
            "floor_read_s": low["read_s"],
            "floor_copy_s": low["copy_s"],
            "floor_copy_temp_s": low["copy_temp_s"],
            "floor_s": floor_s,
            "import_s": first["seconds"],
            "reimport_s": again["seconds"],
            "import_maxrss_mb": first["maxrss_mb"],
            "reimport_maxrss_mb": again["maxrss_mb"],
            "die_subset_s": die["seconds"],
            "die_extrapolated_s": die["extrapolated_s"],
            "import_vs_floor": first["seconds"] / floor_s,
            "die_vs_import": die["extrapolated_s"] / first["seconds"],
            "reimport_vs_import": again["seconds"] / first["seconds"],
            **{f"import_{k}": v for k, v in first["phases"].items()},
            **{f"reimport_{k}": v for k, v in again["phases"].items()},
        }
        runs.append(run)
        print(
            f"run {number}: floor {floor_s:.1f} s (read {low['read_s']:.1f} + copy "
            f"{low['copy_s']:.1f}), import {first['seconds']:.1f} s "
            f"({run['import_vs_floor']:.2f}x floor, {first['maxrss_mb']:.0f} MB), "
            f"re-import {again['seconds']:.1f} s, django-import-export "
            f"{die['seconds']:.1f} s for {die['rows']:,} rows -> {die['extrapolated_s']:.0f} s "
            f"({run['die_vs_import']:.0f}x)",
            file=sys.stderr,
        )

    result = {
        "bench": "registry",
        "command": "bench/registry.py"
        + (" --quick" if args.quick else "")
        + ("" if args.rows is None else f" --rows {rows}"),
        "machine": machine(),
        "file": Path(path).name,
        "rows": first["rows"],
        "districts": first["districts"],
        "entrepreneurs": first["entrepreneurs"]["new"],
        "runs": len(runs),
        "floor_read_s": _median(r["floor_read_s"] for r in runs),
        "floor_copy_s": _median(r["floor_copy_s"] for r in runs),
        "floor_copy_temp_s": _median(r["floor_copy_temp_s"] for r in runs),
        "floor_s": _median(r["floor_s"] for r in runs),
        "import_s": _median(r["import_s"] for r in runs),
        "reimport_s": _median(r["reimport_s"] for r in runs),
        "import_vs_floor": _median(r["import_vs_floor"] for r in runs),
        "reimport_vs_import": _median(r["reimport_vs_import"] for r in runs),
        "die_rows": die["rows"],
        "die_entrepreneurs": die["entrepreneurs"],
        "die_subset_s": _median(r["die_subset_s"] for r in runs),
        "die_extrapolated_s": _median(r["die_extrapolated_s"] for r in runs),
        "die_vs_import": _median(r["die_vs_import"] for r in runs),
        "import_phases": {
            k.removeprefix("import_"): _median(r[k] for r in runs)
            for k in runs[0]
            if k.startswith("import_") and k.endswith("_s") and k != "import_s"
        },
        "reimport_phases": {
            k.removeprefix("reimport_"): _median(r[k] for r in runs)
            for k in runs[0]
            if k.startswith("reimport_") and k.endswith("_s") and k != "reimport_s"
        },
        "peak_memory_mb": round(
            max(max(r["import_maxrss_mb"], r["reimport_maxrss_mb"]) for r in runs)
        ),
        "goals": {},
        "each_run": [{k: round(v, 2) for k, v in r.items()} for r in runs],
    }
    result["goals"] = {
        "import_within_3x_floor": result["import_vs_floor"] <= FLOOR_GOAL,
        "20x_faster_than_django_import_export": result["die_vs_import"] >= DIE_GOAL,
        "peak_memory_under_1_gb": result["peak_memory_mb"] < MEMORY_GOAL_MB,
        "reimport_faster": result["reimport_vs_import"] < 1,
    }
    print(
        f"floor {result['floor_s']} s, import {result['import_s']} s "
        f"({result['import_vs_floor']}x, goal <= {FLOOR_GOAL}x), re-import "
        f"{result['reimport_s']} s, django-import-export {result['die_extrapolated_s']:.0f} s "
        f"({result['die_vs_import']:.0f}x slower, goal >= {DIE_GOAL:.0f}x), peak memory "
        f"{result['peak_memory_mb']} MB (goal < {MEMORY_GOAL_MB} MB)",
        file=sys.stderr,
    )
    if args.json:
        write_json(args.json, result)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
