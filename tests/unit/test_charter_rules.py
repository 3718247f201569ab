"""The charter's rules without a store: validation of changes and the tally."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from buurt.domain.charter import (
    CharterProposal,
    CharterProposalStatus,
    CharterVersion,
    VoteChoice,
    check_changes,
)
from buurt.domain.errors import InvalidInput

AT = datetime(2026, 3, 2, 9, tzinfo=UTC)
Y, N, A = VoteChoice.YES, VoteChoice.NO, VoteChoice.ABSTAIN


def _proposal(**rules: float) -> CharterProposal:
    charter = CharterVersion("chv_1", "cir_1", 1, AT, **rules)  # type: ignore[arg-type]
    return CharterProposal.open("chp_1", charter, "mem_1", {"k": 5}, "why", AT)


def test_a_proposal_is_open_for_the_charters_voting_days() -> None:
    proposal = _proposal(voting_days=3)
    assert proposal.closes_at == AT + timedelta(days=3)
    assert not proposal.is_due(AT + timedelta(days=3) - timedelta(seconds=1))
    assert proposal.is_due(AT + timedelta(days=3))


@pytest.mark.parametrize(
    ("choices", "electorate", "passed"),
    [
        ([Y, Y, N], 10, True),  # turnout 0.3 meets the quorum of 0.3; 2 of 3 is a majority
        ([Y, N], 10, False),  # turnout 0.2: no quorum
        ([Y, N, A], 10, False),  # abstentions count for the quorum, not the majority: a tie
        ([Y, A, A], 10, True),
        ([A, A, A], 10, False),  # nobody decided
        ([], 0, False),
    ],
)
def test_quorum_counts_every_vote_and_majority_only_yes_and_no(
    choices: list[VoteChoice], electorate: int, passed: bool
) -> None:
    proposal = _proposal()
    assert proposal.close(choices, electorate, AT) is passed
    assert proposal.status is (
        CharterProposalStatus.PASSED if passed else CharterProposalStatus.REJECTED
    )
    assert (proposal.yes, proposal.no, proposal.abstain) == (
        choices.count(Y),
        choices.count(N),
        choices.count(A),
    )


def test_the_majority_is_strictly_more_than_the_share() -> None:
    proposal = _proposal(majority=0.75, quorum=0.1)
    assert proposal.close([Y, Y, Y, N], 4, AT) is False  # exactly 0.75 is not more
    assert _proposal(majority=0.75, quorum=0.1).close([Y, Y, Y, Y, N], 5, AT) is True


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"k": 1},
        {"k": 2.5},
        {"k": True},
        {"quorum": float("nan")},
        {"owner": "me"},
        {"aggregate_kinds": "intents"},
        {"quiet_from_hour": 22},
        {"quiet_from_hour": None, "quiet_until_hour": 7},
    ],
)
def test_invalid_changes_are_refused(changes: dict[str, object]) -> None:
    with pytest.raises(InvalidInput):
        check_changes(changes)


def test_a_successor_applies_changes_and_records_its_proposal() -> None:
    first = CharterVersion("chv_1", "cir_1", 1, AT)
    later = AT + timedelta(days=7)
    second = first.successor("chv_2", {"k": 4, "dp_epsilon": 1}, "chp_1", later)
    assert (second.version, second.k, second.dp_epsilon, second.proposal_id) == (2, 4, 1.0, "chp_1")
    assert second.created_at == later
    assert first.k == 10  # history is never rewritten
