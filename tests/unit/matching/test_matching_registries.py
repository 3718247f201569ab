"""The matcher holds what its posted records and recent recipients need, and nothing more:
a withdrawn standing takes its key, its record and its counts with it, and a recipient's
number in a circle's gate is freed, and reused, once the gate can no longer hold anything
of it."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import h3
import numpy as np
import pytest

from buurt.domain.activity import Event, Intent, IntentStatus, Offer, OfferStatus, Subscription
from buurt.domain.parties import PartyKind
from buurt.domain.places import Area, Place
from buurt.engine import RelevanceGate
from buurt.services.consent.decision import ConsentBook
from buurt.services.matching.candidates import Pair
from buurt.services.matching.gates import Gates
from buurt.services.matching.indexes import Indexes
from buurt.services.matching.matcher import Matcher
from buurt.services.matching.registry import Keys, RecipientNumbers

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
HERE = Place(52.362, 4.938)
DAY = timedelta(days=1)


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
            records.append(Subscription(f"sub_{i}", circle, PartyKind.MEMBER, f"mem_{i % 997}",
                                        "Solar", ["energy", "mobility/parking"], area, T0,
                                        ["power_w > 2000"]))  # fmt: skip
        elif i % 3 == 1:
            category = ("food/bread", "food/cheese", "tools")[i % 7 % 3]
            records.append(Offer(f"off_{i}", circle, PartyKind.BUSINESS, f"biz_{i % 101}",
                                 category, "Loaf", area, T0, price=3.0))  # fmt: skip
        else:
            records.append(Intent(f"int_{i}", circle, f"mem_{i % 997}", "food/bread/rye", area,
                                  T0, max_price=5.0))  # fmt: skip
    return records


def _close(matcher: Matcher, record: Subscription | Offer | Intent) -> None:
    """How a record leaves: subscriptions are deleted, offers and intents mostly change
    status (still stored, no longer posted), a few are deleted."""
    few = int(record.id.split("_")[1]) % 4 == 0
    if isinstance(record, Offer) and not few:
        matcher.standing_saved(replace(record, status=OfferStatus.WITHDRAWN))
    elif isinstance(record, Intent) and not few:
        matcher.standing_saved(replace(record, status=IntentStatus.FULFILLED))
    else:
        matcher.standing_removed(record)


def test_creating_and_removing_100_000_standings_leaves_the_matcher_as_it_was() -> None:
    matcher = Matcher(ConsentBook())
    baseline = matcher.sizes()
    records = _records(100_000)
    for record in records:
        matcher.standing_saved(record)
    held = matcher.sizes()
    # The control: while the standings exist, they are all held, with their counts.
    assert held["records"] == held["keys"] == held["posted"] == 100_000
    assert held["owners"] == 2 * (997 + 101)  # per circle: every member and business
    assert held["categories"] == 2 * 4
    for record in records[:3000]:  # a change keeps a standing posted, under the same key
        matcher.standing_saved(record)
    assert matcher.sizes() == held
    for record in records:
        _close(matcher, record)
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


STANDING = Subscription("sub_any", "cir_0", PartyKind.BUSINESS, "biz_any", "Any", ["energy"],
                        Area(center=HERE, radius_m=300.0), T0)  # fmt: skip


def _pairs(names: list[str], first_key: int) -> list[Pair]:
    return [
        Pair("subscription", STANDING, first_key + i, ("business", name), None, "why", None)
        for i, name in enumerate(names)
    ]


def _event(ident: str) -> Event:
    return Event(ident, "cir_0", PartyKind.BUSINESS, "biz_src", "energy", HERE, T0, T0)


class _NoStore:
    """Businesses' settings come from no store: configuring them reads nothing."""

    def repo(self, kind: type) -> Any:
        raise AssertionError(f"no store read expected, got {kind.__name__}")


def test_recipient_numbers_are_freed_after_the_gate_forgets_and_reused() -> None:
    indexes = Indexes()
    owner = Subscription("sub_own", "cir_0", PartyKind.BUSINESS, "keeper", "Own", ["energy"],
                         Area(center=HERE, radius_m=300.0), T0)  # fmt: skip
    indexes.change(owner, deleted=False)
    gates = Gates(indexes)
    store: Any = _NoStore()
    # Day 0: 100,000 businesses each get a moment, 500 per event; one of them owns a standing.
    names = ["keeper", *(f"biz_{i}" for i in range(1, 100_000))]
    for e in range(200):
        chunk = names[e * 500 : (e + 1) * 500]
        admitted = gates.admit(store, _event(f"evt_{e}"), _pairs(chunk, e * 500), T0)
        assert len(admitted) == len(chunk)
    day0 = gates.sizes()
    assert day0["recipients"] == day0["recipient_capacity"] == day0["configured"] == 100_000
    # Within the hold (the gate's dedup window, a day) no number is freed: a newcomer grows.
    gates.admit(store, _event("evt_late"), _pairs(["late"], 10**6), T0 + DAY - timedelta(hours=1))
    assert gates.sizes()["recipient_capacity"] == 100_001
    # Day 2: as many other businesses; the first of them frees day 0's numbers, the rest reuse.
    others = [f"other_{i}" for i in range(100_000)]
    for e in range(200):
        chunk = others[e * 500 : (e + 1) * 500]
        gates.admit(store, _event(f"evt2_{e}"), _pairs(chunk, 10**7 + e * 500), T0 + 2 * DAY)
    day2 = gates.sizes()
    assert day2["recipient_capacity"] == 100_001  # no new slots in the gate's arrays
    assert day2["recipients"] == 100_000 + 1  # today's and the owner's (the late one went too)
    # Day 4: one more; only the owner of a standing keeps its number.
    gates.admit(store, _event("evt4"), _pairs(["last"], 10**8), T0 + 4 * DAY)
    assert gates.sizes() == {**day2, "recipients": 2, "configured": 2}


def test_a_reused_number_is_not_mistaken_for_its_previous_recipient() -> None:
    window = timedelta(hours=2)
    gate = RelevanceGate(dedup_window=window)
    numbers = RecipientNumbers(window, owned=lambda name: False)
    first, _ = numbers.number("business:ann", T0)
    gate.set_cap(first, 1)
    assert gate.admit("evt_1", T0, np.array([1]), np.array([first])).tolist() == [True]
    # Before the hold runs out a newcomer gets another number: 'evt_1' is remembered for
    # ``first``, and ann's cap is used up.
    soon = T0 + window - timedelta(minutes=1)
    other, freed = numbers.number("business:bob", soon)
    assert (other, freed) == (first + 1, [])
    numbers.number("business:bob", T0 + window)  # bob stays in use
    # After it, ann's number goes to cid, configured afresh, and 'evt_1' reaches cid.
    later = T0 + window + timedelta(microseconds=1)
    reused, freed = numbers.number("business:cid", later)
    assert (reused, freed) == (first, [first])
    assert numbers.find("business:ann") is None
    gate.set_cap(reused, 1)
    assert gate.admit("evt_1", later, np.array([2]), np.array([reused])).tolist() == [True]


@pytest.mark.parametrize("owned", [True, False])
def test_an_owner_keeps_its_number(owned: bool) -> None:
    numbers = RecipientNumbers(DAY, owned=lambda name: owned and name == "business:ann")
    ann, _ = numbers.number("business:ann", T0)
    numbers.number("business:bob", T0 + 2 * DAY)
    assert (numbers.find("business:ann") == ann) is owned
    assert len(numbers) == (2 if owned else 1)
