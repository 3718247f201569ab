"""charter: versioned circle charters, their proposals and votes, the aggregate ledger

Every circle that exists already gets charter version 1 with the defaults of this revision.

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-23 16:32:35.881121
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from buurt.domain.ids import new_id

revision: str = "0003"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "charter_proposals",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("circle_id", sa.String(length=32), nullable=False),
        sa.Column("member_id", sa.String(length=32), nullable=True),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("rationale", sa.Text(), nullable=False),
        sa.Column("base_version", sa.Integer(), nullable=False),
        sa.Column("quorum", sa.Float(), nullable=False),
        sa.Column("majority", sa.Float(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("yes", sa.Integer(), nullable=False),
        sa.Column("no", sa.Integer(), nullable=False),
        sa.Column("abstain", sa.Integer(), nullable=False),
        sa.Column("electorate", sa.Integer(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("result_version", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["circle_id"], ["circles.id"], name=op.f("fk_charter_proposals_circle_id_circles")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_charter_proposals_member_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_charter_proposals")),
    )
    with op.batch_alter_table("charter_proposals", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_charter_proposals_circle_id"), ["circle_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_charter_proposals_member_id"), ["member_id"], unique=False
        )
        batch_op.create_index("ix_charter_proposals_status", ["status", "closes_at"], unique=False)

    op.create_table(
        "charter_versions",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("circle_id", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("k", sa.Integer(), nullable=False),
        sa.Column("event_retention_days", sa.Integer(), nullable=False),
        sa.Column("intent_retention_days", sa.Integer(), nullable=False),
        sa.Column("aggregate_kinds", sa.JSON(), nullable=False),
        sa.Column("quiet_from_hour", sa.Integer(), nullable=True),
        sa.Column("quiet_until_hour", sa.Integer(), nullable=True),
        sa.Column("quorum", sa.Float(), nullable=False),
        sa.Column("majority", sa.Float(), nullable=False),
        sa.Column("voting_days", sa.Integer(), nullable=False),
        sa.Column("dp_epsilon", sa.Float(), nullable=True),
        sa.Column("dp_budget", sa.Float(), nullable=False),
        sa.Column("proposal_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["circle_id"], ["circles.id"], name=op.f("fk_charter_versions_circle_id_circles")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_charter_versions")),
        sa.UniqueConstraint("circle_id", "version", name="uq_charter_versions_circle_version"),
    )
    with op.batch_alter_table("charter_versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_charter_versions_circle_id"), ["circle_id"], unique=False
        )

    op.create_table(
        "aggregate_queries",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("circle_id", sa.String(length=32), nullable=False),
        sa.Column("business_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("resolution", sa.Integer(), nullable=False),
        sa.Column("window_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("window_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("epsilon", sa.Float(), nullable=False),
        sa.Column("answer", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["business_id"],
            ["businesses.id"],
            name=op.f("fk_aggregate_queries_business_id_businesses"),
        ),
        sa.ForeignKeyConstraint(
            ["circle_id"], ["circles.id"], name=op.f("fk_aggregate_queries_circle_id_circles")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aggregate_queries")),
    )
    with op.batch_alter_table("aggregate_queries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_aggregate_queries_business_id"), ["business_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_aggregate_queries_circle_id"), ["circle_id"], unique=False
        )

    op.create_table(
        "charter_votes",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("proposal_id", sa.String(length=32), nullable=False),
        sa.Column("member_id", sa.String(length=32), nullable=False),
        sa.Column("choice", sa.String(length=32), nullable=False),
        sa.Column("cast_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_charter_votes_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["charter_proposals.id"],
            name=op.f("fk_charter_votes_proposal_id_charter_proposals"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_charter_votes")),
        sa.UniqueConstraint("proposal_id", "member_id", name="uq_charter_votes_proposal_member"),
    )
    with op.batch_alter_table("charter_votes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_charter_votes_member_id"), ["member_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_charter_votes_proposal_id"), ["proposal_id"], unique=False
        )

    for table, column in (
        ("events", "occurred_at"),
        ("intents", "created_at"),
        ("moments", "created_at"),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            name = f"ix_{table}_circle_{column.split('_')[0]}"
            batch_op.create_index(name, ["circle_id", column], unique=False)

    _first_versions()


def _first_versions() -> None:
    """Version 1 (the defaults as of this revision) for every circle already there."""
    connection = op.get_bind()
    circles = connection.execute(sa.text("SELECT id FROM circles")).scalars().all()
    if not circles:
        return
    versions = sa.table(
        "charter_versions",
        *(sa.column(name) for name in ("id", "circle_id", "version", "k", "event_retention_days")),
        *(
            sa.column(name)
            for name in ("intent_retention_days", "quiet_from_hour", "quiet_until_hour")
        ),
        *(
            sa.column(name)
            for name in ("quorum", "majority", "voting_days", "dp_epsilon", "dp_budget")
        ),
        sa.column("aggregate_kinds", sa.JSON()),
        sa.column("proposal_id"),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    now = datetime.now(UTC)
    if connection.dialect.name == "sqlite":
        now = now.replace(tzinfo=None)  # the store keeps naive UTC text in SQLite
    defaults = {
        "version": 1,
        "k": 10,
        "event_retention_days": 365,
        "intent_retention_days": 90,
        "aggregate_kinds": ["intents", "moments"],
        "quiet_from_hour": None,
        "quiet_until_hour": None,
        "quorum": 0.3,
        "majority": 0.5,
        "voting_days": 7,
        "dp_epsilon": None,
        "dp_budget": 10.0,
        "proposal_id": None,
        "created_at": now,
    }
    op.bulk_insert(
        versions, [{"id": new_id("charter"), "circle_id": c, **defaults} for c in circles]
    )


def downgrade() -> None:
    for table, name in (
        ("moments", "ix_moments_circle_created"),
        ("intents", "ix_intents_circle_created"),
        ("events", "ix_events_circle_occurred"),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(name)

    with op.batch_alter_table("charter_votes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_charter_votes_proposal_id"))
        batch_op.drop_index(batch_op.f("ix_charter_votes_member_id"))

    op.drop_table("charter_votes")
    with op.batch_alter_table("aggregate_queries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_aggregate_queries_circle_id"))
        batch_op.drop_index(batch_op.f("ix_aggregate_queries_business_id"))

    op.drop_table("aggregate_queries")
    with op.batch_alter_table("charter_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_charter_versions_circle_id"))

    op.drop_table("charter_versions")
    with op.batch_alter_table("charter_proposals", schema=None) as batch_op:
        batch_op.drop_index("ix_charter_proposals_status")
        batch_op.drop_index(batch_op.f("ix_charter_proposals_member_id"))
        batch_op.drop_index(batch_op.f("ix_charter_proposals_circle_id"))

    op.drop_table("charter_proposals")
