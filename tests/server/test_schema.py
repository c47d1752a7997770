"""The migrations build the schema the models describe (SQLite and PostgreSQL)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

import server.models  # noqa: F401  (registers the tables)
import server.models_genealogy  # noqa: F401
import server.models_quality  # noqa: F401
import server.models_spc  # noqa: F401


def test_every_table_column_and_index_of_the_models_is_migrated(empty_engine: Engine) -> None:
    inspector = sa.inspect(empty_engine)
    migrated = set(inspector.get_table_names()) - {"alembic_version"}
    assert migrated == set(SQLModel.metadata.tables)
    for name, table in SQLModel.metadata.tables.items():
        columns = {c["name"] for c in inspector.get_columns(name)}
        assert columns == {c.name for c in table.columns}, name
        indexes = {i["name"] for i in inspector.get_indexes(name)}
        declared = {i.name for i in table.indexes}
        assert declared <= indexes, (name, declared - indexes)


def test_the_daily_report_reads_a_day_through_an_index(empty_engine: Engine) -> None:
    inspector = sa.inspect(empty_engine)
    for table, column in (("measurement", "occurred_at"), ("defect", "occurred_at"),
                          ("job", "ended_at"), ("event_log", "received_at")):  # fmt: skip
        indexed = [i["column_names"] for i in inspector.get_indexes(table)]
        assert [column] in indexed, (table, indexed)
