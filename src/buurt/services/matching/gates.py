"""Per circle, the relevance gate and its recipients: their numbers, hourly caps and quiet hours.

A recipient is configured in a circle's gate on its first moment there: a member's cap is
their ``max_moments_per_hour``, a business's ``BUSINESS_CAP``; a member's quiet hours are
their own and the circle charter's (businesses are not held). A member's change of settings,
or a charter change, has the recipients configured again on their next moment.

One moment per recipient and event, but one per (intent, offer): each pair of a need is its
own publication to the gate.

Not thread-safe: the ``Matcher`` holds its lock around every call.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from buurt.domain.activity import Event, Intent, Offer
from buurt.domain.community import Member
from buurt.engine import RelevanceGate
from buurt.ports import UnitOfWork
from buurt.services.charter import proposals
from buurt.services.matching.candidates import Pair
from buurt.services.matching.registry import Registry

BUSINESS_CAP = 100


@dataclass
class CircleGate:
    """One circle's gate and the recipients configured in it."""

    gate: RelevanceGate
    configured: set[int] = field(default_factory=set)


class Gates:
    """Every circle's relevance gate."""

    def __init__(self) -> None:
        self._circles: dict[str, CircleGate] = {}
        self._recipients = Registry()

    def admit(
        self,
        uow: UnitOfWork,
        record: Event | Intent | Offer,
        pairs: list[Pair],
        at: datetime,
        timezone: str,
    ) -> list[Pair]:
        """The pairs (all with consent) the circle's gate admits; they count from now on.
        ``timezone`` is the circle's, for a gate made now."""
        circle = self._circle(record.circle_id, timezone)
        keys = np.array([p.key for p in pairs], dtype=np.int64)
        recipients = np.array(
            [self._recipient(uow, record.circle_id, circle, p.recipient, at) for p in pairs],
            dtype=np.int64,
        )
        if isinstance(record, Event):  # one moment per recipient and event ...
            groups = {record.id: list(range(len(pairs)))}
        else:  # ... but one per offer and intent: each pair is its own publication
            groups = {f"{record.id}/{p.standing.id}": [i] for i, p in enumerate(pairs)}
        admitted: list[Pair] = []
        for publication, rows in groups.items():
            index = np.array(rows, dtype=np.intp)
            mask = circle.gate.admit(publication, at, keys[index], recipients[index])
            admitted += [pairs[i] for i, ok in zip(rows, mask, strict=True) if ok]
        return admitted

    def forget_member(self, member_id: str) -> None:
        """A member changed their cap or quiet hours: configure again on next use."""
        number = self._recipients.key(f"member:{member_id}")
        for circle in self._circles.values():
            circle.configured.discard(number)

    def forget_charter(self, circle_id: str, timezone: str) -> None:
        """A circle's charter changed (perhaps its quiet hours): configure its recipients
        again on next use."""
        self._circle(circle_id, timezone).configured.clear()

    def _circle(self, circle_id: str, timezone: str) -> CircleGate:
        found = self._circles.get(circle_id)
        if found is None:
            found = self._circles[circle_id] = CircleGate(RelevanceGate(timezone))
        return found

    def _recipient(
        self,
        uow: UnitOfWork,
        circle_id: str,
        circle: CircleGate,
        recipient: tuple[str, str],
        at: datetime,
    ) -> int:
        number = self._recipients.key(":".join(recipient))
        if number not in circle.configured:
            kind, ident = recipient
            member = uow.repo(Member).get(ident) if kind == "member" else None
            cap = member.max_moments_per_hour if member else BUSINESS_CAP
            circle.gate.set_cap(number, cap)
            hours: set[int] = set()
            if member is not None:  # quiet hours are for people: the member's and the circle's
                hours |= quiet_hours(member.quiet_from_hour, member.quiet_until_hour)
                rules = proposals.in_force(uow, circle_id, at)
                hours |= quiet_hours(rules.quiet_from_hour, rules.quiet_until_hour)
            circle.gate.set_quiet_hours(number, sorted(hours))
            circle.configured.add(number)
        return number


def quiet_hours(start: int | None, end: int | None) -> set[int]:
    """Hours of the day from ``start`` up to (not including) ``end``, across midnight."""
    if start is None or end is None:
        return set()
    return {(start + i) % 24 for i in range((end - start) % 24)}
