"""cocreation: proposals, supports, comments, images, campaigns, pledges, settlements,
reviews, reports and the moderation log

Revision ID: 0022
Revises: 0019
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "moderation_entries",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("circle_id", sa.String(length=32), nullable=False),
        sa.Column("target_kind", sa.String(length=32), nullable=False),
        sa.Column("target_id", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("moderator_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["circle_id"], ["circles.id"], name=op.f("fk_moderation_entries_circle_id_circles")
        ),
        sa.ForeignKeyConstraint(
            ["moderator_id"],
            ["members.id"],
            name=op.f("fk_moderation_entries_moderator_id_members"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moderation_entries")),
    )
    with op.batch_alter_table("moderation_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_moderation_entries_circle_id"), ["circle_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_moderation_entries_moderator_id"), ["moderator_id"], unique=False
        )

    op.create_table(
        "proposals",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("circle_id", sa.String(length=32), nullable=False),
        sa.Column("author_kind", sa.String(length=32), nullable=False),
        sa.Column("author_id", sa.String(length=32), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=200), nullable=False),
        sa.Column("price_idea", sa.Float(), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("support_count", sa.Integer(), nullable=False),
        sa.Column("trend", sa.Float(), nullable=False),
        sa.Column("trend_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("hidden_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["circle_id"], ["circles.id"], name=op.f("fk_proposals_circle_id_circles")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposals")),
    )
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.create_index("ix_proposals_author", ["author_kind", "author_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_proposals_circle_id"), ["circle_id"], unique=False)

    op.create_table(
        "reports",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("circle_id", sa.String(length=32), nullable=False),
        sa.Column("target_kind", sa.String(length=32), nullable=False),
        sa.Column("target_id", sa.String(length=32), nullable=False),
        sa.Column("reporter_id", sa.String(length=32), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["circle_id"], ["circles.id"], name=op.f("fk_reports_circle_id_circles")
        ),
        sa.ForeignKeyConstraint(
            ["reporter_id"], ["members.id"], name=op.f("fk_reports_reporter_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports")),
        sa.UniqueConstraint(
            "target_kind", "target_id", "reporter_id", name="uq_reports_target_kind"
        ),
    )
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reports_circle_id"), ["circle_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_reports_reporter_id"), ["reporter_id"], unique=False)

    op.create_table(
        "campaigns",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("circle_id", sa.String(length=32), nullable=False),
        sa.Column("proposal_id", sa.String(length=32), nullable=False),
        sa.Column("business_id", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("unit_price", sa.Float(), nullable=False),
        sa.Column("threshold_kind", sa.String(length=32), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("max_units", sa.Integer(), nullable=True),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["business_id"], ["businesses.id"], name=op.f("fk_campaigns_business_id_businesses")
        ),
        sa.ForeignKeyConstraint(
            ["circle_id"], ["circles.id"], name=op.f("fk_campaigns_circle_id_circles")
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"], ["proposals.id"], name=op.f("fk_campaigns_proposal_id_proposals")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
    )
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_campaigns_business_id"), ["business_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_campaigns_circle_id"), ["circle_id"], unique=False)
        batch_op.create_index("ix_campaigns_due", ["status", "deadline"], unique=False)
        batch_op.create_index(batch_op.f("ix_campaigns_proposal_id"), ["proposal_id"], unique=False)

    op.create_table(
        "comments",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("proposal_id", sa.String(length=32), nullable=False),
        sa.Column("parent_id", sa.String(length=32), nullable=True),
        sa.Column("author_kind", sa.String(length=32), nullable=False),
        sa.Column("author_id", sa.String(length=32), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("hidden_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["comments.id"], name=op.f("fk_comments_parent_id_comments")
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"], ["proposals.id"], name=op.f("fk_comments_proposal_id_proposals")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comments")),
    )
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.create_index("ix_comments_author", ["author_kind", "author_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_comments_proposal_id"), ["proposal_id"], unique=False)

    op.create_table(
        "proposal_images",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("proposal_id", sa.String(length=32), nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["proposal_id"], ["proposals.id"], name=op.f("fk_proposal_images_proposal_id_proposals")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposal_images")),
    )
    with op.batch_alter_table("proposal_images", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_proposal_images_proposal_id"), ["proposal_id"], unique=False
        )

    op.create_table(
        "reviews",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("circle_id", sa.String(length=32), nullable=False),
        sa.Column("business_id", sa.String(length=32), nullable=False),
        sa.Column("member_id", sa.String(length=32), nullable=True),
        sa.Column("fulfilment_kind", sa.String(length=32), nullable=False),
        sa.Column("fulfilment_id", sa.String(length=32), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("hidden_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["business_id"], ["businesses.id"], name=op.f("fk_reviews_business_id_businesses")
        ),
        sa.ForeignKeyConstraint(
            ["circle_id"], ["circles.id"], name=op.f("fk_reviews_circle_id_circles")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_reviews_member_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reviews")),
        sa.UniqueConstraint("fulfilment_kind", "fulfilment_id", name="uq_reviews_fulfilment_kind"),
    )
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reviews_business_id"), ["business_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_reviews_circle_id"), ["circle_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_reviews_member_id"), ["member_id"], unique=False)

    op.create_table(
        "supports",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("proposal_id", sa.String(length=32), nullable=False),
        sa.Column("member_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_supports_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"], ["proposals.id"], name=op.f("fk_supports_proposal_id_proposals")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supports")),
        sa.UniqueConstraint("proposal_id", "member_id", name="uq_supports_proposal_member"),
    )
    with op.batch_alter_table("supports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_supports_member_id"), ["member_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_supports_proposal_id"), ["proposal_id"], unique=False)

    op.create_table(
        "pledges",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("campaign_id", sa.String(length=32), nullable=False),
        sa.Column("member_id", sa.String(length=32), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("order_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_pledges_campaign_id_campaigns")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_pledges_member_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pledges")),
        sa.UniqueConstraint("campaign_id", "member_id", name="uq_pledges_campaign_member"),
    )
    with op.batch_alter_table("pledges", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pledges_campaign_id"), ["campaign_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_pledges_member_id"), ["member_id"], unique=False)

    op.create_table(
        "settlements",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.Column("pledges", sa.Integer(), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["id"], ["campaigns.id"], name=op.f("fk_settlements_id_campaigns")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_settlements")),
    )


def downgrade() -> None:
    op.drop_table("settlements")
    with op.batch_alter_table("pledges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pledges_member_id"))
        batch_op.drop_index(batch_op.f("ix_pledges_campaign_id"))

    op.drop_table("pledges")
    with op.batch_alter_table("supports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_supports_proposal_id"))
        batch_op.drop_index(batch_op.f("ix_supports_member_id"))

    op.drop_table("supports")
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reviews_member_id"))
        batch_op.drop_index(batch_op.f("ix_reviews_circle_id"))
        batch_op.drop_index(batch_op.f("ix_reviews_business_id"))

    op.drop_table("reviews")
    with op.batch_alter_table("proposal_images", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proposal_images_proposal_id"))

    op.drop_table("proposal_images")
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_comments_proposal_id"))
        batch_op.drop_index("ix_comments_author")

    op.drop_table("comments")
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaigns_proposal_id"))
        batch_op.drop_index("ix_campaigns_due")
        batch_op.drop_index(batch_op.f("ix_campaigns_circle_id"))
        batch_op.drop_index(batch_op.f("ix_campaigns_business_id"))

    op.drop_table("campaigns")
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reports_reporter_id"))
        batch_op.drop_index(batch_op.f("ix_reports_circle_id"))

    op.drop_table("reports")
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proposals_circle_id"))
        batch_op.drop_index("ix_proposals_author")

    op.drop_table("proposals")
    with op.batch_alter_table("moderation_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_moderation_entries_moderator_id"))
        batch_op.drop_index(batch_op.f("ix_moderation_entries_circle_id"))

    op.drop_table("moderation_entries")
