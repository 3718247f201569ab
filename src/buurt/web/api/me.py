"""``/v1/me``: a member's own personal data: the access log, the export, and erasure.

The export's schema (``MemberExport``) is part of the OpenAPI; docs/consent.md describes it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Body
from pydantic import BaseModel, Field

from buurt.domain.admission import AdmissionCode
from buurt.domain.consent import DataCategory, Purpose
from buurt.services.consent import access_log, erasure, export
from buurt.web.api.admission import CodeOut, RequestOut, VerificationOut, VouchOut
from buurt.web.api.auth import TokenOut
from buurt.web.api.automations import AutomationOut
from buurt.web.api.bookings import BookingOut
from buurt.web.api.businesses import BusinessOut, SiteOut
from buurt.web.api.campaigns import PledgeOut
from buurt.web.api.circles import MembershipOut
from buurt.web.api.consents import ConsentOut
from buurt.web.api.deps import Cursor, Limit, PrincipalDep, ServicesDep
from buurt.web.api.events import EventOut
from buurt.web.api.follows import FollowOut
from buurt.web.api.intents import IntentOut
from buurt.web.api.members import MemberOut
from buurt.web.api.moderation import ReportOut
from buurt.web.api.moments import MomentOut
from buurt.web.api.offers import OfferOut
from buurt.web.api.orders import OrderOut
from buurt.web.api.proposals import CommentOut, ProposalOut
from buurt.web.api.reservations import ReservationOut
from buurt.web.api.reviews import ReviewOut
from buurt.web.api.schemas import Page, Strict, page_of
from buurt.web.api.subscriptions import SubscriptionOut
from buurt.web.api.things import ThingOut
from buurt.web.problems import responses

router = APIRouter(prefix="/v1/me", tags=["me"], responses=responses(400, 401, 413, 422))
SCHEMA_VERSION = 1


class AccessEntryOut(BaseModel):
    """One use of your data by someone else, and what allowed it."""

    model_config = {"from_attributes": True}

    id: str
    member_id: str
    principal_kind: str = Field(description="`business`, `member` (a circle admin), `circle`...")
    principal_id: str = Field(description="Who used it; `erased` if they erased their account.")
    category: DataCategory
    purpose: Purpose
    what: str = Field(description="What was done: `GET /v1/members/{id}`, `moment mom_...`.")
    at: datetime
    grant_id: str | None = Field(description="The consent grant that allowed it, if any.")
    role: str | None = Field(description="Else the role that allowed it: `admin of cir_...`.")


class ThingExport(BaseModel):
    thing: ThingOut
    events: list[EventOut] = Field(
        description=f"Its first {export.EVENTS_PER_THING} events, oldest first."
    )


class BusinessExport(BaseModel):
    business: BusinessOut
    sites: list[SiteOut]
    offers: list[OfferOut]
    subscriptions: list[SubscriptionOut]
    things: list[ThingExport] = Field(description="Things the business owns, with their events.")


def _things(things: list[export.ThingData]) -> list[ThingExport]:
    return [
        ThingExport(
            thing=ThingOut.model_validate(t.thing),
            events=[EventOut.model_validate(e) for e in t.events],
        )
        for t in things
    ]


class MemberExport(BaseModel):
    """Everything Buurt holds about you. Secrets are left out: no password hash, no token."""

    schema_version: int = Field(description="Raised when this schema changes incompatibly.")
    generated_at: datetime
    profile: MemberOut
    memberships: list[MembershipOut]
    intents: list[IntentOut]
    subscriptions: list[SubscriptionOut] = Field(description="Your own (not your businesses').")
    offers: list[OfferOut] = Field(description="What you offer as a neighbour.")
    events: list[EventOut] = Field(description="Events you published yourself.")
    moments: list[MomentOut] = Field(description="Moments delivered to you or about you.")
    consents: list[ConsentOut] = Field(description="Your grants, live and revoked.")
    access_log: list[AccessEntryOut]
    things: list[ThingExport] = Field(description="Things you own, with their events.")
    businesses: list[BusinessExport] = Field(description="Businesses you own, with their data.")
    tokens: list[TokenOut] = Field(description="Yours and your businesses' and things' tokens.")
    orders: list[OrderOut] = Field(description="Orders you placed, at any business.")
    reservations: list[ReservationOut] = Field(
        default_factory=list, description="Reservations you made, at any business."
    )
    verifications: list[VerificationOut] = Field(
        default_factory=list, description="How you were verified in each circle."
    )
    admission_requests: list[RequestOut] = Field(default_factory=list)
    vouches: list[VouchOut] = Field(
        default_factory=list, description="Vouches you gave and vouches you got."
    )
    admission_codes: list[CodeOut] = Field(
        default_factory=list,
        description="Codes you (or your businesses) issued, and the code you redeemed; who "
        "redeemed a code you issued is theirs, not yours, and left out.",
    )
    bookings: list[BookingOut] = Field(description="Your bookings of shared things.")
    automations: list[AutomationOut] = Field(description="Your automations.")
    proposals: list[ProposalOut] = Field(description="Proposals you made.")
    comments: list[CommentOut] = Field(description="Comments you wrote on proposals.")
    supports: list[str] = Field(description="The proposals you support.")
    pledges: list[PledgeOut] = Field(description="Your pledges, open and settled.")
    reviews: list[ReviewOut] = Field(description="Reviews you wrote.")
    follows: list[FollowOut] = Field(description="Proposals and categories you follow.")
    reports: list[ReportOut] = Field(description="Your open reports to moderators.")
    truncated: list[str] = Field(
        description="Parts cut at their limit (such as `things.thg_....events`); page the rest "
        "through the API."
    )


class ErasureIn(Strict):
    password: str = Field(
        max_length=200, pattern=r"^[^\x00]*$", description="Your password, to confirm it is you."
    )


@router.get("/access-log", responses=responses(403))
def read_access_log(
    services: ServicesDep,
    principal: PrincipalDep,
    category: DataCategory | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[AccessEntryOut]:
    """Every use of your data by someone else, oldest first (page on with `next_cursor`)."""
    page = access_log.page_for_member(
        services, principal, category=category, after=cursor, limit=limit
    )
    return page_of(AccessEntryOut, page)


@router.get("/export", responses=responses(403, 404))
def export_data(services: ServicesDep, principal: PrincipalDep) -> MemberExport:
    """Everything Buurt holds about you, as one JSON document."""
    data = export.export_member(services, principal)
    return MemberExport(
        schema_version=SCHEMA_VERSION,
        generated_at=data.generated_at,
        profile=MemberOut.model_validate(data.member),
        memberships=[MembershipOut.model_validate(m) for m in data.memberships],
        intents=[IntentOut.model_validate(i) for i in data.intents],
        subscriptions=[SubscriptionOut.model_validate(s) for s in data.subscriptions],
        offers=[OfferOut.model_validate(o) for o in data.offers],
        events=[EventOut.model_validate(e) for e in data.events],
        moments=[MomentOut.model_validate(m) for m in data.moments],
        consents=[ConsentOut.model_validate(c) for c in data.consents],
        access_log=[AccessEntryOut.model_validate(a) for a in data.access_log],
        things=_things(data.things),
        businesses=[
            BusinessExport(
                business=BusinessOut.model_validate(b.business),
                sites=[SiteOut.model_validate(s) for s in b.sites],
                offers=[OfferOut.model_validate(o) for o in b.offers],
                subscriptions=[SubscriptionOut.model_validate(s) for s in b.subscriptions],
                things=_things(b.things),
            )
            for b in data.businesses
        ],
        tokens=[TokenOut.model_validate(t) for t in data.tokens],
        orders=[OrderOut.model_validate(o) for o in data.orders],
        reservations=[ReservationOut.model_validate(r) for r in data.reservations],
        bookings=[BookingOut.model_validate(b) for b in data.bookings],
        automations=[AutomationOut.model_validate(a) for a in data.automations],
        proposals=[ProposalOut.of(p, services) for p in data.proposals],
        comments=[CommentOut.model_validate(c) for c in data.comments],
        supports=[s.proposal_id for s in data.supports],
        pledges=[PledgeOut.model_validate(p) for p in data.pledges],
        reviews=[ReviewOut.model_validate(r) for r in data.reviews],
        verifications=[VerificationOut.model_validate(v) for v in data.verifications],
        admission_requests=[RequestOut.model_validate(r) for r in data.admission_requests],
        vouches=[VouchOut.model_validate(v) for v in data.vouches],
        admission_codes=[_code(c, principal.id) for c in data.admission_codes],
        follows=[FollowOut.model_validate(f) for f in data.follows],
        reports=[ReportOut.model_validate(r) for r in data.reports],
        truncated=data.truncated,
    )


def _code(code: AdmissionCode, me: str) -> CodeOut:
    return CodeOut(
        id=code.id,
        circle_id=code.circle_id,
        route=code.route,
        label=code.label,
        address=code.address,
        issued_by_kind=code.issued_by_kind,
        issued_by_id=code.issued_by_id,
        created_at=code.created_at,
        expires_at=code.expires_at,
        used_at=code.used_at,
        used_by=code.used_by if code.used_by == me else None,
    )


@router.delete("", status_code=204, responses=responses(403, 404))
def erase(
    body: Annotated[ErasureIn, Body()], services: ServicesDep, principal: PrincipalDep
) -> None:
    """Erase your account and your personal data, at once and for good (see docs/consent.md).

    Needs your password. Your tokens stop working; your email can register again.
    """
    erasure.erase_member(services, principal, body.password)
