"""Candidates: a publication's routed pairs handed to the engine worker that owns their
recipient, so that one relevance gate counts each recipient's moments.

In a split circle (``BUURT_SPLIT_CIRCLES``) a publication's shard is its circle and H3 cell,
so one member's moments may be matched by several workers. The worker that matches such a
publication stops after the consent step (``Matcher.routed_pairs``) and hands the pairs on,
one ``Candidate`` per publication and recipient: the publication as the gate knows it (an
event; or one (need, answer) pair) and the recipient's pairs in the order they were found.
The worker that owns the recipient applies the gate and writes the moments
(``Matcher.admit_routed``).

An update of a followed proposal in a split circle is handed on the same way (ADR 0017): the
worker that owns the circle's shard reads the followers (``Matcher.follower_pairs``) and sends
one candidate per follower, the update being the candidate's publication.

A candidate's ``ident`` is its delivery key (``moments.delivery_key``): the same however often
the publication is matched, so a candidate sent again is stored once by JetStream within its
duplicate window, and, beyond that window, finds its moment's key stored and writes nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from buurt.domain.activity import Event, Intent, Offer
from buurt.domain.following import Update
from buurt.domain.serialization import decode, encode
from buurt.services.matching.candidates import Pair
from buurt.services.matching.moments import delivery_key

VERSION = 1


@dataclass(frozen=True)
class Candidate:
    """One recipient's pairs of one publication, for the worker that owns the recipient."""

    record: Event | Intent | Offer | Update
    pairs: list[Pair]

    @property
    def recipient(self) -> tuple[str, str]:
        return self.pairs[0].recipient

    @property
    def ident(self) -> str:
        """The delivery key of its moment: its ``Nats-Msg-Id``."""
        return delivery_key(self.record, self.pairs[0])


def candidates(record: Event | Intent | Offer | Update, pairs: list[Pair]) -> list[Candidate]:
    """The routed pairs as candidates: for an event, one per recipient (the gate gives a
    recipient one moment per event); for a need or an update, one per pair (each is its own
    publication)."""
    if not isinstance(record, Event):
        return [Candidate(record, [pair]) for pair in pairs]
    by_recipient: dict[tuple[str, str], list[Pair]] = {}
    for pair in pairs:
        by_recipient.setdefault(pair.recipient, []).append(pair)
    return [Candidate(record, found) for found in by_recipient.values()]


def to_bytes(candidate: Candidate) -> bytes:
    body = {"version": VERSION, "data": encode(candidate)}
    return json.dumps(body, separators=(",", ":")).encode()


def from_bytes(data: bytes) -> Candidate:
    """The candidate ``to_bytes`` wrote; ``ValueError`` for anything else."""
    body = json.loads(data)
    if not isinstance(body, dict) or body.get("version") != VERSION:
        raise ValueError("not a candidate of this version")
    try:
        return decode(Candidate, body["data"])
    except (KeyError, TypeError) as error:
        raise ValueError(f"not a candidate: {error!r}") from error
