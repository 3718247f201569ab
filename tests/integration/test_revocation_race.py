"""Revocation while checking: once the revoke call has returned, no check answers yes.

A thread asks the ``ConsentBook`` about one grant as fast as it can while the member revokes
the grant through the API. Only checks that started after the revoke call returned count: a
check already in flight when the revoke commits may still see the grant live.
"""

from __future__ import annotations

import threading
import time

from buurt.bootstrap import Buurt
from buurt.domain.consent import DataCategory, Purpose
from buurt.domain.parties import PartyKind
from buurt.services.consent.decision import Recipient, may_use
from tests.actors import World

BOUND_S = 10.0  # a safety bound on the loops, never an assertion


def test_no_check_answers_yes_after_the_revoke_returns(world: World, instance: Buurt) -> None:
    grant = world.bob.created(
        "/v1/consents",
        {
            "recipient_kind": "business",
            "recipient_id": world.bakery["id"],
            "category": "intents",
            "purpose": "matching",
        },
    )
    bakery = Recipient(PartyKind.BUSINESS, world.bakery["id"])
    services = instance.services
    book = instance.consent_book
    returned = threading.Event()
    stop = threading.Event()
    seen = {"yes_before": 0, "after": 0, "yes_after": 0}

    def hammer() -> None:
        while not stop.is_set():
            after = returned.is_set()
            answer = book.may_use(
                bakery, world.bob.id, DataCategory.INTENTS, Purpose.MATCHING, services.clock.now()
            )
            if after:
                seen["after"] += 1
                seen["yes_after"] += answer is not None
            elif answer is not None:
                seen["yes_before"] += 1

    thread = threading.Thread(target=hammer)
    thread.start()
    try:
        deadline = time.monotonic() + BOUND_S
        while seen["yes_before"] < 1000 and time.monotonic() < deadline:
            time.sleep(0.001)
        assert world.bob.delete(f"/v1/consents/{grant['id']}").status_code == 200
        returned.set()
        while seen["after"] < 10_000 and time.monotonic() < deadline:
            time.sleep(0.001)
    finally:
        stop.set()
        thread.join()

    assert seen["yes_before"] >= 1000, "the grant was live while the thread checked it"
    assert seen["after"] >= 10_000
    assert seen["yes_after"] == 0
    with services.uow() as uow:
        stored = may_use(
            uow, bakery, world.bob.id, DataCategory.INTENTS, Purpose.MATCHING, services.clock.now()
        )
    assert stored is None
