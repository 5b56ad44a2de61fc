"""Record every committed transaction's SQL, parameters inlined, when FLOORSYNC_SQL_TRACE names a file.

    FLOORSYNC_SQL_TRACE=/tmp/trace.jsonl FLOORSYNC_WORKERS=1 floorsync serve

Each committed transaction becomes one JSON line: a list of SQL statements with their parameters
rendered as literals, ready for a pgbench script (BEGIN and COMMIT are not in it: a script adds
them). The benchmarks use it to replay exactly what the server sent PostgreSQL, without the
application in between. Only for benchmarks: it costs time.
"""

from __future__ import annotations

import datetime
import decimal
import json
import os
import re
import uuid
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from server import db

_PLACEHOLDER = re.compile(r"\$(\d+)")


def _array_element(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, int | float | decimal.Decimal):
        return str(value)
    text = str(value)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def literal(value: Any) -> str:
    """``value`` as a PostgreSQL literal (arrays as ``'{...}'``: the statements cast them)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | decimal.Decimal):
        return str(value)
    if isinstance(value, datetime.datetime):
        return _quote(value.isoformat()) + "::timestamptz"
    if isinstance(value, datetime.date):
        return _quote(value.isoformat()) + "::date"
    if isinstance(value, uuid.UUID):
        return _quote(str(value)) + "::uuid"
    if isinstance(value, bytes | bytearray | memoryview):
        return _quote("\\x" + bytes(value).hex()) + "::bytea"
    if isinstance(value, list | tuple):
        return _quote("{" + ",".join(_array_element(v) for v in value) + "}")
    if isinstance(value, dict):
        return _quote(json.dumps(value))
    return _quote(str(value))


def inline(statement: str, parameters: Any) -> str:
    """The statement with its ``$n`` placeholders replaced by literals."""
    if not parameters:
        return statement
    values = list(parameters)
    return _PLACEHOLDER.sub(lambda m: literal(values[int(m.group(1)) - 1]), statement)


class Recorder:
    """Buffers statements per connection; a commit writes the buffer as one line, a rollback drops it.

    Statements come from SQLAlchemy and from the asyncpg fast path (``server.db.Pg``), both keyed by
    the driver's connection, so a transaction's line holds all it sent in the order it sent them.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.pending: dict[int, list[str]] = {}

    def install(self) -> None:
        event.listen(Engine, "begin", self.on_begin)
        event.listen(Engine, "before_cursor_execute", self.on_execute)
        event.listen(Engine, "commit", self.on_commit)
        event.listen(Engine, "rollback", self.on_rollback)
        db.STATEMENT_HOOKS.append(self.on_fast_path)

    def uninstall(self) -> None:
        """Stop recording (tests that trace a few requests in their own process)."""
        event.remove(Engine, "begin", self.on_begin)
        event.remove(Engine, "before_cursor_execute", self.on_execute)
        event.remove(Engine, "commit", self.on_commit)
        event.remove(Engine, "rollback", self.on_rollback)
        db.STATEMENT_HOOKS.remove(self.on_fast_path)

    @staticmethod
    def _key(conn: Connection) -> int:
        return id(conn.connection.driver_connection)

    def on_begin(self, conn: Connection) -> None:
        self.pending[self._key(conn)] = []  # a new transaction; nothing left over from a reused connection

    def on_execute(self, conn: Connection, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        self.pending.setdefault(self._key(conn), []).append(inline(statement, parameters))

    def on_fast_path(self, driver_connection: Any, statement: str, parameters: tuple[Any, ...]) -> None:
        self.pending.setdefault(id(driver_connection), []).append(inline(statement, parameters))

    def on_commit(self, conn: Connection) -> None:
        statements = self.pending.pop(self._key(conn), [])
        if statements:
            with open(self.path, "a") as out:
                out.write(json.dumps(statements) + "\n")

    def on_rollback(self, conn: Connection) -> None:
        self.pending.pop(self._key(conn), None)


def install_from_env() -> None:
    """Start recording in this process when FLOORSYNC_SQL_TRACE names a file (each worker installs its own)."""
    path = os.environ.get("FLOORSYNC_SQL_TRACE")
    if path:
        Recorder(path).install()
