"""Admission requests and vouching: see, withdraw or decline a request; vouch for a neighbour.

A request is the requester's personal data: the requester and the circle's admins see it and
who vouched on it. Any verified neighbour of the circle vouches for a pending request whose id
the requester gave them (in person, as one would); once the vouches of members who are still
verified reach the charter's ``vouches_needed``, the requester is admitted. Nobody vouches for
themselves, nor twice for one request.
"""

from __future__ import annotations

from typing import Any

from buurt.domain.admission import AdmissionRequest, RequestStatus, VerifiedBy, Vouch
from buurt.domain.community import Circle
from buurt.domain.errors import Conflict, NotFound, PermissionDenied
from buurt.domain.ids import new_id
from buurt.ports import Page, UnitOfWork
from buurt.services.charter import proposals
from buurt.services.community.verification import require_verified, verified_members, verify
from buurt.services.context import Services
from buurt.services.principals import Principal


def _circle(uow: UnitOfWork, circle_id: str) -> None:
    if uow.repo(Circle).get(circle_id) is None:
        raise NotFound("circle", circle_id)


def _sees(principal: Principal, request: AdmissionRequest) -> bool:
    return principal.acts_for("member", request.member_id) or (
        request.circle_id in principal.admin_of
    )


def _fetch(
    uow: UnitOfWork, circle_id: str, request_id: str, principal: Principal | None = None
) -> AdmissionRequest:
    """The request; with ``principal``, only if that principal may see it."""
    _circle(uow, circle_id)
    request = uow.repo(AdmissionRequest).get(request_id)
    if request is None or request.circle_id != circle_id:
        raise NotFound("admission request", request_id)
    if principal is not None and not _sees(principal, request):
        raise NotFound("admission request", request_id)
    return request


def list_requests(
    services: Services,
    principal: Principal,
    circle_id: str,
    status: RequestStatus | None,
    after: str | None,
    limit: int,
) -> Page[AdmissionRequest]:
    """All of the circle's requests for an admin; one's own for anyone else."""
    where: dict[str, Any] = {"circle_id": circle_id}
    if status is not None:
        where["status"] = status
    if circle_id not in principal.admin_of:
        where["member_id"] = principal.id if principal.is_member else []
    with services.uow() as uow:
        _circle(uow, circle_id)
        return uow.repo(AdmissionRequest).page(where=where, after=after, limit=limit)


def get_request(
    services: Services, principal: Principal, circle_id: str, request_id: str
) -> AdmissionRequest:
    with services.uow() as uow:
        return _fetch(uow, circle_id, request_id, principal)


def withdraw_request(
    services: Services, principal: Principal, circle_id: str, request_id: str, note: str = ""
) -> AdmissionRequest:
    """The requester withdraws a pending request, or an admin declines it; it stays on
    record as ``withdrawn``."""
    now = services.clock.now()
    with services.uow() as uow:
        request = _fetch(uow, circle_id, request_id, principal)
        if request.status is not RequestStatus.PENDING:
            raise Conflict(f"this request is {request.status.value}, no longer pending")
        declined = not principal.acts_for("member", request.member_id)
        request.status, request.decided_at = RequestStatus.WITHDRAWN, now
        request.note = note or ("declined by an admin" if declined else "withdrawn")
        uow.commit()
    return request


def admit_request(
    services: Services, principal: Principal, circle_id: str, request_id: str
) -> AdmissionRequest:
    """An admin admits a pending request on their own word, as an invite would: they could
    as well hand the requester an invite code. Recorded as ``invite``, noted as an admin's."""
    now = services.clock.now()
    if circle_id not in principal.admin_of:
        raise PermissionDenied("only the circle's admins admit a request on their word")
    with services.uow() as uow:
        request = _fetch(uow, circle_id, request_id, principal)
        if request.status is not RequestStatus.PENDING:
            raise Conflict(f"this request is {request.status.value}, no longer pending")
        request.status, request.decided_at = RequestStatus.ADMITTED, now
        request.note = "admitted by an admin"
        verify(uow, circle_id, request.member_id, VerifiedBy.INVITE, now, request_id=request.id)
        uow.commit()
    return request


def vouch(
    services: Services, principal: Principal, circle_id: str, request_id: str
) -> tuple[Vouch, AdmissionRequest]:
    """Vouch for a pending request; the vouch that completes the count admits the requester."""
    now = services.clock.now()
    proposals.close_due_proposals(services, now, circle_id=circle_id)
    with services.uow() as uow:
        request = _fetch(uow, circle_id, request_id)
        if request.member_id == principal.id:
            raise PermissionDenied("nobody vouches for themselves")
        require_verified(uow, principal, circle_id, "vouch for a neighbour")
        if request.status is not RequestStatus.PENDING:
            raise Conflict(f"this request is {request.status.value}, no longer pending")
        if uow.repo(Vouch).find(request_id=request_id, voucher_id=principal.id):
            raise Conflict("you vouched for this request already")
        given = Vouch(new_id("vouch"), circle_id, request_id, request.member_id, principal.id, now)
        uow.repo(Vouch).add(given)
        charter = proposals.in_force(uow, circle_id, now)
        verified = verified_members(uow, circle_id)
        vouchers = {v.voucher_id for v in uow.repo(Vouch).find(request_id=request_id)}
        if len((vouchers | {principal.id}) & verified) >= charter.vouches_needed:
            request.status, request.decided_at = RequestStatus.ADMITTED, now
            verify(
                uow, circle_id, request.member_id, VerifiedBy.VOUCHING, now, request_id=request.id
            )
        uow.commit()
    return given, request


def list_vouches(
    services: Services,
    principal: Principal,
    circle_id: str,
    request_id: str,
    after: str | None,
    limit: int,
) -> Page[Vouch]:
    """Who vouched on a request: seen by the requester and the circle's admins."""
    with services.uow() as uow:
        _fetch(uow, circle_id, request_id, principal)
        return uow.repo(Vouch).page(where={"request_id": request_id}, after=after, limit=limit)


def withdraw_vouch(
    services: Services, principal: Principal, circle_id: str, request_id: str, vouch_id: str
) -> None:
    """A voucher takes their vouch back while the request is pending."""
    with services.uow() as uow:
        request = _fetch(uow, circle_id, request_id)
        found = uow.repo(Vouch).get(vouch_id)
        if found is None or found.request_id != request_id or found.voucher_id != principal.id:
            raise NotFound("vouch", vouch_id)
        if request.status is not RequestStatus.PENDING:
            raise Conflict("the request is decided; its vouches stay on record")
        uow.repo(Vouch).delete(found)
        uow.commit()
