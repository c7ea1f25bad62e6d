"""Fixtures of the jobs tests: the test-only job kinds, files kept under the test's own
folder, and a queue that keeps tasks instead of running them."""

from __future__ import annotations

import pytest

from tests.jobs import kinds


@pytest.fixture(autouse=True)
def _isolated_media(settings, tmp_path):
    # Jobs keep their input and output files: they go to the test's own folder.
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _progress_on_the_jobs_own_connection(monkeypatch):
    """A test runs inside a transaction that other connections cannot see, so here the
    progress is always written on the test's connection, even on PostgreSQL (where jobs
    use the heartbeat thread, tested on its own with threaded=True)."""
    from jobs import progress

    monkeypatch.setattr(progress, "THREADED", False)


@pytest.fixture(autouse=True)
def _fresh_seen():
    kinds.SEEN.clear()
    yield
    kinds.SEEN.clear()


@pytest.fixture
def held_queue(settings):
    """The dummy task backend: enqueued tasks are kept, not run, so a job stays queued
    until the test runs its task. Returns the backend (its `results` list the tasks)."""
    from django_tasks import default_task_backend

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    settings.JOBS_INLINE_MAX_ROWS = 5
    return default_task_backend


@pytest.fixture
def db_queue(settings):
    """The database task backend (django-tasks-db), without a worker."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.JOBS_INLINE_MAX_ROWS = 5
