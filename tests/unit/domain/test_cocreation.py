"""The rules of proposals: the time-decayed trend, and support only while open."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from buurt.domain.cocreation import HALF_LIFE, Proposal, ProposalStatus
from buurt.domain.errors import InvalidTransition
from buurt.domain.parties import PartyKind

T0 = datetime(2026, 5, 1, 9, tzinfo=UTC)


def _proposal() -> Proposal:
    return Proposal(
        "prp_1", "cir_1", PartyKind.MEMBER, "mem_1", "Oat milk", "In returnable bottles",
        "food/dairy", T0, T0,
    )  # fmt: skip


def test_a_support_counts_half_as_much_every_half_life() -> None:
    proposal = _proposal()
    proposal.supported(T0)
    proposal.supported(T0)
    assert proposal.trend_at_instant(T0) == 2.0
    assert proposal.trend_at_instant(T0 + HALF_LIFE) == pytest.approx(1.0)
    assert proposal.trend_at_instant(T0 + 2 * HALF_LIFE) == pytest.approx(0.5)
    assert proposal.support_count == 2


def test_recent_support_outranks_more_support_long_ago() -> None:
    old, new = _proposal(), _proposal()
    for _ in range(3):
        old.supported(T0)
    new.supported(T0 + 3 * HALF_LIFE)
    at = T0 + 3 * HALF_LIFE
    assert old.support_count > new.support_count
    assert new.trend_at_instant(at) > old.trend_at_instant(at)  # 1 against 3/8


def test_withdrawing_takes_off_what_the_support_still_counted() -> None:
    proposal = _proposal()
    proposal.supported(T0)
    proposal.supported(T0 + HALF_LIFE)
    proposal.unsupported(T0, T0 + HALF_LIFE)  # the first one counts 0.5 by then
    assert proposal.trend_at_instant(T0 + HALF_LIFE) == pytest.approx(1.0)
    assert proposal.support_count == 1


def test_support_only_while_open_and_shown() -> None:
    proposal = _proposal()
    proposal.hidden_reason = "advertising"
    with pytest.raises(InvalidTransition):
        proposal.supported(T0)
    proposal.hidden_reason = None
    proposal.supported(T0)  # the control
    proposal.status = ProposalStatus.CAMPAIGN
    with pytest.raises(InvalidTransition):
        proposal.supported(T0)
