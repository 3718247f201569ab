"""The schema, as SQLAlchemy Core tables. Alembic migrations are the source of truth for
databases; this module must describe the same schema (a test compares them)."""

from sqlalchemy import (
    JSON,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from buurt.adapters.store.types import AreaType, BoundaryType, StrEnumType, UTCDateTime
from buurt.domain.activity import IntentStatus, OfferStatus
from buurt.domain.community import Role, ThingKind, Visibility
from buurt.domain.consent import DataCategory, Purpose
from buurt.domain.moments import MomentStatus, PublicationKind, StandingKind
from buurt.domain.parties import PartyKind

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def _id() -> Column[str]:
    return Column("id", String(32), primary_key=True)


def _circle() -> Column[str]:
    return Column("circle_id", String(32), ForeignKey("circles.id"), nullable=False, index=True)


circles = Table(
    "circles",
    metadata,
    _id(),
    Column("name", String(200), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("boundary", BoundaryType, nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

members = Table(
    "members",
    metadata,
    _id(),
    Column("name", String(200), nullable=False),
    Column("email", String(320), nullable=False, unique=True),
    Column("password_hash", String(200), nullable=False),
    Column("max_moments_per_hour", Integer, nullable=False, default=10),
    Column("quiet_from_hour", Integer),
    Column("quiet_until_hour", Integer),
    Column("created_at", UTCDateTime, nullable=False),
    Column("email_confirmed_at", UTCDateTime),
    Column("language", String(8)),
)

memberships = Table(
    "memberships",
    metadata,
    _id(),
    _circle(),
    Column("member_id", String(32), ForeignKey("members.id"), nullable=False, index=True),
    Column("role", StrEnumType(Role), nullable=False),
    Column("joined_at", UTCDateTime, nullable=False),
    UniqueConstraint("circle_id", "member_id", name="uq_memberships_circle_member"),
)

businesses = Table(
    "businesses",
    metadata,
    _id(),
    _circle(),
    Column("owner_member_id", String(32), ForeignKey("members.id"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("created_at", UTCDateTime, nullable=False),
)

sites = Table(
    "sites",
    metadata,
    _id(),
    Column("business_id", String(32), ForeignKey("businesses.id"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("address", String(400), nullable=False, default=""),
    Column("created_at", UTCDateTime, nullable=False),
)

things = Table(
    "things",
    metadata,
    _id(),
    _circle(),
    Column("owner_kind", StrEnumType(PartyKind), nullable=False),
    Column("owner_id", String(32), nullable=False),
    Column("kind", StrEnumType(ThingKind), nullable=False),
    Column("name", String(200), nullable=False),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("visibility", StrEnumType(Visibility), nullable=False),
    Column("state", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime),
    Column("located_at", UTCDateTime),
    Index("ix_things_owner", "owner_kind", "owner_id"),
)

events = Table(
    "events",
    metadata,
    _id(),
    _circle(),
    Column("source_kind", StrEnumType(PartyKind), nullable=False),
    Column("source_id", String(32), nullable=False),
    Column("kind", String(200), nullable=False),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("occurred_at", UTCDateTime, nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    Column("attributes", JSON, nullable=False),
    Column("message_id", String(100)),
    Index("ix_events_source", "source_kind", "source_id"),
    Index("ix_events_message", "source_id", "message_id", unique=True),
)

intents = Table(
    "intents",
    metadata,
    _id(),
    _circle(),
    Column("member_id", String(32), ForeignKey("members.id"), nullable=False, index=True),
    Column("category", String(200), nullable=False),
    Column("text", Text, nullable=False, default=""),
    Column("area", AreaType, nullable=False),
    Column("window_start", UTCDateTime),
    Column("window_end", UTCDateTime),
    Column("max_price", Float),
    Column("attributes", JSON, nullable=False),
    Column("status", StrEnumType(IntentStatus), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

offers = Table(
    "offers",
    metadata,
    _id(),
    _circle(),
    Column("owner_kind", StrEnumType(PartyKind), nullable=False),
    Column("owner_id", String(32), nullable=False),
    Column("category", String(200), nullable=False),
    Column("title", String(200), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("area", AreaType, nullable=False),
    Column("price", Float),
    Column("quantity", Integer),
    Column("valid_from", UTCDateTime),
    Column("valid_until", UTCDateTime),
    Column("attributes", JSON, nullable=False),
    Column("status", StrEnumType(OfferStatus), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_offers_owner", "owner_kind", "owner_id"),
)

subscriptions = Table(
    "subscriptions",
    metadata,
    _id(),
    _circle(),
    Column("owner_kind", StrEnumType(PartyKind), nullable=False),
    Column("owner_id", String(32), nullable=False),
    Column("name", String(200), nullable=False),
    Column("categories", JSON, nullable=False),
    Column("area", AreaType, nullable=False),
    Column("predicates", JSON, nullable=False),
    Column("weekly_hours", JSON),
    Column("active_from", UTCDateTime),
    Column("active_until", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_subscriptions_owner", "owner_kind", "owner_id"),
)

moments = Table(
    "moments",
    metadata,
    _id(),
    _circle(),
    Column("recipient_kind", StrEnumType(PartyKind), nullable=False),
    Column("recipient_id", String(32), nullable=False),
    Column("subject_member_id", String(32), index=True),
    Column("source_kind", StrEnumType(PublicationKind), nullable=False),
    Column("source_id", String(32), nullable=False),
    Column("standing_kind", StrEnumType(StandingKind), nullable=False),
    Column("standing_id", String(32), nullable=False),
    Column("reason", Text, nullable=False),
    Column("status", StrEnumType(MomentStatus), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime),
    # The reason's code and arguments, so pages say it in their language (migration 0027).
    Column("reason_code", String(40), nullable=False, server_default=""),
    Column("reason_args", JSON, nullable=False, server_default="{}"),
    # One moment per publication and recipient, also when a publication is matched again
    # (an engine worker's redelivery after a crash or a shard move; migration 0029).
    Column("delivery_key", String(160), unique=True),
    Index("ix_moments_recipient", "recipient_kind", "recipient_id"),
    # Start-up reads the last hour's moments into the relevance gates.
    Index("ix_moments_created_at", "created_at"),
)

consent_grants = Table(
    "consent_grants",
    metadata,
    _id(),
    Column("member_id", String(32), ForeignKey("members.id"), nullable=False, index=True),
    Column("recipient_kind", StrEnumType(PartyKind), nullable=False),
    Column("recipient_id", String(32), nullable=False),
    Column("category", StrEnumType(DataCategory), nullable=False),
    Column("purpose", StrEnumType(Purpose), nullable=False),
    Column("thing_id", String(32)),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime),
    Column("revoked_at", UTCDateTime),
    Index("ix_consent_grants_recipient", "recipient_kind", "recipient_id"),
)

access_tokens = Table(
    "access_tokens",
    metadata,
    _id(),
    Column("principal_kind", StrEnumType(PartyKind), nullable=False),
    Column("principal_id", String(32), nullable=False),
    Column("digest", String(64), nullable=False, unique=True),
    Column("label", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime),
    Column("revoked_at", UTCDateTime),
    Index("ix_access_tokens_principal", "principal_kind", "principal_id"),
)
