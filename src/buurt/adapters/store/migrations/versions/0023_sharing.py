"""sharing: bookable things and bookings (no two booked intervals of a thing overlapping),
and automations

Revision ID: 0023
Revises: 0016
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# SQLite has no exclusion constraints: these triggers refuse an overlapping booked interval.
# They run inside the writing transaction, and SQLite has one writer at a time, so two
# bookings racing for a slot are checked one after the other. RAISE(ABORT) is a constraint
# error, which the store turns into ``Conflict`` as it does PostgreSQL's exclusion violation.
_SQLITE_CHECK = """
CREATE TRIGGER {name} BEFORE {event} ON bookings
WHEN NEW.status = 'booked' AND EXISTS (
    SELECT 1 FROM bookings AS other
    WHERE other.bookable_id = NEW.bookable_id AND other.id != NEW.id
      AND other.status = 'booked'
      AND other.starts_at < NEW.ends_at AND NEW.starts_at < other.ends_at
)
BEGIN SELECT RAISE(ABORT, 'booking overlaps another booking'); END
"""


def upgrade() -> None:
    op.create_table(
        "bookables",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("thing_id", sa.String(length=32), nullable=False),
        sa.Column("circle_id", sa.String(length=32), nullable=False),
        sa.Column("audience", sa.String(length=32), nullable=False),
        sa.Column("named_members", sa.JSON(), nullable=False),
        sa.Column("price_per_hour", sa.Float(), nullable=True),
        sa.Column("min_minutes", sa.Integer(), nullable=False),
        sa.Column("max_minutes", sa.Integer(), nullable=False),
        sa.Column("days", sa.JSON(), nullable=False),
        sa.Column("opens", sa.Integer(), nullable=False),
        sa.Column("closes", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["thing_id"],
            ["things.id"],
            name=op.f("fk_bookables_thing_id_things"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["circle_id"], ["circles.id"], name=op.f("fk_bookables_circle_id_circles")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bookables")),
    )
    with op.batch_alter_table("bookables", schema=None) as batch_op:
        batch_op.create_index("ux_bookables_thing", ["thing_id"], unique=True)
        batch_op.create_index("ix_bookables_circle", ["circle_id", "id"], unique=False)
    op.create_table(
        "bookings",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("bookable_id", sa.String(length=32), nullable=False),
        sa.Column("thing_id", sa.String(length=32), nullable=False),
        sa.Column("circle_id", sa.String(length=32), nullable=False),
        sa.Column("member_id", sa.String(length=32), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("price", sa.Float(), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["bookable_id"],
            ["bookables.id"],
            name=op.f("fk_bookings_bookable_id_bookables"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["circle_id"], ["circles.id"], name=op.f("fk_bookings_circle_id_circles")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_bookings_member_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bookings")),
    )
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.create_index("ix_bookings_bookable", ["bookable_id", "starts_at"], unique=False)
        batch_op.create_index("ix_bookings_member", ["member_id", "id"], unique=False)
    op.create_table(
        "automations",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("member_id", sa.String(length=32), nullable=False),
        sa.Column("circle_id", sa.String(length=32), nullable=False),
        sa.Column("subscription_id", sa.String(length=32), nullable=False),
        sa.Column("thing_id", sa.String(length=32), nullable=False),
        sa.Column("command", sa.String(length=64), nullable=False),
        sa.Column("args", sa.JSON(), nullable=False),
        sa.Column("fired_count", sa.Integer(), nullable=False),
        sa.Column("last_fired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_automations_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["circle_id"], ["circles.id"], name=op.f("fk_automations_circle_id_circles")
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name=op.f("fk_automations_subscription_id_subscriptions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["thing_id"],
            ["things.id"],
            name=op.f("fk_automations_thing_id_things"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_automations")),
    )
    with op.batch_alter_table("automations", schema=None) as batch_op:
        batch_op.create_index("ux_automations_subscription", ["subscription_id"], unique=True)
        batch_op.create_index("ix_automations_member", ["member_id", "id"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(
            "ALTER TABLE bookings ADD CONSTRAINT ex_bookings_no_overlap EXCLUDE USING gist "
            "(bookable_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) "
            "WHERE (status = 'booked')"
        )
    else:
        op.execute(_SQLITE_CHECK.format(name="tr_bookings_no_overlap_insert", event="INSERT"))
        op.execute(
            _SQLITE_CHECK.format(
                name="tr_bookings_no_overlap_update",
                event="UPDATE OF status, starts_at, ends_at",
            )
        )


def downgrade() -> None:
    op.drop_table("automations")
    op.drop_table("bookings")
    op.drop_table("bookables")
