"""automations can be paused, and remember the moment they last fired on and why

Revision ID: 0026
Revises: 0027
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("automations", schema=None) as batch_op:
        # Existing automations run, as they did before pausing existed.
        batch_op.add_column(
            sa.Column("paused", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("last_moment_id", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("last_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("automations", schema=None) as batch_op:
        batch_op.drop_column("last_reason")
        batch_op.drop_column("last_moment_id")
        batch_op.drop_column("paused")
