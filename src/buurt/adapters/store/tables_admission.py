"""Tables of admission: codes, admission requests, vouches and verifications."""

from sqlalchemy import Column, ForeignKey, Index, String, Table, UniqueConstraint

from buurt.adapters.store.tables import metadata
from buurt.adapters.store.types import StrEnumType, UTCDateTime
from buurt.domain.admission import AdmissionRoute, RequestStatus, VerifiedBy


def _circle() -> Column[str]:
    return Column("circle_id", String(32), ForeignKey("circles.id"), nullable=False, index=True)


def _member(name: str, *, nullable: bool = False) -> Column[str]:
    return Column(name, String(32), ForeignKey("members.id"), nullable=nullable, index=True)


admission_codes = Table(
    "admission_codes",
    metadata,
    Column("id", String(32), primary_key=True),
    _circle(),
    Column("route", StrEnumType(AdmissionRoute), nullable=False),
    Column("digest", String(64), nullable=False, unique=True),
    Column("issued_by_kind", String(16), nullable=False),
    Column("issued_by_id", String(32)),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("label", String(200), nullable=False, default=""),
    Column("address", String(300)),
    Column("address_key", String(300)),
    Column("used_at", UTCDateTime),
    _member("used_by", nullable=True),
    Index("ix_admission_codes_issuer", "issued_by_id", "created_at"),
    Index("ix_admission_codes_address", "circle_id", "address_key"),
)

admission_requests = Table(
    "admission_requests",
    metadata,
    Column("id", String(32), primary_key=True),
    _circle(),
    _member("member_id"),
    Column("route", StrEnumType(AdmissionRoute), nullable=False),
    Column("status", StrEnumType(RequestStatus), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("decided_at", UTCDateTime),
    Column("code_id", String(32)),
    Column("note", String(300), nullable=False, default=""),
)

vouches = Table(
    "vouches",
    metadata,
    Column("id", String(32), primary_key=True),
    _circle(),
    Column(
        "request_id", String(32), ForeignKey("admission_requests.id"), nullable=False, index=True
    ),
    _member("member_id"),
    _member("voucher_id"),
    Column("created_at", UTCDateTime, nullable=False),
    # One vouch per voucher and request: a second one would count one person twice.
    UniqueConstraint("request_id", "voucher_id", name="uq_vouches_request_voucher"),
)

verifications = Table(
    "verifications",
    metadata,
    Column("id", String(32), primary_key=True),
    _circle(),
    _member("member_id"),
    Column("verified_by", StrEnumType(VerifiedBy), nullable=False),
    Column("verified_at", UTCDateTime, nullable=False),
    Column("request_id", String(32)),
    Column("address_key", String(300)),
    UniqueConstraint("circle_id", "member_id", name="uq_verifications_circle_member"),
    # One verified neighbour per address: a household's second account gets no second vote.
    UniqueConstraint("circle_id", "address_key", name="uq_verifications_circle_address_key"),
)
