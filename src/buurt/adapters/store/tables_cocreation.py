"""The co-creation tables: proposals and their discussion, campaigns and pledges, reviews and
moderation."""

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from buurt.adapters.store.tables import metadata
from buurt.adapters.store.types import StrEnumType, UTCDateTime
from buurt.domain.campaigns import CampaignStatus, PledgeStatus, ThresholdKind
from buurt.domain.cocreation import ProposalStatus
from buurt.domain.moderation import ModerationAction, TargetKind
from buurt.domain.parties import PartyKind
from buurt.domain.reviews import FulfilmentKind


def _id() -> Column[str]:
    return Column("id", String(32), primary_key=True)


def _circle() -> Column[str]:
    return Column("circle_id", String(32), ForeignKey("circles.id"), nullable=False, index=True)


def _member(name: str) -> Column[str]:
    # NULL once the member erased their account: what others depend on stays, without them.
    return Column(name, String(32), ForeignKey("members.id"), index=True)


proposals = Table(
    "proposals",
    metadata,
    _id(),
    _circle(),
    Column("author_kind", StrEnumType(PartyKind), nullable=False),
    Column("author_id", String(32)),
    Column("title", String(200), nullable=False),
    Column("description", Text, nullable=False),
    Column("category", String(200), nullable=False),
    Column("price_idea", Float),
    Column("status", StrEnumType(ProposalStatus), nullable=False),
    Column("support_count", Integer, nullable=False),
    Column("trend", Float, nullable=False),
    Column("trend_at", UTCDateTime),
    Column("hidden_reason", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ix_proposals_author", "author_kind", "author_id"),
)

proposal_images = Table(
    "proposal_images",
    metadata,
    _id(),
    Column("proposal_id", String(32), ForeignKey("proposals.id"), nullable=False, index=True),
    Column("content_type", String(64), nullable=False),
    Column("width", Integer, nullable=False),
    Column("height", Integer, nullable=False),
    Column("size_bytes", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

comments = Table(
    "comments",
    metadata,
    _id(),
    Column("proposal_id", String(32), ForeignKey("proposals.id"), nullable=False, index=True),
    Column("parent_id", String(32), ForeignKey("comments.id")),
    Column("author_kind", StrEnumType(PartyKind), nullable=False),
    Column("author_id", String(32)),
    Column("text", Text, nullable=False),
    Column("hidden_reason", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_comments_author", "author_kind", "author_id"),
)

supports = Table(
    "supports",
    metadata,
    _id(),
    Column("proposal_id", String(32), ForeignKey("proposals.id"), nullable=False, index=True),
    Column("member_id", String(32), ForeignKey("members.id"), nullable=False, index=True),
    Column("created_at", UTCDateTime, nullable=False),
    # One support per member and proposal: a second is refused by the store.
    UniqueConstraint("proposal_id", "member_id", name="uq_supports_proposal_member"),
)

campaigns = Table(
    "campaigns",
    metadata,
    _id(),
    _circle(),
    Column("proposal_id", String(32), ForeignKey("proposals.id"), nullable=False, index=True),
    Column("business_id", String(32), ForeignKey("businesses.id"), nullable=False, index=True),
    Column("title", String(200), nullable=False),
    Column("unit_price", Float, nullable=False),
    Column("threshold_kind", StrEnumType(ThresholdKind), nullable=False),
    Column("threshold", Integer, nullable=False),
    Column("max_units", Integer),
    Column("deadline", UTCDateTime, nullable=False),
    Column("status", StrEnumType(CampaignStatus), nullable=False),
    Column("settled_at", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ix_campaigns_due", "status", "deadline"),
)

pledges = Table(
    "pledges",
    metadata,
    _id(),
    Column("campaign_id", String(32), ForeignKey("campaigns.id"), nullable=False, index=True),
    _member("member_id"),
    Column("quantity", Integer, nullable=False),
    Column("status", StrEnumType(PledgeStatus), nullable=False),
    Column("order_id", String(32)),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # One pledge per member and campaign (it may be changed or withdrawn instead).
    UniqueConstraint("campaign_id", "member_id", name="uq_pledges_campaign_member"),
)

settlements = Table(
    "settlements",
    metadata,
    # The campaign's id: inserting this row is the claim to settle it, and only one can be.
    Column("id", String(32), ForeignKey("campaigns.id"), primary_key=True),
    Column("settled_at", UTCDateTime, nullable=False),
    Column("succeeded", Boolean, nullable=False),
    Column("pledges", Integer, nullable=False),
    Column("units", Integer, nullable=False),
)

reviews = Table(
    "reviews",
    metadata,
    _id(),
    _circle(),
    Column("business_id", String(32), ForeignKey("businesses.id"), nullable=False, index=True),
    _member("member_id"),
    Column("fulfilment_kind", StrEnumType(FulfilmentKind), nullable=False),
    Column("fulfilment_id", String(32), nullable=False),
    Column("rating", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("answer", Text),
    Column("answered_at", UTCDateTime),
    Column("hidden_reason", Text),
    Column("created_at", UTCDateTime, nullable=False),
    # One review per fulfilment.
    UniqueConstraint("fulfilment_kind", "fulfilment_id", name="uq_reviews_fulfilment_kind"),
)

reports = Table(
    "reports",
    metadata,
    _id(),
    _circle(),
    Column("target_kind", StrEnumType(TargetKind), nullable=False),
    Column("target_id", String(32), nullable=False),
    _member("reporter_id"),
    Column("reason", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("target_kind", "target_id", "reporter_id", name="uq_reports_target_kind"),
)

moderation_entries = Table(
    "moderation_entries",
    metadata,
    _id(),
    _circle(),
    Column("target_kind", StrEnumType(TargetKind), nullable=False),
    Column("target_id", String(32), nullable=False),
    Column("action", StrEnumType(ModerationAction), nullable=False),
    Column("reason", Text, nullable=False),
    _member("moderator_id"),
    Column("created_at", UTCDateTime, nullable=False),
)

follows = Table(
    "follows",
    metadata,
    _id(),
    _circle(),
    Column("member_id", String(32), ForeignKey("members.id"), nullable=False, index=True),
    Column("topic", String(300), nullable=False),
    Column("proposal_id", String(32), ForeignKey("proposals.id"), index=True),
    Column("category", String(200)),
    Column("created_at", UTCDateTime, nullable=False),
    # One follow per member and topic (a proposal, or a category of a circle).
    UniqueConstraint("member_id", "topic", name="uq_follows_member_topic"),
    Index("ix_follows_circle_category", "circle_id", "category"),
)
