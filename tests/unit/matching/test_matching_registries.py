"""The matcher holds what its posted records need, and nothing more: a withdrawn standing
takes its key, its record and its counts with it."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import h3

from buurt.domain.activity import (
    Intent,
    IntentStatus,
    Offer,
    OfferStatus,
    SourceKind,
    Subscription,
)
from buurt.domain.places import Area, Place
from buurt.services.consent.decision import ConsentBook
from buurt.services.matching.indexes import Indexes
from buurt.services.matching.matcher import Matcher
from buurt.services.matching.registry import Keys

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
HERE = Place(52.362, 4.938)


def _areas(n: int) -> list[Area]:
    """Mostly single cells (cheap to post), some circles, around ``HERE``."""
    rng = random.Random(7)
    spots = [(HERE.lat + rng.uniform(-0.01, 0.01), HERE.lon + rng.uniform(-0.01, 0.01))
             for _ in range(n)]  # fmt: skip
    cells = [Area(cells=frozenset({h3.latlng_to_cell(lat, lon, 8)})) for lat, lon in spots]
    return cells + [Area(center=Place(lat, lon), radius_m=300.0) for lat, lon in spots[:20]]


def _records(n: int) -> list[Subscription | Offer | Intent]:
    areas = _areas(400)
    records: list[Subscription | Offer | Intent] = []
    for i in range(n):
        circle, area = f"cir_{i % 2}", areas[i % len(areas)]
        if i % 3 == 0:
            records.append(Subscription(f"sub_{i}", circle, SourceKind.MEMBER, f"mem_{i % 997}",
                                        "Solar", ["energy", "mobility/parking"], area, T0,
                                        ["power_w > 2000"]))  # fmt: skip
        elif i % 3 == 1:
            category = ("food/bread", "food/cheese", "tools")[i % 7 % 3]
            records.append(Offer(f"off_{i}", circle, SourceKind.BUSINESS, f"biz_{i % 101}",
                                 category, "Loaf", area, T0, price=3.0))  # fmt: skip
        else:
            records.append(Intent(f"int_{i}", circle, f"mem_{i % 997}", "food/bread/rye", area,
                                  T0, max_price=5.0))  # fmt: skip
    return records


def _closed(record: Subscription | Offer | Intent) -> tuple[str, Any]:
    """How a record leaves: subscriptions are deleted, offers and intents mostly change
    status (still stored, no longer posted), a few are deleted."""
    few = int(record.id.split("_")[1]) % 4 == 0
    if isinstance(record, Offer) and not few:
        return "offer.changed", replace(record, status=OfferStatus.WITHDRAWN)
    if isinstance(record, Intent) and not few:
        return "intent.changed", replace(record, status=IntentStatus.FULFILLED)
    return f"{type(record).__name__.lower()}.deleted", record


def test_creating_and_removing_100_000_standings_leaves_the_matcher_as_it_was() -> None:
    matcher = Matcher(ConsentBook())
    baseline = matcher.sizes()
    records = _records(100_000)
    for record in records:
        matcher.listen(f"{type(record).__name__.lower()}.created", record)
    held = matcher.sizes()
    # The control: while the standings exist, they are all held, with their counts.
    assert held["records"] == held["keys"] == held["posted"] == 100_000
    assert held["owners"] == 2 * (997 + 101)  # per circle: every member and business
    assert held["categories"] == 2 * 4
    for record in records[:3000]:  # a change keeps a standing posted, under the same key
        matcher.listen(f"{type(record).__name__.lower()}.changed", record)
    assert matcher.sizes() == held
    for record in records:
        matcher.listen(*_closed(record))
    assert matcher.sizes() == baseline


def test_a_standing_keeps_its_key_while_posted_and_a_key_is_never_handed_out_twice() -> None:
    indexes = Indexes()
    offer = _records(2)[1]
    assert isinstance(offer, Offer)
    intent = Intent("int_x", offer.circle_id, "mem_x", offer.category, offer.area, T0)
    indexes.change(offer, deleted=False)
    ((first, _),) = indexes.answers_for(intent, T0)
    indexes.change(offer, deleted=False)  # changed, still active
    assert [key for key, _ in indexes.answers_for(intent, T0)] == [first]
    indexes.change(offer, deleted=True)
    assert indexes.answers_for(intent, T0) == []
    assert indexes.sizes()["keys"] == 0
    indexes.change(offer, deleted=False)  # the same id posted again gets a new key
    ((again, _),) = indexes.answers_for(intent, T0)
    assert again != first

    keys = Keys()
    seen = set()
    for i in range(1000):
        number = keys.key(f"sub_{i % 10}")
        assert keys.key(f"sub_{i % 10}") == number
        assert number not in seen
        seen.add(number)
        keys.release(f"sub_{i % 10}")
    assert len(keys) == 0
