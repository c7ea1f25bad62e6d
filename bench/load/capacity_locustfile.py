"""Rising load for the capacity run (bench/capacity.py): the officers' mix of
bench/load/locustfile.py (class Officer), or a bare view (class Bare, GET /bench-bare/
without pause), at CAP_STEPS users in turn.

Each step: spawn up to its users, wait until they have all logged in (officers) and
CAP_SETTLE seconds more, reset locust's figures, hold CAP_HOLD seconds, and record the
step's requests/s, p95 and failures. The run stops after the step where the p95 passes
CAP_P95_MS or a request failed (officers), or, once the step has at least
CAP_BARE_MIN_USERS users, where the requests/s rose by less than 5% over the best step
so far (bare view), or after the last step. The steps are written to CAP_OUT.

    .venv/bin/locust -f bench/load/capacity_locustfile.py --headless Officer
"""

from __future__ import annotations

import json
import os
import sys
import time

import gevent
from locust import HttpUser, LoadTestShape, constant, events, task

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cpu import cpu_ms_per_request, cpu_seconds_by_kind  # noqa: E402
from locustfile import RECORD, Officer  # noqa: E402, F401

STEPS = [int(n) for n in os.environ.get("CAP_STEPS", "1,2,4").split(",")]
HOLD = float(os.environ.get("CAP_HOLD", "15"))
SETTLE = float(os.environ.get("CAP_SETTLE", "5"))
P95_MS = float(os.environ.get("CAP_P95_MS", "300"))
MODE = os.environ.get("CAP_MODE", "officers")
#: The bare view's steps go on at least to this many users: with as many users as
#: gunicorn has workers, each worker idles while its user reads the answer and sends
#: the next request (a run stopped at 4 users with 553 req/s; the same server answered
#: 988 at 16).
BARE_MIN_USERS = int(os.environ.get("CAP_BARE_MIN_USERS", "16"))
OUT = os.environ.get("CAP_OUT", "")
#: The users the shape asks for now (raised step by step by _steps).
TARGET = {"users": 0, "done": False}
RESULTS: list[dict] = []


class Bare(HttpUser):
    wait_time = constant(0)

    @task
    def bare(self) -> None:
        self.client.get("/bench-bare/", name="bare view")


class Steps(LoadTestShape):
    def tick(self):
        if TARGET["done"]:
            return None
        users = TARGET["users"]
        return (users, max(users, 1), [Officer if MODE == "officers" else Bare])


@events.test_start.add_listener
def _start(environment, **_kwargs) -> None:
    gevent.spawn(_steps, environment)


def _steps(environment) -> None:
    best = 0.0
    for users in STEPS:
        TARGET["users"] = users
        waited = time.monotonic()
        if MODE == "officers":
            # Logins take about half a second of server CPU each (PBKDF2).
            while RECORD["users_ready"] < users and time.monotonic() - waited < 120 + users:
                gevent.sleep(0.5)
        else:
            while environment.runner.user_count < users and time.monotonic() - waited < 30:
                gevent.sleep(0.2)
        gevent.sleep(SETTLE)
        environment.stats.reset_all()
        cpu_before = cpu_seconds_by_kind()
        started = time.perf_counter()
        gevent.sleep(HOLD)
        total = environment.stats.total
        seconds = time.perf_counter() - started
        cpu = cpu_ms_per_request(cpu_before, cpu_seconds_by_kind(), total.num_requests)
        step = {
            "users": users,
            "users_running": environment.runner.user_count,
            "seconds": round(seconds, 1),
            "requests": total.num_requests,
            "failures": total.num_failures,
            "rps": round(total.num_requests / seconds, 1),
            "p50_ms": total.get_response_time_percentile(0.5),
            "p95_ms": total.get_response_time_percentile(0.95),
            # Where a request's CPU went: the server, the database, the readers of
            # uploads, the load generator itself (same cores), and the rest.
            "cpu_ms_per_request": cpu,
            # Per kind of request: which ones push the p95 up.
            "by_request": {
                name: {
                    "requests": entry.num_requests,
                    "p50_ms": entry.get_response_time_percentile(0.5),
                    "p95_ms": entry.get_response_time_percentile(0.95),
                }
                for (name, _method), entry in sorted(environment.stats.entries.items())
                if entry.num_requests
            },
        }
        RESULTS.append(step)
        print(f"capacity step: {json.dumps(step)}", flush=True)
        if MODE == "officers":
            if step["failures"] or (step["p95_ms"] or 0) > P95_MS:
                break
        else:
            if users >= BARE_MIN_USERS and best and step["rps"] < best * 1.05:
                break
            best = max(best, step["rps"])
    TARGET["done"] = True
    environment.runner.quit()


@events.test_stop.add_listener
def _write_steps(environment, **_kwargs) -> None:
    if OUT:
        with open(OUT, "w", encoding="utf-8") as fh:
            json.dump(RESULTS, fh)
