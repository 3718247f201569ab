"""The relevance gate: deduplication, rate limit and quiet hours, in that order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import numpy.typing as npt
import pytest

from buurt.engine import RelevanceGate

AT = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def arr(*values: int) -> npt.NDArray[np.int64]:
    return np.array(values, dtype=np.int64)


def test_every_pair_passed_in_is_a_candidate_and_nothing_else_counts() -> None:
    # Consent is decided before the gate: a pair left out is as if it never matched.
    gate = RelevanceGate()
    assert gate.admit(1, AT, arr(1, 2, 3), arr(10, 20, 30)).tolist() == [True, True, True]
    assert gate.admit(2, AT, arr(), arr()).tolist() == []
    assert gate.admit(3, AT, arr(1, 3), arr(10, 30)).tolist() == [True, True]
    assert gate.admit(3, AT, arr(2), arr(20)).tolist() == [True]


def test_keys_and_recipients_must_pair_up() -> None:
    with pytest.raises(ValueError, match="same length"):
        RelevanceGate().admit(1, AT, arr(1, 2), arr(1))


def test_what_is_recorded_does_not_change_with_the_callers_arrays() -> None:
    gate = RelevanceGate()
    keys, recipients = arr(1, 2), arr(10, 20)
    assert gate.admit(1, AT, keys, recipients).tolist() == [True, True]
    keys[:], recipients[:] = 5, 50
    assert gate.admit(1, AT, arr(1, 3), arr(30, 20)).tolist() == [False, False]


def test_one_moment_per_key_and_per_recipient_for_a_publication() -> None:
    gate = RelevanceGate()
    # Recipient 10 holds two matching standings: only the first becomes a moment.
    assert gate.admit(7, AT, arr(1, 2, 3), arr(10, 10, 30)).tolist() == [
        True,
        False,
        True,
    ]
    # Seeing the same publication again (a redelivery) yields nothing new...
    assert gate.admit(7, AT, arr(1, 2, 3, 4), arr(10, 10, 30, 40)).tolist() == [
        False, False, False, True,
    ]  # fmt: skip
    # ...while another publication does.
    assert gate.admit(8, AT, arr(1), arr(10)).tolist() == [True]


def test_rate_limit_is_per_recipient_over_a_rolling_hour() -> None:
    gate = RelevanceGate(default_cap=2)
    gate.set_cap(50, 1)
    minute = timedelta(minutes=1)
    got = [gate.admit(p, AT + p * minute, arr(p, 100 + p), arr(10, 50)).tolist() for p in range(4)]
    assert got == [[True, True], [True, False], [False, False], [False, False]]
    # An hour after the first moment, one slot is free again for each of them.
    later = AT + timedelta(hours=1)
    assert gate.admit(99, later, arr(1, 2), arr(10, 50)).tolist() == [True, True]
    assert gate.admit(98, later + minute, arr(1), arr(10)).tolist() == [True]
    assert gate.admit(97, later + 2 * minute, arr(1), arr(10)).tolist() == [False]


def test_a_cap_of_zero_blocks_everything() -> None:
    gate = RelevanceGate()
    gate.set_cap(5, 0)
    assert gate.admit(1, AT, arr(1, 2), arr(5, 6)).tolist() == [False, True]


def test_quiet_hours_use_the_local_hour() -> None:
    gate = RelevanceGate(timezone="Europe/Amsterdam")
    gate.set_quiet_hours(10, range(22, 24))
    late = datetime(2026, 11, 25, 21, 30, tzinfo=UTC)  # 22:30 in Amsterdam
    assert gate.admit(1, late, arr(1, 2), arr(10, 11)).tolist() == [False, True]
    # A quiet-hour refusal does not use up deduplication: the next morning it may pass.
    morning = late + timedelta(hours=10)
    assert gate.admit(1, morning, arr(1), arr(10)).tolist() == [True]
    with pytest.raises(ValueError, match=r"0\.\.23"):
        gate.set_quiet_hours(10, [24])


def test_recipient_ids_must_be_small_non_negative_integers() -> None:
    with pytest.raises(ValueError, match="recipient ids"):
        RelevanceGate().admit(1, AT, arr(1), arr(-1))


def test_a_default_cap_of_zero_blocks_all_but_raised_recipients() -> None:
    gate = RelevanceGate(default_cap=0)
    gate.set_cap(6, 1)
    assert gate.admit(1, AT, arr(1, 2), arr(5, 6)).tolist() == [False, True]


def test_a_key_dropped_for_its_recipient_still_counts_as_seen() -> None:
    gate = RelevanceGate()
    # Key 2's first pair loses to recipient 10's earlier moment; its second pair is still a
    # repeat of key 2 within the publication.
    mask = gate.admit(1, AT, arr(1, 2, 2), arr(10, 10, 30))
    assert mask.tolist() == [True, False, False]
