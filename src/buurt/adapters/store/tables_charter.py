"""Tables of the circle charter (versions, proposals, votes) and of the aggregate ledger."""

from sqlalchemy import (
    JSON,
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

from buurt.adapters.store.tables import events, intents, metadata, moments
from buurt.adapters.store.types import StrEnumType, UTCDateTime
from buurt.domain.charter import CharterProposalStatus, VoteChoice


def _circle() -> Column[str]:
    return Column("circle_id", String(32), ForeignKey("circles.id"), nullable=False, index=True)


charter_versions = Table(
    "charter_versions",
    metadata,
    Column("id", String(32), primary_key=True),
    _circle(),
    Column("version", Integer, nullable=False),
    Column("k", Integer, nullable=False),
    Column("event_retention_days", Integer, nullable=False),
    Column("intent_retention_days", Integer, nullable=False),
    Column("aggregate_kinds", JSON, nullable=False),
    Column("quiet_from_hour", Integer),
    Column("quiet_until_hour", Integer),
    Column("quorum", Float, nullable=False),
    Column("majority", Float, nullable=False),
    Column("voting_days", Integer, nullable=False),
    Column("dp_epsilon", Float),
    Column("dp_budget", Float, nullable=False),
    Column("admission_routes", JSON, nullable=False),
    Column("vouches_needed", Integer, nullable=False),
    Column("code_valid_days", Integer, nullable=False),
    Column("proposal_id", String(32)),
    Column("created_at", UTCDateTime, nullable=False),
    # One version number per circle: two closers racing on one proposal cannot both win.
    UniqueConstraint("circle_id", "version", name="uq_charter_versions_circle_version"),
)

charter_proposals = Table(
    "charter_proposals",
    metadata,
    Column("id", String(32), primary_key=True),
    _circle(),
    # Who proposed it; emptied when that member is erased (the proposal stays on record).
    Column("member_id", String(32), ForeignKey("members.id"), nullable=True, index=True),
    Column("changes", JSON, nullable=False),
    Column("rationale", Text, nullable=False),
    Column("base_version", Integer, nullable=False),
    Column("quorum", Float, nullable=False),
    Column("majority", Float, nullable=False),
    Column("opened_at", UTCDateTime, nullable=False),
    Column("closes_at", UTCDateTime, nullable=False),
    Column("status", StrEnumType(CharterProposalStatus), nullable=False),
    Column("yes", Integer, nullable=False),
    Column("no", Integer, nullable=False),
    Column("abstain", Integer, nullable=False),
    Column("electorate", Integer, nullable=False),
    Column("closed_at", UTCDateTime),
    Column("result_version", Integer),
    Index("ix_charter_proposals_status", "status", "closes_at"),
)

charter_votes = Table(
    "charter_votes",
    metadata,
    Column("id", String(32), primary_key=True),
    Column(
        "proposal_id",
        String(32),
        ForeignKey("charter_proposals.id"),
        nullable=False,
        index=True,
    ),
    Column("member_id", String(32), ForeignKey("members.id"), nullable=False, index=True),
    Column("choice", StrEnumType(VoteChoice), nullable=False),
    Column("cast_at", UTCDateTime, nullable=False),
    UniqueConstraint("proposal_id", "member_id", name="uq_charter_votes_proposal_member"),
)

aggregate_queries = Table(
    "aggregate_queries",
    metadata,
    Column("id", String(32), primary_key=True),
    _circle(),
    Column("business_id", String(32), ForeignKey("businesses.id"), nullable=False, index=True),
    Column("kind", String(32), nullable=False),
    Column("resolution", Integer, nullable=False),
    Column("window_from", UTCDateTime, nullable=False),
    Column("window_until", UTCDateTime, nullable=False),
    Column("asked_at", UTCDateTime, nullable=False),
    Column("epsilon", Float, nullable=False),
    Column("answer", JSON, nullable=False),
)

# Retention deletes, and aggregates read, one circle's records by time.
Index("ix_events_circle_occurred", events.c.circle_id, events.c.occurred_at)
Index("ix_intents_circle_created", intents.c.circle_id, intents.c.created_at)
Index("ix_moments_circle_created", moments.c.circle_id, moments.c.created_at)
