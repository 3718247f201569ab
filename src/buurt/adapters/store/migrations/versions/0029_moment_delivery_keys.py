"""moments carry a delivery key, unique per publication and recipient

Revision ID: 0029
Revises: 0026
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0029"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("moments", schema=None) as batch_op:
        # Moments from before have none: NULLs never clash, so they need no key made up.
        batch_op.add_column(sa.Column("delivery_key", sa.String(length=160), nullable=True))
        batch_op.create_unique_constraint("uq_moments_delivery_key", ["delivery_key"])


def downgrade() -> None:
    with op.batch_alter_table("moments", schema=None) as batch_op:
        batch_op.drop_constraint("uq_moments_delivery_key", type_="unique")
        batch_op.drop_column("delivery_key")
