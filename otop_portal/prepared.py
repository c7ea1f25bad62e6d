"""Read queries compiled once, run many times (issue #19).

Every request of an officer reads the same few rows by key: its session, its user,
its round, its survey. Django's ORM builds and compiles each of these queries again on
every request, and on the bench machine that cost about 0.65 ms of CPU for the user
alone: five times the query's own round trip. A `PreparedQuery` builds the queryset
once per database, keeps its SQL and how to turn its rows into objects, and then each
call only runs the SQL with new parameters. SQLAlchemy does the same ("baked
queries", the compiled cache); Django has no such cache.

    survey_by_key = PreparedQuery(
        lambda round_id, district_id: Survey.objects.filter(
            round_id=round_id, district_id=district_id
        ),
        round_id=int,
        district_id=str,
    )
    survey = survey_by_key.get(round_id=round.pk, district_id=district.code)

The rules, checked when the query is compiled (a mistake is a ProgrammingError in the
first test that runs the query, not a wrong row):
- The builder is a pure function of its parameters: what else it reads (the clock, a
  setting) is frozen at the first call.
- Each parameter is an `int` or a `str`, compared with `=` (`field=value`, `__in` is
  not supported): the compiled SQL must hold each one as a parameter of its own,
  unchanged. A parameter is never None (that compiles to IS NULL, another query).
- Rows are model instances, with what select_related(), only() and defer() ask for, as
  the queryset would give them; dicts for a values() queryset; tuples for a
  values_list() of fields (not flat, not named).

Queries go through the connection's cursor, so the tests' query counts and the debug
log see them as any other query. On PostgreSQL each is also a prepared statement of the
connection's session (parsed and planned once: `_server_statement`), unless
settings.DB_PREPARED_STATEMENTS is off.
"""

from __future__ import annotations

import itertools
import re
import threading
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import MultipleObjectsReturned
from django.db import DEFAULT_DB_ALIAS, ProgrammingError, connections
from django.db.models import QuerySet
from django.db.models.query import (
    ModelIterable,
    ValuesIterable,
    ValuesListIterable,
    get_related_populators,
)

#: The largest magnitude of an integer column (PostgreSQL's bigint, SQLite's integer):
#: beyond it, no row matches (the ORM says so too, without asking the database).
_INT_LIMIT = 2**63
#: A driver's placeholder (%s) or escaped percent sign (%%) in compiled SQL.
_PLACEHOLDER = re.compile(r"%(%|s)")
#: Names of the prepared statements (PostgreSQL), unique in the process.
_STATEMENT_NUMBERS = itertools.count(1)


def _samples(types: dict[str, type], run: int) -> dict[str, object]:
    """Parameter values for one of the two compilations: each parameter's differs
    between the two, and from every other parameter's. Small positive integers, valid
    for any integer column (the ORM leaves out a comparison with a value out of its
    column's range)."""
    return {
        name: (100 * run + index + 1 if kind is int else f"\x00prepared{run}:{name}\x00")
        for index, (name, kind) in enumerate(types.items())
    }


class _Compiled:
    """One database's SQL and row builder for a PreparedQuery."""

    def __init__(self, queryset: QuerySet, other: QuerySet, samples: dict[str, object]):
        kind = queryset._iterable_class
        self.values = kind is ValuesIterable
        self.tuples = kind is ValuesListIterable
        query = queryset.query
        if self.tuples and (query.extra_select or query.annotation_select):
            raise ProgrammingError("PreparedQuery: values_list() of fields only")
        if kind not in (ModelIterable, ValuesIterable, ValuesListIterable):
            raise ProgrammingError(
                "PreparedQuery: only model rows, values() dicts or values_list() tuples"
            )
        if queryset._known_related_objects or queryset._prefetch_related_lookups:
            raise ProgrammingError("PreparedQuery: no prefetch or known related objects")
        self.compiler = queryset.query.get_compiler(using=queryset.db)
        self.sql, params = self.compiler.as_sql()
        self.statement = f"otop_prepared_{next(_STATEMENT_NUMBERS)}"
        numbers = itertools.count(1)
        self.numbered_sql = _PLACEHOLDER.sub(
            lambda m: "%" if m.group(1) == "%" else f"${next(numbers)}", self.sql
        )
        # In a comment, after the driver's interpolation: its percent signs escaped.
        self.sql_comment = self.sql.replace("*/", "* /").replace("%", "%%")
        other_sql, other_params = other.query.get_compiler(using=other.db).as_sql()
        if other_sql != self.sql or len(other_params) != len(params):
            raise ProgrammingError("PreparedQuery: the query's SQL depends on its parameters")
        # A parameter's position is where the two compilations differ; its name, the
        # sample found there.
        names = {value: name for name, value in samples.items()}
        self.slots: list[tuple[bool, object]] = []  # (a parameter's name?, name or value)
        for value, other_value in zip(params, other_params, strict=True):
            if value == other_value:
                self.slots.append((False, value))
            elif isinstance(value, int | str) and value in names:
                self.slots.append((True, names[value]))
            else:
                raise ProgrammingError(
                    f"PreparedQuery: a parameter is changed in the query ({value!r}); "
                    "compare it with '='"
                )
        missing = set(samples) - {x for is_name, x in self.slots if is_name}
        if missing:
            raise ProgrammingError(f"PreparedQuery: {sorted(missing)} not found in the query")
        fields = [s[0] for s in self.compiler.select[0 : self.compiler.col_count]]
        self.converters = self.compiler.get_converters(fields)
        if self.tuples:
            return
        if self.values:
            self.names = [*query.extra_select, *query.values_select, *query.annotation_select]
            return
        klass_info = self.compiler.klass_info
        self.model = klass_info["model"]
        first, last = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        self.model_slice = slice(first, last)
        self.init_list = [f[0].target.attname for f in self.compiler.select[first:last]]
        self.related = get_related_populators(klass_info, self.compiler.select, queryset.db)
        self.annotations = list(self.compiler.annotation_col_map.items())

    def rows(self, db: str, params: dict) -> list:
        values = [params[x] if is_name else x for is_name, x in self.slots]
        connection = connections[db]
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql" and settings.DB_PREPARED_STATEMENTS:
                cursor.execute(self._server_statement(connection, cursor), values)
            else:
                cursor.execute(self.sql, values)
            fetched = cursor.fetchall()
        if not fetched:
            return []
        rows = fetched
        if self.converters:
            rows = self.compiler.apply_converters(fetched, self.converters)
        if self.tuples:
            return [tuple(row) for row in rows]
        if self.values:
            return [dict(zip(self.names, row, strict=True)) for row in rows]
        objects = []
        for row in rows:
            obj = self.model.from_db(db, self.init_list, row[self.model_slice])
            for populator in self.related:
                populator.populate(row, obj)
            for name, position in self.annotations:
                setattr(obj, name, row[position])
            objects.append(obj)
        return objects

    def _server_statement(self, connection, cursor) -> str:
        """PostgreSQL: the query as a prepared statement of the connection's session,
        and the EXECUTE that runs it with this call's parameters. PostgreSQL then
        parses and plans it once per connection instead of at each call (the user's
        row: 0.32 to 0.33 ms of the server's CPU a query, 0.10 to 0.11 ms prepared, on
        the bench, 3,000 queries twice each).

        The PREPARE goes through the driver's own cursor: it is no query of the page
        (the query log and the tests' counts show the EXECUTE alone), and it is made
        once per connection. In a transaction, it is made under a savepoint of its own,
        so that a statement PostgreSQL cannot prepare aborts nothing: the query then
        runs as plain SQL on that connection.
        """
        raw = connection.connection
        known = connection.__dict__.get("_prepared_statements")
        if known is None or known[0] is not raw:
            known = connection._prepared_statements = (raw, {})
        ready = known[1].get(self.statement)
        if ready is None:
            driver = cursor.cursor
            in_transaction = not connection.get_autocommit()
            try:
                if in_transaction:
                    driver.execute("SAVEPOINT otop_prepare")
                driver.execute(f"PREPARE {self.statement} AS {self.numbered_sql}")
                if in_transaction:
                    driver.execute("RELEASE SAVEPOINT otop_prepare")
                ready = True
            except connection.Database.Error:  # the driver's own, not wrapped by Django
                if in_transaction:
                    driver.execute("ROLLBACK TO SAVEPOINT otop_prepare")
                    driver.execute("RELEASE SAVEPOINT otop_prepare")
                ready = False
            known[1][self.statement] = ready
        if not ready:
            return self.sql
        arguments = f" ({', '.join(['%s'] * len(self.slots))})" if self.slots else ""
        # The SQL follows in a comment: the query log and PostgreSQL's own logs and
        # statistics then say what the statement reads.
        return f"EXECUTE {self.statement}{arguments} /* {self.sql_comment} */"


class PreparedQuery:
    """A queryset of `int`/`str` parameters, compiled once per database (module doc)."""

    def __init__(self, build: Callable[..., QuerySet], /, **types: type):
        for name, kind in types.items():
            if kind not in (int, str):
                raise TypeError(f"PreparedQuery: {name} must be int or str")
        self.build = build
        self.types = types
        # Per thread: a compiler belongs to its thread's connection (runserver and the
        # tests' live server answer in threads; gunicorn's sync workers in one).
        self._local = threading.local()

    def _compile(self, db: str) -> _Compiled:
        by_db = self._local.__dict__.setdefault("by_db", {})
        compiled = by_db.get(db)
        if compiled is None:
            samples, others = _samples(self.types, 1), _samples(self.types, 2)
            compiled = _Compiled(
                self.build(**samples).using(db), self.build(**others).using(db), samples
            )
            by_db[db] = compiled
        return compiled

    def all(self, *, using: str = DEFAULT_DB_ALIAS, **params) -> list:
        """The rows, as the queryset built with `params` would give them."""
        if params.keys() != self.types.keys():
            raise TypeError(f"PreparedQuery: expected {sorted(self.types)}")
        for name, value in params.items():
            if not isinstance(value, self.types[name]):
                raise TypeError(f"PreparedQuery: {name}={value!r} is not {self.types[name]}")
            if self.types[name] is int and not -_INT_LIMIT <= value < _INT_LIMIT:
                return []
        return self._compile(using).rows(using, params)

    def get(self, *, using: str = DEFAULT_DB_ALIAS, **params):
        """The one row, or None; more than one is MultipleObjectsReturned."""
        rows = self.all(using=using, **params)
        if len(rows) > 1:
            raise MultipleObjectsReturned(f"PreparedQuery: {len(rows)} rows")
        return rows[0] if rows else None
