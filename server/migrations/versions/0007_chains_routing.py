"""hash chains per station, checkpoints; lots that move through their routing

Revision ID: 0007
Revises: 0006
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0007"
down_revision: Union[str, None] = "0006"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

S = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    with op.batch_alter_table("event_log") as batch:
        batch.add_column(sa.Column("chain", S(length=40), nullable=False, server_default="plant"))
        batch.create_index("ix_event_log_chain_id", ["chain", "id"])
    with op.batch_alter_table("ledger_head") as batch:
        batch.add_column(sa.Column("chain", S(length=40), nullable=False, server_default="plant"))
        batch.create_unique_constraint("uq_ledger_head_chain", ["chain"])
    if op.get_bind().dialect.name == "postgresql":
        # The seeded tip was inserted with an explicit id; new chains take the next one.
        op.execute(
            "SELECT setval(pg_get_serial_sequence('ledger_head', 'id'), "
            "(SELECT COALESCE(MAX(id), 1) FROM ledger_head))"
        )
    op.create_table(
        "ledger_checkpoint",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heads", sa.Text(), nullable=False),
        sa.Column("prev_hash", S(length=64), nullable=False),
        sa.Column("hash", S(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_ledger_checkpoint_hash", "ledger_checkpoint", ["hash"])
    op.create_table(
        "ledger_verified",
        sa.Column("chain", S(length=40), nullable=False),
        sa.Column("last_id", sa.Integer(), nullable=False),
        sa.Column("last_hash", S(length=64), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("chain"),
    )
    op.create_table(
        "station_presence",
        sa.Column("station_id", S(length=40), nullable=False),
        sa.Column("badge", S(length=40), nullable=False),
        sa.Column("purpose", S(length=20), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("station_id", "badge"),
    )
    with op.batch_alter_table("operation") as batch:
        batch.add_column(sa.Column("optional", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("parallel", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("new_lot", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("bom_line") as batch:
        batch.add_column(sa.Column("after_operation", sa.Integer(), nullable=True))
    with op.batch_alter_table("lot") as batch:
        batch.add_column(sa.Column("work_order", S(length=40), nullable=True))
        batch.add_column(sa.Column("ops_done", sa.JSON(), nullable=False, server_default="[]"))
        batch.create_index("ix_lot_work_order", ["work_order"])
    with op.batch_alter_table("job") as batch:
        batch.add_column(sa.Column("input_lot", S(length=80), nullable=True))
        batch.create_index("ix_job_input_lot", ["input_lot"])
    op.create_table(
        "lot_operation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lot", S(length=80), nullable=False),
        sa.Column("work_order", S(length=40), nullable=False),
        sa.Column("operation_seq", sa.Integer(), nullable=False),
        sa.Column("job_id", S(length=36), nullable=True),
        sa.Column("station_id", S(length=40), nullable=True),
        sa.Column("operator_id", S(length=40), nullable=True),
        sa.Column("qty_in", sa.Float(), nullable=False),
        sa.Column("good_qty", sa.Float(), nullable=False),
        sa.Column("scrap_qty", sa.Float(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("skipped", sa.Boolean(), nullable=False),
        sa.Column("reason", S(length=500), nullable=True),
        sa.Column("approved_by", S(length=40), nullable=True),
        sa.Column("event_id", S(length=36), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("lot", "operation_seq", name="uq_lot_operation"),
    )
    op.create_index("ix_lot_operation_lot", "lot_operation", ["lot"])
    op.create_index("ix_lot_operation_work_order", "lot_operation", ["work_order"])
    with op.batch_alter_table("spc_stream") as batch:
        batch.drop_column("state_token")


def downgrade() -> None:
    with op.batch_alter_table("spc_stream") as batch:
        batch.add_column(sa.Column("state_token", S(length=32), nullable=True))
    op.drop_table("lot_operation")
    with op.batch_alter_table("job") as batch:
        batch.drop_index("ix_job_input_lot")
        batch.drop_column("input_lot")
    with op.batch_alter_table("lot") as batch:
        batch.drop_index("ix_lot_work_order")
        batch.drop_column("ops_done")
        batch.drop_column("work_order")
    with op.batch_alter_table("bom_line") as batch:
        batch.drop_column("after_operation")
    with op.batch_alter_table("operation") as batch:
        batch.drop_column("new_lot")
        batch.drop_column("parallel")
        batch.drop_column("optional")
    op.drop_table("station_presence")
    op.drop_table("ledger_verified")
    op.drop_index("ix_ledger_checkpoint_hash", "ledger_checkpoint")
    op.drop_table("ledger_checkpoint")
    with op.batch_alter_table("ledger_head") as batch:
        batch.drop_constraint("uq_ledger_head_chain", type_="unique")
        batch.drop_column("chain")
    with op.batch_alter_table("event_log") as batch:
        batch.drop_index("ix_event_log_chain_id")
        batch.drop_column("chain")
