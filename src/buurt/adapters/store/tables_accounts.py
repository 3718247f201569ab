"""The table of account tokens: one-time secrets mailed to a member's address."""

from sqlalchemy import Column, ForeignKey, Index, String, Table

from buurt.adapters.store.tables import metadata
from buurt.adapters.store.types import StrEnumType, UTCDateTime
from buurt.domain.accounts import AccountPurpose

account_tokens = Table(
    "account_tokens",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("member_id", String(32), ForeignKey("members.id", ondelete="CASCADE"), nullable=False),
    Column("purpose", StrEnumType(AccountPurpose), nullable=False),
    Column("digest", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("used_at", UTCDateTime),
    Index("ix_account_tokens_member", "member_id", "purpose", "id"),
)
