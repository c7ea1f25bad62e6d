"""The reminder log moved from districts to dashboards: its table, rows and content type
stay, only Django's idea of the model's app changes (districts 0004, dashboards 0001)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from dashboards.models import ReminderLog
from tests.conftest import make_round

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BEFORE = [("districts", "0003_reminderlog")]


def migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


def test_it_keeps_the_reminders_sent_before_the_move(officer):
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    round = make_round()
    try:
        executor = migrate(BEFORE)
        old = executor.loader.project_state(BEFORE).apps.get_model("districts", "ReminderLog")
        old.objects.create(
            round_id=round.pk,
            district_id="5607",
            user_id=officer.pk,
            kind="survey",
            sent_on=dt.date(2021, 5, 22),
            days_to_deadline=3,
            email="maechai@example.go.th",
        )
        # The content type as it was: districts', with its permissions.
        ContentType.objects.filter(model="reminderlog").delete()
        content_type = ContentType.objects.create(app_label="districts", model="reminderlog")
        Permission.objects.create(
            content_type=content_type, codename="view_reminderlog", name="Can view"
        )
        ContentType.objects.clear_cache()

        migrate(latest)

        log = ReminderLog.objects.get()
        assert (log.district_id, log.user, log.kind) == ("5607", officer, "survey")
        assert ReminderLog._meta.db_table == "districts_reminderlog"
        moved = ContentType.objects.get(pk=content_type.pk)
        assert (moved.app_label, moved.model) == ("dashboards", "reminderlog")
        assert Permission.objects.get(codename="view_reminderlog").content_type == moved
    finally:
        ContentType.objects.clear_cache()
        migrate(latest)


def test_it_moves_back_when_the_migrations_are_reversed(officer):
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    ContentType.objects.clear_cache()
    ContentType.objects.get_for_model(ReminderLog)
    try:
        migrate(BEFORE)
        assert ContentType.objects.filter(app_label="districts", model="reminderlog").exists()
        assert not ContentType.objects.filter(app_label="dashboards", model="reminderlog").exists()
    finally:
        ContentType.objects.clear_cache()
        migrate(latest)
