"""The floor of a registry import, measured on this machine (issue 6, item 2).

Two figures, for one registry file:
- read: python-calamine opening the file and iterating over every row of its first
  sheet (`iter_rows`), keeping nothing: the least any reader of the file can do;
- copy: PostgreSQL COPY of the same cells (every row, every column, as text) into a
  new ordinary table (no index, no key), in one transaction, with psycopg2's
  `copy_expert`: the least any writer of the rows can do that keeps them (an ordinary
  table is written to the write-ahead log, as the registry's tables are). The CSV text
  is made before the clock starts; the clock runs from CREATE TABLE to COMMIT.
- copy_temp: the same COPY into a temporary table, which PostgreSQL does not log and
  no import can use to keep rows: reported for comparison, not part of the floor.

A registry import is compared with their sum, measured in the same run (bench/registry.py).
Each figure is measured in a fresh process, as the import is.

    .venv/bin/python bench/floor.py FILE [--database-url URL] [--runs 3]

prints one JSON line: {"read_s": ..., "copy_s": ..., "rows": ..., "columns": ...}, each
figure the median of the runs. Only databases named otop_bench* on 127.0.0.1 are touched.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/otop_bench_registry"


def calamine_read(path: str) -> dict:
    """Open the file and iterate over its first sheet's rows; the seconds it took."""
    from python_calamine import CalamineWorkbook

    started = time.perf_counter()
    book = CalamineWorkbook.from_path(str(path))
    rows = 0
    for _row in book.get_sheet_by_index(0).iter_rows():
        rows += 1
    book.close()
    return {"read_s": time.perf_counter() - started, "rows": rows}


def _cells_csv(path: str) -> tuple[io.StringIO, int, int]:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    rows = columns = 0
    for row in book.get_sheet_by_index(0).iter_rows():
        writer.writerow(row)
        rows += 1
        columns = max(columns, len(row))
    book.close()
    buffer.seek(0)
    return buffer, rows, columns


def pg_copy(path: str, url: str) -> dict:
    """COPY every cell of the file into a new table in one transaction (and, apart, into
    a temporary table)."""
    import psycopg2

    from bench.common import bench_database_url

    parsed = urlparse(bench_database_url(url))
    buffer, rows, columns = _cells_csv(path)
    conn = psycopg2.connect(
        host=parsed.hostname,
        port=parsed.port or 5432,
        user=parsed.username or "postgres",
        password=parsed.password or None,
        dbname=parsed.path.lstrip("/"),
    )
    names = [f"c{i}" for i in range(columns)]
    table = f"bench_floor_copy_{os.getpid()}"
    seconds = {}
    try:
        for key, create in (
            ("copy_temp_s", "CREATE TEMPORARY TABLE {} ({}) ON COMMIT DROP"),
            ("copy_s", "CREATE TABLE {} ({})"),
        ):
            buffer.seek(0)
            started = time.perf_counter()
            with conn.cursor() as cursor:
                cursor.execute(create.format(table, ", ".join(f"{n} text" for n in names)))
                cursor.copy_expert(
                    f"COPY {table} ({', '.join(names)}) FROM STDIN WITH (FORMAT csv)", buffer
                )
            conn.commit()
            seconds[key] = time.perf_counter() - started
    finally:
        with conn.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
        conn.commit()
        conn.close()
    return {**seconds, "rows": rows, "columns": columns}


def measure_in_child(path: str, url: str) -> dict:
    """Both figures, each in a fresh Python process."""
    out = {}
    for what in ("read", "copy"):
        done = subprocess.run(
            [sys.executable, __file__, str(path), "--database-url", url, "--child", what],
            capture_output=True,
            text=True,
            check=True,
        )
        out.update(json.loads(done.stdout.strip().splitlines()[-1]))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", help="a registry workbook (.xlsx)")
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", choices=["read", "copy"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "read":
        print(json.dumps(calamine_read(args.file)))
        return
    if args.child == "copy":
        print(json.dumps(pg_copy(args.file, args.database_url)))
        return
    from bench.common import database_ensure

    database_ensure(args.database_url)
    runs = [measure_in_child(args.file, args.database_url) for _ in range(args.runs)]
    result = {
        "read_s": round(statistics.median(r["read_s"] for r in runs), 2),
        "copy_s": round(statistics.median(r["copy_s"] for r in runs), 2),
        "copy_temp_s": round(statistics.median(r["copy_temp_s"] for r in runs), 2),
        "rows": runs[0]["rows"],
        "columns": runs[0]["columns"],
        "runs": [{k: round(v, 2) for k, v in r.items()} for r in runs],
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
