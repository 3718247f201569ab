"""The ``ConsentBook`` on its own: revocation is final, deletion and erasure forget."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

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


def test_the_earliest_revocation_stands() -> None:
    book = ConsentBook()
    book.put(_grant(revoked_at=T0 + timedelta(minutes=2)))
    book.put(_grant(revoked_at=T0 + timedelta(minutes=5)))
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
