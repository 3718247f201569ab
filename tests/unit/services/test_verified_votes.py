"""One person, one vote: only verified neighbours vote on the charter, and the electorate is
theirs, so throwaway accounts and a household's second account change no outcome."""

from __future__ import annotations

from datetime import timedelta

import pytest

from buurt.domain.admission import AdmissionRoute
from buurt.domain.charter import CharterProposalStatus, VoteChoice
from buurt.domain.errors import Conflict, InvalidInput, PermissionDenied
from buurt.services.charter import proposals
from buurt.services.community import admission, circles, verification
from buurt.services.context import Services
from buurt.testing import FrozenClock
from tests.unit.services.conftest import Neighbour

HOME = "Javastraat 12-2, 1094 HC Amsterdam"


def admit(services: Services, admin: Neighbour, who: Neighbour, circle_id: str) -> None:
    issued = admission.issue_code(services, admin.principal, circle_id, AdmissionRoute.INVITE)
    admission.request_admission(services, who.principal, circle_id, issued.secret)


def verified(services: Services, admin: Neighbour, circle_id: str, n: int) -> list[Neighbour]:
    people = [Neighbour.register(services, f"verified{i}") for i in range(n)]
    for person in people:
        admit(services, admin, person, circle_id)
    return people


def _close(services: Services, clock: FrozenClock, circle_id: str, proposal_id: str) -> None:
    clock.advance(timedelta(days=7))
    proposals.close_due_proposals(services, clock.now(), circle_id=circle_id)


def test_an_unverified_member_may_read_but_not_propose_or_vote(
    services: Services, ada: Neighbour, bob: Neighbour, circle_id: str
) -> None:
    circles.join_circle(services, bob.principal, circle_id)
    proposal = proposals.propose(services, ada.principal, circle_id, {"k": 5}, "Small street.")

    assert proposals.current(services, bob.principal, circle_id).k == 10  # reads
    with pytest.raises(PermissionDenied, match="verified neighbours"):
        proposals.vote(services, bob.principal, circle_id, proposal.id, VoteChoice.YES)
    with pytest.raises(PermissionDenied, match="verified neighbours"):
        proposals.propose(services, bob.principal, circle_id, {"k": 4}, "Smaller still.")

    admit(services, ada, bob, circle_id)  # the positive control: verified, Bob votes
    cast = proposals.vote(services, bob.principal, circle_id, proposal.id, VoteChoice.YES)
    assert cast.member_id == bob.id


def test_two_hundred_unverified_accounts_cannot_change_a_charter_vote(
    services: Services, clock: FrozenClock, ada: Neighbour, circle_id: str
) -> None:
    """Four verified neighbours and Ada; two vote no, one yes: rejected. Two hundred accounts
    that joined to vote yes are refused, and are not in the electorate either."""
    four = verified(services, ada, circle_id, 4)
    crowd = [Neighbour.register(services, f"throwaway{i}") for i in range(200)]
    for account in crowd:
        circles.join_circle(services, account.principal, circle_id)
    proposal = proposals.propose(services, ada.principal, circle_id, {"k": 2}, "Lower k.")
    for voter, choice in [(four[0], "no"), (four[1], "no"), (ada, "yes")]:
        proposals.vote(services, voter.principal, circle_id, proposal.id, VoteChoice(choice))

    refused = 0
    for account in crowd:
        with pytest.raises(PermissionDenied):
            proposals.vote(services, account.principal, circle_id, proposal.id, VoteChoice.YES)
        refused += 1
    _close(services, clock, circle_id, proposal.id)

    closed = proposals.get_proposal(services, ada.principal, circle_id, proposal.id)
    assert refused == 200
    assert closed.status is CharterProposalStatus.REJECTED
    assert (closed.yes, closed.no, closed.electorate) == (1, 2, 5)
    assert proposals.current(services, ada.principal, circle_id).k == 10


def test_joined_accounts_do_not_keep_a_vote_from_its_quorum(
    services: Services, clock: FrozenClock, ada: Neighbour, circle_id: str
) -> None:
    """Two yes of five verified pass a quorum of 0.3; had the 200 joined accounts been in the
    electorate, the same two votes would have missed it."""
    four = verified(services, ada, circle_id, 4)
    for i in range(200):
        circles.join_circle(services, Neighbour.register(services, f"idle{i}").principal, circle_id)
    proposal = proposals.propose(services, ada.principal, circle_id, {"k": 5}, "Small street.")
    for voter in (ada, four[0]):
        proposals.vote(services, voter.principal, circle_id, proposal.id, VoteChoice.YES)

    _close(services, clock, circle_id, proposal.id)

    closed = proposals.get_proposal(services, ada.principal, circle_id, proposal.id)
    assert (closed.status, closed.electorate) == (CharterProposalStatus.PASSED, 5)
    assert closed.quorum * 205 > 2  # the control: by members, the quorum was not met
    assert proposals.current(services, ada.principal, circle_id).k == 5


def test_a_second_account_at_an_address_gets_no_second_letter_and_no_second_vote(
    services: Services, ada: Neighbour, bob: Neighbour, circle_id: str
) -> None:
    letter = admission.issue_code(
        services, ada.principal, circle_id, AdmissionRoute.LETTER, address=HOME
    )
    admission.request_admission(services, bob.principal, circle_id, letter.secret)
    bob2 = Neighbour.register(services, "bob-again")

    # The same letter again, by the second account: used.
    with pytest.raises(InvalidInput, match="used already"):
        admission.request_admission(services, bob2.principal, circle_id, letter.secret)
    # A new letter to the same household, however the address is written: refused.
    with pytest.raises(Conflict, match="verified neighbour already"):
        admission.issue_code(
            services,
            ada.principal,
            circle_id,
            AdmissionRoute.LETTER,
            address="javastraat 12 2 1094hc amsterdam".replace("1094hc", "1094 hc"),
        )
    proposal = proposals.propose(services, bob.principal, circle_id, {"k": 5}, "Small street.")
    with pytest.raises(PermissionDenied):
        proposals.vote(services, bob2.principal, circle_id, proposal.id, VoteChoice.YES)

    # The control: a letter to another address is issued and admits its reader.
    other = admission.issue_code(
        services, ada.principal, circle_id, AdmissionRoute.LETTER, address="Javastraat 14"
    )
    admission.request_admission(services, bob2.principal, circle_id, other.secret)
    assert proposals.vote(services, bob2.principal, circle_id, proposal.id, VoteChoice.YES)


def test_a_vote_counts_only_while_its_voter_is_verified(
    services: Services, clock: FrozenClock, ada: Neighbour, circle_id: str
) -> None:
    [ann, bob] = verified(services, ada, circle_id, 2)
    proposal = proposals.propose(services, ada.principal, circle_id, {"k": 5}, "Small street.")
    proposals.vote(services, ann.principal, circle_id, proposal.id, VoteChoice.YES)
    proposals.vote(services, bob.principal, circle_id, proposal.id, VoteChoice.NO)

    verification.revoke_verification(services, ada.principal, circle_id, bob.id)
    _close(services, clock, circle_id, proposal.id)

    closed = proposals.get_proposal(services, ada.principal, circle_id, proposal.id)
    assert (closed.yes, closed.no, closed.electorate) == (1, 0, 2)
    assert closed.status is CharterProposalStatus.PASSED
