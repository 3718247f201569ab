"""Admission: issue one-time codes, and admit members who redeem them or ask to be vouched for.

Who issues which code:

- **invite** and **letter** codes: the circle's admins (letters also the operator, through
  ``buurt admin letters``, which prints them);
- **in_person** codes: the admins, and a verified local business of the circle (a business
  of the circle whose owner is a verified neighbour), to hand out over the counter.

Every route must be one the charter in force offers. Codes are single-use and expire after
the charter's ``code_valid_days``. A member makes at most ``REQUESTS_PER_HOUR`` admission
requests per circle an hour, refused ones included; an issuer makes at most
``CODES_PER_DAY`` codes a day through the API. Past either limit: ``TooManyAttempts``.

A refused code is kept as a ``refused`` request (the rate limit counts it) and answered as
``InvalidInput``; nothing else of it is written.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from buurt.domain.admission import (
    CODE_ALPHABET,
    CODE_LENGTH,
    CODE_ROUTES,
    CODES_PER_DAY,
    REQUESTS_PER_HOUR,
    AdmissionCode,
    AdmissionRequest,
    AdmissionRoute,
    RequestStatus,
    Verification,
    VerifiedBy,
    address_key,
    code_digest,
)
from buurt.domain.charter import CharterVersion
from buurt.domain.community import Business, Circle
from buurt.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied, TooManyAttempts
from buurt.domain.ids import new_id
from buurt.ports import Page, UnitOfWork
from buurt.ports.store import Between
from buurt.services.charter import proposals
from buurt.services.community.verification import is_verified, join_unverified, verify
from buurt.services.context import Services
from buurt.services.principals import Principal

OPERATOR = "operator"
# A window of the last hour (or day) ends now and starts just after now minus the hour: what
# was done exactly an hour ago no longer counts.
_TICK = timedelta(microseconds=1)


@dataclass(frozen=True)
class Issued:
    """A new code and its secret, shown this once."""

    code: AdmissionCode
    secret: str


def _charter(uow: UnitOfWork, circle_id: str, at: datetime) -> CharterVersion:
    if uow.repo(Circle).get(circle_id) is None:
        raise NotFound("circle", circle_id)
    return proposals.in_force(uow, circle_id, at)


def _offered(charter: CharterVersion, route: AdmissionRoute) -> None:
    if route.value not in charter.admission_routes:
        raise Conflict(f"the charter of this circle does not admit by {route.value}")


def _issuer(uow: UnitOfWork, principal: Principal, circle_id: str, route: AdmissionRoute) -> None:
    if circle_id in principal.admin_of:
        return
    if route is AdmissionRoute.IN_PERSON and principal.kind.value == "business":
        business = uow.repo(Business).get(principal.id)
        if (
            business is not None
            and business.circle_id == circle_id
            and is_verified(uow, business.owner_member_id, circle_id)
        ):
            return
        raise PermissionDenied("only a verified local business of the circle hands out codes")
    raise PermissionDenied(f"only admins of the circle issue {route.value} codes")


def _letter_address(uow: UnitOfWork, circle_id: str, address: str | None, at: datetime) -> str:
    """The address key of a new letter: one live letter per address, none for an address
    that has a verified neighbour already."""
    if address is None or not address_key(address):
        raise InvalidInput("a letter needs the postal address it goes to", "address")
    key = address_key(address)
    if uow.repo(Verification).find(circle_id=circle_id, address_key=key):
        raise Conflict("this address has a verified neighbour already")
    letters = uow.repo(AdmissionCode).find(circle_id=circle_id, address_key=key)
    if any(c.usable(at) for c in letters):
        raise Conflict("a letter to this address is on its way; revoke it to send a new one")
    return key


def new_secret() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def make_code(
    uow: UnitOfWork,
    circle_id: str,
    route: AdmissionRoute,
    issued_by: tuple[str, str | None],
    at: datetime,
    *,
    label: str = "",
    address: str | None = None,
) -> Issued:
    """A new code in the unit of work, checked against the charter (the caller commits)."""
    charter = _charter(uow, circle_id, at)
    if route not in CODE_ROUTES:
        raise InvalidInput("vouching needs no code: ask for an admission request", "route")
    _offered(charter, route)
    key = _letter_address(uow, circle_id, address, at) if route is AdmissionRoute.LETTER else None
    secret = new_secret()
    code = AdmissionCode(
        new_id("admission_code"),
        circle_id,
        route,
        code_digest(secret),
        issued_by[0],
        issued_by[1],
        at,
        at + timedelta(days=charter.code_valid_days),
        label,
        address.strip() if key and address else None,
        key,
    )
    uow.repo(AdmissionCode).add(code)
    return Issued(code, secret)


def issue_code(
    services: Services,
    principal: Principal,
    circle_id: str,
    route: AdmissionRoute,
    *,
    label: str = "",
    address: str | None = None,
) -> Issued:
    now = services.clock.now()
    proposals.close_due_proposals(services, now, circle_id=circle_id)
    with services.uow() as uow:
        _charter(uow, circle_id, now)
        _issuer(uow, principal, circle_id, route)
        since = Between(start=now - timedelta(days=1) + _TICK)
        recent = uow.repo(AdmissionCode).page(
            where={"issued_by_id": principal.id, "created_at": since}, limit=CODES_PER_DAY
        )
        if len(recent.items) >= CODES_PER_DAY:
            wait = recent.items[0].created_at + timedelta(days=1) - now
            raise TooManyAttempts(
                f"at most {CODES_PER_DAY} codes a day", math.ceil(wait.total_seconds())
            )
        if not label and principal.kind.value == "business":
            business = uow.repo(Business).get(principal.id)
            label = business.name if business else ""
        issued = make_code(
            uow,
            circle_id,
            route,
            (principal.kind.value, principal.id),
            now,
            label=label,
            address=address,
        )
        uow.commit()
    return issued


def _code_visible(principal: Principal, code: AdmissionCode) -> bool:
    return code.circle_id in principal.admin_of or (
        code.issued_by_id is not None and code.issued_by_id == principal.id
    )


def list_codes(
    services: Services,
    principal: Principal,
    circle_id: str,
    route: AdmissionRoute | None,
    after: str | None,
    limit: int,
) -> Page[AdmissionCode]:
    """An admin lists the circle's codes; a business the codes it handed out."""
    where: dict[str, Any] = {"circle_id": circle_id}
    if route is not None:
        where["route"] = route
    if circle_id not in principal.admin_of:
        where["issued_by_id"] = principal.id
    with services.uow() as uow:
        _charter(uow, circle_id, services.clock.now())
        return uow.repo(AdmissionCode).page(where=where, after=after, limit=limit)


def _fetch_code(
    uow: UnitOfWork, principal: Principal, circle_id: str, code_id: str
) -> AdmissionCode:
    code = uow.repo(AdmissionCode).get(code_id)
    if code is None or code.circle_id != circle_id or not _code_visible(principal, code):
        raise NotFound("admission code", code_id)
    return code


def get_code(
    services: Services, principal: Principal, circle_id: str, code_id: str
) -> AdmissionCode:
    with services.uow() as uow:
        return _fetch_code(uow, principal, circle_id, code_id)


def revoke_code(services: Services, principal: Principal, circle_id: str, code_id: str) -> None:
    """Delete an unused code (a lost letter, a code handed to the wrong person)."""
    with services.uow() as uow:
        code = _fetch_code(uow, principal, circle_id, code_id)
        if code.used_at is not None:
            raise Conflict("this code was used; it stays on record")
        uow.repo(AdmissionCode).delete(code)
        uow.commit()


def _rate_limit(uow: UnitOfWork, circle_id: str, member_id: str, now: datetime) -> None:
    since = Between(start=now - timedelta(hours=1) + _TICK)
    recent = uow.repo(AdmissionRequest).page(
        where={"circle_id": circle_id, "member_id": member_id, "created_at": since},
        limit=REQUESTS_PER_HOUR,
    )
    if len(recent.items) >= REQUESTS_PER_HOUR:
        wait = recent.items[0].created_at + timedelta(hours=1) - now
        raise TooManyAttempts(
            f"at most {REQUESTS_PER_HOUR} admission requests an hour; try again later",
            math.ceil(wait.total_seconds()),
        )


def _refusal(
    uow: UnitOfWork, code: AdmissionCode | None, charter: CharterVersion, at: datetime
) -> str | None:
    """Why this code admits nobody, or ``None`` when it admits."""
    if code is None:
        return "there is no such code for this circle"
    if code.used_at is not None:
        return "this code was used already"
    if at >= code.expires_at:
        return "this code has expired"
    if code.route.value not in charter.admission_routes:
        return f"the charter of this circle no longer admits by {code.route.value}"
    if code.address_key and uow.repo(Verification).find(
        circle_id=code.circle_id, address_key=code.address_key
    ):
        return "this address has a verified neighbour already"
    return None


def request_admission(
    services: Services, principal: Principal, circle_id: str, code: str | None
) -> AdmissionRequest:
    """Redeem a code (admitted at once) or, without one, ask to be vouched for (pending)."""
    if not principal.is_member:
        raise PermissionDenied("only members are admitted to circles")
    now = services.clock.now()
    proposals.close_due_proposals(services, now, circle_id=circle_id)
    with services.uow() as uow:
        charter = _charter(uow, circle_id, now)
        if is_verified(uow, principal.id, circle_id):
            raise Conflict("you are a verified neighbour of this circle already")
        _rate_limit(uow, circle_id, principal.id, now)
        if code is None:
            request = _ask_for_vouches(uow, charter, principal.id, now)
            uow.commit()
            return request
        found = uow.repo(AdmissionCode).find(digest=code_digest(code))
        stored = found[0] if found and found[0].circle_id == circle_id else None
        refused = _refusal(uow, stored, charter, now)
        route = stored.route if stored else AdmissionRoute.INVITE
        request = AdmissionRequest(
            new_id("admission_request"),
            circle_id,
            principal.id,
            route,
            RequestStatus.REFUSED if refused else RequestStatus.ADMITTED,
            now,
            now,
            stored.id if stored else None,
            refused or "",
        )
        uow.repo(AdmissionRequest).add(request)
        if refused is None and stored is not None:
            stored.used_at, stored.used_by = now, principal.id
            verify(
                uow,
                circle_id,
                principal.id,
                VerifiedBy(stored.route.value),
                now,
                request_id=request.id,
                address_key=stored.address_key,
            )
        uow.commit()
    if refused:
        raise InvalidInput(refused, "code")
    return request


def _ask_for_vouches(
    uow: UnitOfWork, charter: CharterVersion, member_id: str, now: datetime
) -> AdmissionRequest:
    _offered(charter, AdmissionRoute.VOUCHING)
    pending = uow.repo(AdmissionRequest).find(
        circle_id=charter.circle_id, member_id=member_id, status=RequestStatus.PENDING
    )
    if pending:
        raise Conflict(f"you have a pending admission request already: {pending[0].id}")
    request = AdmissionRequest(
        new_id("admission_request"),
        charter.circle_id,
        member_id,
        AdmissionRoute.VOUCHING,
        RequestStatus.PENDING,
        now,
    )
    # Waiting for vouches, the newcomer is a member who may read what the circle shows.
    join_unverified(uow, charter.circle_id, member_id, now)
    uow.repo(AdmissionRequest).add(request)
    return request


def issue_letters(
    services: Services,
    circle_id: str,
    addresses: Sequence[str],
    deliver: Callable[[Circle, list[Issued]], None],
    by: Principal | None = None,
) -> tuple[list[Issued], list[tuple[str, str]]]:
    """Letter codes for the operator, or for an admin of the circle (``by``), one per address
    that has neither a verified neighbour nor a letter on its way; returns them and the
    addresses skipped, with why. An admin's batch is at most ``CODES_PER_DAY`` addresses.

    ``deliver`` (printing them) runs before the codes are committed: if it fails, no code
    exists that nobody could ever receive, and the same addresses can be tried again.
    """
    issuer: tuple[str, str | None] = (OPERATOR, None)
    if by is not None:
        if circle_id not in by.admin_of:
            raise PermissionDenied("only admins of the circle issue letter codes")
        if len(addresses) > CODES_PER_DAY:
            raise InvalidInput(f"at most {CODES_PER_DAY} addresses a batch", "addresses")
        issuer = (by.kind.value, by.id)
    now = services.clock.now()
    proposals.close_due_proposals(services, now, circle_id=circle_id)
    issued: list[Issued] = []
    skipped: list[tuple[str, str]] = []
    with services.uow() as uow:
        circle = uow.repo(Circle).get(circle_id)
        if circle is None:
            raise NotFound("circle", circle_id)
        for address in addresses:
            try:
                issued.append(
                    make_code(
                        uow,
                        circle_id,
                        AdmissionRoute.LETTER,
                        issuer,
                        now,
                        address=address,
                    )
                )
            except (Conflict, InvalidInput) as refused:
                skipped.append((address, refused.detail))
            uow.flush()  # the next address sees this letter (a repeated line is skipped)
        deliver(circle, issued)
        uow.commit()
    return issued, skipped
