"""The public fakes of ``buurt.testing``: their API, the frozen clock, and what the memory
store models that the contract suite cannot show on a real database in one thread."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest

import buurt.testing
from buurt.domain.community import Member
from buurt.domain.errors import Conflict
from buurt.ports import Clock, UnitOfWorkFactory
from buurt.testing import FrozenClock, MemoryStore
from tests.records import a_member, add_all

START = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


def test_the_public_api_is_pinned() -> None:
    assert buurt.testing.__all__ == [
        "FrozenClock",
        "MemoryMedia",
        "MemoryStore",
        "MemoryUnitOfWork",
    ]
    assert all(hasattr(buurt.testing, name) for name in buurt.testing.__all__)


def test_the_fakes_are_a_clock_and_a_unit_of_work_factory() -> None:
    clock: Clock = FrozenClock(START)
    factory: UnitOfWorkFactory = MemoryStore()
    with factory() as work:
        assert work.repo(Member).find() == []
    assert clock.now() == START


def test_a_frozen_clock_stands_still_until_set_or_advanced() -> None:
    clock = FrozenClock(datetime(2026, 5, 1, 11, 0, tzinfo=timezone(timedelta(hours=2))))
    assert clock.now() == START
    assert clock.now().tzinfo is UTC
    assert clock.now() == clock.now()

    assert clock.advance(timedelta(minutes=5)) == START + timedelta(minutes=5)
    clock.set(START - timedelta(days=1))
    assert clock.now() == START - timedelta(days=1)

    with pytest.raises(ValueError, match="aware"):
        clock.set(datetime(2026, 5, 1))


def test_a_clash_with_what_another_committed_after_the_flush_is_a_conflict_at_commit() -> None:
    # On PostgreSQL the second insert would wait for the first transaction; the memory store
    # lets both flush and refuses the later commit.
    store = MemoryStore()
    with store() as first, store() as second:
        first.repo(Member).add(a_member(email="anna@example.org"))
        first.flush()
        second.repo(Member).add(a_member(email="anna@example.org"))
        second.flush()
        first.commit()
        with pytest.raises(Conflict, match="unique"):
            second.commit()
    with store() as work:
        assert len(work.repo(Member).find(email="anna@example.org")) == 1


def test_a_change_to_a_record_deleted_meanwhile_is_a_conflict() -> None:
    store = MemoryStore()
    member = a_member()
    add_all(store, member)
    with store() as first, store() as second:
        loaded = first.repo(Member).get(member.id)
        gone = second.repo(Member).get(member.id)
        assert loaded is not None
        assert gone is not None
        second.repo(Member).delete(gone)
        second.commit()
        loaded.name = "Too late"
        with pytest.raises(Conflict, match="no longer exists"):
            first.commit()


def test_a_naive_datetime_is_not_stored() -> None:
    store = MemoryStore()
    member = a_member()
    member.created_at = datetime(2026, 5, 1)
    with store() as work:
        work.repo(Member).add(member)
        with pytest.raises(ValueError, match="naive"):
            work.commit()


def test_deleting_what_was_never_stored_is_an_error() -> None:
    store = MemoryStore()
    with store() as work:
        with pytest.raises(ValueError, match="not stored"):
            work.repo(Member).delete(a_member())
        added = a_member()
        work.repo(Member).add(added)
        with pytest.raises(ValueError, match="not stored"):
            work.repo(Member).delete(added)


def test_units_of_work_in_many_threads_lose_nothing() -> None:
    store = MemoryStore()
    members = [a_member() for _ in range(200)]

    def add(batch: list[Member]) -> None:
        for member in batch:
            add_all(store, member)

    threads = [threading.Thread(target=add, args=(members[i::4],)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    with store() as work:
        assert len(work.repo(Member).find()) == 200
