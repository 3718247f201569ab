"""``/v1/circles/{id}/...``: admission codes, admission requests, vouches and verifications.

How a member becomes a verified neighbour, by the routes the charter offers. Codes are shown
once, when issued; verifications, requests and vouches are seen by the member concerned and
the circle's admins only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from buurt.domain.admission import (
    AdmissionCode,
    AdmissionRoute,
    RequestStatus,
    VerifiedBy,
    grouped,
)
from buurt.services.community import admission, verification, vouching
from buurt.services.principals import Principal
from buurt.web.api.deps import Cursor, Limit, PrincipalDep, ServicesDep
from buurt.web.api.schemas import Name, Page, Strict, page_of
from buurt.web.problems import responses

router = APIRouter(
    prefix="/v1/circles/{circle_id}",
    tags=["admission"],
    responses=responses(400, 401, 404, 413, 422),
)
CircleId = Annotated[str, Path(max_length=64)]
Ident = Annotated[str, Path(max_length=64)]
Code = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9 -]+$")]
Address = Annotated[str, Field(min_length=1, max_length=300, pattern=r"^[^\x00]*$")]


class CodeIn(Strict):
    route: AdmissionRoute = Field(description="`invite`, `letter` or `in_person`.")
    label: Name | None = Field(
        default=None, description="Where it is handed out; a business's name by default."
    )
    address: Address | None = Field(default=None, description="The postal address of a letter.")


class CodeOut(BaseModel):
    id: str
    circle_id: str
    route: AdmissionRoute
    label: str
    address: str | None = Field(description="The postal address, for a letter; admins only.")
    issued_by_kind: str
    issued_by_id: str | None
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None
    used_by: str | None = Field(description="Who redeemed it; admins only.")


class IssuedOut(CodeOut):
    code: str = Field(description="The code itself, shown this once.")


class RequestIn(Strict):
    code: Code | None = Field(
        default=None, description="A code to redeem; without one, ask to be vouched for."
    )


class RequestOut(BaseModel):
    model_config = {"from_attributes": True}

    id: str
    circle_id: str
    member_id: str
    route: AdmissionRoute
    status: RequestStatus
    created_at: datetime
    decided_at: datetime | None
    note: str


class WithdrawIn(Strict):
    note: Annotated[str, Field(max_length=300, pattern=r"^[^\x00]*$")] = ""


class VouchOut(BaseModel):
    model_config = {"from_attributes": True}

    id: str
    circle_id: str
    request_id: str
    member_id: str = Field(description="Whom the vouch is for.")
    voucher_id: str
    created_at: datetime


class VouchedOut(VouchOut):
    request_status: RequestStatus = Field(description="`admitted` once enough have vouched.")


class VerificationOut(BaseModel):
    model_config = {"from_attributes": True}

    id: str
    circle_id: str
    member_id: str
    verified_by: VerifiedBy
    verified_at: datetime
    request_id: str | None


class VerificationDetail(VerificationOut):
    vouchers: list[str] = Field(description="Who vouched, when it came by vouching.")


def code_out(code: AdmissionCode, principal: Principal) -> CodeOut:
    admin = code.circle_id in principal.admin_of
    return CodeOut(
        id=code.id,
        circle_id=code.circle_id,
        route=code.route,
        label=code.label,
        address=code.address if admin else None,
        issued_by_kind=code.issued_by_kind,
        issued_by_id=code.issued_by_id,
        created_at=code.created_at,
        expires_at=code.expires_at,
        used_at=code.used_at,
        used_by=code.used_by if admin else None,
    )


@router.post("/admission-codes", status_code=201, responses=responses(403, 409, 429))
def issue_code(
    circle_id: CircleId, body: CodeIn, services: ServicesDep, principal: PrincipalDep
) -> IssuedOut:
    """Issue a one-time code: invite and letter codes by admins, in-person codes also by a
    verified local business. 409 when the charter does not offer the route, or the address
    has a verified neighbour or a letter on its way; 429 past the codes of a day."""
    issued = admission.issue_code(
        services, principal, circle_id, body.route, label=body.label or "", address=body.address
    )
    out = code_out(issued.code, principal)
    return IssuedOut(**out.model_dump(), code=grouped(issued.secret))


@router.get("/admission-codes")
def list_codes(
    circle_id: CircleId,
    services: ServicesDep,
    principal: PrincipalDep,
    route: Annotated[AdmissionRoute | None, Query()] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[CodeOut]:
    """The circle's codes (admins), or those a business handed out; never the codes' text."""
    page = admission.list_codes(services, principal, circle_id, route, cursor, limit)
    return Page[CodeOut](
        items=[code_out(c, principal) for c in page.items], next_cursor=page.next_cursor
    )


@router.get("/admission-codes/{code_id}")
def get_code(
    circle_id: CircleId, code_id: Ident, services: ServicesDep, principal: PrincipalDep
) -> CodeOut:
    return code_out(admission.get_code(services, principal, circle_id, code_id), principal)


@router.delete("/admission-codes/{code_id}", status_code=204, responses=responses(409))
def revoke_code(
    circle_id: CircleId, code_id: Ident, services: ServicesDep, principal: PrincipalDep
) -> None:
    """Revoke an unused code (409 once used)."""
    admission.revoke_code(services, principal, circle_id, code_id)


@router.post("/admission-requests", status_code=201, responses=responses(403, 409, 429))
def request_admission(
    circle_id: CircleId, body: RequestIn, services: ServicesDep, principal: PrincipalDep
) -> RequestOut:
    """Redeem a code (`admitted` at once; 422 for an unknown, used or expired code), or, with
    no code, ask to be vouched for (`pending`). 429 past the requests of an hour."""
    request = admission.request_admission(services, principal, circle_id, body.code)
    return RequestOut.model_validate(request)


@router.get("/admission-requests")
def list_requests(
    circle_id: CircleId,
    services: ServicesDep,
    principal: PrincipalDep,
    status: Annotated[RequestStatus | None, Query()] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[RequestOut]:
    """The circle's requests (admins), or your own."""
    page = vouching.list_requests(services, principal, circle_id, status, cursor, limit)
    return page_of(RequestOut, page)


@router.get("/admission-requests/{request_id}")
def get_request(
    circle_id: CircleId, request_id: Ident, services: ServicesDep, principal: PrincipalDep
) -> RequestOut:
    request = vouching.get_request(services, principal, circle_id, request_id)
    return RequestOut.model_validate(request)


@router.post("/admission-requests/{request_id}/withdrawal", responses=responses(409))
def withdraw_request(
    circle_id: CircleId,
    request_id: Ident,
    body: WithdrawIn,
    services: ServicesDep,
    principal: PrincipalDep,
) -> RequestOut:
    """Withdraw your pending request, or decline one (admins); it stays on record."""
    request = vouching.withdraw_request(services, principal, circle_id, request_id, body.note)
    return RequestOut.model_validate(request)


@router.post(
    "/admission-requests/{request_id}/vouches", status_code=201, responses=responses(403, 409)
)
def vouch(
    circle_id: CircleId, request_id: Ident, services: ServicesDep, principal: PrincipalDep
) -> VouchedOut:
    """Vouch for a pending request (verified neighbours; once each, never for yourself)."""
    given, request = vouching.vouch(services, principal, circle_id, request_id)
    return VouchedOut(**VouchOut.model_validate(given).model_dump(), request_status=request.status)


@router.get("/admission-requests/{request_id}/vouches")
def list_vouches(
    circle_id: CircleId,
    request_id: Ident,
    services: ServicesDep,
    principal: PrincipalDep,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[VouchOut]:
    """Who vouched for the request: the requester and admins see it."""
    page = vouching.list_vouches(services, principal, circle_id, request_id, cursor, limit)
    return page_of(VouchOut, page)


@router.delete(
    "/admission-requests/{request_id}/vouches/{vouch_id}",
    status_code=204,
    responses=responses(409),
)
def withdraw_vouch(
    circle_id: CircleId,
    request_id: Ident,
    vouch_id: Ident,
    services: ServicesDep,
    principal: PrincipalDep,
) -> None:
    """Take your vouch back while the request is pending."""
    vouching.withdraw_vouch(services, principal, circle_id, request_id, vouch_id)


@router.get("/verifications")
def list_verifications(
    circle_id: CircleId,
    services: ServicesDep,
    principal: PrincipalDep,
    verified_by: Annotated[VerifiedBy | None, Query()] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[VerificationOut]:
    """The circle's verified neighbours (admins), or your own verification."""
    page = verification.list_verifications(
        services, principal, circle_id, verified_by, cursor, limit
    )
    return page_of(VerificationOut, page)


@router.get("/verifications/{member_id}")
def get_verification(
    circle_id: CircleId, member_id: Ident, services: ServicesDep, principal: PrincipalDep
) -> VerificationDetail:
    """A member's verification and who vouched (the member and admins)."""
    found, vouches = verification.get_verification(services, principal, circle_id, member_id)
    out = VerificationOut.model_validate(found)
    return VerificationDetail(**out.model_dump(), vouchers=[v.voucher_id for v in vouches])


@router.delete("/verifications/{member_id}", status_code=204, responses=responses(403))
def revoke_verification(
    circle_id: CircleId, member_id: Ident, services: ServicesDep, principal: PrincipalDep
) -> None:
    """Take a verification back (admins); the member stays, unverified."""
    verification.revoke_verification(services, principal, circle_id, member_id)
