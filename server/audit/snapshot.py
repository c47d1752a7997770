"""One moment of the live database, for an audit that takes a while.

The log, the chains and the tables must be read as of one instant, or events
arriving during the replay would show up as differences; and the audit must
not hold the live database up. SQLite: the file is copied through SQLite's
backup (a consistent copy of a WAL database) and the copy is read.
PostgreSQL: one transaction exports its snapshot and every connection of the
audit starts in it (``SET TRANSACTION SNAPSHOT``), read-only.
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from server.db import make_engine


@contextmanager
def frozen(engine: Engine) -> Iterator[Engine]:
    """An engine that reads ``engine``'s database as it is now, for the ``with`` block."""
    dialect = engine.dialect.name
    if dialect == "sqlite":
        with _sqlite_copy(engine) as copy:
            yield copy
    elif dialect == "postgresql":
        with _pg_snapshot(engine) as snap:
            yield snap
    else:
        yield engine


@contextmanager
def _sqlite_copy(engine: Engine) -> Iterator[Engine]:
    with tempfile.TemporaryDirectory(prefix="lineside-audit-copy-") as folder:
        path = Path(folder) / "live.db"
        raw = engine.raw_connection()
        try:
            source = raw.driver_connection
            assert isinstance(source, sqlite3.Connection)
            target = sqlite3.connect(path)
            try:
                source.backup(target)
            finally:
                target.close()
        finally:
            raw.close()
        copy = make_engine(f"sqlite:///{path}")
        try:
            yield copy
        finally:
            copy.dispose()


@contextmanager
def _pg_snapshot(engine: Engine) -> Iterator[Engine]:
    holder = engine.connect().execution_options(isolation_level="REPEATABLE READ")
    try:
        with holder.begin():
            holder.exec_driver_sql("SET TRANSACTION READ ONLY")
            snapshot = holder.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
            reader = make_engine(
                engine.url.render_as_string(hide_password=False),
                isolation_level="REPEATABLE READ",
            )

            @event.listens_for(reader, "begin")
            def _in_snapshot(conn: Any) -> None:
                conn.exec_driver_sql(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
                conn.exec_driver_sql("SET TRANSACTION READ ONLY")

            try:
                yield reader
            finally:
                reader.dispose()
    finally:
        holder.close()
