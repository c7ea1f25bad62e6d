"""A large registry import on PostgreSQL drops the registry's foreign keys for its writes
and adds them back before it commits (products.services.registry._bulk_write_session)."""

from __future__ import annotations

import datetime as dt

import psycopg2
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from products.models import Entrepreneur, Product
from products.services import registry as services
from products.services.registry import registry_import
from tests.products.test_registry_import import generated, state

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the bulk load is PostgreSQL's (COPY); CI runs this file on PostgreSQL",
    ),
]

AS_OF = dt.date(2021, 4, 1)
TABLES = [Entrepreneur._meta.db_table, Product._meta.db_table]


def foreign_keys() -> list[tuple[str, str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY(%s::regclass[]) "
            "ORDER BY 1, 2",
            [TABLES],
        )
        return cursor.fetchall()


def statements(captured) -> str:
    return "\n".join(q["sql"] for q in captured.captured_queries)


@pytest.fixture
def bulk_from_ten_rows(monkeypatch):
    monkeypatch.setattr(services, "REGISTRY_BULK_LOAD_ROWS", 10)


def test_it_puts_back_every_foreign_key_as_it_was(bulk_from_ten_rows):
    keys = foreign_keys()
    assert len(keys) == 6  # district, subdistrict, snapshot; entrepreneur, district, snapshot

    with CaptureQueriesContext(connection) as captured:
        result = registry_import(rows=generated(40), as_of=AS_OF)

    assert result.products.new == 40
    assert Product.objects.count() == 40
    # Dropped, and added back (a failed drop would have been rolled back to its
    # savepoint, and the keys checked per row instead).
    assert "DROP CONSTRAINT" in statements(captured)
    assert statements(captured).count("ADD CONSTRAINT") == len(keys)
    assert foreign_keys() == keys
    # Added back deferrable and deferred, as Django made them.
    assert all("DEFERRABLE INITIALLY DEFERRED" in definition for _t, _n, definition in keys)


def test_a_small_import_checks_each_row_and_drops_nothing(bulk_from_ten_rows):
    keys = foreign_keys()

    with CaptureQueriesContext(connection) as captured:
        result = registry_import(rows=generated(6), as_of=AS_OF)

    assert result.products.new == 6
    assert "DROP CONSTRAINT" not in statements(captured)
    assert "ADD CONSTRAINT" not in statements(captured)
    assert "IMMEDIATE" in statements(captured)
    assert foreign_keys() == keys


def test_it_works_when_an_admin_imports_it(bulk_from_ten_rows, admin):
    # The snapshot row (imported_by) queues a deferred check in the transaction, which
    # PostgreSQL would not let the keys be dropped behind.
    keys = foreign_keys()

    with CaptureQueriesContext(connection) as captured:
        result = registry_import(rows=generated(40), as_of=AS_OF, by=admin)

    assert result.snapshot.imported_by == admin
    assert statements(captured).count("ADD CONSTRAINT") == len(keys)
    assert foreign_keys() == keys


def test_a_failure_after_the_keys_are_dropped_leaves_keys_and_rows_as_they_were(
    bulk_from_ten_rows, monkeypatch
):
    registry_import(rows=generated(12), as_of=AS_OF)
    keys, before = foreign_keys(), state()

    def fail(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(services, "_registry_names_move", fail)
    changed = generated(40, seed=2)
    with pytest.raises(RuntimeError):
        registry_import(rows=changed, as_of=AS_OF)

    assert foreign_keys() == keys
    assert state() == before


def test_it_checks_each_row_instead_when_another_session_holds_the_tables(
    bulk_from_ten_rows, monkeypatch
):
    # A long reader (a country export, say) holds the products table: the import does
    # not wait for it (nor make every page wait behind it), it checks each row instead.
    monkeypatch.setattr(services, "REGISTRY_LOCK_TIMEOUT", "200ms")
    keys = foreign_keys()
    settings = connection.settings_dict
    reader = psycopg2.connect(
        dbname=settings["NAME"],
        user=settings["USER"],
        password=settings["PASSWORD"],
        host=settings["HOST"],
        port=settings["PORT"] or 5432,
    )
    try:
        with reader.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {Product._meta.db_table}")
        with CaptureQueriesContext(connection) as captured:
            result = registry_import(rows=generated(40), as_of=AS_OF)
    finally:
        reader.rollback()
        reader.close()

    assert result.products.new == 40
    assert Product.objects.count() == 40
    assert "ADD CONSTRAINT" not in statements(captured)
    assert foreign_keys() == keys
