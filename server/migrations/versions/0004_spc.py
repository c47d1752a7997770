"""spc: frozen control limits, chart streams, plotted points, signals

Revision ID: 0004
Revises: 0002
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0004"
# 0002 (genealogy) was written after 0003 and revises it, so the chain is 0001 -> 0003 -> 0002 -> 0004.
down_revision: Union[str, None] = "0002"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

S = sqlmodel.sql.sqltypes.AutoString
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "spc_limits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("characteristic", S(length=60), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("chart", S(length=10), nullable=False),
        sa.Column("limits", sa.JSON(), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("frozen_by", S(length=40), nullable=False),
        sa.Column("frozen_at", TS, nullable=False),
        sa.Column("reason", S(length=500), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("event_id", S(length=36), nullable=False),
        sa.Column("rev", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["characteristic"], ["characteristic.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("characteristic", "version", name="uq_spc_limits_characteristic_version"),
    )
    op.create_index("ix_spc_limits_characteristic_active", "spc_limits", ["characteristic", "active"])
    op.create_index("ix_spc_limits_rev", "spc_limits", ["rev"])
    op.create_table(
        "spc_stream",
        sa.Column("characteristic", S(length=60), nullable=False),
        sa.Column("station_id", S(length=40), nullable=False),
        sa.Column("limits_version", sa.Integer(), nullable=False),
        sa.Column("version_from", sa.Integer(), nullable=False),
        sa.Column("next_index", sa.Integer(), nullable=False),
        sa.Column("prev_value", sa.Float(), nullable=True),
        sa.Column("pending", sa.JSON(), nullable=False),
        sa.Column("last_in_control", sa.Integer(), nullable=True),
        sa.Column("open_signal_id", S(length=36), nullable=True),
        sa.Column("state_token", S(length=32), nullable=True),
        sa.Column("updated_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["characteristic"], ["characteristic.id"]),
        sa.PrimaryKeyConstraint("characteristic", "station_id"),
    )
    op.create_table(
        "spc_point",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("characteristic", S(length=60), nullable=False),
        sa.Column("station_id", S(length=40), nullable=False),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("work_order", S(length=40), nullable=False),
        sa.Column("limits_version", sa.Integer(), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("jobs", sa.JSON(), nullable=False),
        sa.Column("parts", sa.JSON(), nullable=False),
        sa.Column("violations", sa.JSON(), nullable=False),
        sa.Column("in_control", sa.Boolean(), nullable=False),
        sa.Column("signal_id", S(length=36), nullable=True),
        sa.Column("at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("characteristic", "station_id", "idx", name="uq_spc_point_stream_idx"),
    )
    op.create_index("ix_spc_point_characteristic_at", "spc_point", ["characteristic", "at"])
    op.create_table(
        "spc_signal",
        sa.Column("id", S(length=36), nullable=False),
        sa.Column("characteristic", S(length=60), nullable=False),
        sa.Column("station_id", S(length=40), nullable=False),
        sa.Column("work_order", S(length=40), nullable=True),
        sa.Column("point", sa.Integer(), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("violations", sa.JSON(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("limits_version", sa.Integer(), nullable=False),
        sa.Column("suspect_from", sa.Integer(), nullable=False),
        sa.Column("lots", sa.JSON(), nullable=False),
        sa.Column("downstream", sa.JSON(), nullable=False),
        sa.Column("units", sa.JSON(), nullable=False),
        sa.Column("later_points", sa.JSON(), nullable=False),
        sa.Column("ncr", S(length=40), nullable=True),
        sa.Column("continues", S(length=36), nullable=True),
        sa.Column("cause_event_id", S(length=36), nullable=True),
        sa.Column("at", TS, nullable=False),
        sa.Column("acknowledged_by", S(length=40), nullable=True),
        sa.Column("acknowledged_at", TS, nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("rev", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["characteristic"], ["characteristic.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_spc_signal_characteristic", "spc_signal", ["characteristic"])
    op.create_index("ix_spc_signal_continues", "spc_signal", ["continues"])
    op.create_index("ix_spc_signal_rev", "spc_signal", ["rev"])
    op.create_index("ix_spc_signal_station_rev", "spc_signal", ["station_id", "rev"])


def downgrade() -> None:
    for table in ("spc_signal", "spc_point", "spc_stream", "spc_limits"):
        op.drop_table(table)
