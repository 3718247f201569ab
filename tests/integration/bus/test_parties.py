"""The moments' per-party subjects on a real nats-server: a stream in another process gets
the moments of the parties it follows, each once, and nothing of anyone else's."""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from buurt.adapters.bus.nats import NatsBus
from buurt.adapters.bus.parties import PartyFeed, moment_subjects, party_subject
from buurt.domain.events import DomainEvent, MomentChanged, MomentCreated
from buurt.domain.moments import Moment, MomentStatus, PublicationKind, StandingKind
from buurt.domain.parties import PartyKind
from tests.jetstream import NatsServer, delete_stream

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
WAIT_S = 10  # a bound that keeps a broken build from hanging, never a timing assertion
_streams = itertools.count()


def _moment(recipient: str, subject: str | None = None) -> Moment:
    return Moment(
        f"mom_{uuid.uuid4().hex}", "cir_1", PartyKind.BUSINESS, recipient, PublicationKind.INTENT,
        "int_1", StandingKind.OFFER, "ofr_1", "a reason", MomentStatus.DELIVERED, NOW, NOW,
        subject_member_id=subject,
    )  # fmt: skip


@pytest.fixture
def buses(nats_server: NatsServer) -> Iterator[tuple[NatsBus, NatsBus]]:
    """A process that publishes (its relay announces moments) and one whose streams listen."""
    number = next(_streams)
    stream, prefix = f"PARTIES_{number}_{uuid.uuid4().hex[:6]}", f"parties{number}.events"
    publisher = NatsBus(nats_server.url, stream=stream, prefix=prefix, fan_out=moment_subjects)
    listener = NatsBus(nats_server.url, stream=stream, prefix=prefix)
    publisher.start()
    listener.start()
    try:
        yield publisher, listener
    finally:
        listener.close()
        publisher.close()
        delete_stream(nats_server, stream)


def everything(event: DomainEvent) -> bool:
    return True


async def _next(queue: asyncio.Queue[Any]) -> Moment:
    item = await asyncio.wait_for(queue.get(), WAIT_S)
    assert isinstance(item, MomentCreated | MomentChanged)
    return item.moment


def test_a_stream_gets_its_parties_moments_once_and_no_one_elses(
    buses: tuple[NatsBus, NatsBus],
) -> None:
    publisher, listener = buses
    feed = PartyFeed(listener)
    shop, member, stranger = (f"{kind}_{uuid.uuid4().hex[:8]}" for kind in ("biz", "mem", "mem"))

    async def scenario() -> None:
        async with (
            feed.follow([("business", shop)], everything) as of_shop,
            feed.follow([("member", member)], everything) as of_member,
            feed.follow([("business", shop), ("member", member)], everything) as of_both,
            feed.follow([("member", stranger)], everything) as of_stranger,
        ):
            assert feed.subjects == 3  # one subscription per subject, however many streams
            first = _moment(shop, subject=member)  # the shop's moment, of the member's need
            await asyncio.to_thread(publisher.publish, MomentCreated(first))
            assert (await _next(of_shop)).id == first.id
            assert (await _next(of_member)).id == first.id
            assert (await _next(of_both)).id == first.id  # on two subjects, passed on once

            # A relay that publishes a batch again sends the same message id: passed on once.
            again = MomentChanged(_moment(shop))
            await asyncio.to_thread(publisher.publish_identified, [("m-1", again)])
            await asyncio.to_thread(publisher.publish_identified, [("m-1", again)])
            assert (await _next(of_shop)).id == again.moment.id

            # The control: the stranger's stream hears its own moment, and only that, after
            # everything above; by then anything else owed to the others would be there too.
            control = _moment("biz_other", subject=stranger)
            await asyncio.to_thread(publisher.publish, MomentCreated(control))
            assert (await _next(of_stranger)).id == control.id
            assert of_stranger.empty()
            assert of_shop.empty()
            assert (await _next(of_both)).id == again.moment.id
            assert of_both.empty()

    asyncio.run(scenario())
    deadline = time.monotonic() + WAIT_S
    while feed.subjects and time.monotonic() < deadline:  # dropped with the last stream
        time.sleep(0.02)
    assert feed.subjects == 0


def test_only_moments_are_announced_on_their_parties_subjects() -> None:
    moment = _moment("biz_1", subject="mem_1")
    assert moment_subjects(MomentCreated(moment)) == [
        party_subject("business", "biz_1"),
        party_subject("member", "mem_1"),
    ]
    assert party_subject("member", "mem.1 *") == "buurt.moments.member.mem-1--"
