"""The `progress(done, total)` callback that a handler calls, and the job's heartbeat.

A handler may call progress once per row; the row in the database is written at most
every PROGRESS_INTERVAL seconds. How it is written depends on the database:

- On PostgreSQL (and any database that lets two connections write at once) a heartbeat
  thread with its own connection writes the progress and, every HEARTBEAT_SECONDS, the
  heartbeat. Its writes commit at once, so the page sees the progress even while the
  handler is inside its import's transaction, and the heartbeat keeps coming while the
  handler is busy in a service that reports nothing (reading a file, one bulk write).
- On SQLite (one writer at a time; development and tests) the callback itself writes on
  the handler's connection. Inside an import's transaction those writes are seen only
  when it commits.

A running job whose heartbeat is older than the stale limit lost its worker
(jobs.services.job_reap_stale).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from django.db import DatabaseError, connection, connections
from django.utils import timezone

from jobs.models import Job, JobStatus

logger = logging.getLogger(__name__)

PROGRESS_INTERVAL = 0.5
HEARTBEAT_SECONDS = 15.0
STAGE_MAX = 200

#: None: use the heartbeat thread unless the database is SQLite. Tests set it.
THREADED: bool | None = None


def use_heartbeat_thread() -> bool:
    if THREADED is not None:
        return THREADED
    return connection.vendor != "sqlite"


def write_job_row(job_id: int, values: dict) -> None:
    """Save a running job's progress fields and heartbeat (nothing once it has finished)."""
    Job.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(
        **values, heartbeat_at=timezone.now()
    )


class Progress:
    """Callable as `progress(done, total=None)`; `progress.stage(text)` names the step.

    `start()` and `stop()` bracket the handler's work (the runner calls them); `stop()`
    waits for the heartbeat thread to write what is pending and end.
    """

    def __init__(
        self,
        job_id: int,
        *,
        threaded: bool | None = None,
        write: Callable[[int, dict], None] = write_job_row,
        interval: float | None = None,
        heartbeat: float | None = None,
    ):
        self.job_id = job_id
        self.done = 0
        self.total = 0
        self.stage_text = ""
        self.threaded = use_heartbeat_thread() if threaded is None else threaded
        self._write = write
        self._interval = PROGRESS_INTERVAL if interval is None else interval
        self._heartbeat = HEARTBEAT_SECONDS if heartbeat is None else heartbeat
        self._lock = threading.Lock()
        self._changes = 0
        self._saved_changes = 0
        self._last_save = time.monotonic()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- what handlers call ----------------------------------------------------

    def __call__(self, done: int, total: int | None = None) -> None:
        # Called once per row of a country-sized export: no lock here. Only this thread
        # writes these attributes, and the heartbeat thread reads each one whole.
        self.done = done
        if total is not None:
            self.total = total
        self._changes += 1
        if not self.threaded and time.monotonic() - self._last_save >= self._interval:
            self.save()

    def stage(self, text) -> None:
        with self._lock:
            self.stage_text = str(text)[:STAGE_MAX]
            self._changes += 1
        if not self.threaded:
            self.save()

    # -- what the runner calls -------------------------------------------------

    def values(self) -> dict:
        with self._lock:
            return {"done": self.done, "total": self.total, "stage": self.stage_text}

    def save(self) -> None:
        """Write the current values and the heartbeat now."""
        with self._lock:
            changes = self._changes
            values = {"done": self.done, "total": self.total, "stage": self.stage_text}
        self._write(self.job_id, values)
        self._saved_changes = changes
        self._last_save = time.monotonic()

    def start(self) -> None:
        if self.threaded and self._thread is None:
            self._thread = threading.Thread(
                target=self._beat, name=f"job-{self.job_id}-heartbeat", daemon=True
            )
            self._thread.start()

    def stop(self) -> None:
        thread, self._thread = self._thread, None
        if thread is not None:
            self._stop.set()
            thread.join()

    def _beat(self) -> None:
        last_beat = time.monotonic()
        try:
            while not self._stop.wait(self._interval):
                due = time.monotonic() - last_beat >= self._heartbeat
                if self._changes != self._saved_changes or due:
                    try:
                        self.save()
                        last_beat = time.monotonic()
                    except DatabaseError:
                        # A missed beat is not worth failing the job for; the next
                        # tick tries again, and a long silence is what the reaper finds.
                        logger.warning(
                            "Job %s: could not write the heartbeat", self.job_id, exc_info=True
                        )
            if self._changes != self._saved_changes:
                try:
                    self.save()
                except DatabaseError:
                    logger.warning(
                        "Job %s: could not write the last progress", self.job_id, exc_info=True
                    )
        finally:
            # Connections are per thread: this closes the heartbeat's own connection.
            connections.close_all()
