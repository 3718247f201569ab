"""Tables of things' ingestion: dead letters and MQTT credentials."""

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text

from buurt.adapters.store.tables import metadata
from buurt.adapters.store.types import StrEnumType, UTCDateTime
from buurt.domain.ingestion import IngestSource

# No foreign key to things: a dead letter may name a thing that does not exist (a broker
# user without a thing) or no longer exists, and must still be kept.
rejected_events = Table(
    "rejected_events",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("thing_id", String(64), nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    Column("source", StrEnumType(IngestSource), nullable=False),
    Column("payload", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Index("ix_rejected_events_thing", "thing_id", "id"),
)

mqtt_credentials = Table(
    "mqtt_credentials",
    metadata,
    Column("id", String(32), ForeignKey("things.id", ondelete="CASCADE"), primary_key=True),
    Column("password_hash", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)
