"""Capacity, measured (issue 19, point 4): the officers' mix against gunicorn at
rising load, and its ratio to a bare Django view's ceiling measured in the same run.

1. Makes (or reuses) the bench fixture and officers, as the load test does
   (bench/load/run.py), and records their surveys' answers.
2. Starts gunicorn (4 sync workers, DEBUG=0) on a free port of 127.0.0.1 with
   bench/bare_settings.py: the project's settings plus one URL, /bench-bare/, that
   answers "ok" through the same middleware. Locust drives that URL without pause at
   rising concurrency (bench/load/capacity_locustfile.py, class Bare: 1, 2, 4, 8, 16
   users and on) until the requests a second stop rising, but not before 16 users (four
   per worker): the bare view's ceiling. The server is stopped.
3. Starts the same gunicorn with the project's own settings and drives the officers'
   mix (bench/load/locustfile.py, with short pauses so that a few dozen officers load
   the server) at rising user counts, each step a quarter more officers than the one
   before (4, 5, 6, 8, 10, 12, 15, 19, 24, 30, ...), each held for a fixed time, until
   the p95 passes 300 ms or a request fails. The capacity is the highest requests/s of a step
   with p95 <= 300 ms and no failure.
4. Measures the bare view's ceiling again, as in 2. The ratio is to the mean of the
   two ceilings: the speed of these virtual machines drifts within minutes (the bare
   view measured 563 and then 963 req/s in two runs 10 minutes apart on 2026-12-07),
   and one measurement before the mix would put all of that drift on one side.
5. Checks the database against what the officers did (no answer lost or duplicated),
   as the load test does, and writes the figures: the goal is a capacity of at least
   1/8 of the bare view's ceiling, 0 errors, 0 lost answers.

The load generator runs on the same cores as the server, for both measurements.

    .venv/bin/python bench/capacity.py [--quick] [--database-url URL] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (  # noqa: E402
    BENCH_VAR,
    DEFAULT_URL,
    QUICK_URL,
    ROOT,
    ROUND,
    SETTLE_LOAD,
    settle_machine,
    write_json,
)

BIN = ROOT / ".venv" / "bin"
P95_MS = 300
GOAL_RATIO = 1 / 8
WORKERS = 4


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """One gunicorn on a free loopback port, stopped on exit whatever happens."""

    def __init__(self, env: dict, *, settings: str, log: Path):
        self.env = {**env, "DJANGO_SETTINGS_MODULE": settings}
        self.log = log
        self.host = f"http://127.0.0.1:{free_port()}"

    def __enter__(self) -> Gunicorn:
        from bench.load.run import wait_healthy

        out = self.log.open("ab")
        self.proc = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "otop_portal.wsgi:application",
                "--workers",
                str(WORKERS),
                "--bind",
                self.host.removeprefix("http://"),
                "--timeout",
                "120",
                "--graceful-timeout",
                "20",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=out,
            stderr=out,
        )
        wait_healthy(self.host)
        return self

    def __exit__(self, *exc) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def steps_run(
    *, host: str, mode: str, steps: list[int], hold: float, settle: float, env: dict, tag: str
) -> list[dict]:
    """Run the rising steps with locust; returns each step's figures."""
    out = BENCH_VAR / f"{tag}-steps.json"
    out.unlink(missing_ok=True)
    env = {
        **env,
        "CAP_MODE": mode,
        "CAP_STEPS": ",".join(str(n) for n in steps),
        "CAP_HOLD": str(hold),
        "CAP_SETTLE": str(settle),
        "CAP_P95_MS": str(P95_MS),
        "CAP_OUT": str(out),
        "LOAD_HOSTS": host,
    }
    bound = len(steps) * (hold + settle + 150) + 120
    try:
        _locust(env, host, bound)
    except subprocess.TimeoutExpired:
        print(f"capacity: locust did not finish in {bound:.0f} s: stopped", flush=True)
    return json.loads(out.read_text(encoding="utf-8")) if out.exists() else []


def _locust(env: dict, host: str, bound: float) -> None:
    subprocess.run(
        [
            str(BIN / "locust"),
            "-f",
            str(ROOT / "bench" / "load" / "capacity_locustfile.py"),
            "--headless",
            "--host",
            host,
            "--stop-timeout",
            "20",
            "--only-summary",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
        # A safety net: the locustfile stops after its last step.
        timeout=bound,
    )


def rising(start: int, top: int, factor: float) -> list[int]:
    out = [start]
    while out[-1] < top:
        out.append(min(top, max(out[-1] + 1, round(out[-1] * factor))))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="20,000 rows, short steps")
    parser.add_argument("--rows", type=int)
    parser.add_argument("--database-url")
    parser.add_argument("--max-officers", type=int)
    parser.add_argument("--hold", type=float, help="seconds each step is held")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    rows = args.rows or (20_000 if args.quick else 200_000)
    url = args.database_url or (QUICK_URL if args.quick else DEFAULT_URL)
    top = args.max_officers or (40 if args.quick else 160)
    hold = args.hold or (10 if args.quick else 30)
    settle = 5 if args.quick else 10

    from bench.fixture import fixture_ensure

    fixture_ensure(url, rows=rows)
    from django.db import connections

    from bench.load.run import officers_ensure, server_env, static_collect, survey_state, verify

    BENCH_VAR.mkdir(parents=True, exist_ok=True)
    password = "bench-" + secrets.token_urlsafe(16)
    officers = officers_ensure(top, password)
    users_file = BENCH_VAR / "capacity-users.json"
    users_file.write_text(json.dumps({"officers": officers, "staff": []}), encoding="utf-8")
    districts = [o["district"] for o in officers]
    before = survey_state(districts)
    static_collect()
    # As bench/dashboard.py: in `make bench` the registry's import (and its vacuum) runs
    # just before, and would take the cores from the first steps.
    quiet = settle_machine()
    print(
        f"settled: waited {quiet['waited_s']} s for a load average below {SETTLE_LOAD} "
        f"(now {quiet['load_average']})",
        flush=True,
    )
    connections.close_all()

    env = server_env(url, db_backend=False)
    record_path = BENCH_VAR / "capacity-record.json"
    record_path.unlink(missing_ok=True)
    locust_env = {
        **os.environ,
        "LOAD_USERS": str(users_file),
        "LOAD_PASSWORD": password,
        "LOAD_LOG": str(record_path),
        "LOAD_ROUND": ROUND,
        # An officer acts every second or two instead of every 10 to 20 seconds, so that
        # a few dozen officers (and their logins) load the server as hundreds would.
        "LOAD_WAIT_MIN": "0.5",
        "LOAD_WAIT_MAX": "1.5",
        "LOAD_FILL_MIN": "0.2",
        "LOAD_FILL_MAX": "0.5",
    }
    log = BENCH_VAR / "capacity-servers.log"
    started = time.strftime("%Y-%m-%d %H:%M %Z")
    load_before = os.getloadavg()

    def bare_run(tag: str) -> list[dict]:
        with Gunicorn(env, settings="bench.bare_settings", log=log) as server:
            print(f"capacity: bare view on {server.host}", flush=True)
            return steps_run(
                host=server.host,
                mode="bare",
                steps=rising(1, 64, 2),
                hold=min(hold, 10),
                settle=2,
                # No record: the officers' (LOAD_LOG) is what the database is checked
                # against, and a bare run after the mix would write over it.
                env={**locust_env, "LOAD_LOG": "", "CAP_BARE_MIN_USERS": str(4 * WORKERS)},
                tag=tag,
            )

    bare = bare_run("capacity-bare")
    load_between = os.getloadavg()
    with Gunicorn(env, settings="otop_portal.settings", log=log) as server:
        print(f"capacity: officers' mix on {server.host}", flush=True)
        mix = steps_run(
            host=server.host,
            mode="officers",
            # A quarter more at each step: with half more (4, 6, 9, 14, 21, 32) the
            # last step under 300 ms could be a third below the highest sustained rate.
            steps=rising(4, top, 1.25),
            hold=hold,
            settle=settle,
            env=locust_env,
            tag="capacity-officers",
        )
    bare_after = bare_run("capacity-bare-after")
    load_after = os.getloadavg()
    record = json.loads(record_path.read_text(encoding="utf-8")) if record_path.exists() else {}
    after = survey_state(districts)
    check = verify(before, after, record) if record else {"ok": False, "problem_count": None}

    ceilings = [
        max((s["rps"] for s in steps if not s["failures"]), default=0.0)
        for steps in (bare, bare_after)
    ]
    ceiling = round(sum(ceilings) / 2, 1) if all(ceilings) else max(ceilings)
    sustained = [s for s in mix if not s["failures"] and (s["p95_ms"] or 0) <= P95_MS]
    best = max(sustained, key=lambda s: s["rps"], default=None)
    capacity = best["rps"] if best else 0.0
    ratio = capacity / ceiling if ceiling else None
    errors = sum(s["failures"] for s in bare + mix + bare_after) + record.get("login_failures", 0)
    errors = max(errors, record.get("requests", {}).get("failures", 0))
    command = f".venv/bin/python bench/capacity.py{' --quick' if args.quick else ''}"
    result = {
        "started": started,
        "rows": rows,
        "database": url.rsplit("/", 1)[-1],
        "gunicorn_workers": WORKERS,
        "settled": quiet,
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_between": [round(x, 2) for x in load_between],
        "load_average_after": [round(x, 2) for x in load_after],
        "bare_steps": bare,
        "officer_steps": mix,
        "bare_after_steps": bare_after,
        "bare_ceiling_before_rps": ceilings[0],
        "bare_ceiling_after_rps": ceilings[1],
        "bare_ceiling_rps": ceiling,
        "capacity_rps": capacity,
        "capacity_users": best["users"] if best else None,
        "capacity_p95_ms": best["p95_ms"] if best else None,
        "ratio": round(ratio, 3) if ratio is not None else None,
        "errors": errors,
        "logins": len(record.get("logins", [])),
        "verification": check,
        "goals": {
            "ratio": GOAL_RATIO,
            "p95_ms": P95_MS,
            "ratio_met": ratio is not None and ratio >= GOAL_RATIO,
            "errors_met": errors == 0,
            "no_lost_or_duplicated": check["ok"],
        },
    }
    result["figures"] = [
        {
            "figure": "capacity: bare Django view's ceiling (same gunicorn, same run: the mean "
            "of before and after the mix)",
            "value": ceiling,
            "unit": "req/s",
            "target": None,
            "target_kind": "",
            "ratio": None,
            "met": None,
            "note": "the reference",
            "command": command,
        },
        {
            "figure": f"capacity: officers' mix at p95 <= {P95_MS} ms, 0 errors"
            + (f" ({best['users']} officers)" if best else ""),
            "value": capacity,
            "unit": "req/s",
            "target": None,
            "target_kind": "",
            "ratio": None,
            "met": None,
            "note": "highest sustained step",
            "command": command,
        },
        {
            "figure": "capacity: officers' mix / bare view's ceiling",
            "value": f"{ratio:.3f} (1/{1 / ratio:.0f})" if ratio else None,
            "unit": "",
            "target": "1/8",
            "target_kind": "goal, at least",
            # Above 1 is better here: the ratio divided by its goal.
            "ratio": round(ratio / GOAL_RATIO, 3) if ratio is not None else None,
            "met": result["goals"]["ratio_met"],
            "command": command,
        },
        {
            "figure": "capacity: errors (every run, logins included)",
            "value": errors,
            "unit": "errors",
            "target": 0,
            "target_kind": "goal",
            "ratio": None,
            "met": errors == 0,
            "command": command,
        },
        {
            "figure": "capacity: answers lost or duplicated",
            "value": check["problem_count"],
            "unit": "problems",
            "target": 0,
            "target_kind": "goal",
            "ratio": None,
            "met": check["ok"],
            "command": command,
        },
    ]
    print(
        f"bare ceiling {ceiling} req/s; capacity {capacity} req/s"
        f" (ratio {result['ratio']}, goal >= {GOAL_RATIO}); {errors} errors; "
        f"verification {'ok' if check['ok'] else 'FAILED'}"
    )
    write_json(args.json, result)


if __name__ == "__main__":
    main()
