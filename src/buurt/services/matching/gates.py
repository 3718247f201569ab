"""Per circle, the relevance gate and its recipients: their numbers, hourly caps and quiet hours.

A recipient is configured in a circle's gate on its first moment there: a member's cap is
their ``max_moments_per_hour``, a business's ``BUSINESS_CAP``; a member's quiet hours are
their own and the circle charter's (businesses are not held). A member's change of settings,
or a charter change, has the recipients configured again on their next moment; the moments
of their last hour still count against the cap they then get.

One moment per recipient and event, but one per (intent, offer): each pair of a need is its
own publication to the gate.

Each circle numbers its own recipients (``registry.RecipientNumbers``), so a gate's arrays
follow the circle's recipients; a number is freed, and its settings forgotten, once its
recipient owns no standing in the circle and the gate can no longer hold anything of it.

What the gates admitted outlives the process: at start-up ``restore`` counts the moments of
the last hour from the store (``RESTORE_HORIZON``), so a restart gives nobody a fresh hourly
cap, and a publication matched again within that hour finds its pairs taken. One bulk read of
the moments, one of their members' settings per page of ids, no read per moment.

Not thread-safe: the ``Matcher`` holds its lock around every call.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import groupby
from typing import Any, NamedTuple, Protocol

import numpy as np

from buurt.domain.activity import Event, Intent, Offer
from buurt.domain.community import Member
from buurt.domain.following import Update
from buurt.domain.moments import Moment, PublicationKind
from buurt.engine import RelevanceGate
from buurt.ports import UnitOfWork
from buurt.ports.store import Between
from buurt.services.charter import proposals
from buurt.services.matching.candidates import Pair
from buurt.services.matching.registry import RecipientNumbers

BUSINESS_CAP = 100
RESTORE_HORIZON = timedelta(hours=1)
"""How far back ``restore`` counts moments: the hourly caps' memory."""
_PAGE = 500  # the store's largest page
_UNPOSTED = -1  # the key of a standing that is no longer posted: engine keys are >= 0


class Circles(Protocol):
    """What the gates need to know of a circle (``indexes.Indexes`` answers)."""

    def timezone(self, circle_id: str) -> str: ...

    def owns(self, circle_id: str, name: str) -> bool:
        """Whether the recipient ``name`` (``"kind:id"``) owns a standing in the circle."""
        ...

    def key_of(self, standing_id: str) -> int | None:
        """The engine key of a posted standing; ``None`` when it is not posted."""
        ...


@dataclass
class CircleGate:
    """One circle's gate, its recipients' numbers and which of them are configured."""

    gate: RelevanceGate
    numbers: RecipientNumbers
    configured: set[int] = field(default_factory=set)


class Gates:
    """Every circle's relevance gate."""

    def __init__(self, circles: Circles) -> None:
        self._info = circles
        self._circles: dict[str, CircleGate] = {}

    def admit(
        self,
        uow: UnitOfWork,
        record: Event | Intent | Offer | Update,
        pairs: list[Pair],
        at: datetime,
    ) -> list[Pair]:
        """The pairs (all with consent) the circle's gate admits; they count from now on."""
        circle = self._circle(record.circle_id)
        keys = np.array([p.key for p in pairs], dtype=np.int64)
        recipients = np.array(
            [self._recipient(uow, record.circle_id, circle, p.recipient, at) for p in pairs],
            dtype=np.int64,
        )
        if isinstance(record, Event):  # one moment per recipient and event ...
            groups = {record.id: list(range(len(pairs)))}
        else:  # ... but one per offer and intent (or follow): each pair is its own publication
            groups = {f"{record.id}/{p.standing.id}": [i] for i, p in enumerate(pairs)}
        admitted: list[Pair] = []
        for publication, rows in groups.items():
            index = np.array(rows, dtype=np.intp)
            mask = circle.gate.admit(publication, at, keys[index], recipients[index])
            admitted += [pairs[i] for i, ok in zip(rows, mask, strict=True) if ok]
        return admitted

    def restore(self, uow: UnitOfWork, at: datetime) -> int:
        """Count the moments stored in the last ``RESTORE_HORIZON`` before ``at`` as admitted
        (at start-up, before any publication); how many were counted."""
        rows = uow.repo(Moment).values(
            _RESTORED, {"created_at": Between(at - RESTORE_HORIZON, None)}
        )
        pairs = sorted(_Restored.of(row, at) for row in rows)
        for circle_id, group in groupby(pairs, key=lambda pair: pair.circle_id):
            self._restore_circle(uow, circle_id, list(group), at)
        return len(pairs)

    def _restore_circle(
        self, uow: UnitOfWork, circle_id: str, pairs: list[_Restored], at: datetime
    ) -> None:
        circle = self._circle(circle_id)
        numbers: list[int] = []
        recipients: dict[int, tuple[str, str]] = {}
        for pair in pairs:
            number, freed = circle.numbers.number(pair.recipient, pair.at)
            circle.configured.difference_update(freed)
            numbers.append(number)
            recipients[number] = pair.recipient_kind, pair.recipient_id
        # Caps first: setting one starts the recipient's hour afresh.
        members = _members(uow, [i for kind, i in recipients.values() if kind == "member"])
        rules = proposals.in_force(uow, circle_id, at)
        charter_hours = quiet_hours(rules.quiet_from_hour, rules.quiet_until_hour)
        for number, (kind, ident) in recipients.items():
            member = members.get(ident) if kind == "member" else None
            if kind != "member" or member is not None:  # an erased member has nothing held
                self._configure(circle, number, member, charter_hours)
        keys = [self._info.key_of(pair.standing_id) for pair in pairs]
        circle.gate.restore(
            [pair.publication for pair in pairs],
            [pair.at for pair in pairs],
            [_UNPOSTED if key is None else key for key in keys],
            numbers,
        )

    def forget_member(self, member_id: str) -> None:
        """A member changed their cap or quiet hours: configure again on next use."""
        name = f"member:{member_id}"
        for circle in self._circles.values():
            number = circle.numbers.find(name)
            if number is not None:
                circle.configured.discard(number)

    def forget_charter(self, circle_id: str) -> None:
        """A circle's charter changed (perhaps its quiet hours): configure its recipients
        again on next use."""
        self._circle(circle_id).configured.clear()

    def sizes(self) -> dict[str, int]:
        """How much is held, summed over the circles (for tests and monitoring)."""
        circles = self._circles.values()
        return {
            "recipients": sum(len(c.numbers) for c in circles),
            "recipient_capacity": sum(c.numbers.capacity for c in circles),
            "configured": sum(len(c.configured) for c in circles),
        }

    def _circle(self, circle_id: str) -> CircleGate:
        found = self._circles.get(circle_id)
        if found is None:
            gate = RelevanceGate(self._info.timezone(circle_id))
            hold = max(gate.dedup_window, timedelta(hours=1))

            def owned(name: str) -> bool:
                return self._info.owns(circle_id, name)

            found = self._circles[circle_id] = CircleGate(gate, RecipientNumbers(hold, owned))
        return found

    def _recipient(
        self,
        uow: UnitOfWork,
        circle_id: str,
        circle: CircleGate,
        recipient: tuple[str, str],
        at: datetime,
    ) -> int:
        number, freed = circle.numbers.number(":".join(recipient), at)
        circle.configured.difference_update(freed)
        if number not in circle.configured:
            kind, ident = recipient
            member = uow.repo(Member).get(ident) if kind == "member" else None
            charter_hours: set[int] = set()
            if member is not None:
                rules = proposals.in_force(uow, circle_id, at)
                charter_hours = quiet_hours(rules.quiet_from_hour, rules.quiet_until_hour)
            self._configure(circle, number, member, charter_hours)
        return number

    @staticmethod
    def _configure(
        circle: CircleGate, number: int, member: Member | None, charter_hours: set[int]
    ) -> None:
        """Set a recipient's cap and quiet hours (``member`` is ``None`` for a business)."""
        circle.gate.set_cap(number, member.max_moments_per_hour if member else BUSINESS_CAP)
        hours: set[int] = set()
        if member is not None:  # quiet hours are for people: the member's and the circle's
            hours = charter_hours | quiet_hours(member.quiet_from_hour, member.quiet_until_hour)
        circle.gate.set_quiet_hours(number, sorted(hours))
        circle.configured.add(number)


def quiet_hours(start: int | None, end: int | None) -> set[int]:
    """Hours of the day from ``start`` up to (not including) ``end``, across midnight."""
    if start is None or end is None:
        return set()
    return {(start + i) % 24 for i in range((end - start) % 24)}


_RESTORED = (
    "circle_id",
    "created_at",
    "source_kind",
    "source_id",
    "standing_id",
    "recipient_kind",
    "recipient_id",
)


class _Restored(NamedTuple):
    """What the gate needs of a stored moment, ordered by circle, then time, then the
    publication (its event, or its (intent, offer) pair: the gate's publication)."""

    circle_id: str
    at: datetime
    publication: str
    standing_id: str
    recipient_kind: str
    recipient_id: str

    @property
    def recipient(self) -> str:
        return f"{self.recipient_kind}:{self.recipient_id}"

    @classmethod
    def of(cls, row: tuple[Any, ...], now: datetime) -> _Restored:
        circle_id, created_at, source_kind, source_id, standing_id, kind, ident = row
        publication = source_id
        if source_kind != PublicationKind.EVENT:
            publication = f"{source_id}/{standing_id}"
        # Time must not run backwards in the gate: a moment from ahead of now counts now.
        return cls(circle_id, min(created_at, now), publication, standing_id, str(kind), ident)


def _members(uow: UnitOfWork, ids: list[str]) -> dict[str, Member]:
    """The members with these ids, a page of ids per read."""
    found: dict[str, Member] = {}
    for start in range(0, len(ids), _PAGE):
        page = uow.repo(Member).page(where={"id": ids[start : start + _PAGE]}, limit=_PAGE)
        found.update((member.id, member) for member in page.items)
    return found
