"""The country's consolidated attachments 2 and 3, against xlsxwriter (issue 6, item 3).

On the country fixture (bench/fixture.py: the generated registry imported, round
2564-2, every district's survey and report filled), each run measures, each in a fresh
Python process, for the survey form (attachment 2) and the report form (attachment 3)
of every district of the country:
- the export: the app's row generator (surveys.selectors.survey_export_blocks,
  reports.selectors.report_export_rows) read from PostgreSQL and written by the app's
  writer (surveys.workbook.write_survey, reports.workbook.write_report) to a file, in
  xlsxwriter's constant_memory mode;
- the floor: xlsxwriter's constant_memory write of the same cells, in the same layout
  (the same formats, merges, widths and print settings). The calls the app's writer
  makes are recorded first, with the clock stopped; then a new workbook replays them
  through xlsxwriter's public API (a merge as merge_range), and the clock runs from the
  first cell to the workbook's close;
- the export's peak memory (ru_maxrss, Django included), for the whole country and for
  the provinces holding the first tenth of its products, to show how it grows.

Goals: each export takes at most 1.3x its floor; memory stays flat: the whole
country's peak is at most 1.5x that of a tenth of its rows (MEMORY_FLAT; Django itself
takes about 70 MB of either). xlsxwriter's
merge_range keeps a record of every cell of every merged range (for its overlap check)
and the ranges themselves until the sheet is closed, so the floor's memory grows with
the merges, which are one per entrepreneur's column in attachment 2; the app's writer
registers its data merges without that record and keeps the ranges on disk
(otop_portal.xlsx.FormWriter.merge_down), so its memory does not.

    .venv/bin/python bench/exports.py [--quick] [--rows N] [--runs 3] [--json FILE]

Prints the figures, then one JSON line with all of them. --quick uses the 20,000-row
fixture and one run. Only databases named otop_bench* on 127.0.0.1 are ever touched.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import DEFAULT_URL, QUICK_URL, ROOT, ROUND, write_json  # noqa: E402

GOAL = 1.3
MEMORY_FLAT = 1.5
KINDS = ("survey", "report")


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def _districts(scope: str):
    """Every district, or those of the first provinces (in DOPA order) that hold a
    tenth of the base products."""
    from django.db.models import Count

    from districts.models import District, Province
    from products.models import Product
    from products.selectors import round_get

    districts = District.objects.all()
    if scope == "all":
        return districts
    round = round_get(ROUND)
    counts = dict(
        Product.objects.base(round)
        .order_by()
        .values_list("district__province_id")
        .annotate(n=Count("id"))
    )
    wanted, total, chosen = sum(counts.values()) / 10, 0, []
    for code in Province.objects.order_by("code").values_list("code", flat=True):
        if total >= wanted:
            break
        chosen.append(code)
        total += counts.get(code, 0)
    return districts.filter(province_id__in=chosen)


def export(kind: str, output, districts) -> int:
    """The app's export of the districts to `output`; returns the product rows written."""
    from products.selectors import round_get

    round = round_get(ROUND)
    if kind == "survey":
        from surveys.selectors import survey_export_blocks
        from surveys.workbook import write_survey

        return write_survey(
            output,
            round=round,
            province_name=None,  # the whole country ("ทุกจังหวัด"), as the app's job writes it
            blocks=survey_export_blocks(round=round, districts=districts),
        )
    from reports.selectors import report_district_headings, report_export_rows
    from reports.workbook import write_report

    count = 0

    def counted(rows):
        nonlocal count
        for row in rows:
            count += 1
            yield row

    write_report(
        output,
        round=round,
        province_name=None,
        district_name=None,
        rows=counted(report_export_rows(round=round, districts=districts)),
        district_names=report_district_headings(districts, country=True),
    )
    return count


def child_export(kind: str, scope: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{kind}.xlsx"
        started, cpu = time.perf_counter(), time.process_time()
        rows = export(kind, str(path), _districts(scope))
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        size = path.stat().st_size
    return {
        "seconds": seconds,
        "cpu_s": cpu,
        "rows": rows,
        "maxrss_mb": _maxrss_mb(),
        "bytes": size,
    }


# ---------------------------------------------------------------------------
# The floor: record the writer's calls to xlsxwriter, then replay them
# ---------------------------------------------------------------------------


class _Format:
    """A format as recorded: its properties, and its place in the workbook."""

    def __init__(self, index: int, properties: dict):
        self.index, self.properties = index, properties


class _RecordedMerges:
    """Worksheet.merge as FormWriter.merge_down appends to it: recorded as the public
    merge_range (unformatted, as FormWriter registers merges), which the floor replays."""

    def __init__(self, calls: list):
        self._calls = calls

    def append(self, cell_range) -> None:
        self._calls.append(("merge_range", (*cell_range, "", None), {}))


class _RecordingSheet:
    #: xlsxwriter's last flushed row in constant_memory mode: a recording flushes none.
    previous_row = 0

    def __init__(self, calls: list):
        self._calls = calls
        self._merges = _RecordedMerges(calls)

    @property
    def merge(self):
        return self._merges

    @merge.setter
    def merge(self, value):
        pass  # FormWriter's on-disk list: the recording keeps the merges instead

    def __getattr__(self, name):
        calls = self._calls
        if name.startswith("_"):
            return lambda *args: 0  # xlsxwriter's own checks (_check_dimensions)

        def record(*args, **kwargs):
            calls.append((name, args, kwargs))
            return 0

        return record


class _RecordingWorkbook:
    """Stands in for xlsxwriter.Workbook: keeps the calls, writes nothing."""

    last: _RecordingWorkbook | None = None

    def __init__(self, output, options=None):
        self.options = options or {}
        self.formats: list[_Format] = []
        self.sheets: list[tuple[str, list]] = []
        _RecordingWorkbook.last = self

    def add_format(self, properties=None):
        found = _Format(len(self.formats), dict(properties or {}))
        self.formats.append(found)
        return found

    def add_worksheet(self, name=None):
        calls: list = []
        self.sheets.append((name, calls))
        return _RecordingSheet(calls)

    def close(self):
        pass


def child_floor(kind: str) -> dict:
    import types

    import xlsxwriter

    from otop_portal import xlsx

    # Record (the clock is not running).
    real = xlsx.xlsxwriter
    xlsx.xlsxwriter = types.SimpleNamespace(Workbook=_RecordingWorkbook)
    try:
        rows = export(kind, os.devnull, _districts("all"))
    finally:
        xlsx.xlsxwriter = real
    recorded = _RecordingWorkbook.last
    cells = sum(len(calls) for _name, calls in recorded.sheets)

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{kind}-floor.xlsx"
        book = xlsxwriter.Workbook(str(path), recorded.options)
        formats = [book.add_format(f.properties) for f in recorded.formats]
        plan = []
        for name, calls in recorded.sheets:
            sheet = book.add_worksheet(name)
            methods: dict = {}
            for method, args, kwargs in calls:
                bound = methods.get(method) or methods.setdefault(method, getattr(sheet, method))
                plan.append(
                    (
                        bound,
                        tuple(formats[a.index] if isinstance(a, _Format) else a for a in args),
                        kwargs,
                    )
                )
        del recorded, calls
        # The recorded calls are millions of objects that the app's export never holds:
        # keep the garbage collector from walking them again and again during the replay.
        gc.collect()
        gc.freeze()
        started, cpu = time.perf_counter(), time.process_time()
        for method, args, kwargs in plan:
            method(*args, **kwargs)
        book.close()
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        size = path.stat().st_size
    return {"seconds": seconds, "cpu_s": cpu, "rows": rows, "calls": cells, "bytes": size}


def _child(url: str, args: list[str]) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--database-url", url, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    if done.returncode:
        raise SystemExit(f"bench/exports.py {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _median(values) -> float:
    return round(statistics.median(values), 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="20,000 rows instead of 200,000")
    parser.add_argument("--rows", type=int, help="registry rows (default 200000, quick 20000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, help="runs of each measurement (default 3, quick 1)")
    parser.add_argument("--database-url", help=f"default {DEFAULT_URL} ({QUICK_URL} with --quick)")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    parser.add_argument("--child", choices=["export", "floor"], help=argparse.SUPPRESS)
    parser.add_argument("--kind", choices=KINDS, help=argparse.SUPPRESS)
    parser.add_argument("--scope", choices=["all", "tenth"], default="all", help=argparse.SUPPRESS)
    args = parser.parse_args()
    url = args.database_url or (QUICK_URL if args.quick else DEFAULT_URL)
    rows = args.rows or (20_000 if args.quick else 200_000)
    args.runs = args.runs or (1 if args.quick else 3)

    from bench.common import django_setup, machine

    if args.child:
        django_setup(url)
        if args.child == "export":
            print(json.dumps(child_export(args.kind, args.scope)))
        else:
            print(json.dumps(child_floor(args.kind)))
        return

    from bench.fixture import fixture_ensure

    fixture = fixture_ensure(
        url, rows=rows, seed=args.seed, log=lambda m: print(m, file=sys.stderr)
    )
    result: dict = {
        "bench": "exports",
        "command": "bench/exports.py"
        + (" --quick" if args.quick else "")
        + ("" if args.rows is None else f" --rows {rows}"),
        "machine": machine(),
        "registry_rows": fixture["rows"],
        "runs": args.runs,
        "goals": {},
    }
    for kind in KINDS:
        runs = []
        for number in range(1, args.runs + 1):
            floor = _child(url, ["--child", "floor", "--kind", kind])
            ours = _child(url, ["--child", "export", "--kind", kind])
            runs.append(
                {
                    "export_s": ours["seconds"],
                    "floor_s": floor["seconds"],
                    "ratio": ours["seconds"] / floor["seconds"],
                    "maxrss_mb": ours["maxrss_mb"],
                }
            )
            print(
                f"{kind} run {number}: export {ours['seconds']:.1f} s, xlsxwriter floor "
                f"{floor['seconds']:.1f} s ({runs[-1]['ratio']:.2f}x), {ours['rows']:,} rows, "
                f"{ours['maxrss_mb']:.0f} MB",
                file=sys.stderr,
            )
        tenth = _child(url, ["--child", "export", "--kind", kind, "--scope", "tenth"])
        figures = {
            "rows": ours["rows"],
            "cells_and_calls": floor["calls"],
            "export_s": _median(r["export_s"] for r in runs),
            "floor_s": _median(r["floor_s"] for r in runs),
            "ratio": _median(r["ratio"] for r in runs),
            "peak_memory_mb": round(max(r["maxrss_mb"] for r in runs)),
            "tenth_rows": tenth["rows"],
            "tenth_peak_memory_mb": round(tenth["maxrss_mb"]),
            "bytes": ours["bytes"],
            "each_run": [{k: round(v, 2) for k, v in r.items()} for r in runs],
        }
        result[kind] = figures
        result["goals"][f"{kind}_within_{GOAL}x_floor"] = figures["ratio"] <= GOAL
        result["goals"][f"{kind}_memory_flat"] = (
            figures["peak_memory_mb"] <= MEMORY_FLAT * figures["tenth_peak_memory_mb"]
        )
        print(
            f"{kind}: export {figures['export_s']} s, floor {figures['floor_s']} s, "
            f"{figures['ratio']}x (goal <= {GOAL}x); peak memory {figures['peak_memory_mb']} MB "
            f"for {figures['rows']:,} rows, {figures['tenth_peak_memory_mb']} MB for "
            f"{figures['tenth_rows']:,}",
            file=sys.stderr,
        )
    if args.json:
        write_json(args.json, result)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
