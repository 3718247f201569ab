"""Tables of webhook endpoints and their deliveries (the webhook outbox)."""

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
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
from buurt.domain.parties import PartyKind
from buurt.domain.webhooks import DeliveryStatus

webhook_endpoints = Table(
    "webhook_endpoints",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("owner_kind", StrEnumType(PartyKind), nullable=False),
    Column("owner_id", String(32), nullable=False),
    Column("url", String(2000), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("topics", JSON, nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("disabled_reason", Text),
    # HMAC needs the secret itself, so it cannot be stored as a one-way hash.
    Column("secret", String(100), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ix_webhook_endpoints_owner", "owner_kind", "owner_id"),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", String(32), primary_key=True),
    Column(
        "endpoint_id",
        String(32),
        ForeignKey("webhook_endpoints.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("topic", String(64), nullable=False),
    # What the delivery is about (topic, moment, status): one delivery per endpoint and event,
    # however many times it is enqueued.
    Column("event_key", String(200), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("status", StrEnumType(DeliveryStatus), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_attempt_at", UTCDateTime),
    Column("last_status_code", Integer),
    Column("last_error", Text),
    Column("delivered_at", UTCDateTime),
    Column("claimed_until", UTCDateTime),
    Column("claimed_by", String(32)),
    UniqueConstraint("endpoint_id", "event_key", name="uq_webhook_deliveries_endpoint_event"),
    Index("ix_webhook_deliveries_status", "status", "endpoint_id"),
    # A claim's order: one endpoint's pending deliveries, oldest due first (``claims``).
    Index("ix_webhook_deliveries_due", "endpoint_id", "status", "next_attempt_at", "id"),
)
