"""Real `manage.py db_worker` processes against one database file.

Two workers share the queue and no job runs twice, even when each job is delivered
twice; a worker killed in the middle of an import leaves nothing of it written, and the
reaper then marks the job failed. Each test is bounded: every wait has a deadline.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEADLINE = 40  # seconds, for any one wait
TASKS = "django_tasks_database_dbtaskresult"  # django-tasks-db's table


def environment(tmp_path: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "TASKS_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="otop_portal.settings",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        TASKS_BACKEND="django_tasks_db.DatabaseBackend",
        MEDIA_ROOT=str(tmp_path / "media"),
        SECRET_KEY="test-only-secret",
        DEBUG="0",
        PYTHONPATH=str(ROOT),
    )
    return env


def run(env: dict, *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=DEADLINE * 1.5,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def start_worker(env: dict, tmp_path: Path, name: str) -> tuple[subprocess.Popen, Path]:
    ready = tmp_path / f"worker-{name}.ready"
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.jobs.worker", "work", str(ready), f"worker-{name}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return process, ready


def wait_for(condition, what: str, processes=()) -> None:
    deadline = time.monotonic() + DEADLINE
    while not condition():
        for process in processes:
            assert process.poll() is None, f"a worker stopped: {process.stderr.read()[-3000:]}"
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.1)


def query(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db, timeout=20) as connection:
        return connection.execute(sql).fetchall()


def stop(processes) -> str:
    errors = []
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            _, err = process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            _, err = process.communicate()
        errors.append(err or "")
    return "\n".join(errors)


@pytest.fixture(scope="module")
def migrated(tmp_path_factory) -> Path:
    """One migrated database file for the module; each test works on its own copy."""
    folder = tmp_path_factory.mktemp("jobs-db")
    run(environment(folder), "manage.py", "migrate", "--no-input", "-v", "0")
    return folder / "db.sqlite3"


@pytest.fixture
def database(migrated, tmp_path):
    shutil.copyfile(migrated, tmp_path / "db.sqlite3")
    return environment(tmp_path), tmp_path / "db.sqlite3"


def test_two_workers_share_the_queue_and_run_each_job_exactly_once(database, tmp_path):
    env, db = database
    log = tmp_path / "ran.log"
    log.touch()
    workers = [start_worker(env, tmp_path, name) for name in ("a", "b")]
    processes = [process for process, _ in workers]
    try:
        wait_for(lambda: all(ready.exists() for _, ready in workers), "the workers", processes)

        run(env, "-m", "tests.jobs.worker", "enqueue", "20", str(log))
        finished = "SELECT count(*) FROM jobs_job WHERE status IN ('succeeded', 'failed')"
        wait_for(lambda: query(db, finished) == [(20,)], "the jobs to finish", processes)
        waiting = f"SELECT count(*) FROM {TASKS} WHERE status IN ('READY', 'RUNNING')"
        wait_for(lambda: query(db, waiting) == [(0,)], "the queue to empty", processes)
    finally:
        errors = stop(processes)

    runs = [line.split() for line in log.read_text().splitlines()]
    per_job = Counter(job_id for job_id, _pid in runs)
    job_ids = {str(i) for (i,) in query(db, "SELECT id FROM jobs_job")}
    assert set(per_job) == job_ids and len(job_ids) == 20
    assert set(per_job.values()) == {1}, f"jobs run more than once: {per_job}\n{errors}"
    # Both workers took jobs from the one queue.
    assert len({pid for _job, pid in runs}) == 2
    # Every job succeeded and reached its last row.
    assert query(db, "SELECT status, done, total, count(*) FROM jobs_job GROUP BY 1, 2, 3") == [
        ("succeeded", 3, 3, 20)
    ]
    # Forty deliveries: twenty ran their job, twenty found it taken and did nothing.
    assert sorted(
        query(db, f"SELECT status, return_value, count(*) FROM {TASKS} GROUP BY 1, 2")
    ) == [
        ("SUCCESSFUL", '"skipped"', 20),
        ("SUCCESSFUL", '"succeeded"', 20),
    ]


def test_a_worker_killed_mid_import_writes_nothing_and_the_job_is_then_reaped(database, tmp_path):
    env, db = database
    written = tmp_path / "written"
    process, ready = start_worker(env, tmp_path, "a")
    try:
        wait_for(ready.exists, "the worker", [process])
        run(env, "-m", "tests.jobs.worker", "slow", str(written), "2999")
        # The import has written its row, inside its transaction, and is still busy.
        wait_for(written.exists, "the import to write", [process])
        process.kill()
        process.wait(timeout=10)
    finally:
        stop([process])

    assert query(db, "SELECT count(*) FROM products_fiscalyear WHERE year = 2999") == [(0,)]
    assert query(db, "SELECT status FROM jobs_job") == [("running",)]

    reaped = run(env, "manage.py", "jobs_reap_stale", "--minutes", "0")

    [(job_id, status, error)] = query(db, "SELECT id, status, error FROM jobs_job")
    assert status == "failed"
    assert "ข้อมูลในระบบจึงเหมือนเดิม" in error
    assert f"#{job_id}" in reaped.stdout
    assert query(db, "SELECT count(*) FROM products_fiscalyear WHERE year = 2999") == [(0,)]
