"""follows of proposals and of categories

Revision ID: 0024
Revises: 0023
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "follows",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("circle_id", sa.String(length=32), nullable=False),
        sa.Column("member_id", sa.String(length=32), nullable=False),
        sa.Column("topic", sa.String(length=300), nullable=False),
        sa.Column("proposal_id", sa.String(length=32), nullable=True),
        sa.Column("category", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["circle_id"], ["circles.id"], name=op.f("fk_follows_circle_id_circles")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_follows_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"], ["proposals.id"], name=op.f("fk_follows_proposal_id_proposals")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follows")),
        sa.UniqueConstraint("member_id", "topic", name="uq_follows_member_topic"),
    )
    with op.batch_alter_table("follows", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_follows_circle_id"), ["circle_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_follows_member_id"), ["member_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_follows_proposal_id"), ["proposal_id"], unique=False)
        batch_op.create_index("ix_follows_circle_category", ["circle_id", "category"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("follows", schema=None) as batch_op:
        batch_op.drop_index("ix_follows_circle_category")
        batch_op.drop_index(batch_op.f("ix_follows_proposal_id"))
        batch_op.drop_index(batch_op.f("ix_follows_member_id"))
        batch_op.drop_index(batch_op.f("ix_follows_circle_id"))
    op.drop_table("follows")
