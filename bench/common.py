"""Helpers shared by the PostgreSQL benchmarks: the bench database, Django set-up,
percentiles and the machine's description.

The benchmarks only ever touch databases whose name starts with `otop_bench`, on
127.0.0.1: `bench_database_url` refuses anything else, so the shared `test` database
and the developers' SQLite file are never touched.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
BENCH_VAR = ROOT / "var" / "bench"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/otop_bench"
QUICK_URL = "postgres://postgres@127.0.0.1:5432/otop_bench_quick"
#: The round the benchmarks set up, and the date of their registry.
ROUND = "2564-2"
AS_OF = "2021-04-01"


def bench_database_url(url: str) -> str:
    """The URL, if it names a bench database on the loopback interface."""
    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    if parsed.scheme not in ("postgres", "postgresql", "pgsql"):
        raise SystemExit(f"the benchmarks need PostgreSQL, not {parsed.scheme!r}")
    if parsed.hostname not in ("127.0.0.1", "localhost"):
        raise SystemExit(f"the benchmarks run against 127.0.0.1 only, not {parsed.hostname}")
    if not name.startswith("otop_bench"):
        raise SystemExit(f"refusing database {name!r}: bench databases are named otop_bench*")
    return url


def _admin_connection(url: str):
    import psycopg2

    parsed = urlparse(url)
    conn = psycopg2.connect(
        host=parsed.hostname,
        port=parsed.port or 5432,
        user=parsed.username or "postgres",
        password=parsed.password or None,
        dbname="postgres",
    )
    conn.autocommit = True
    return conn


def database_ensure(url: str, *, recreate: bool = False) -> bool:
    """Create the bench database if it is missing (or drop and create it again).
    Returns True when it was created."""
    url = bench_database_url(url)
    name = urlparse(url).path.lstrip("/")
    conn = _admin_connection(url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            exists = cur.fetchone() is not None
            if exists and recreate:
                cur.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
                exists = False
            if not exists:
                cur.execute(f'CREATE DATABASE "{name}"')
                return True
    finally:
        conn.close()
    return False


def django_setup(url: str, *, debug: bool = False) -> None:
    """Set Django up against the bench database, as production runs (DEBUG off, so
    that no query log slows the pages), unless `debug` is asked."""
    os.environ["DATABASE_URL"] = bench_database_url(url)
    os.environ["DEBUG"] = "1" if debug else "0"
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789")
    os.environ.setdefault("HTTPS", "0")
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "otop_portal.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


#: Before timed requests, wait (at most SETTLE_MAX_S) for the machine's one-minute load
#: average to fall below this: the benchmark before (the registry's import of 200,000
#: rows) leaves PostgreSQL writing and vacuuming for a minute or more.
SETTLE_LOAD = 1.0
SETTLE_MAX_S = 120


def settle_machine() -> dict:
    """Flush PostgreSQL's dirty pages (CHECKPOINT) and wait for a quiet machine; says
    how long it waited and the load average it measured at. Needs Django set up."""
    from django.db import connection

    started = time.monotonic()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("CHECKPOINT")
    while os.getloadavg()[0] >= SETTLE_LOAD and time.monotonic() - started < SETTLE_MAX_S:
        time.sleep(2)
    return {
        "waited_s": round(time.monotonic() - started, 1),
        "load_average": round(os.getloadavg()[0], 2),
    }


def percentile(values: list[float], pct: float) -> float:
    """The pct-th percentile (nearest rank, as load-testing tools report it)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, round(pct / 100 * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


def timings_summary(seconds: list[float]) -> dict:
    ms = [s * 1000 for s in seconds]
    return {
        "n": len(ms),
        "p50_ms": round(statistics.median(ms), 1),
        "p95_ms": round(percentile(ms, 95), 1),
        "max_ms": round(max(ms), 1),
    }


def _run(args: list[str]) -> str:
    try:
        return subprocess.run(args, capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def machine() -> dict:
    """What the figures were measured on."""
    mem_kb = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    except OSError:
        pass
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    pg = _run(
        [
            "psql",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-d",
            "postgres",
            "-Atc",
            "SHOW server_version",
        ]
    )
    return {
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "postgresql": pg,
        "os": platform.platform(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def cpu_ticks() -> list[int] | None:
    """The machine's CPU time so far, from /proc/stat's "cpu" line (clock ticks: user,
    nice, system, idle, iowait, irq, softirq, steal), or None where there is none."""
    try:
        with open("/proc/stat", encoding="ascii") as fh:
            fields = fh.readline().split()
    except OSError:
        return None
    if not fields or fields[0] != "cpu":
        return None
    return [int(x) for x in fields[1:9]] + [0] * (8 - len(fields[1:9]))


def cpu_share(before: list[int] | None, after: list[int] | None) -> dict | None:
    """How busy the whole machine was between two cpu_ticks() readings, in percent of
    all its cores: busy (every process, the benchmark's included) and stolen (time the
    hypervisor gave the cores to other machines: the benchmark waited without running).
    Other processes' load shows as busy time the benchmark itself cannot explain."""
    if before is None or after is None:
        return None
    delta = [a - b for a, b in zip(after, before, strict=True)]
    total = sum(delta)
    if total <= 0:
        return None
    idle = delta[3] + delta[4]
    return {
        "busy_pct": round(100 * (total - idle - delta[7]) / total, 1),
        "steal_pct": round(100 * delta[7] / total, 1),
    }


def write_json(path: Path | None, data: dict) -> None:
    text = json.dumps(data, indent=2, ensure_ascii=False, default=str)
    if path is None:
        print(text)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text + "\n", encoding="utf-8")
