"""webhook delivery claims, and moments found by when they were made

Revision ID: 0019
Revises: 0015
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_until", sa.DateTime(timezone=True)))
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=32)))
    op.create_index("ix_moments_created_at", "moments", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_moments_created_at", table_name="moments")
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.drop_column("claimed_by")
        batch_op.drop_column("claimed_until")
