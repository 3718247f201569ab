"""The relevance gate picks up what an earlier process admitted: ``restore`` counts pairs as
admitted without applying the rules again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import numpy.typing as npt
import pytest

from buurt.engine import RelevanceGate

AT = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def arr(*values: int) -> npt.NDArray[np.int64]:
    return np.array(values, dtype=np.int64)


def test_restored_admissions_count_toward_the_cap_for_their_hour() -> None:
    gate = RelevanceGate()
    gate.set_cap(7, 3)
    times = [AT + timedelta(minutes=minute) for minute in range(3)]
    gate.restore(["evt0", "evt1", "evt2"], times, [0, 1, 2], [7, 7, 7])
    later = AT + timedelta(minutes=30)
    assert gate.admit("new", later, arr(9), arr(7)).tolist() == [False]  # the cap is used up
    # The control: another recipient, with nothing restored, is admitted.
    assert gate.admit("new", later, arr(9), arr(8)).tolist() == [True]
    # An hour after the first restored admission its slot is free again, and only that one.
    hour_on = AT + timedelta(hours=1)
    assert gate.admit("next", hour_on, arr(9), arr(7)).tolist() == [True]
    assert gate.admit("after", hour_on, arr(9), arr(7)).tolist() == [False]


def test_without_restoring_a_fresh_gate_gives_a_full_cap() -> None:
    # The control for the test above: it is ``restore`` that holds the recipient back.
    gate = RelevanceGate()
    gate.set_cap(7, 3)
    later = AT + timedelta(minutes=30)
    assert gate.admit("new", later, arr(9), arr(7)).tolist() == [True]


def test_restored_pairs_are_not_admitted_again_for_their_publication() -> None:
    gate = RelevanceGate()
    gate.restore(["evt", "evt"], [AT, AT], [1, 2], [10, 20])
    later = AT + timedelta(minutes=5)
    # The same publication again (a replay): its pairs are taken, a new recipient is not.
    assert gate.admit("evt", later, arr(1, 2, 3), arr(10, 20, 30)).tolist() == [
        False,
        False,
        True,
    ]
    assert gate.admit("other", later, arr(1, 2), arr(10, 20)).tolist() == [True, True]


def test_a_restored_admission_beyond_a_lowered_cap_still_counts() -> None:
    # The moments exist: restoring counts them all, whatever the cap is now.
    gate = RelevanceGate()
    gate.set_cap(7, 2)
    gate.restore(["evt"] * 3, [AT] * 3, [1, 2, 3], [7, 7, 7])
    assert gate.admit("new", AT + timedelta(minutes=1), arr(9), arr(7)).tolist() == [False]


def test_a_cap_of_zero_stays_closed_after_restoring() -> None:
    gate = RelevanceGate()
    gate.set_cap(7, 0)
    gate.restore(["evt"], [AT], [1], [7])
    assert gate.admit("new", AT + timedelta(hours=2), arr(9), arr(7)).tolist() == [False]


def test_restore_checks_its_arguments() -> None:
    gate = RelevanceGate()
    with pytest.raises(ValueError, match="one length"):
        gate.restore(["evt"], [AT], [1, 2], [1])
    with pytest.raises(ValueError, match="recipient ids"):
        gate.restore(["evt"], [AT], [1], [-1])


def test_a_new_cap_still_counts_the_moments_of_the_last_hour() -> None:
    # A member changing their settings (or a charter change) configures them again: no fresh
    # hour comes with it.
    gate = RelevanceGate()
    gate.set_cap(7, 3)
    minute = timedelta(minutes=1)
    assert [gate.admit(p, AT + p * minute, arr(p), arr(7))[0] for p in range(4)] == [
        True,
        True,
        True,
        False,
    ]
    gate.set_cap(7, 3)  # the same cap again
    assert gate.admit("same", AT + 5 * minute, arr(9), arr(7)).tolist() == [False]
    gate.set_cap(7, 5)  # raised: two more
    got = [gate.admit(f"up{p}", AT + (6 + p) * minute, arr(9), arr(7))[0] for p in range(3)]
    assert got == [True, True, False]
    gate.set_cap(7, 0)  # closed, then opened again: the hour's moments are still there
    gate.set_cap(7, 2)
    assert gate.admit("down", AT + 10 * minute, arr(9), arr(7)).tolist() == [False]
    # The control: an hour after the first moments, slots come free again.
    assert gate.admit("later", AT + timedelta(hours=1, minutes=7), arr(9), arr(7)).tolist() == [
        True
    ]
