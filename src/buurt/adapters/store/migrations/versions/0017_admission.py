"""admission: admission codes, requests, vouches, verifications; the charter's admission policy

Every charter version gets the admission policy's defaults (every route, three vouches, codes
valid for 30 days). Every member of a circle from before admission routes existed becomes a
verified neighbour of it by ``existing`` standing, so no circle is left without voters.

Revision ID: 0017
Revises: 0018
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from buurt.domain.ids import new_id

revision: str = "0017"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "admission_codes",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("circle_id", sa.String(length=32), nullable=False),
        sa.Column("route", sa.String(length=32), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("issued_by_kind", sa.String(length=16), nullable=False),
        sa.Column("issued_by_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=True),
        sa.Column("address_key", sa.String(length=300), nullable=True),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_by", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["circle_id"], ["circles.id"], name=op.f("fk_admission_codes_circle_id_circles")
        ),
        sa.ForeignKeyConstraint(
            ["used_by"], ["members.id"], name=op.f("fk_admission_codes_used_by_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admission_codes")),
        sa.UniqueConstraint("digest", name=op.f("uq_admission_codes_digest")),
    )
    with op.batch_alter_table("admission_codes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_admission_codes_address", ["circle_id", "address_key"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_admission_codes_circle_id"), ["circle_id"], unique=False
        )
        batch_op.create_index(
            "ix_admission_codes_issuer", ["issued_by_id", "created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_admission_codes_used_by"), ["used_by"], unique=False)

    op.create_table(
        "admission_requests",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("circle_id", sa.String(length=32), nullable=False),
        sa.Column("member_id", sa.String(length=32), nullable=False),
        sa.Column("route", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("code_id", sa.String(length=32), nullable=True),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["circle_id"], ["circles.id"], name=op.f("fk_admission_requests_circle_id_circles")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_admission_requests_member_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admission_requests")),
    )
    with op.batch_alter_table("admission_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_admission_requests_circle_id"), ["circle_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_admission_requests_member_id"), ["member_id"], unique=False
        )

    op.create_table(
        "verifications",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("circle_id", sa.String(length=32), nullable=False),
        sa.Column("member_id", sa.String(length=32), nullable=False),
        sa.Column("verified_by", sa.String(length=32), nullable=False),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("request_id", sa.String(length=32), nullable=True),
        sa.Column("address_key", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["circle_id"], ["circles.id"], name=op.f("fk_verifications_circle_id_circles")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_verifications_member_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verifications")),
        sa.UniqueConstraint("circle_id", "address_key", name="uq_verifications_circle_address_key"),
        sa.UniqueConstraint("circle_id", "member_id", name="uq_verifications_circle_member"),
    )
    with op.batch_alter_table("verifications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_verifications_circle_id"), ["circle_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_verifications_member_id"), ["member_id"], unique=False)

    op.create_table(
        "vouches",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("circle_id", sa.String(length=32), nullable=False),
        sa.Column("request_id", sa.String(length=32), nullable=False),
        sa.Column("member_id", sa.String(length=32), nullable=False),
        sa.Column("voucher_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["circle_id"], ["circles.id"], name=op.f("fk_vouches_circle_id_circles")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_vouches_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["admission_requests.id"],
            name=op.f("fk_vouches_request_id_admission_requests"),
        ),
        sa.ForeignKeyConstraint(
            ["voucher_id"], ["members.id"], name=op.f("fk_vouches_voucher_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vouches")),
        sa.UniqueConstraint("request_id", "voucher_id", name="uq_vouches_request_voucher"),
    )
    with op.batch_alter_table("vouches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vouches_circle_id"), ["circle_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_vouches_member_id"), ["member_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_vouches_request_id"), ["request_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_vouches_voucher_id"), ["voucher_id"], unique=False)

    with op.batch_alter_table("charter_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("admission_routes", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("vouches_needed", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("code_valid_days", sa.Integer(), nullable=True))
    versions = sa.table(
        "charter_versions",
        sa.column("admission_routes", sa.JSON()),
        sa.column("vouches_needed", sa.Integer()),
        sa.column("code_valid_days", sa.Integer()),
    )
    op.execute(
        versions.update().values(
            admission_routes=["invite", "letter", "in_person", "vouching"],
            vouches_needed=3,
            code_valid_days=30,
        )
    )
    with op.batch_alter_table("charter_versions", schema=None) as batch_op:
        batch_op.alter_column("admission_routes", existing_type=sa.JSON(), nullable=False)
        batch_op.alter_column("vouches_needed", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("code_valid_days", existing_type=sa.Integer(), nullable=False)
    _verify_existing_members()


def _verify_existing_members() -> None:
    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT circle_id, member_id FROM memberships")).all()
    if not rows:
        return
    verifications = sa.table(
        "verifications",
        sa.column("id", sa.String()),
        sa.column("circle_id", sa.String()),
        sa.column("member_id", sa.String()),
        sa.column("verified_by", sa.String()),
        sa.column("verified_at", sa.DateTime(timezone=True)),
    )
    now = datetime.now(UTC)
    if connection.dialect.name == "sqlite":
        now = now.replace(tzinfo=None)  # how the store keeps UTC in SQLite
    op.bulk_insert(
        verifications,
        [
            {
                "id": new_id("verification"),
                "circle_id": circle_id,
                "member_id": member_id,
                "verified_by": "existing",
                "verified_at": now,
            }
            for circle_id, member_id in rows
        ],
    )


def downgrade() -> None:
    with op.batch_alter_table("charter_versions", schema=None) as batch_op:
        batch_op.drop_column("code_valid_days")
        batch_op.drop_column("vouches_needed")
        batch_op.drop_column("admission_routes")

    with op.batch_alter_table("vouches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vouches_voucher_id"))
        batch_op.drop_index(batch_op.f("ix_vouches_request_id"))
        batch_op.drop_index(batch_op.f("ix_vouches_member_id"))
        batch_op.drop_index(batch_op.f("ix_vouches_circle_id"))

    op.drop_table("vouches")
    with op.batch_alter_table("verifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_verifications_member_id"))
        batch_op.drop_index(batch_op.f("ix_verifications_circle_id"))

    op.drop_table("verifications")
    with op.batch_alter_table("admission_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_admission_requests_member_id"))
        batch_op.drop_index(batch_op.f("ix_admission_requests_circle_id"))

    op.drop_table("admission_requests")
    with op.batch_alter_table("admission_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_admission_codes_used_by"))
        batch_op.drop_index("ix_admission_codes_issuer")
        batch_op.drop_index(batch_op.f("ix_admission_codes_circle_id"))
        batch_op.drop_index("ix_admission_codes_address")

    op.drop_table("admission_codes")
