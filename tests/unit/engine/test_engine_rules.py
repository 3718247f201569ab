"""The relevance gate: consent, deduplication, rate limit and quiet hours, in that order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import numpy.typing as npt
import pytest

from buurt.engine import RelevanceGate

AT = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def arr(*values: int) -> npt.NDArray[np.int64]:
    return np.array(values, dtype=np.int64)


def everyone(
    keys: npt.NDArray[np.int64], recipients: npt.NDArray[np.int64]
) -> npt.NDArray[np.bool_]:
    return np.ones(keys.shape[0], dtype=np.bool_)


def test_consent_is_always_asked_and_respected() -> None:
    calls: list[tuple[list[int], list[int]]] = []

    def consent(keys: npt.NDArray[np.int64], recipients: npt.NDArray[np.int64]) -> list[bool]:
        calls.append((keys.tolist(), recipients.tolist()))
        return [r != 20 for r in recipients.tolist()]

    gate = RelevanceGate()
    mask = gate.admit(1, AT, arr(1, 2, 3), arr(10, 20, 30), consent)
    assert mask.tolist() == [True, False, True]
    assert gate.admit(2, AT, arr(), arr(), consent).tolist() == []
    assert calls == [([1, 2, 3], [10, 20, 30]), ([], [])]
    # A mask works too, and a refusal is not remembered as a moment.
    assert gate.admit(3, AT, arr(2), arr(20), np.array([False])).tolist() == [False]
    assert gate.admit(3, AT, arr(2), arr(20), np.array([True])).tolist() == [True]


def test_consent_must_answer_every_pair() -> None:
    with pytest.raises(ValueError, match="one bool per"):
        RelevanceGate().admit(1, AT, arr(1, 2), arr(1, 2), np.array([True]))


def test_one_moment_per_key_and_per_recipient_for_a_publication() -> None:
    gate = RelevanceGate()
    # Recipient 10 holds two matching standings: only the first becomes a moment.
    assert gate.admit(7, AT, arr(1, 2, 3), arr(10, 10, 30), everyone).tolist() == [
        True,
        False,
        True,
    ]
    # Seeing the same publication again (a redelivery) yields nothing new...
    assert gate.admit(7, AT, arr(1, 2, 3, 4), arr(10, 10, 30, 40), everyone).tolist() == [
        False, False, False, True,
    ]  # fmt: skip
    # ...while another publication does.
    assert gate.admit(8, AT, arr(1), arr(10), everyone).tolist() == [True]


def test_rate_limit_is_per_recipient_over_a_rolling_hour() -> None:
    gate = RelevanceGate(default_cap=2)
    gate.set_cap(50, 1)
    minute = timedelta(minutes=1)
    got = [
        gate.admit(p, AT + p * minute, arr(p, 100 + p), arr(10, 50), everyone).tolist()
        for p in range(4)
    ]
    assert got == [[True, True], [True, False], [False, False], [False, False]]
    # An hour after the first moment, one slot is free again for each of them.
    later = AT + timedelta(hours=1)
    assert gate.admit(99, later, arr(1, 2), arr(10, 50), everyone).tolist() == [True, True]
    assert gate.admit(98, later + minute, arr(1), arr(10), everyone).tolist() == [True]
    assert gate.admit(97, later + 2 * minute, arr(1), arr(10), everyone).tolist() == [False]


def test_a_cap_of_zero_blocks_everything() -> None:
    gate = RelevanceGate()
    gate.set_cap(5, 0)
    assert gate.admit(1, AT, arr(1, 2), arr(5, 6), everyone).tolist() == [False, True]


def test_quiet_hours_use_the_local_hour() -> None:
    gate = RelevanceGate(timezone="Europe/Amsterdam")
    gate.set_quiet_hours(10, range(22, 24))
    late = datetime(2026, 11, 25, 21, 30, tzinfo=UTC)  # 22:30 in Amsterdam
    assert gate.admit(1, late, arr(1, 2), arr(10, 11), everyone).tolist() == [False, True]
    # A quiet-hour refusal does not use up deduplication: the next morning it may pass.
    morning = late + timedelta(hours=10)
    assert gate.admit(1, morning, arr(1), arr(10), everyone).tolist() == [True]
    with pytest.raises(ValueError, match=r"0\.\.23"):
        gate.set_quiet_hours(10, [24])


def test_recipient_ids_must_be_small_non_negative_integers() -> None:
    with pytest.raises(ValueError, match="recipient ids"):
        RelevanceGate().admit(1, AT, arr(1), arr(-1), everyone)


def test_a_default_cap_of_zero_blocks_all_but_raised_recipients() -> None:
    gate = RelevanceGate(default_cap=0)
    gate.set_cap(6, 1)
    assert gate.admit(1, AT, arr(1, 2), arr(5, 6), everyone).tolist() == [False, True]


def test_a_key_dropped_for_its_recipient_still_counts_as_seen() -> None:
    gate = RelevanceGate()
    # Key 2's first pair loses to recipient 10's earlier moment; its second pair is still a
    # repeat of key 2 within the publication.
    mask = gate.admit(1, AT, arr(1, 2, 2), arr(10, 10, 30), everyone)
    assert mask.tolist() == [True, False, False]
