"""The load test of issue 6 (item 6), and the two-instance deployment demo (item 8).

1. Makes (or reuses) the country fixture in the bench database (bench/fixture.py) and
   creates the bench officers in bulk: one per district whose survey can still be
   edited, spread over the provinces, all with one fresh password (hashed once).
2. Records every answer of their districts' surveys (values and versions).
3. Starts gunicorn (`--instances` of it, 4 sync workers each, on 127.0.0.1:8001, 8002 ...)
   with DEBUG=0 against PostgreSQL on the loopback, and, with `--db-workers N`, N task
   workers (`manage.py db_worker`) with the database task backend.
4. Runs bench/load/locustfile.py headless: `--users` officers spawned at
   `--spawn-rate` a second, each logging in once through the login form (PBKDF2 with
   Django's 1,000,000 iterations: about half a second of CPU per login), then
   `--duration` seconds of the scenario once all of them are logged in. Locust's
   figures are reset 15 seconds after the last officer has logged in (when the
   requests queued behind the logins have drained), so the requests per second and
   latencies are those of the steady state; the logins are reported apart, and the
   server CPU per request is measured over the same window. With
   several instances the officers' requests alternate between them, request by request,
   as a round-robin proxy would.
5. Stops the servers and checks the database against what the officers did: every
   accepted save is there with its values, each answer's version went up by exactly
   the number of saves, no answer row appeared or disappeared, every committed upload
   is recorded once.

Only 127.0.0.1 and databases named otop_bench* are touched.

    .venv/bin/python bench/load/run.py [--quick] [--users 300] [--duration 120]
        [--instances 2 --db-workers 2] [--json FILE]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.common import (  # noqa: E402
    BENCH_VAR,
    DEFAULT_URL,
    QUICK_URL,
    ROOT,
    ROUND,
    write_json,
)

BIN = ROOT / ".venv" / "bin"
USERNAME = "bench-officer-{code}"
P95_GOAL_MS = 500


# ---------------------------------------------------------------------------
# Officers and the state of their surveys
# ---------------------------------------------------------------------------


def officers_ensure(count: int, password: str) -> list[dict]:
    """`count` officers, one per district whose survey is a draft or was returned,
    taken province by province in turn so that they spread over the country."""
    from axes.models import AccessAttempt
    from django.contrib.auth.hashers import make_password

    from districts.models import District, User
    from districts.scoping import Role
    from surveys.models import Survey

    editable = set(
        Survey.objects.filter(round__in=_round_qs(), status__in=["draft", "returned"]).values_list(
            "district_id", flat=True
        )
    )
    by_province: dict[str, list[str]] = defaultdict(list)
    for code, province in District.objects.order_by("code").values_list("code", "province_id"):
        if code in editable:
            by_province[province].append(code)
    chosen: list[tuple[str, str]] = []
    while len(chosen) < count and any(by_province.values()):
        for province in sorted(by_province):
            if by_province[province] and len(chosen) < count:
                chosen.append((by_province[province].pop(0), province))
    if len(chosen) < count:
        raise SystemExit(f"only {len(chosen)} districts can still edit their survey")
    hashed = make_password(password)
    names = [USERNAME.format(code=code) for code, _p in chosen]
    existing = set(User.objects.filter(username__in=names).values_list("username", flat=True))
    User.objects.bulk_create(
        [
            User(
                username=USERNAME.format(code=code),
                role=Role.OFFICER,
                district_id=code,
                province_id=province,
                password=hashed,
            )
            for code, province in chosen
            if USERNAME.format(code=code) not in existing
        ]
    )
    User.objects.filter(username__in=names).update(password=hashed, is_active=True)
    AccessAttempt.objects.filter(username__in=names).delete()
    return [{"username": USERNAME.format(code=code), "district": code} for code, _p in chosen]


def staff_ensure(count: int, password: str) -> list[dict]:
    """Provincial staff of the `count` provinces with the most base products (their
    exports are the biggest, so they go to the task workers)."""
    from axes.models import AccessAttempt
    from django.contrib.auth.hashers import make_password
    from django.db.models import Count

    from districts.models import User
    from districts.scoping import Role
    from products.models import Product

    if not count:
        return []
    provinces = [
        row["district__province_id"]
        for row in Product.objects.base(_round_qs().get())
        .order_by()
        .values("district__province_id")
        .annotate(n=Count("id"))
        .order_by("-n")[:count]
    ]
    names = {code: f"bench-province-{code}" for code in provinces}
    hashed = make_password(password)
    for code, name in names.items():
        User.objects.update_or_create(
            username=name,
            defaults={
                "role": Role.PROVINCE,
                "province_id": code,
                "district": None,
                "password": hashed,
                "is_active": True,
            },
        )
    AccessAttempt.objects.filter(username__in=list(names.values())).delete()
    return [{"username": name, "province": code} for code, name in names.items()]


def _round_qs():
    from products.models import Round

    year, number = ROUND.split("-")
    return Round.objects.filter(fiscal_year_id=int(year), number=int(number))


def survey_state(districts: list[str]) -> dict:
    """Every answer of the districts' surveys: entrepreneur answers by code with their
    values and version, products' readiness, and the row counts."""
    from surveys.models import EntrepreneurAnswer, ProductAnswer, SurveyUpload

    scope = {"survey__round__in": _round_qs(), "survey__district_id__in": districts}
    answers = {
        code: {
            "district": district,
            "version": version,
            "trained": trained,
            "selling_online": selling,
            "has_standard": standard,
            "sales_prev_year": str(Decimal(sales).normalize()),
        }
        for code, district, version, trained, selling, standard, sales in (
            EntrepreneurAnswer.objects.filter(**scope).values_list(
                "entrepreneur__code",
                "survey__district_id",
                "version",
                "trained",
                "selling_online",
                "has_standard",
                "sales_prev_year",
            )
        )
    }
    ready: dict[str, list[int]] = defaultdict(list)
    for code, product_id, is_ready in ProductAnswer.objects.filter(**scope).values_list(
        "product__entrepreneur__code", "product_id", "ready"
    ):
        if is_ready:
            ready[code].append(product_id)
    return {
        "answers": answers,
        "ready": {code: sorted(ids) for code, ids in ready.items()},
        "entrepreneur_rows": EntrepreneurAnswer.objects.filter(**scope).count(),
        "product_rows": ProductAnswer.objects.filter(**scope).count(),
        "entrepreneur_history": EntrepreneurAnswer.history.filter(
            survey__round__in=_round_qs(), survey__district_id__in=districts
        ).count(),
        "uploads_committed": SurveyUpload.objects.filter(
            survey__round__in=_round_qs(),
            survey__district_id__in=districts,
            outcome=SurveyUpload.Outcome.COMMITTED,
        ).count(),
    }


def verify(before: dict, after: dict, record: dict) -> dict:
    """Compare the database after the run with the state before and what the officers
    did. Returns the counts checked and every discrepancy found."""
    problems: list[str] = []
    saves = {
        code: saved for district in record["saves"].values() for code, saved in district.items()
    }
    for name in ("entrepreneur_rows", "product_rows"):
        if before[name] != after[name]:
            problems.append(f"{name}: {before[name]} before, {after[name]} after")
    for code, old in before["answers"].items():
        new = after["answers"].get(code)
        if new is None:
            problems.append(f"{code}: answer lost")
            continue
        count = saves.get(code, {}).get("count", 0)
        if new["version"] != old["version"] + count:
            problems.append(
                f"{code}: version {old['version']} -> {new['version']}, {count} saves accepted"
            )
        last = saves.get(code, {}).get("last")
        if last is not None:
            for key in ("trained", "selling_online", "has_standard"):
                if new[key] != last[key]:
                    problems.append(f"{code}: {key} is {new[key]}, last saved {last[key]}")
            if Decimal(new["sales_prev_year"]) != Decimal(last["sales_prev_year"]):
                problems.append(
                    f"{code}: sales {new['sales_prev_year']}, last saved {last['sales_prev_year']}"
                )
            if after["ready"].get(code, []) != sorted(last["ready"]):
                problems.append(f"{code}: ready products differ from the last save")
    unknown = set(saves) - set(before["answers"])
    problems += [f"{code}: saved but not in the surveys" for code in sorted(unknown)]
    total_saves = sum(s["count"] for s in saves.values())
    history_added = after["entrepreneur_history"] - before["entrepreneur_history"]
    if history_added != total_saves:
        problems.append(f"history: {history_added} records added for {total_saves} saves")
    committed = sum(record["uploads_committed"].values())
    uploads_added = after["uploads_committed"] - before["uploads_committed"]
    if uploads_added != committed:
        problems.append(
            f"uploads: {uploads_added} committed in the database, {committed} by officers"
        )
    return {
        "answers_checked": len(before["answers"]),
        "entrepreneurs_saved": len(saves),
        "saves": total_saves,
        "uploads_committed": committed,
        "problems": problems[:50],
        "problem_count": len(problems),
        "ok": not problems,
    }


# ---------------------------------------------------------------------------
# Servers
# ---------------------------------------------------------------------------


def static_collect() -> None:
    """collectstatic, as DEBUG=0 needs the manifest, unless it is newer than every
    static file of the project (it takes seconds: whitenoise compresses each file)."""
    from django.conf import settings
    from django.core.management import call_command

    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    sources = [p for d in settings.STATICFILES_DIRS for p in Path(d).rglob("*") if p.is_file()]
    sources += [p for p in ROOT.glob("*/static/**/*") if p.is_file()]
    if manifest.exists() and all(p.stat().st_mtime < manifest.stat().st_mtime for p in sources):
        return
    call_command("collectstatic", interactive=False, verbosity=0)


def server_env(url: str, *, db_backend: bool) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
        "HTTPS": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        # Shared storage for uploads: every instance and worker reads the same folder.
        "MEDIA_ROOT": str(BENCH_VAR / "media"),
        # Persistent connections, as in production (README.md, "Running for the whole country").
        "DB_CONN_MAX_AGE": "60",
        "LOG_LEVEL": "ERROR",
    }
    if db_backend:
        env["TASKS_BACKEND"] = "django_tasks_db.DatabaseBackend"
    return env


def wait_healthy(base: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"{base} did not answer /healthz in {timeout:.0f} s")


def _cpu_seconds(pids) -> dict[int, float]:
    """User and system CPU seconds of each of these processes (from /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # utime, stime, cutime, cstime: fields 14-17 of stat, 12-15 after the name.
        out[pid] = sum(int(f) for f in fields[11:15]) / tick
    return out


def _cpu_used(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds used between two samples of processes (one not in `before` started
    in between)."""
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


def _children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return out


def database_backends(url: str) -> list[int]:
    """The PostgreSQL server processes serving the bench database (same machine)."""
    from urllib.parse import urlparse

    import psycopg2

    parsed = urlparse(url)
    conn = psycopg2.connect(
        host=parsed.hostname,
        port=parsed.port or 5432,
        user=parsed.username or "postgres",
        dbname="postgres",
    )
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s", [parsed.path.lstrip("/")]
            )
            return [pid for (pid,) in cur.fetchall()]
    finally:
        conn.close()


class Servers:
    """gunicorn instances and db_worker processes, stopped on exit whatever happens."""

    def __init__(self, env: dict, *, instances: int, workers: int, db_workers: int, log: Path):
        self.env, self.log = env, log
        self.procs: list[subprocess.Popen] = []
        self.hosts = [f"http://127.0.0.1:{8001 + i}" for i in range(instances)]
        self.workers, self.db_workers = workers, db_workers
        self.db_worker_procs: list[subprocess.Popen] = []

    def __enter__(self) -> Servers:
        out = self.log.open("ab")
        for host in self.hosts:
            port = host.rsplit(":", 1)[1]
            self.procs.append(
                subprocess.Popen(
                    [
                        str(BIN / "gunicorn"),
                        "otop_portal.wsgi:application",
                        "--workers",
                        str(self.workers),
                        "--bind",
                        f"127.0.0.1:{port}",
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
            )
        for i in range(self.db_workers):
            self.db_worker_procs.append(
                subprocess.Popen(
                    [
                        str(BIN / "python"),
                        "manage.py",
                        "db_worker",
                        "--no-reload",
                        "--worker-id",
                        f"bench-worker-{i + 1}",
                        "--interval",
                        "0.5",
                    ],
                    cwd=ROOT,
                    env=self.env,
                    stdout=out,
                    stderr=out,
                )
            )
        self.procs += self.db_worker_procs
        for host in self.hosts:
            wait_healthy(host)
        return self

    def alive(self) -> bool:
        return all(p.poll() is None for p in self.procs)

    def app_cpu_seconds(self) -> dict[int, float]:
        """CPU used so far by the gunicorn masters and their workers (and db_workers)."""
        pids = [p.pid for p in self.procs]
        return _cpu_seconds(pids + [c for pid in pids for c in _children(pid)])

    def __exit__(self, *exc) -> None:
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


# ---------------------------------------------------------------------------
# Locust
# ---------------------------------------------------------------------------


def run_locust(
    *,
    servers: Servers,
    url: str,
    users: int,
    spawn_rate: float,
    duration: int,
    users_file: Path,
    password: str,
    record: Path,
    csv_prefix: Path,
    province_staff: int = 0,
    settle: float = 15,
) -> dict:
    """Run the scenario; returns the servers' CPU seconds over the steady window."""
    ramp = users / spawn_rate
    mark = csv_prefix.with_name(csv_prefix.name + "-steady.mark")
    mark.unlink(missing_ok=True)
    env = {
        **os.environ,
        "LOAD_USERS": str(users_file),
        "LOAD_PASSWORD": password,
        "LOAD_LOG": str(record),
        "LOAD_HOSTS": ",".join(servers.hosts),
        "LOAD_ROUND": ROUND,
        "LOAD_DURATION": str(duration),
        "LOAD_SETTLE": str(settle),
        "LOAD_MARK": str(mark),
    }
    args = [
        str(BIN / "locust"),
        "-f",
        str(ROOT / "bench" / "load" / "locustfile.py"),
        "--headless",
        "--users",
        str(users + province_staff),
        "--spawn-rate",
        str(spawn_rate),
        # A safety net: the locustfile stops the run `duration` seconds after the last
        # user has logged in.
        "--run-time",
        f"{int(3 * ramp + duration + 300)}s",
        "--host",
        servers.hosts[0],
        # Users finish the action under way (its pauses are a few seconds) and stop.
        "--stop-timeout",
        "20",
        "--csv",
        str(csv_prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    proc = subprocess.Popen(args, cwd=ROOT, env=env)

    def sample() -> tuple[dict, dict, dict]:
        return (
            servers.app_cpu_seconds(),
            _cpu_seconds(database_backends(url)),
            _cpu_seconds([proc.pid]),
        )

    # CPU of each process at the start of the steady window, and the last seen since
    # (a process that exits meanwhile, such as a database connection closed after
    # DB_CONN_MAX_AGE, keeps what it used until its last sample).
    at_mark = None
    seen: tuple[dict, dict, dict] = ({}, {}, {})
    deadline = time.monotonic() + 3 * ramp + duration + 600
    while proc.poll() is None and time.monotonic() < deadline:
        if at_mark is None and mark.exists():
            at_mark = sample()
        elif at_mark is not None:
            for last, now in zip(seen, sample(), strict=True):
                last.update(now)
        time.sleep(0.5)
    if proc.poll() is None:
        proc.kill()
        proc.wait()
    if at_mark is not None:
        for last, now in zip(seen, sample(), strict=True):
            last.update({pid: cpu for pid, cpu in now.items()})
    mark.unlink(missing_ok=True)
    if at_mark is None:
        return {}
    return {
        "app_s": _cpu_used(at_mark[0], seen[0]),
        "postgresql_s": _cpu_used(at_mark[1], seen[1]),
        "locust_s": _cpu_used(at_mark[2], seen[2]),
    }


def read_stats(csv_prefix: Path) -> dict:
    rows = list(csv.DictReader(open(f"{csv_prefix}_stats.csv", encoding="utf-8")))

    def figures(row: dict) -> dict:
        return {
            "requests": int(row["Request Count"]),
            "failures": int(row["Failure Count"]),
            "rps": round(float(row["Requests/s"]), 1),
            "p50_ms": float(row["50%"]),
            "p95_ms": float(row["95%"]),
            "p99_ms": float(row["99%"]),
            "max_ms": round(float(row["Max Response Time"])),
        }

    out = {"total": None, "by_request": {}}
    for row in rows:
        if not int(row["Request Count"]):
            continue  # steps done only while logging in (before the steady window)
        if row["Name"] == "Aggregated":
            out["total"] = figures(row)
        else:
            out["by_request"][row["Name"]] = figures(row)
    return out


def jobs_by_process(staff: list[dict], since, db_worker_pids: list[int]) -> dict:
    """Which processes ran the staff's export jobs: a db_worker (numbered as started) or
    a web process (a job small enough to run in the request)."""
    from jobs.models import Job

    names = {pid: f"db_worker {i + 1}" for i, pid in enumerate(db_worker_pids)}
    out: dict[str, int] = defaultdict(int)
    for runner, status in Job.objects.filter(
        user__username__in=[s["username"] for s in staff], created_at__gte=since
    ).values_list("runner", "status"):
        pid = int(runner.rsplit(":", 1)[1]) if runner[-1:].isdigit() else None
        out[f"{names.get(pid, 'web request (inline)')}: {status}"] += 1
    return dict(out)


def _cpu_figures(cpu: dict, stats: dict) -> dict:
    """Server CPU (gunicorn and PostgreSQL) per request of the steady window, and the
    requests a second one idle core could serve at that cost."""
    requests = (stats.get("total") or {}).get("requests", 0)
    if not cpu or not requests:
        return {}
    per_request = (cpu["app_s"] + cpu["postgresql_s"]) * 1000 / requests
    return {
        "app_s": round(cpu["app_s"], 1),
        "postgresql_s": round(cpu["postgresql_s"], 1),
        "requests": requests,
        "app_ms_per_request": round(cpu["app_s"] * 1000 / requests, 1),
        "postgresql_ms_per_request": round(cpu["postgresql_s"] * 1000 / requests, 1),
        # The load generator runs on the same cores as the servers.
        "locust_s": round(cpu.get("locust_s", 0.0), 1),
        "capacity_rps_per_core": round(1000 / per_request, 1) if per_request else None,
    }


def percentile_ms(seconds: list[float], pct: float) -> float | None:
    from bench.common import percentile

    return round(percentile([s * 1000 for s in seconds], pct), 1) if seconds else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="20,000 registry rows, 30 officers for 20 s"
    )
    parser.add_argument("--rows", type=int)
    parser.add_argument("--database-url")
    parser.add_argument("--users", type=int)
    parser.add_argument("--spawn-rate", type=float, help="officers started a second")
    parser.add_argument("--duration", type=int, help="seconds of steady load after the ramp")
    parser.add_argument("--instances", type=int, default=1, help="gunicorn instances")
    parser.add_argument("--gunicorn-workers", type=int, default=4)
    parser.add_argument("--db-workers", type=int, default=0, help="db_worker processes")
    parser.add_argument(
        "--province-staff",
        type=int,
        default=0,
        help="also simulate this many provincial staff exporting as jobs",
    )
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    rows = args.rows or (20_000 if args.quick else 200_000)
    url = args.database_url or (QUICK_URL if args.quick else DEFAULT_URL)
    users = args.users or (30 if args.quick else 300)
    spawn_rate = args.spawn_rate or (10 if args.quick else 2)
    duration = args.duration or (20 if args.quick else 120)

    from bench.fixture import fixture_ensure

    fixture_ensure(url, rows=rows)
    from django.db import connections

    BENCH_VAR.mkdir(parents=True, exist_ok=True)
    password = "bench-" + secrets.token_urlsafe(16)
    officers = officers_ensure(users, password)
    staff = staff_ensure(args.province_staff, password)
    users_file = BENCH_VAR / "load-users.json"
    users_file.write_text(json.dumps({"officers": officers, "staff": staff}), encoding="utf-8")
    districts = [o["district"] for o in officers]
    before = survey_state(districts)
    static_collect()
    connections.close_all()

    tag = f"load-{args.instances}x{args.gunicorn_workers}"
    record_path = BENCH_VAR / f"{tag}-record.json"
    record_path.unlink(missing_ok=True)
    csv_prefix = BENCH_VAR / tag
    env = server_env(url, db_backend=args.db_workers > 0)
    started = time.strftime("%Y-%m-%d %H:%M %Z")
    from django.utils import timezone

    since = timezone.now()
    load_before = os.getloadavg()
    with Servers(
        env,
        instances=args.instances,
        workers=args.gunicorn_workers,
        db_workers=args.db_workers,
        log=BENCH_VAR / f"{tag}-servers.log",
    ) as servers:
        print(
            f"load: {users} officers on {', '.join(servers.hosts)}"
            f"{f' and {args.db_workers} db_worker' if args.db_workers else ''}, "
            f"ramp {users / spawn_rate:.0f} s then {duration} s",
            flush=True,
        )
        steady_cpu = run_locust(
            servers=servers,
            url=url,
            users=users,
            spawn_rate=spawn_rate,
            duration=duration,
            users_file=users_file,
            password=password,
            record=record_path,
            csv_prefix=csv_prefix,
            province_staff=args.province_staff,
            settle=5 if args.quick else 15,
        )
        servers_alive = servers.alive()
        db_worker_pids = [p.pid for p in servers.db_worker_procs]
    record = json.loads(record_path.read_text(encoding="utf-8"))
    after = survey_state(districts)
    check = verify(before, after, record)
    stats = read_stats(csv_prefix)
    total = stats["total"]
    result = {
        "started": started,
        "steady_seconds": record.get("steady_seconds"),
        "rows": rows,
        "database": url.rsplit("/", 1)[-1],
        "users": users,
        "spawn_rate": spawn_rate,
        "duration_s": duration,
        "instances": args.instances,
        "gunicorn_workers": args.gunicorn_workers,
        "db_workers": args.db_workers,
        "province_staff": args.province_staff,
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "steady": stats,
        "all_requests": record.get("requests", {}),
        "logins": {
            "count": len(record["logins"]),
            "failures": record["login_failures"],
            "p50_ms": percentile_ms(record["logins"], 50),
            "p95_ms": percentile_ms(record["logins"], 95),
        },
        "jobs": {
            **{k: v for k, v in record.get("jobs", {}).items() if k != "seconds"},
            "p50_s": (percentile_ms(record.get("jobs", {}).get("seconds", []), 50) or 0) / 1000,
            "max_s": round(max(record.get("jobs", {}).get("seconds", []) or [0]), 1),
        },
        "jobs_by_process": jobs_by_process(staff, since, db_worker_pids) if staff else {},
        "servers_alive_at_end": servers_alive,
        # CPU per request in the steady window, whatever else the machine was doing:
        # the most stable figure on a shared machine.
        "cpu": _cpu_figures(steady_cpu, stats),
        "verification": check,
        "goals": {
            "p95_ms": P95_GOAL_MS,
            "errors": 0,
            "p95_met": total is not None and total["p95_ms"] <= P95_GOAL_MS,
            "errors_met": (
                total is not None
                and total["failures"] == 0
                and record.get("requests", {}).get("failures", 0) == 0
                and record["login_failures"] == 0
            ),
            "no_lost_or_duplicated": check["ok"],
        },
    }
    if total:
        print(
            f"steady: {total['requests']} requests, {total['rps']} req/s, p50 {total['p50_ms']:.0f} ms, "
            f"p95 {total['p95_ms']:.0f} ms, p99 {total['p99_ms']:.0f} ms, {total['failures']} failures"
        )
    print(f"logins: {result['logins']}")
    print(
        f"verification: {'ok' if check['ok'] else 'FAILED'}: {check['saves']} saves of "
        f"{check['entrepreneurs_saved']} entrepreneurs, {check['uploads_committed']} uploads"
        + "".join(f"\n  {p}" for p in check["problems"][:10])
    )
    write_json(args.json, result)


if __name__ == "__main__":
    main()
