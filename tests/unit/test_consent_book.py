"""The ``ConsentBook`` on its own: revocation is final, deletion and erasure forget."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from buurt.domain.consent import ConsentGrant, DataCategory, Purpose
from buurt.domain.parties import PartyKind
from buurt.services.consent.decision import ConsentBook, Recipient

T0 = datetime(2026, 11, 23, 12, tzinfo=UTC)
SHOP = Recipient(PartyKind.BUSINESS, "biz_1")


def _grant(**changes: object) -> ConsentGrant:
    grant = ConsentGrant(
        "cns_1",
        "mem_1",
        PartyKind.BUSINESS,
        "biz_1",
        DataCategory.INTENTS,
        Purpose.MATCHING,
        T0,
    )
    return replace(grant, **changes)  # type: ignore[arg-type]


def _allows(book: ConsentBook, at: datetime) -> bool:
    return book.may_use(SHOP, "mem_1", DataCategory.INTENTS, Purpose.MATCHING, at) is not None


def test_a_change_published_after_the_revoke_does_not_revive_the_grant() -> None:
    book = ConsentBook()
    book.put(_grant())
    assert _allows(book, T0 + timedelta(minutes=1))
    revoked = _grant(revoked_at=T0 + timedelta(minutes=2))
    # committed in this order (change, then revoke) but published the other way round
    book.put(revoked)
    book.put(_grant(expires_at=T0 + timedelta(days=9)))
    assert not _allows(book, T0 + timedelta(minutes=3))
    assert _allows(book, T0 + timedelta(minutes=1)), "before the revocation it was live"


def test_put_records_a_grant_and_a_later_snapshot_replaces_it() -> None:
    book = ConsentBook()
    assert not _allows(book, T0 + timedelta(minutes=1))
    book.put(_grant())
    assert _allows(book, T0 + timedelta(minutes=1))
    assert _allows(book, T0 + timedelta(days=400))
    book.put(_grant(expires_at=T0 + timedelta(days=1)))  # the same grant, changed
    assert _allows(book, T0 + timedelta(days=1) - timedelta(seconds=1))
    assert not _allows(book, T0 + timedelta(days=1))


@pytest.mark.parametrize("revoked", [(2, 5), (5, 2)], ids=["earliest-first", "earliest-last"])
def test_the_earliest_revocation_stands(revoked: tuple[int, int]) -> None:
    """Two revocations of one grant (minutes after T0), put in either order."""
    book = ConsentBook()
    for minute in revoked:
        book.put(_grant(revoked_at=T0 + timedelta(minutes=minute)))
    assert _allows(book, T0 + timedelta(minutes=1)), "live until it was revoked"
    assert not _allows(book, T0 + timedelta(minutes=3))
    book.put(_grant())  # a snapshot from before the revocations
    assert _allows(book, T0 + timedelta(minutes=1))
    assert not _allows(book, T0 + timedelta(minutes=3))


def test_deleted_grants_and_erased_members_are_forgotten() -> None:
    book = ConsentBook()
    book.put(_grant())
    book.drop(_grant().id)
    assert not _allows(book, T0 + timedelta(minutes=1))
    book.put(_grant(id="cns_2"))
    assert _allows(book, T0 + timedelta(minutes=1))
    book.forget_member("mem_1")
    assert not _allows(book, T0 + timedelta(minutes=1))
