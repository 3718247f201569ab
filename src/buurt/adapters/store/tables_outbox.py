"""The transactional outbox: domain events written in their write's own transaction, waiting
for the relay to hand them to JetStream (``adapters/bus/relay.py``)."""

from sqlalchemy import BigInteger, Column, Integer, String, Table, Text

from buurt.adapters.store.tables import metadata
from buurt.adapters.store.types import UTCDateTime

outbox_messages = Table(
    "outbox_messages",
    metadata,
    # The order the relay publishes in. SQLite numbers an INTEGER PRIMARY KEY itself (a
    # BIGINT one it would not); PostgreSQL needs 64 bits at a city's rate of events.
    Column(
        "seq",
        BigInteger().with_variant(Integer(), "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    # The message's Nats-Msg-Id: random, so that a restored or rebuilt table never hands out
    # an id JetStream still remembers from before (it would drop the message as a duplicate).
    Column("message_id", String(40), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    # The event's versioned JSON (domain.events.to_json).
    Column("payload", Text, nullable=False),
)
