"""`make bench` and `make bench-quick`: run the country-scale benchmarks in order and
write their figures to bench/RESULTS.md (bench/RESULTS-quick.md with --quick).

1. the registry import against its floors (bench/registry.py, when it exists);
2. the country exports against xlsxwriter's floor (bench/exports.py, when it exists);
3. the dashboard at country scale (bench/dashboard.py);
4. the load test: district officers against gunicorn (bench/load/run.py);
5. capacity: the officers' mix at rising load until its p95 passes 300 ms, against a
   bare Django view's ceiling measured in the same run (bench/capacity.py);
6. (full run only) the same load on two app instances and two task workers
   (bench/load/run.py --instances 2 --db-workers 2), the deployment of
   README.md, "Running for the whole country" shown once on this machine.

Each benchmark runs in its own process and writes JSON; a benchmark that fails is
reported as such and the others still run. Every figure is written with its goal or
floor, its ratio to it, and the command that reproduces it. The machine is described
(cores, memory, Python, PostgreSQL) with its load average, because the figures are
noisy on a shared machine.

    .venv/bin/python bench/run.py [--quick] [--only dashboard,load] [--no-deploy]

A benchmark script takes part by accepting `--json FILE` (and `--quick`); if its JSON
has a "figures" list of {"figure", "value", "unit", "target", "target_kind", "ratio",
"met", "command"}, those rows go in the summary table; its JSON is listed in full in
any case.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import BENCH_VAR, ROOT, cpu_share, cpu_ticks, machine  # noqa: E402

PY = ".venv/bin/python"


def steps(quick: bool, deploy: bool, database_url: str | None = None) -> list[dict]:
    q = ["--quick"] if quick else []
    if database_url:
        q = [*q, "--database-url", database_url]
    out = [
        {"name": "registry", "script": "bench/registry.py", "args": q, "optional": True},
        {"name": "exports", "script": "bench/exports.py", "args": q, "optional": True},
        {"name": "dashboard", "script": "bench/dashboard.py", "args": q},
        {"name": "load", "script": "bench/load/run.py", "args": q},
        {"name": "capacity", "script": "bench/capacity.py", "args": q},
    ]
    if not quick and shutil.which("valgrind"):
        # Needs valgrind (README.md, on bench/instructions.py): left out without it.
        db = ["--database-url", database_url] if database_url else []
        out.append(
            {
                "name": "instructions",
                "script": "bench/instructions.py",
                "args": db,
                "optional": True,
            }
        )
    if deploy and not quick:
        out.append(
            {
                "name": "deploy",
                "script": "bench/load/run.py",
                "args": [
                    *q,
                    "--instances",
                    "2",
                    "--db-workers",
                    "2",
                    "--province-staff",
                    "5",
                ],
            }
        )
    return out


def run_step(step: dict, results: Path) -> dict:
    """Run one benchmark; returns its JSON (or why there is none) and its output."""
    script = ROOT / step["script"]
    command = " ".join([PY, step["script"], *step["args"]])
    if not script.exists():
        return {"status": "absent", "command": command}
    out_json = results / f"{step['name']}.json"
    out_json.unlink(missing_ok=True)
    args = [sys.executable, str(script), *step["args"], "--json", str(out_json)]
    started = time.perf_counter()
    ticks = cpu_ticks()
    print(f"== {step['name']}: {command}", flush=True)
    proc = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=3600)
    if proc.returncode != 0 and "--json" in proc.stderr and "unrecognized" in proc.stderr:
        # A benchmark that does not write JSON: keep what it printed.
        proc = subprocess.run(
            [sys.executable, str(script), *step["args"]],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=3600,
        )
    seconds = round(time.perf_counter() - started, 1)
    cpu = cpu_share(ticks, cpu_ticks())
    output = (proc.stdout + proc.stderr)[-4000:]
    print(output[-1500:], flush=True)
    if proc.returncode != 0:
        return {
            "status": "failed",
            "command": command,
            "seconds": seconds,
            "machine_cpu": cpu,
            "output": output,
        }
    data = json.loads(out_json.read_text(encoding="utf-8")) if out_json.exists() else None
    return {
        "status": "ok",
        "command": command,
        "seconds": seconds,
        "machine_cpu": cpu,
        "data": data,
        "output": output if data is None else "",
    }


# ---------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------


def _row(figure, value, unit, target, kind, met, command, ratio=None) -> dict:
    if ratio is None and value is not None and target:
        ratio = value / target
    return {
        "figure": figure,
        "value": value,
        "unit": unit,
        "target": target,
        "target_kind": kind,
        "ratio": round(ratio, 3) if ratio is not None else None,
        "met": met,
        "command": command,
    }


def dashboard_figures(d: dict, command: str) -> list[dict]:
    p, c, ph = d["province"], d["country"], d["phayao_alone_queries"]
    g = d["goals"]
    return [
        _row(
            f"province page p95 ({p['code']}, {p['base_products']:,} base products)",
            p["p95_ms"],
            "ms",
            g["province_p95_ms"],
            "goal",
            g["province_met"],
            command,
        ),
        _row(
            "country page p95",
            c["p95_ms"],
            "ms",
            g["country_p95_ms"],
            "goal",
            g["country_met"],
            command,
        ),
        *_district_figures(d, command),
        _row(
            "province page queries (Phayao alone)",
            p["queries"],
            "queries",
            ph["province"],
            "Phayao alone",
            g["province_queries_same"],
            command,
        ),
        _row(
            "country page queries (Phayao alone)",
            c["queries"],
            "queries",
            ph["country"],
            "Phayao alone",
            g["country_queries_same"],
            command,
        ),
    ]


def _district_figures(d: dict, command: str) -> list[dict]:
    """The biggest district's report and survey pages (issue 19), when measured."""
    g = d["goals"]
    rows = []
    for key, label in (("district_report", "report"), ("district_survey", "survey")):
        p = d.get(key)
        if p is None:
            continue
        name = (
            f"{label} page of the biggest district ({p['code']}, {p['base_products']:,} products)"
        )
        rows += [
            _row(
                f"{name} p95",
                p["p95_ms"],
                "ms",
                g["district_p95_ms"],
                "goal",
                p["p95_ms"] <= g["district_p95_ms"],
                command,
            ),
            _row(
                f"{name}, on the wire (gzip)",
                p["wire_kb"],
                "KB",
                g["district_kb"],
                "goal",
                p["wire_kb"] <= g["district_kb"],
                command,
            ),
        ]
    return rows


def load_figures(d: dict, command: str, label: str) -> list[dict]:
    total = d["steady"]["total"] or {}
    g = d["goals"]
    errors = total.get("failures", 0) + d["logins"]["failures"]
    all_failures = d.get("all_requests", {}).get("failures", 0)
    rows = [
        _row(
            f"{label}: p95 latency, {d['users']} officers, {d['steady_seconds']} s",
            total.get("p95_ms"),
            "ms",
            g["p95_ms"],
            "goal",
            g["p95_met"],
            command,
        ),
        _row(
            f"{label}: errors (whole run, logins included)",
            max(errors, all_failures),
            "errors",
            0,
            "goal",
            g["errors_met"],
            command,
        ),
        _row(
            f"{label}: answers lost or duplicated",
            d["verification"]["problem_count"],
            "problems",
            0,
            "goal",
            g["no_lost_or_duplicated"],
            command,
        ),
    ]
    return rows


def registry_figures(d: dict, command: str) -> list[dict]:
    """The import engineer's bench/registry.py JSON."""
    g = d.get("goals", {})
    rows = d.get("rows", 0)
    return [
        _row(
            f"registry import, {rows:,} rows, against calamine's read + COPY into a table "
            "(goal: at most 3x)",
            d["import_s"],
            "s",
            d["floor_s"],
            "floor",
            g.get("import_within_3x_floor"),
            command,
            ratio=d.get("import_vs_floor"),
        ),
        *(
            [
                _row(
                    "registry import against read + COPY into a temporary table (not "
                    "logged, so no import can keep its rows there: for comparison only)",
                    d["import_s"],
                    "s",
                    d["floor_read_s"] + d["floor_copy_temp_s"],
                    "read + COPY, temporary table",
                    None,
                    command,
                )
            ]
            if d.get("floor_copy_temp_s") is not None
            else []
        ),
        _row(
            "registry import against django-import-export (goal: 20x faster)",
            d["import_s"],
            "s",
            d["die_extrapolated_s"],
            "django-import-export",
            g.get("20x_faster_than_django_import_export"),
            command,
        ),
        _row(
            "registry import peak memory",
            d["peak_memory_mb"],
            "MB",
            1024,
            "goal",
            g.get("peak_memory_under_1_gb"),
            command,
        ),
        _row(
            "registry re-import, unchanged (goal: faster than the import)",
            d["reimport_s"],
            "s",
            d["import_s"],
            "first import",
            g.get("reimport_faster"),
            command,
        ),
    ]


def exports_figures(d: dict, command: str) -> list[dict]:
    """bench/exports.py JSON: each attachment against xlsxwriter's constant_memory."""
    g = d.get("goals", {})
    out = []
    for key, label in (("survey", "attachment 2"), ("report", "attachment 3")):
        e = d[key]
        out.append(
            _row(
                f"country export, {label}, {e['rows']:,} rows (goal: at most 1.3x the floor)",
                e["export_s"],
                "s",
                e["floor_s"],
                "xlsxwriter floor",
                g.get(f"{key}_within_1.3x_floor"),
                command,
                ratio=e.get("ratio"),
            )
        )
        tenth = e.get("tenth_peak_memory_mb")
        out.append(
            _row(
                f"country export, {label}, peak memory (goal: flat, at most 1.5x that of "
                f"a tenth of the rows, {e.get('tenth_rows', 0):,})",
                e["peak_memory_mb"],
                "MB",
                tenth,
                "a tenth of the rows" if tenth else "",
                g.get(f"{key}_memory_flat"),
                command,
            )
        )
    return out


ADAPTERS = {"registry": registry_figures, "exports": exports_figures}


def collect_figures(results: dict) -> list[dict]:
    rows: list[dict] = []
    for name, r in results.items():
        if r["status"] != "ok" or not r.get("data"):
            rows.append(
                {
                    "figure": name,
                    "value": None,
                    "unit": "",
                    "target": None,
                    "target_kind": "",
                    "ratio": None,
                    "met": None if r["status"] == "absent" else False,
                    "command": r["command"],
                    "note": r["status"],
                }
            )
            continue
        data = r["data"]
        if name == "dashboard":
            rows += dashboard_figures(data, r["command"])
        elif name in ("load", "deploy"):
            label = "load" if name == "load" else "2 instances + 2 workers"
            rows += load_figures(data, r["command"], label)
        elif isinstance(data.get("figures"), list):
            rows += [{**f, "command": f.get("command", r["command"])} for f in data["figures"]]
        elif name in ADAPTERS:
            try:
                rows += ADAPTERS[name](data, r["command"])
            except (KeyError, TypeError, ZeroDivisionError):
                pass  # the JSON has changed shape: it is still listed in full below
    return rows


# ---------------------------------------------------------------------------
# RESULTS.md
# ---------------------------------------------------------------------------


def _num(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.1f}" if value < 1000 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _ratio(value) -> str:
    if value is None:
        return "–"
    return f"{value:.2f}" if value >= 0.1 else f"{value:.3f}"


def _met(met) -> str:
    return {True: "met", False: "**missed**", None: "–"}[met]


def render(*, quick: bool, info: dict, results: dict, figures: list[dict], seconds: float) -> str:
    lines = [
        "# Benchmark results" + (" (quick: 20,000 rows)" if quick else " (200,000 rows)"),
        "",
        (
            f"Written by `{PY} bench/run.py{' --quick' if quick else ''}` "
            f"({'make bench-quick' if quick else 'make bench'}) on {info['date']}, "
            f"in {seconds / 60:.1f} minutes."
            if seconds and not info.get("only")
            else f"`{PY} bench/run.py --only {','.join(info['only'])}` ran those again on "
            f"{info['date']}; the other sections are from the last full run (each section "
            "gives its run's date and load average)."
            if seconds
            else f"Assembled by `{PY} bench/run.py{' --quick' if quick else ''} --render-only` "
            f"from each benchmark's last run, the last on {info['date']}; each section "
            "gives its run's date and load average."
        ),
        "",
        "## Machine",
        "",
        "| | |",
        "|---|---|",
        f"| CPU | {info['nproc']} cores, {info['cpu']} |",
        f"| Memory | {info['memory_gb']} GB |",
        f"| Python | {info['python']} |",
        f"| PostgreSQL | {info['postgresql']} (on 127.0.0.1) |",
        f"| OS | {info['os']} |",
    ]
    if info.get("load_average"):
        lines += [
            f"| Load average at the start | {', '.join(str(x) for x in info['load_average'])} |",
            f"| Load average at the end | {', '.join(str(x) for x in info['load_average_end'])} |",
        ]
    lines += [
        "",
        "**The figures are noisy.** This machine is a 2-core virtual machine: whatever "
        "else runs on it (a test suite, say) takes CPU from the benchmarks, and the same "
        "code has measured up to twice as slow on one such machine as on another (the "
        "load test's CPU per request: 40 ms on an AMD EPYC machine on 2026-12-06 at 11:26 "
        "UTC, 19 ms on an Intel Xeon machine at 13:38 UTC; the machine table gives the "
        "CPU). Each section below gives the load average and how busy the machine's cores "
        "were during it. The query counts and the verification of the answers do not "
        "depend on it; the times, rates and latencies do. Measure again on a quiet "
        "machine before drawing conclusions from a missed latency goal.",
        "",
        "## Summary",
        "",
        "| Figure | Value | Goal or floor | Ratio | | Reproduce |",
        "|---|---:|---:|---:|---|---|",
    ]
    for f in figures:
        target = (
            f"{_num(f['target'])} {f['unit']} ({f['target_kind']})"
            if f.get("target") is not None
            else f.get("note", "–")
        )
        value = f"{_num(f['value'])} {f['unit']}" if f.get("value") is not None else "–"
        lines.append(
            f"| {f['figure']} | {value} | {target} | {_ratio(f.get('ratio'))} | "
            f"{_met(f.get('met'))} | `{f['command']}` |"
        )
    lines += [
        "",
        "Ratio: the figure divided by its goal or floor (below 1 is better; for the registry "
        "import and the exports, the benchmark's own ratio, the median of its runs; for "
        "the capacity, whose goal is a floor it must reach, above 1 is better).",
        "",
    ]
    why = notes(results, info)
    if why:
        lines += ["## Why a goal was missed", "", *why, ""]
    for name, r in results.items():
        lines += [f"## {name}", "", f"`{r['command']}`: {r['status']}"]
        if r.get("seconds") is not None:
            lines[-1] += f" in {r['seconds']} s"
        if r.get("machine_cpu"):
            c = r["machine_cpu"]
            lines[-1] += (
                f"; meanwhile the machine's cores were {c['busy_pct']}% busy (this benchmark "
                f"and anything else running) and {c['steal_pct']}% stolen by the hypervisor"
            )
        lines.append("")
        if name == "dashboard" and r.get("data"):
            lines += _dashboard_section(r["data"])
        if name in ("load", "deploy") and r.get("data"):
            lines += _load_section(r["data"])
        if name == "capacity" and r.get("data"):
            lines += _capacity_section(r["data"])
        if r.get("data") is not None:
            lines += [
                "<details><summary>JSON</summary>",
                "",
                "```json",
                json.dumps(r["data"], indent=2, ensure_ascii=False),
                "```",
                "</details>",
                "",
            ]
        elif r.get("output"):
            lines += ["```", r["output"].strip(), "```", ""]
    return "\n".join(lines) + "\n"


def notes(results: dict, info: dict) -> list[str]:
    """What explains each missed goal, from the figures of this run."""
    out = []
    reg = (results.get("registry") or {}).get("data")
    if reg and not all(reg.get("goals", {}).values()):
        phases = reg.get("import_phases") or {}
        load = (reg.get("machine") or {}).get("load_average") or ["?"]
        out.append(
            f"- **Registry import.** {reg['import_s']} s against a floor of {reg['floor_s']} s "
            f"(calamine {reg['floor_read_s']} s + COPY {reg['floor_copy_s']} s). Where the "
            "import's time went: "
            + ", ".join(
                f"{k.removesuffix('_s').replace('_', ' ')} {v} s" for k, v in phases.items()
            )
            + f" (the extent check is part of the read). Load average {load[0]} at the start, "
            "on 2 cores."
        )
    for key, label in (("survey", "attachment 2"), ("report", "attachment 3")):
        e = ((results.get("exports") or {}).get("data") or {}).get(key)
        goals = ((results.get("exports") or {}).get("data") or {}).get("goals", {})
        if e and goals.get(f"{key}_within_1.3x_floor") is False:
            out.append(
                f"- **Export, {label}.** {e['export_s']} s against xlsxwriter's "
                f"{e['floor_s']} s: the floor replays the cells already in memory, the "
                "export reads them from PostgreSQL and builds each row first; both spend "
                "most of their time in xlsxwriter (measured with cProfile), so the ratio "
                "moves with the machine's load."
            )
    d = (results.get("dashboard") or {}).get("data")
    # Without the dashboard's figures (a run of other sections only) there is nothing to say.
    district_met = d is not None and all(
        d["goals"].get(k, True) for k in ("district_report_met", "district_survey_met")
    )
    if d and not (d["goals"]["province_met"] and d["goals"]["country_met"] and district_met):
        c = d["country"]
        load = c.get("load_average") or ["?", "?"]
        slow = "; ".join(
            f"{q['ms']} ms: `{q['sql'][:90]}…`" for q in c.get("slowest_queries", [])[:2]
        )
        out.append(
            f"- **Dashboard.** The country and province pages read the per-district totals "
            f"kept by every write (issue 19): the country page makes {c['queries']} "
            f"queries{f', the slowest {slow}' if slow else ''}. The rest of a page's time is "
            f"Python. The machine's load average was {load[0]} before and {load[1]} after "
            f"the timed requests, on 2 cores."
        )
        rep, sur = d.get("district_report"), d.get("district_survey")
        if rep and sur and not district_met:
            out.append(
                f"- **The biggest district's pages** are measured as its officer, with both "
                f"forms in draft (a form to open on every line), the page officers wait on "
                f"(before issue 19's work they were measured as an administrator on an "
                f"approved report, with no forms). They make {rep['queries']} and "
                f"{sur['queries']} queries; the plausibility flags, the progress and the "
                f"KPI come from the maintained totals, and only the open line's form is "
                f"drawn; the rows of both tables are written in Python, not through the "
                f"template engine (reports.templatetags.report_tags, "
                f"surveys.templatetags.survey_tags); each page's history is one statement "
                f"of raw SQL; the report page keeps its order of lines under the totals' "
                f"stamp, the survey page its base, and the survey page reads only its page "
                f"of entrepreneurs and their answers. What is left is Django itself, "
                f"measured in-process as "
                f"bench/dashboard.py runs the pages: 10 to 18 ms for any signed-in page "
                f"(session, user, menu, layout: the jobs page), 1 to 2 ms of ORM and driver "
                f"time per query. On 2026-12-07 between 04:00 and 04:15 UTC the final code "
                f"measured, in-process, p50 44 to 48 ms and p95 44 to 62 ms for the report "
                f"page and p50 39 ms, p95 51 ms for the survey page, while the jobs page "
                f"took 13 to 18 ms: the report page's goal is met or missed by the "
                f"machine's moment."
            )
        if c.get("base_count_joins_entrepreneurs"):
            out.append(
                "- The base counts (products.selectors.targets_for_districts) still join the "
                "entrepreneurs, because Product's default ordering (entrepreneur__code) is "
                "not cleared in that GROUP BY query: PostgreSQL scans all entrepreneurs and "
                "sorts every base product on disk. `.order_by()` before `.values()` removes "
                "the join (measured: about 3 times faster at 200,000 rows)."
            )
    cap = (results.get("capacity") or {}).get("data")
    if cap and not cap["goals"]["ratio_met"]:
        out.append(
            f"- **capacity.** The officers' mix sustained {cap['capacity_rps']} req/s with p95 "
            f"<= {cap['goals']['p95_ms']} ms against {cap['bare_ceiling_rps']} req/s for a bare "
            f"view on the same gunicorn (ratio {cap['ratio']}, goal at least "
            f"{cap['goals']['ratio']}), load average {cap['load_average_before'][0]} before "
            f"and {cap['load_average_after'][0]} after on 2 cores. The steps' table in the "
            f"capacity section shows where the p95 rose."
        )
        steps = cap["officer_steps"]
        over = next((x for x in steps if x["rps"] > cap["capacity_rps"]), None)
        kinds = (over or {}).get("by_request") or {}
        if kinds:
            slowest = sorted(kinds.items(), key=lambda kv: -(kv[1]["p95_ms"] or 0))[:2]
            out.append(
                f"  At {over['users']} officers the slowest requests were "
                + " and ".join(f"{name} (p95 {r['p95_ms']} ms)" for name, r in slowest)
                + ": the upload of a district's form reads the file in a child process "
                "whose memory is bounded (otop_portal/bounded.py) and checks every row, "
                "and the bare view is a single response without a session or a query. "
                f"A sustained rate at 1/8 of it would leave "
                f"{2000 * 8 / cap['bare_ceiling_rps']:.0f} ms of the two cores' time (server, "
                f"database and load generator together) for each request of the mix, the "
                f"uploads included."
            )
    for name in ("load", "deploy"):
        r = (results.get(name) or {}).get("data")
        if not r or r["goals"]["p95_met"]:
            continue
        total = r["steady"]["total"] or {}
        cpu = r.get("cpu") or {}
        line = (
            f"- **{name}.** p95 {total.get('p95_ms')} ms at {total.get('rps')} requests/s with a "
            f"load average of {r['load_average_before'][0]} before and "
            f"{r['load_average_after'][0]} after the run on 2 cores"
        )
        if cpu:
            per = cpu["app_ms_per_request"] + cpu["postgresql_ms_per_request"]
            who = "gunicorn and the db_workers' export jobs" if r.get("db_workers") else "gunicorn"
            line += (
                f". A request of this mix costs {per:.0f} ms of server CPU ({who} "
                f"{cpu['app_ms_per_request']} ms, PostgreSQL {cpu['postgresql_ms_per_request']} ms), "
                f"so {total.get('rps')} requests/s need {per * (total.get('rps') or 0) / 1000:.2f} "
                f"cores, and the load generator took {cpu['locust_s'] / max(r['steady_seconds'] or 1, 1):.2f} "
                f"more; whatever the other processes on the machine leave is what the servers get, "
                f"and requests queue behind the sync workers when it is less. On 2 idle cores "
                f"the servers would have room for about "
                f"{(2 - cpu['locust_s'] / max(r['steady_seconds'] or 1, 1)) * 1000 / per:.0f} "
                f"requests/s of this mix"
            )
        out.append(line + ".")
    return out


def _dashboard_section(d: dict) -> list[str]:
    out = [
        "| Page | p50 | p95 | max | queries | on the wire |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for key, label in (
        ("province", f"province {d['province']['code']} (the most base products)"),
        ("province_phayao", "province 56 (Phayao)"),
        ("province_most_districts", "province with the most districts"),
        ("country", "country"),
        ("district_report", "report page of the biggest district"),
        ("district_survey", "survey page of the biggest district"),
    ):
        p = d.get(key)
        if p is None:
            continue
        if key == "province_most_districts":
            label = f"province {p['code']} ({p['districts']} districts)"
        out.append(
            f"| {label} | {p['p50_ms']} ms | {p['p95_ms']} ms | {p['max_ms']} ms | {p['queries']} "
            f"| {p['wire_kb']} KB |"
            if "wire_kb" in p
            else f"| {label} | {p['p50_ms']} ms | {p['p95_ms']} ms | {p['max_ms']} ms "
            f"| {p['queries']} | – |"
        )
    ph = d["phayao_alone_queries"]
    load = d["province"].get("load_average")
    out += [
        "",
        f"Measured on {d.get('date', '')}; load average {load[0]} before and {load[1]} "
        "after the timed requests"
        + (
            f", after waiting {d['settled']['waited_s']} s (at most 120) for the machine "
            f"to settle below a load average of 1 once PostgreSQL's dirty pages were flushed."
            if d.get("settled")
            else "."
        )
        if load
        else "",
        f"With Phayao alone in the database the province page makes {ph['province']} queries "
        f"and the country page {ph['country']}. Server time is measured in-process with "
        f"Django's test client, DEBUG off, {d['province']['n']} requests after warm-up.",
        "",
    ]
    return out


def _load_section(d: dict) -> list[str]:
    total = d["steady"]["total"] or {}
    out = [
        f"{d['users']} officers ({d['instances']} gunicorn instance(s) x "
        f"{d['gunicorn_workers']} sync workers, {d['db_workers']} db_worker)"
        + (
            f", {d['province_staff']} provincial staff exporting as jobs"
            if d["province_staff"]
            else ""
        )
        + f", {d['steady_seconds']} s of steady load after every officer logged in "
        f"(started {d['started']}, load average {d['load_average_before']} before, "
        f"{d['load_average_after']} after).",
        "",
        f"- Requests/s: **{total.get('rps')}**; latency p50 **{total.get('p50_ms')} ms**, "
        f"p95 **{total.get('p95_ms')} ms**, p99 **{total.get('p99_ms')} ms**; "
        f"failures {total.get('failures')} of {total.get('requests')}.",
        f"- Logins (before the steady window, PBKDF2 1,000,000 iterations): "
        f"{d['logins']['count']}, p50 {d['logins']['p50_ms']} ms, p95 {d['logins']['p95_ms']} ms, "
        f"{d['logins']['failures']} failed.",
        f"- Whole run, logins included: {d['all_requests'].get('count')} requests, "
        f"{d['all_requests'].get('failures')} failed.",
    ]
    cpu = d.get("cpu") or {}
    if cpu:
        who = "gunicorn and the db_workers" if d.get("db_workers") else "gunicorn"
        out.append(
            f"- Server CPU per request: {cpu['app_ms_per_request']} ms in {who} + "
            f"{cpu['postgresql_ms_per_request']} ms in PostgreSQL, so one idle core serves "
            f"about {cpu['capacity_rps_per_core']} requests/s of this mix."
        )
    v = d["verification"]
    out.append(
        f"- Verification: {v['answers_checked']:,} answers checked; {v['saves']} saves of "
        f"{v['entrepreneurs_saved']} entrepreneurs and {v['uploads_committed']} upload commits "
        f"accepted; {'no answer lost or duplicated, every version counted' if v['ok'] else 'PROBLEMS: ' + '; '.join(v['problems'][:5])}."
    )
    if d.get("jobs", {}).get("started"):
        j = d["jobs"]
        out.append(
            f"- Export jobs: {j['started']} started, {j['succeeded']} succeeded, {j['failed']} "
            f"failed; p50 {j['p50_s']} s from start to file, max {j['max_s']} s."
        )
        if d.get("jobs_by_process"):
            out.append(
                "- Jobs by the process that ran them: "
                + ", ".join(f"{k}: {v}" for k, v in sorted(d["jobs_by_process"].items()))
                + "."
            )
    out += [
        "",
        "| Request | count | req/s | p50 | p95 | p99 | max | failures |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, r in sorted(d["steady"]["by_request"].items()):
        out.append(
            f"| {name} | {r['requests']} | {r['rps']} | {r['p50_ms']:.0f} | {r['p95_ms']:.0f} | "
            f"{r['p99_ms']:.0f} | {r['max_ms']} | {r['failures']} |"
        )
    out.append("")
    return out


def _capacity_section(d: dict) -> list[str]:
    v = d["verification"]
    out = [
        f"gunicorn with {d['gunicorn_workers']} sync workers on a free port of 127.0.0.1, "
        f"locust on the same cores (started {d['started']}; load average "
        f"{d['load_average_before']} before, {d['load_average_between']} between the bare "
        f"view's first measurement and the mix, {d['load_average_after']} after)"
        + (
            f", after waiting {d['settled']['waited_s']} s (at most 120) for the machine to "
            f"settle below a load average of 1 once PostgreSQL's dirty pages were flushed."
            if d.get("settled")
            else "."
        ),
        "",
        f"- Bare Django view's ceiling (/bench-bare/, added by bench/bare_settings.py only): "
        f"**{d['bare_ceiling_rps']} req/s**"
        + (
            f", the mean of {d['bare_ceiling_before_rps']} req/s before the officers' mix "
            f"and {d['bare_ceiling_after_rps']} req/s after it."
            if d.get("bare_after_steps")
            else "."
        ),
        f"- Officers' mix (pauses of 0.5 to 1.5 s between actions): **{d['capacity_rps']} "
        f"req/s** sustained with p95 <= {d['goals']['p95_ms']} ms and no error"
        + (
            f" ({d['capacity_users']} officers, p95 {d['capacity_p95_ms']} ms)"
            if d["capacity_users"]
            else ""
        )
        + f"; ratio **{d['ratio']}** (goal at least {d['goals']['ratio']})."
        f" Errors {d['errors']}; {d['logins']} logins.",
        f"- Verification: {v.get('answers_checked', 0):,} answers checked, {v.get('saves', 0)} "
        f"saves accepted; "
        + (
            "no answer lost or duplicated."
            if v["ok"]
            else "PROBLEMS: " + "; ".join(v.get("problems", [])[:5]) + "."
        ),
        "",
        "| Run | users | req/s | p50 | p95 | failures |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for label, key in (
        ("bare view", "bare_steps"),
        ("officers' mix", "officer_steps"),
        ("bare view, after", "bare_after_steps"),
    ):
        for s in d.get(key, []):
            out.append(
                f"| {label} | {s['users']} | {s['rps']} | {s['p50_ms']} ms | {s['p95_ms']} ms "
                f"| {s['failures']} |"
            )
    out.append("")
    # The officers' step after the capacity (or the last one): its requests by kind.
    steps = d["officer_steps"]
    over = next((s for s in steps if s["rps"] > d["capacity_rps"]), steps[-1] if steps else None)
    if over and over.get("by_request"):
        out += [
            f"The officers' mix at {over['users']} officers ({over['rps']} req/s, p95 "
            f"{over['p95_ms']} ms), by kind of request:",
            "",
            "| Request | count | p50 | p95 |",
            "|---|---:|---:|---:|",
        ]
        for name, r in over["by_request"].items():
            if not r["requests"]:
                continue
            out.append(f"| {name} | {r['requests']} | {r['p50_ms']} ms | {r['p95_ms']} ms |")
        out.append("")
    out += _cpu_split(steps)
    return out


def _cpu_split(steps: list[dict]) -> list[str]:
    """Where the requests' CPU went, at each officers' step: the server, the database,
    the uploads' readers, the load generator and the rest (bench/load/cpu.py)."""
    measured = [s for s in steps if s.get("cpu_ms_per_request")]
    if not measured:
        return []
    kinds = ["gunicorn", "postgresql", "readers", "locust", "other"]
    out = [
        "CPU milliseconds per request at each officers' step, by kind of process (all "
        "processes of the machine, read from /proc over the step's hold; the two cores "
        "give 2,000 ms a second, so a rate of R req/s can afford at most 2,000 / R ms "
        "per request in all):",
        "",
        "| officers | req/s | " + " | ".join(kinds) + " | all |",
        "|---:|---:|" + "---:|" * (len(kinds) + 1),
    ]
    for s in measured:
        cpu = s["cpu_ms_per_request"]
        cells = [f"{cpu.get(k, 0.0)}" for k in kinds]
        out.append(
            f"| {s['users']} | {s['rps']} | "
            + " | ".join(cells)
            + f" | {round(sum(cpu.values()), 1)} |"
        )
    out.append("")
    return out


def saved_results(args, results_dir: Path) -> tuple[dict, dict]:
    """The last run's info and results: run.json, or else each benchmark's own JSON."""
    saved = results_dir / "run.json"
    if saved.exists():
        run = json.loads(saved.read_text(encoding="utf-8"))
        return run["info"], run["results"]
    # A run from before run.json existed: the benchmarks' own JSON files.
    info = machine()
    info["load_average"] = info["load_average_end"] = None
    info["seconds"] = 0
    results = {}
    latest = 0.0
    for step in steps(args.quick, deploy=not args.no_deploy):
        path = results_dir / f"{step['name']}.json"
        command = " ".join([PY, step["script"], *step["args"]])
        if path.exists():
            data = json.loads(path.read_text(encoding="utf-8"))
            results[step["name"]] = {"status": "ok", "command": command, "data": data}
            latest = max(latest, path.stat().st_mtime)
    info["date"] = time.strftime("%Y-%m-%d %H:%M %Z", time.localtime(latest))
    return info, results


def rerender(args, output: Path, results_dir: Path) -> None:
    info, results = saved_results(args, results_dir)
    text = render(
        quick=args.quick,
        info=info,
        results=results,
        figures=collect_figures(results),
        seconds=info.get("seconds", 0),
    )
    output.write_text(text, encoding="utf-8")
    print(f"wrote {output}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="20,000 rows, under 3 minutes")
    parser.add_argument(
        "--only",
        help="comma-separated: registry,exports,dashboard,load,capacity,instructions,deploy",
    )
    parser.add_argument("--no-deploy", action="store_true", help="skip the two-instance run")
    parser.add_argument("--output", type=Path)
    parser.add_argument(
        "--database-url",
        help="a bench database of your own (otop_bench*), for every benchmark",
    )
    parser.add_argument(
        "--render-only",
        action="store_true",
        help="write RESULTS.md again from the last run's JSON, running nothing",
    )
    args = parser.parse_args()
    output = args.output or ROOT / "bench" / ("RESULTS-quick.md" if args.quick else "RESULTS.md")
    results_dir = BENCH_VAR / ("results-quick" if args.quick else "results")
    results_dir.mkdir(parents=True, exist_ok=True)
    only = set(args.only.split(",")) if args.only else None

    if args.render_only:
        rerender(args, output, results_dir)
        return

    started = time.perf_counter()
    info = machine()
    results: dict[str, dict] = {}
    if only is not None:
        # --only runs some benchmarks again: the others keep their last run's figures
        # (each section gives its own date).
        results = saved_results(args, results_dir)[1]
        info["only"] = sorted(only)
    for step in steps(args.quick, deploy=not args.no_deploy, database_url=args.database_url):
        if only is not None and step["name"] not in only:
            continue
        result = run_step(step, results_dir)
        if result["status"] == "absent" and step.get("optional"):
            print(f"== {step['name']}: {step['script']} does not exist (yet): skipped")
        results[step["name"]] = result
    info["load_average_end"] = machine()["load_average"]
    info["seconds"] = round(time.perf_counter() - started, 1)
    (results_dir / "run.json").write_text(
        json.dumps({"info": info, "results": results}, ensure_ascii=False, default=str),
        encoding="utf-8",
    )
    figures = collect_figures(results)
    text = render(
        quick=args.quick,
        info=info,
        results=results,
        figures=figures,
        seconds=time.perf_counter() - started,
    )
    output.write_text(text, encoding="utf-8")
    print(f"wrote {output} in {(time.perf_counter() - started) / 60:.1f} min")
    missed = [f["figure"] for f in figures if f.get("met") is False]
    if missed:
        print("missed: " + "; ".join(missed))


if __name__ == "__main__":
    main()
