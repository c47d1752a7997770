"""Engines and sessions for SQLite (embedded) and PostgreSQL (production)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlmodel import create_engine


def as_utc(value: datetime | None) -> datetime | None:
    """A timestamp read back from the database, always aware (SQLite hands back naive UTC)."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine with the settings lineside relies on.

    SQLite: WAL, foreign keys on, a busy timeout, and ``BEGIN IMMEDIATE`` so a
    transaction that reads then writes never dies on a lock upgrade.
    """
    if is_sqlite(url):
        db_path = make_url(url).database
        if db_path and db_path != ":memory:":
            Path(db_path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs
        )

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10, **kwargs)


def bulk_insert(
    session: Any, table: Any, rows: list[dict[str, Any]], *, ids: bool = False
) -> list[int]:
    """Insert many rows of one table in one go: ``COPY`` on PostgreSQL, one multi-row
    statement elsewhere. With ``ids`` the new rows' ids are returned, in order."""
    if not rows:
        return []
    conn = session.connection()
    if conn.dialect.name != "postgresql":
        if ids:
            result = conn.execute(
                table.insert().returning(table.c.id, sort_by_parameter_order=True), rows
            )
            return [int(i) for i in result.scalars()]
        conn.execute(table.insert(), rows)
        return []
    columns = list(rows[0])
    new_ids: list[int] = []
    if ids:
        new_ids = [
            int(i)
            for i in conn.exec_driver_sql(
                f"SELECT nextval(pg_get_serial_sequence('{table.name}', 'id')) "
                f"FROM generate_series(1, {len(rows)})"
            ).scalars()
        ]
        columns = ["id", *columns]
    raw = conn.connection.dbapi_connection
    names = ", ".join(f'"{c}"' for c in columns)
    with raw.cursor() as cur, cur.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        if ids:
            for new_id, row in zip(new_ids, rows, strict=True):
                copy.write_row([new_id, *row.values()])
        else:
            for row in rows:
                copy.write_row(list(row.values()))
    return new_ids


def one_of(session: Any, column: Any, values: Any) -> Any:
    """``column IN values`` as one array parameter on PostgreSQL (the same statement text,
    prepared once, however many values), a plain IN list elsewhere."""
    from sqlalchemy import any_, bindparam
    from sqlalchemy.dialects.postgresql import ARRAY
    from sqlalchemy.types import String

    values = sorted(set(values))
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, values, type_=ARRAY(String)))
    return column.in_(values)
