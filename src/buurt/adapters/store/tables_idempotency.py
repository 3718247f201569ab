"""The table of remembered creates: the first answer to a request with an Idempotency-Key."""

from sqlalchemy import Column, Index, Integer, String, Table, Text

from buurt.adapters.store.tables import metadata
from buurt.adapters.store.types import StrEnumType, UTCDateTime
from buurt.domain.parties import PartyKind

idempotent_requests = Table(
    "idempotent_requests",
    metadata,
    # A digest of the principal and the key: a concurrent duplicate clashes here.
    Column("id", String(64), primary_key=True),
    Column("principal_kind", StrEnumType(PartyKind), nullable=False),
    Column("principal_id", String(32), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("status", Integer, nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Index("ix_idempotent_requests_expires_at", "expires_at"),
)
