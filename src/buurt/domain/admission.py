"""Admission: how a member of a circle becomes one of its verified neighbours.

A circle's charter says which routes it admits by (``admission_routes``), how many verified
members must vouch (``vouches_needed``) and how long a code lasts (``code_valid_days``):

- **invite**: a one-time code from a circle admin;
- **letter**: a one-time code per postal address, printed and posted (``buurt admin letters``);
- **in_person**: a one-time code handed out at a verified local business or a meeting;
- **vouching**: N verified members vouch for a pending admission request.

Redeeming a code or getting the last vouch admits the member: a ``Verification`` records the
route. A circle's founder is verified by founding it; members from before admission routes
existed keep the standing they had (``existing``).

    pending ──> admitted   (a valid code, or the N-th vouch)
       ├─────> refused     (a code that is unknown, used, expired, of a route the charter
       │                    no longer offers, or of an address already verified)
       └─────> withdrawn   (by the member, or declined by an admin)

Only a digest of a code is stored; the code itself is shown once, to whoever issues it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class AdmissionRoute(StrEnum):
    """The routes a charter may offer."""

    INVITE = "invite"
    LETTER = "letter"
    IN_PERSON = "in_person"
    VOUCHING = "vouching"


class VerifiedBy(StrEnum):
    """How a verification came about: an admission route, founding the circle, or standing
    from before admission routes existed."""

    INVITE = "invite"
    LETTER = "letter"
    IN_PERSON = "in_person"
    VOUCHING = "vouching"
    FOUNDING = "founding"
    EXISTING = "existing"


class RequestStatus(StrEnum):
    PENDING = "pending"
    ADMITTED = "admitted"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


CODE_ROUTES = (AdmissionRoute.INVITE, AdmissionRoute.LETTER, AdmissionRoute.IN_PERSON)
# A member gets this many admission requests per circle an hour (refused ones included), so
# guessing codes is slow even before the code's entropy (50 bits) makes it hopeless.
REQUESTS_PER_HOUR = 5
# One issuer (an admin or a business) makes at most this many codes a day through the API;
# letters printed by the operator's CLI are not counted.
CODES_PER_DAY = 200
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read off paper
CODE_LENGTH = 10


def normal_code(code: str) -> str:
    """A code as typed (spaces, dashes, lower case) in the form it was issued."""
    return re.sub(r"[\s-]", "", code).upper()


def code_digest(code: str) -> str:
    return hashlib.sha256(normal_code(code).encode()).hexdigest()


def address_key(address: str) -> str:
    """One key per postal address however it is written: "Javastraat 12-2, Amsterdam" and
    "javastraat 12 2 amsterdam" are the same household."""
    return " ".join(re.sub(r"[^\w]+", " ", address.lower()).split())


def grouped(code: str) -> str:
    """A code in groups of five, as printed."""
    return "-".join(code[i : i + 5] for i in range(0, len(code), 5))


@dataclass
class AdmissionCode:
    """A one-time code of an admission route; ``address`` only for letters."""

    id: str
    circle_id: str
    route: AdmissionRoute
    digest: str
    issued_by_kind: str  # "member" (an admin), "business", or "operator" (the CLI)
    issued_by_id: str | None  # None for the operator, or once the issuer is erased
    created_at: datetime
    expires_at: datetime
    label: str = ""  # where it was handed out: "Bakkerij Ann", "street meeting 3 May"
    address: str | None = None
    address_key: str | None = None
    used_at: datetime | None = None
    used_by: str | None = None

    def usable(self, at: datetime) -> bool:
        return self.used_at is None and at < self.expires_at


@dataclass
class AdmissionRequest:
    """A member's request to be admitted as a verified neighbour of a circle."""

    id: str
    circle_id: str
    member_id: str
    route: AdmissionRoute
    status: RequestStatus
    created_at: datetime
    decided_at: datetime | None = None
    code_id: str | None = None
    note: str = ""  # why it was refused or withdrawn


@dataclass
class Vouch:
    """A verified member's word that the requester is a real neighbour."""

    id: str
    circle_id: str
    request_id: str
    member_id: str  # whom the vouch is for
    voucher_id: str
    created_at: datetime


@dataclass
class Verification:
    """A member's standing as a verified neighbour of a circle.

    ``address_key`` is set for a letter: one verified member per address and circle, so a
    second account in the same household gets no second vote.
    """

    id: str
    circle_id: str
    member_id: str
    verified_by: VerifiedBy
    verified_at: datetime
    request_id: str | None = None
    address_key: str | None = None
