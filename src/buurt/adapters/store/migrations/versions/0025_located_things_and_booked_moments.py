"""where a thing was last located, and the moment a booking was made from

Revision ID: 0025
Revises: 0024
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("things", schema=None) as batch_op:
        batch_op.add_column(sa.Column("located_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("moment_id", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_column("moment_id")
    with op.batch_alter_table("things", schema=None) as batch_op:
        batch_op.drop_column("located_at")
