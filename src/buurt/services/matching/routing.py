"""Consent routing: the one consent decision asked for every pair that would carry a member's
data to someone else, before any relevance rule.

- an event's pair reaches its recipient only under a live grant of the member for
  ``matching`` (``location`` for a member's event, ``thing_data`` for a private thing's);
  otherwise it is dropped;
- a need's pair reaches the offer's owner only under the intent's member's ``intents`` grant;
  otherwise it goes to the member alone, who pulls the offer without its owner learning
  anything.

A pair that carries nobody's data, or only the recipient's own, passes as it is.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from buurt.domain.consent import DataCategory, Purpose
from buurt.domain.parties import PartyKind
from buurt.services.consent.decision import ConsentBook, Recipient
from buurt.services.matching.candidates import Pair


def route(book: ConsentBook, pair: Pair, at: datetime) -> Pair | None:
    """The pair as it may be delivered (with the grant that allows it), or ``None``."""
    kind, ident = pair.recipient
    if pair.subject is None or (kind == "member" and ident == pair.subject):
        return pair
    category = pair.consent or DataCategory.INTENTS
    recipient = Recipient(PartyKind(kind), ident)
    granted = book.may_use(recipient, pair.subject, category, Purpose.MATCHING, at, pair.thing_id)
    if granted is not None:
        return replace(pair, consent=category, grant_id=granted)
    if pair.consent is None:  # a need: without consent the member alone pulls the offer
        return replace(pair, recipient=("member", pair.subject), thing_id=None, grant_id=None)
    return None


def routed(book: ConsentBook, pairs: list[Pair], at: datetime) -> list[Pair]:
    """The pairs that may be delivered, each to whom it may go."""
    kept = [route(book, pair, at) for pair in pairs]
    return [pair for pair in kept if pair is not None]
