"""The items, stock and reservations tables.

``ck_stock_held`` is what never overselling rests on: a reservation adds to ``held`` in one
``UPDATE`` (``UnitOfWork.shift``), and the database refuses any row where more is held than
is on hand, whatever else commits meanwhile.
"""

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
)

from buurt.adapters.store.tables import metadata
from buurt.adapters.store.types import StrEnumType, UTCDateTime
from buurt.domain.stock import ReservationStatus

items = Table(
    "items",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("business_id", String(32), ForeignKey("businesses.id"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("category", String(200), nullable=False),
    Column("attributes", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_items_business", "business_id", "id"),
)

stock = Table(
    "stock",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("business_id", String(32), ForeignKey("businesses.id"), nullable=False),
    Column("item_id", String(32), ForeignKey("items.id"), nullable=False),
    Column("site_id", String(32), ForeignKey("sites.id"), nullable=False),
    Column("category", String(200), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("held", Integer, nullable=False, default=0),
    Column("price", Float, nullable=False),
    Column("available_from", UTCDateTime),
    Column("version", Integer, nullable=False, default=1),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint("held >= 0 AND held <= quantity", name="ck_stock_held"),
    CheckConstraint("quantity >= 0 AND price >= 0", name="ck_stock_quantity"),
    Index("ix_stock_business", "business_id", "id"),
    Index("ux_stock_item_site", "item_id", "site_id", unique=True),
    Index("ix_stock_site", "site_id"),
)

reservations = Table(
    "reservations",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("circle_id", String(32), ForeignKey("circles.id"), nullable=False),
    Column("business_id", String(32), ForeignKey("businesses.id"), nullable=False),
    Column("stock_id", String(32), ForeignKey("stock.id"), nullable=False),
    Column("site_id", String(32), nullable=False),
    Column("item_id", String(32), nullable=False),
    # NULL once the member erased their account, like an order's.
    Column("member_id", String(32), ForeignKey("members.id")),
    Column("quantity", Integer, nullable=False),
    Column("unit_price", Float, nullable=False),
    Column("status", StrEnumType(ReservationStatus), nullable=False),
    Column("held", Integer, nullable=False, default=0),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("order_id", String(32)),
    Column("moment_id", String(32)),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint("held >= 0", name="ck_reservations_held"),
    Index("ix_reservations_member", "member_id", "id"),
    Index("ix_reservations_business", "business_id", "id"),
    Index("ix_reservations_stock", "stock_id"),
    Index("ix_reservations_due", "status", "expires_at"),
)
