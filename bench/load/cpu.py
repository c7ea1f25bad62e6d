"""CPU seconds used so far on this machine, by kind of process (the capacity run's
steps: where a request's CPU goes). Read from /proc: each process's user and system
time, with its reaped children's (a PostgreSQL backend that ended counts in its
postmaster, a reader that ended in its zygote)."""

from __future__ import annotations

import os

#: Kinds, by what a process's command line holds (the first that matches).
KINDS = (
    ("readers", "otop_portal.calamine_child"),
    ("gunicorn", "gunicorn"),
    ("locust", "locust"),
)


def _kind(command: str) -> str:
    for kind, mark in KINDS:
        if mark in command:
            return kind
    program = command.split(" ", 1)[0]
    if os.path.basename(program).startswith("postgres") or command.startswith("postgres:"):
        return "postgresql"
    return "other"


def cpu_seconds_by_kind() -> dict[str, float]:
    """{kind: CPU seconds} over every process now running (empty off Linux)."""
    tick = os.sysconf("SC_CLK_TCK")
    found: dict[str, float] = {}
    try:
        pids = [p for p in os.listdir("/proc") if p.isdigit()]
    except OSError:
        return found
    for pid in pids:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                command = fh.read().replace(b"\0", b" ").decode(errors="replace").strip()
            with open(f"/proc/{pid}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        # utime, stime, cutime, cstime: fields 14 to 17 of stat, 12 to 15 after ")".
        seconds = sum(int(v) for v in fields[11:15]) / tick
        kind = _kind(command)
        found[kind] = found.get(kind, 0.0) + seconds
    return found


def cpu_ms_per_request(before: dict, after: dict, requests: int) -> dict[str, float]:
    """Each kind's CPU milliseconds per request between two readings."""
    if not requests:
        return {}
    kinds = sorted(set(before) | set(after))
    return {
        k: round(max(0.0, after.get(k, 0.0) - before.get(k, 0.0)) * 1000 / requests, 1)
        for k in kinds
    }
