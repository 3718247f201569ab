"""The table of staff: members who work for a business beside its owner.

A staff row goes with its business and with its member (``ON DELETE CASCADE``): deleting a
shop or erasing a member leaves no one working for nothing.
"""

from sqlalchemy import Column, ForeignKey, Index, String, Table

from buurt.adapters.store.tables import metadata
from buurt.adapters.store.types import UTCDateTime

business_staff = Table(
    "business_staff",
    metadata,
    Column("id", String(32), primary_key=True),
    Column(
        "business_id", String(32), ForeignKey("businesses.id", ondelete="CASCADE"), nullable=False
    ),
    Column("member_id", String(32), ForeignKey("members.id", ondelete="CASCADE"), nullable=False),
    Column("added_at", UTCDateTime, nullable=False),
    Index("ux_business_staff_member", "business_id", "member_id", unique=True),
    # Resolving a member's principal asks which businesses they work for.
    Index("ix_business_staff_member_id", "member_id"),
)
