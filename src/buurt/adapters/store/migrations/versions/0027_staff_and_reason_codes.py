"""staff of businesses; moments' reason codes

Revision ID: 0027
Revises: 0028
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "business_staff",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("business_id", sa.String(length=32), nullable=False),
        sa.Column("member_id", sa.String(length=32), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["business_id"],
            ["businesses.id"],
            name=op.f("fk_business_staff_business_id_businesses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_business_staff_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_business_staff")),
    )
    with op.batch_alter_table("business_staff", schema=None) as batch_op:
        batch_op.create_index("ux_business_staff_member", ["business_id", "member_id"], unique=True)
        batch_op.create_index("ix_business_staff_member_id", ["member_id"], unique=False)
    # Moments from before keep their English sentence alone: no code, no arguments.
    with op.batch_alter_table("moments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reason_code", sa.String(length=40), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("reason_args", sa.JSON(), nullable=False, server_default="{}")
        )


def downgrade() -> None:
    with op.batch_alter_table("moments", schema=None) as batch_op:
        batch_op.drop_column("reason_args")
        batch_op.drop_column("reason_code")
    with op.batch_alter_table("business_staff", schema=None) as batch_op:
        batch_op.drop_index("ix_business_staff_member_id")
        batch_op.drop_index("ux_business_staff_member")
    op.drop_table("business_staff")
