"""A process that cannot command things (an engine worker) leaves an automated moment to one
that can before it reads anything for it: it hears every moment it makes."""

from __future__ import annotations

from dataclasses import replace

from buurt.domain.events import MomentCreated
from buurt.domain.moments import StandingKind
from buurt.domain.parties import PartyKind
from buurt.ports.things import NoThingLink
from buurt.services.sharing import automations
from buurt.testing import FrozenClock
from tests.unit.services.test_moment_webhooks import NOW, CountingStore, _moment


def _subscription_moment() -> MomentCreated:
    moment = replace(
        _moment("mem_1"),
        recipient_kind=PartyKind.MEMBER,
        standing_kind=StandingKind.SUBSCRIPTION,
        standing_id="sub_1",
    )
    return MomentCreated(moment)


def test_a_process_without_a_link_reads_nothing_where_moments_are_claimed() -> None:
    store = CountingStore()
    automations.fire(store, FrozenClock(NOW), NoThingLink(), _subscription_moment(), claim=bool)
    assert store.opened == 0


def test_without_claims_the_automation_is_looked_up() -> None:
    """The control: the embedded default (no claims) reads the moment's automation."""
    store = CountingStore()
    automations.fire(store, FrozenClock(NOW), NoThingLink(), _subscription_moment())
    assert store.opened == 1
