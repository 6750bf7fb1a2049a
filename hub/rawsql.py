"""Core statements run straight on the DB-API cursor, for the per-message path of mail ingest.

For a short statement, SQLAlchemy's execution machinery (building an execution context,
processing parameters and results) costs two to three times what SQLite spends running
it, and the listener runs five statements for every message it takes. ``RawStatement``
keeps what SQLAlchemy is good at, the SQL: it compiles a Core statement once per dialect
and applies each parameter's own bind processor (SQLite stores a ``datetime`` as the
text SQLAlchemy writes), so a row written this way is the row Core would write
(``tests/hub/test_rawsql.py`` compares the two on SQLite and PostgreSQL). Result values come
back as the driver returns them, through the columns' result processors.

A statement on the cursor is part of the connection's transaction: ``execute`` begins
one on the SQLAlchemy connection first if none is open, so ``Connection.commit()`` and
``rollback()`` end it as usual.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, exc
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.expression import Executable


@dataclass(frozen=True)
class _Compiled:
    sql: str
    #: Parameter names: in placeholder order when ``positional``, else every name used.
    order: tuple[str, ...]
    positional: bool
    #: Values of the statement's own literals (LIMIT 1, a status in a WHERE clause).
    fixed: Mapping[str, Any]
    #: Python-side column defaults (``default=...``) for columns a caller leaves out.
    defaults: Mapping[str, Any]
    processors: tuple[tuple[str, Callable[[Any], Any]], ...]
    #: Result column processors, in column order (None for a column needing none).
    results: tuple[Callable[[Any], Any] | None, ...]


class RawStatement:
    """A Core statement compiled once per dialect and run on the DB-API cursor."""

    def __init__(self, statement: Executable, *, column_keys: Sequence[str] | None = None):
        self.statement = statement
        self.column_keys = list(column_keys) if column_keys is not None else None
        self._compiled: dict[type[Dialect], _Compiled] = {}

    def _for(self, dialect: Dialect) -> _Compiled:
        compiled = self._compiled.get(type(dialect))
        if compiled is None:
            compiled = self._compiled[type(dialect)] = self._compile(dialect)
        return compiled

    def _compile(self, dialect: Dialect) -> _Compiled:
        kwargs = {"column_keys": self.column_keys} if self.column_keys is not None else {}
        compiled = self.statement.compile(dialect=dialect, **kwargs)
        required = {name for name, bind in compiled.binds.items() if bind.required}
        every = compiled.construct_params({name: None for name in required})
        table = getattr(self.statement, "table", None)
        defaults = {
            column.key: column.default
            for column in (table.columns if table is not None else ())
            if column.key in every and column.default is not None
        }
        fixed = {
            name: value
            for name, value in every.items()
            if name not in required and name not in defaults
        }
        processors = []
        for name in every:
            bind = compiled.binds.get(name)
            if bind is None:
                continue
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                processors.append((name, processor))
        results = tuple(
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in getattr(self.statement, "exported_columns", ())
        )
        order = tuple(compiled.positiontup) if compiled.positional else tuple(every)
        return _Compiled(
            compiled.string,
            order,
            compiled.positional,
            fixed,
            defaults,
            tuple(processors),
            results,
        )

    def _arguments(self, compiled: _Compiled, params: Mapping[str, Any]) -> Any:
        """The driver's arguments: what Core would pass for ``params``."""
        values = {**compiled.fixed, **params}
        for name, default in compiled.defaults.items():
            if name not in values:
                values[name] = default.arg(None) if default.is_callable else default.arg
        for name, processor in compiled.processors:
            value = values.get(name)
            if value is not None:
                values[name] = processor(value)
        if not compiled.positional:
            return {name: values.get(name) for name in compiled.order}
        return tuple(values.get(name) for name in compiled.order)

    def _cursor(self, conn: Connection) -> Any:
        if not conn.in_transaction():
            conn.begin()
        return conn.connection.cursor()

    def execute(self, conn: Connection, params: Mapping[str, Any]) -> Any:
        """Run the statement with ``params``; returns the DB-API cursor."""
        compiled = self._for(conn.dialect)
        cursor = self._cursor(conn)
        arguments = self._arguments(compiled, params)
        try:
            cursor.execute(compiled.sql, arguments)
        except conn.dialect.loaded_dbapi.Error as error:
            raise _translated(conn, compiled.sql, arguments, error) from error
        return cursor

    def executemany(self, conn: Connection, rows: Iterable[Mapping[str, Any]]) -> None:
        """Run the statement once for each of ``rows``."""
        compiled = self._for(conn.dialect)
        arguments = [self._arguments(compiled, row) for row in rows]
        if not arguments:
            return
        try:
            self._cursor(conn).executemany(compiled.sql, arguments)
        except conn.dialect.loaded_dbapi.Error as error:
            raise _translated(conn, compiled.sql, arguments, error) from error

    def first(self, conn: Connection, params: Mapping[str, Any]) -> tuple | None:
        """The first result row, its values through the columns' result processors."""
        compiled = self._for(conn.dialect)
        row = self.execute(conn, params).fetchone()
        if row is None or not compiled.results:
            return row
        return tuple(
            value if processor is None or value is None else processor(value)
            for value, processor in zip(row, compiled.results, strict=False)
        )

    def scalar(self, conn: Connection, params: Mapping[str, Any]) -> Any:
        """The first column of the first row (``RETURNING id``), or None."""
        row = self.first(conn, params)
        return row[0] if row is not None else None


def _translated(conn: Connection, sql: str, arguments: Any, error: Exception) -> Exception:
    """The driver's exception as SQLAlchemy's (``IntegrityError``, ``OperationalError``,
    ...), as Core would raise it, so callers handle both alike."""
    return exc.DBAPIError.instance(
        sql,
        arguments,
        error,
        conn.dialect.loaded_dbapi.Error,
        hide_parameters=True,
        dialect=conn.dialect,
    )
