"""Helper processes of test_workers.py, run as `python -m tests.jobs.worker COMMAND ...`
from the checkout, against the database file named by DATABASE_URL.

- `work READY_FILE WORKER_ID`: run `manage.py db_worker` with the test kinds loaded,
  after writing READY_FILE (the test starts the jobs once every worker is up).
- `enqueue COUNT LOG`: start COUNT tally jobs through the queue, each delivered twice.
- `slow READY YEAR`: start one slow import through the queue.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "otop_portal.settings")
    import django

    django.setup()

    from django.core.management import call_command

    from districts.models import User
    from districts.scoping import Role
    from jobs.services import job_start
    from jobs.tasks import run_job
    from tests.jobs import kinds

    command, *args = argv
    if command == "work":
        ready, worker_id = args
        Path(ready).write_text(str(os.getpid()))
        call_command(
            "db_worker",
            "--interval",
            "0.05",
            "--no-startup-delay",
            "--no-reload",
            "--worker-id",
            worker_id,
            verbosity=0,
        )
    elif command == "enqueue":
        count, log = int(args[0]), args[1]
        user, _ = User.objects.get_or_create(username="starter", defaults={"role": Role.ADMIN})
        for _ in range(count):
            job = job_start(kind=kinds.TALLY, by=user, params={"log": log}, size_hint=10**9)
            # A second delivery of the same job, as a retried enqueue would make.
            run_job.enqueue(job.pk)
    elif command == "slow":
        ready, year = args
        user, _ = User.objects.get_or_create(username="starter", defaults={"role": Role.ADMIN})
        job_start(
            kind=kinds.SLOW_IMPORT,
            by=user,
            params={"ready": ready, "year": int(year)},
            size_hint=10**9,
        )
    else:
        raise SystemExit(f"unknown command {command!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
