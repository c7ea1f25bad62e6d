"""Which function does the work of each kind of job.

An app registers a handler for a kind:

    @register(JobKind.SURVEY_EXPORT, check=survey_export_check)
    def survey_export(job, progress):
        ...
        return {"rows": 1873}

- `run(job, progress)` does the work and returns the job's summary (a JSON-able dict).
  It calls `progress(done, total)` as rows go by (the runner throttles the writes) and
  may call `progress.stage("…")` to say what it is doing. An export attaches its file
  with `jobs.services.job_attach_output`. It raises to fail the job: ImportRefused,
  WorkflowError, PermissionDenied and JobRefused carry a message for the user; anything
  else is logged with its traceback and the user reads a generic message.
- `check(by, params, input_file)`, optional, runs when the job is started, in the
  request: it refuses parameters or a user that cannot do the job (JobRefused,
  PermissionDenied, Http404) before anything is queued, and returns the number of rows
  the job will handle when it can tell (the runner queues big jobs), else None.
- `atomic=True` runs the handler and the marking of the job as succeeded in one
  transaction: an import's writes and its "succeeded" commit together, or neither does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

_HANDLERS: dict[str, Handler] = {}


class JobRefused(Exception):
    """The job cannot be done as asked; `message` says why, for the user."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@dataclass
class JobPlan:
    """What a handler's check found: the rows the job will handle (None: unknown) and
    a short label for the lists ("อำเภอแม่ใจ รอบ 2564-2")."""

    rows: int | None = None
    label: str = ""


@dataclass(frozen=True)
class Handler:
    kind: str
    run: Callable
    check: Callable | None = None
    atomic: bool = False


def register(kind: str, *, check: Callable | None = None, atomic: bool = False) -> Callable:
    """Register the decorated function as the handler of `kind` (one handler per kind)."""

    def decorator(run: Callable) -> Callable:
        existing = _HANDLERS.get(str(kind))
        if existing is not None and existing.run is not run:
            raise ValueError(f"A handler is already registered for job kind {kind!r}.")
        _HANDLERS[str(kind)] = Handler(kind=str(kind), run=run, check=check, atomic=atomic)
        return run

    return decorator


def unregister(kind: str) -> None:
    """Remove a kind's handler (tests register their own kinds and remove them)."""
    _HANDLERS.pop(str(kind), None)


def handler_for(kind: str) -> Handler | None:
    return _HANDLERS.get(str(kind))
