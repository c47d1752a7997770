"""measurement device: the gauge or PLC that took a measurement

Revision ID: 0006
Revises: 0005
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0006"
down_revision: Union[str, None] = "0005"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("measurement") as batch:
        batch.add_column(sa.Column("device", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True))
        batch.create_index("ix_measurement_device", ["device"])


def downgrade() -> None:
    with op.batch_alter_table("measurement") as batch:
        batch.drop_index("ix_measurement_device")
        batch.drop_column("device")
