"""quality loop: NCRs, dispositions, signatures, notifications, reaction plans

Revision ID: 0003
Revises: 0001
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0003"
down_revision: Union[str, None] = "0001"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

S = sqlmodel.sql.sqltypes.AutoString
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "ncr",
        sa.Column("id", S(length=40), nullable=False),
        sa.Column("status", S(length=20), nullable=False),
        sa.Column("title", S(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("source", S(length=30), nullable=False),
        sa.Column("critical", sa.Boolean(), nullable=False),
        sa.Column("qty_affected", sa.Float(), nullable=False),
        sa.Column("lots", sa.JSON(), nullable=False),
        sa.Column("units", sa.JSON(), nullable=False),
        sa.Column("defect_codes", sa.JSON(), nullable=False),
        sa.Column("measurements", sa.JSON(), nullable=False),
        sa.Column("station_id", S(length=40), nullable=True),
        sa.Column("cause_event_id", S(length=36), nullable=True),
        sa.Column("opened_by", S(length=40), nullable=True),
        sa.Column("opened_at", TS, nullable=False),
        sa.Column("closed_at", TS, nullable=True),
        sa.Column("rev", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_ncr_cause_event_id", "ncr", ["cause_event_id"])
    op.create_index("ix_ncr_rev", "ncr", ["rev"])
    op.create_table(
        "disposition",
        sa.Column("id", S(length=36), nullable=False),
        sa.Column("ncr", S(length=40), nullable=False),
        sa.Column("kind", S(length=30), nullable=False),
        sa.Column("status", S(length=20), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("signatures_required", sa.Integer(), nullable=False),
        sa.Column("proposed_at", TS, nullable=False),
        sa.Column("executed_at", TS, nullable=True),
        sa.ForeignKeyConstraint(["ncr"], ["ncr.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_disposition_ncr", "disposition", ["ncr"])
    op.create_table(
        "signature",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("disposition_id", S(length=36), nullable=False),
        sa.Column("signer", S(length=40), nullable=False),
        sa.Column("signer_name", S(length=120), nullable=False),
        sa.Column("role", S(length=30), nullable=False),
        sa.Column("meaning", S(length=200), nullable=False),
        sa.Column("signed_at", TS, nullable=False),
        sa.Column("event_id", S(length=36), nullable=False),
        sa.Column("record_hash", S(length=64), nullable=False),
        sa.ForeignKeyConstraint(["disposition_id"], ["disposition.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_signature_disposition_id", "signature", ["disposition_id"])
    op.create_table(
        "sign_failure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("badge", S(length=40), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("reason", S(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sign_failure_badge", "sign_failure", ["badge"])
    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", S(length=30), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("station_id", S(length=40), nullable=True),
        sa.Column("cause_event_id", S(length=36), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("acknowledged_by", S(length=40), nullable=True),
        sa.Column("acknowledged_at", TS, nullable=True),
        sa.Column("note", S(length=500), nullable=True),
        sa.Column("rev", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_notification_rev", "notification", ["rev"])
    with op.batch_alter_table("characteristic") as batch:
        batch.add_column(sa.Column("inspection", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("reaction", sa.JSON(), nullable=True))
    with op.batch_alter_table("defect_code") as batch:
        batch.add_column(sa.Column("reaction", sa.JSON(), nullable=True))
    with op.batch_alter_table("work_order") as batch:
        batch.add_column(sa.Column("kind", S(length=20), nullable=False, server_default="production"))
        batch.add_column(sa.Column("rework_lot", S(length=80), nullable=True))
        batch.add_column(sa.Column("rework_operation", sa.Integer(), nullable=True))
    with op.batch_alter_table("hold") as batch:
        batch.add_column(sa.Column("cause_event_id", S(length=36), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("hold") as batch:
        batch.drop_column("cause_event_id")
    with op.batch_alter_table("work_order") as batch:
        batch.drop_column("rework_operation")
        batch.drop_column("rework_lot")
        batch.drop_column("kind")
    with op.batch_alter_table("defect_code") as batch:
        batch.drop_column("reaction")
    with op.batch_alter_table("characteristic") as batch:
        batch.drop_column("reaction")
        batch.drop_column("inspection")
    for table in ("notification", "sign_failure", "signature", "disposition", "ncr"):
        op.drop_table(table)
