"""Admission on the fakes: codes are single-use, expire and are rate-limited; vouching needs the
charter's count of verified vouchers; verifications are seen by their member and admins."""

from __future__ import annotations

from datetime import timedelta

import pytest

from buurt.domain.admission import (
    CODES_PER_DAY,
    REQUESTS_PER_HOUR,
    AdmissionRoute,
    RequestStatus,
    VerifiedBy,
)
from buurt.domain.charter import VoteChoice
from buurt.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied, TooManyAttempts
from buurt.domain.parties import PartyKind
from buurt.services.charter import proposals
from buurt.services.community import admission, auth, businesses, circles, verification, vouching
from buurt.services.context import Services
from buurt.services.principals import Principal
from buurt.testing import FrozenClock
from tests.unit.services.conftest import Neighbour
from tests.unit.services.test_verified_votes import admit, verified


def _invite(services: Services, admin: Neighbour, circle_id: str) -> str:
    return admission.issue_code(services, admin.principal, circle_id, AdmissionRoute.INVITE).secret


def test_the_founder_is_verified_and_a_member_who_joins_is_not(
    services: Services, ada: Neighbour, bob: Neighbour, circle_id: str
) -> None:
    circles.join_circle(services, bob.principal, circle_id)

    with services.uow() as uow:
        assert verification.is_verified(uow, ada.id, circle_id)
        assert not verification.is_verified(uow, bob.id, circle_id)
    mine, _ = verification.get_verification(services, ada.principal, circle_id, ada.id)
    assert mine.verified_by is VerifiedBy.FOUNDING


def test_a_code_admits_once_and_may_be_typed_loosely(
    services: Services, ada: Neighbour, bob: Neighbour, circle_id: str
) -> None:
    code = _invite(services, ada, circle_id)
    typed = f" {code[:5].lower()}-{code[5:]} "

    request = admission.request_admission(services, bob.principal, circle_id, typed)

    assert request.status is RequestStatus.ADMITTED
    cleo = Neighbour.register(services, "Cleo")
    with pytest.raises(InvalidInput, match="used already"):
        admission.request_admission(services, cleo.principal, circle_id, code)
    with services.uow() as uow:
        assert verification.is_verified(uow, bob.id, circle_id)
        assert not verification.is_verified(uow, cleo.id, circle_id)


def test_a_code_expires_after_the_charters_days(
    services: Services, clock: FrozenClock, ada: Neighbour, bob: Neighbour, circle_id: str
) -> None:
    late = _invite(services, ada, circle_id)
    in_time = _invite(services, ada, circle_id)
    clock.advance(timedelta(days=30) - timedelta(seconds=1))
    cleo = Neighbour.register(services, "Cleo")
    admitted = admission.request_admission(services, cleo.principal, circle_id, in_time)
    assert admitted.status is RequestStatus.ADMITTED  # the control: a second before expiry

    clock.advance(timedelta(seconds=1))
    with pytest.raises(InvalidInput, match="expired"):
        admission.request_admission(services, bob.principal, circle_id, late)


def test_requests_are_rate_limited_per_member_and_circle(
    services: Services, clock: FrozenClock, ada: Neighbour, bob: Neighbour, circle_id: str
) -> None:
    for _ in range(REQUESTS_PER_HOUR):
        with pytest.raises(InvalidInput, match="no such code"):
            admission.request_admission(services, bob.principal, circle_id, "WRONG-GUESS")
    good = _invite(services, ada, circle_id)

    with pytest.raises(TooManyAttempts) as limited:
        admission.request_admission(services, bob.principal, circle_id, good)
    assert 0 < limited.value.retry_after <= 3600
    cleo = Neighbour.register(services, "Cleo")  # the control: another member is not limited
    with pytest.raises(InvalidInput):
        admission.request_admission(services, cleo.principal, circle_id, "WRONG-GUESS")

    clock.advance(timedelta(hours=1))
    assert admission.request_admission(services, bob.principal, circle_id, good).status is (
        RequestStatus.ADMITTED
    )


def test_issuing_codes_is_rate_limited(
    services: Services, clock: FrozenClock, ada: Neighbour, circle_id: str
) -> None:
    for _ in range(CODES_PER_DAY):
        _invite(services, ada, circle_id)
    with pytest.raises(TooManyAttempts):
        _invite(services, ada, circle_id)
    clock.advance(timedelta(days=1))
    assert _invite(services, ada, circle_id)


def test_only_admins_issue_invites_and_letters(
    services: Services, ada: Neighbour, bob: Neighbour, circle_id: str
) -> None:
    admit(services, ada, bob, circle_id)
    for route in (AdmissionRoute.INVITE, AdmissionRoute.LETTER):
        with pytest.raises(PermissionDenied):
            admission.issue_code(services, bob.principal, circle_id, route, address="Javastraat 1")
    with pytest.raises(InvalidInput, match="address"):
        admission.issue_code(services, ada.principal, circle_id, AdmissionRoute.LETTER)


def _business_principal(services: Services, owner: Neighbour, circle_id: str) -> Principal:
    business = businesses.create_business(
        services, owner.principal, circle_id=circle_id, name="Bakkerij Ann", kind="bakery"
    )
    with services.uow() as uow:
        _, secret = auth.issue_token(
            uow, PartyKind.BUSINESS, business.id, "counter", services.clock.now()
        )
        uow.commit()
    return auth.authenticate(services, secret)


def test_a_verified_local_business_hands_out_in_person_codes(
    services: Services, ada: Neighbour, bob: Neighbour, circle_id: str
) -> None:
    ann = Neighbour.register(services, "Ann")
    circles.join_circle(services, ann.principal, circle_id)
    bakery = _business_principal(services, ann, circle_id)
    with pytest.raises(PermissionDenied, match="verified local business"):
        admission.issue_code(services, bakery, circle_id, AdmissionRoute.IN_PERSON)

    admit(services, ada, ann, circle_id)  # the control: once Ann is verified, her shop is
    issued = admission.issue_code(services, bakery, circle_id, AdmissionRoute.IN_PERSON)
    assert issued.code.label == "Bakkerij Ann"
    with pytest.raises(PermissionDenied):
        admission.issue_code(services, bakery, circle_id, AdmissionRoute.INVITE)
    admission.request_admission(services, bob.principal, circle_id, issued.secret)
    found, _ = verification.get_verification(services, bob.principal, circle_id, bob.id)
    assert found.verified_by is VerifiedBy.IN_PERSON


def test_vouching_needs_the_charters_count_of_verified_vouchers(
    services: Services, ada: Neighbour, bob: Neighbour, circle_id: str
) -> None:
    v1, v2 = verified(services, ada, circle_id, 2)
    idle = Neighbour.register(services, "Idle")
    circles.join_circle(services, idle.principal, circle_id)
    request = admission.request_admission(services, bob.principal, circle_id, None)
    assert request.status is RequestStatus.PENDING

    with pytest.raises(PermissionDenied, match="verified"):
        vouching.vouch(services, idle.principal, circle_id, request.id)
    with pytest.raises(PermissionDenied, match="themselves"):
        vouching.vouch(services, bob.principal, circle_id, request.id)
    _, after_one = vouching.vouch(services, v1.principal, circle_id, request.id)
    with pytest.raises(Conflict, match="already"):
        vouching.vouch(services, v1.principal, circle_id, request.id)
    _, after_two = vouching.vouch(services, v2.principal, circle_id, request.id)
    assert (after_one.status, after_two.status) == (RequestStatus.PENDING, RequestStatus.PENDING)

    _, after_three = vouching.vouch(services, ada.principal, circle_id, request.id)

    assert after_three.status is RequestStatus.ADMITTED
    found, vouches = verification.get_verification(services, bob.principal, circle_id, bob.id)
    assert found.verified_by is VerifiedBy.VOUCHING
    assert {v.voucher_id for v in vouches} == {v1.id, v2.id, ada.id}


def test_a_route_the_charter_takes_off_admits_nobody(
    services: Services, clock: FrozenClock, ada: Neighbour, bob: Neighbour, circle_id: str
) -> None:
    code = _invite(services, ada, circle_id)
    proposal = proposals.propose(
        services, ada.principal, circle_id, {"admission_routes": ["letter"]}, "Letters only."
    )
    proposals.vote(services, ada.principal, circle_id, proposal.id, VoteChoice.YES)
    clock.advance(timedelta(days=7))

    with pytest.raises(InvalidInput, match="no longer admits by invite"):
        admission.request_admission(services, bob.principal, circle_id, code)
    with pytest.raises(Conflict, match="does not admit by invite"):
        _invite(services, ada, circle_id)
    with pytest.raises(Conflict, match="vouching"):
        admission.request_admission(services, bob.principal, circle_id, None)
    letter = admission.issue_code(
        services, ada.principal, circle_id, AdmissionRoute.LETTER, address="Javastraat 3"
    )
    assert admission.request_admission(services, bob.principal, circle_id, letter.secret)


def test_a_verification_is_seen_by_its_member_and_admins_only(
    services: Services, ada: Neighbour, bob: Neighbour, circle_id: str
) -> None:
    [cleo] = verified(services, ada, circle_id, 1)
    admit(services, ada, bob, circle_id)

    with pytest.raises(NotFound):
        verification.get_verification(services, cleo.principal, circle_id, bob.id)
    assert verification.get_verification(services, bob.principal, circle_id, bob.id)
    assert verification.get_verification(services, ada.principal, circle_id, bob.id)
    listed = verification.list_verifications(services, cleo.principal, circle_id, None, None, 50)
    assert [v.member_id for v in listed.items] == [cleo.id]
    everyone = verification.list_verifications(services, ada.principal, circle_id, None, None, 50)
    assert {v.member_id for v in everyone.items} == {ada.id, bob.id, cleo.id}
    with pytest.raises(PermissionDenied):
        verification.revoke_verification(services, bob.principal, circle_id, bob.id)


def test_leaving_ends_the_verification(
    services: Services, ada: Neighbour, bob: Neighbour, circle_id: str
) -> None:
    admit(services, ada, bob, circle_id)

    circles.leave_circle(services, bob.principal, circle_id)
    circles.join_circle(services, bob.principal, circle_id)

    with services.uow() as uow:
        assert not verification.is_verified(uow, bob.id, circle_id)
