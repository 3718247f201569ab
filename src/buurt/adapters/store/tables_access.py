"""The access log's table: every use of a member's data by another principal."""

from sqlalchemy import Column, Index, String, Table

from buurt.adapters.store.tables import metadata
from buurt.adapters.store.types import StrEnumType, UTCDateTime
from buurt.domain.consent import DataCategory, Purpose
from buurt.domain.parties import PartyKind

# No foreign keys: an entry outlives the grant it names (revoked grants are kept, but an
# erased member's grants to others' businesses are not), and erasure deletes a member's
# entries by ``member_id`` itself.
access_log = Table(
    "access_log",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("member_id", String(32), nullable=False),
    Column("principal_kind", StrEnumType(PartyKind), nullable=False),
    Column("principal_id", String(32), nullable=False),
    Column("category", StrEnumType(DataCategory), nullable=False),
    Column("purpose", StrEnumType(Purpose), nullable=False),
    Column("what", String(300), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("grant_id", String(32)),
    Column("role", String(100)),
    Index("ix_access_log_member", "member_id", "id"),
    Index("ix_access_log_principal", "principal_kind", "principal_id"),
)
