"""Tables of sharing: bookable things and their bookings.

That two booked intervals of one thing never overlap is the database's rule, not only the
service's: migration 0023 adds an exclusion constraint over a ``tstzrange`` on PostgreSQL
(``btree_gist``) and triggers on SQLite, which check under SQLite's single writer. Neither is
stated here, because the metadata describes the columns both databases share.
"""

from sqlalchemy import JSON, Boolean, Column, Float, ForeignKey, Index, Integer, String, Table, Text

from buurt.adapters.store.tables import metadata
from buurt.adapters.store.types import StrEnumType, UTCDateTime
from buurt.domain.bookings import Audience, BookingStatus

bookables = Table(
    "bookables",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("thing_id", String(32), ForeignKey("things.id", ondelete="CASCADE"), nullable=False),
    Column("circle_id", String(32), ForeignKey("circles.id"), nullable=False),
    Column("audience", StrEnumType(Audience), nullable=False),
    Column("named_members", JSON, nullable=False),
    Column("price_per_hour", Float),
    Column("min_minutes", Integer, nullable=False),
    Column("max_minutes", Integer, nullable=False),
    Column("days", JSON, nullable=False),
    Column("opens", Integer, nullable=False),
    Column("closes", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ux_bookables_thing", "thing_id", unique=True),
    Index("ix_bookables_circle", "circle_id", "id"),
)

bookings = Table(
    "bookings",
    metadata,
    Column("id", String(32), primary_key=True),
    Column(
        "bookable_id", String(32), ForeignKey("bookables.id", ondelete="CASCADE"), nullable=False
    ),
    Column("thing_id", String(32), nullable=False),
    Column("circle_id", String(32), ForeignKey("circles.id"), nullable=False),
    Column("member_id", String(32), ForeignKey("members.id"), nullable=False),
    Column("starts_at", UTCDateTime, nullable=False),
    Column("ends_at", UTCDateTime, nullable=False),
    Column("price", Float),
    Column("status", StrEnumType(BookingStatus), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("moment_id", String(32)),
    Index("ix_bookings_bookable", "bookable_id", "starts_at"),
    Index("ix_bookings_member", "member_id", "id"),
)

automations = Table(
    "automations",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("member_id", String(32), ForeignKey("members.id"), nullable=False),
    Column("circle_id", String(32), ForeignKey("circles.id"), nullable=False),
    Column(
        "subscription_id",
        String(32),
        ForeignKey("subscriptions.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("thing_id", String(32), ForeignKey("things.id", ondelete="CASCADE"), nullable=False),
    Column("command", String(64), nullable=False),
    Column("args", JSON, nullable=False),
    Column("fired_count", Integer, nullable=False),
    Column("last_fired_at", UTCDateTime),
    Column("paused", Boolean, nullable=False),
    Column("last_moment_id", String(32)),
    Column("last_reason", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ux_automations_subscription", "subscription_id", unique=True),
    Index("ix_automations_member", "member_id", "id"),
)
