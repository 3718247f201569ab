"""The orders table: confirmed reservations and settled pledges, collected at a business."""

from sqlalchemy import Column, Float, ForeignKey, Index, Integer, String, Table, Text

from buurt.adapters.store.tables import metadata
from buurt.adapters.store.types import StrEnumType, UTCDateTime
from buurt.domain.orders import OrderSource, OrderStatus

orders = Table(
    "orders",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("circle_id", String(32), ForeignKey("circles.id"), nullable=False),
    Column("business_id", String(32), ForeignKey("businesses.id"), nullable=False),
    # NULL once the member erased their account: the business keeps its record of the sale.
    Column("member_id", String(32), ForeignKey("members.id")),
    Column("source_kind", StrEnumType(OrderSource), nullable=False),
    Column("source_id", String(32), nullable=False),
    Column("title", String(200), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("unit_price", Float),
    Column("site_id", String(32)),
    Column("status", StrEnumType(OrderStatus), nullable=False),
    Column("cancel_reason", Text),
    Column("collected_at", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ix_orders_member", "member_id", "id"),
    Index("ix_orders_business", "business_id", "id"),
    # One order per reservation or pledge: settling twice cannot make a second one.
    Index("ux_orders_source", "source_kind", "source_id", unique=True),
)
