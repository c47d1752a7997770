"""report indexes: the daily report reads one day of measurements, defects, jobs and events

Revision ID: 0005
Revises: 0004
"""
from typing import Sequence, Union

from alembic import op

revision: str = "0005"
down_revision: Union[str, None] = "0004"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

INDEXES = (
    ("ix_measurement_occurred_at", "measurement", "occurred_at"),
    ("ix_defect_occurred_at", "defect", "occurred_at"),
    ("ix_job_ended_at", "job", "ended_at"),
    ("ix_event_log_received_at", "event_log", "received_at"),
)


def upgrade() -> None:
    for name, table, column in INDEXES:
        op.create_index(name, table, [column])


def downgrade() -> None:
    for name, table, _ in INDEXES:
        op.drop_index(name, table_name=table)
