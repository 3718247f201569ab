"""Building a batch of things' events: access, kind schemas, deduplication and dead letters.

Used by ``events.publish_events`` (the one way events are stored, over HTTP and MQTT). A draft
from a thing is checked against its thing kind's schema; what does not fit becomes a
``RejectedEvent``. A draft's ``message_id`` (chosen by the thing, unique per thing) is stored
with its event, so the same message delivered twice is stored once.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from buurt.domain.activity import Event
from buurt.domain.categories import check_category
from buurt.domain.community import Thing
from buurt.domain.errors import InvalidInput, NotFound, PermissionDenied
from buurt.domain.ids import new_id
from buurt.domain.ingestion import IngestSource, RejectedEvent, excerpt
from buurt.domain.parties import PartyKind
from buurt.domain.time import as_utc
from buurt.ports import UnitOfWork
from buurt.services.principals import Principal
from buurt.services.things import kinds, registry

# The store's "one of" lists are paged; ask in chunks no larger than a page.
_CHUNK = 500

# The MQTT broker authenticated each thing by its credentials and the topic ACL; the gateway
# publishes things' events under this principal, each draft naming its ``thing_id``.
BROKER = Principal(kind=PartyKind.THING, id="mqtt-broker", token_id="mqtt")  # noqa: S106


def thing_of_draft(principal: Principal, draft: dict[str, Any]) -> str | None:
    """The thing a draft is from: the one it names, or the acting thing itself."""
    named: str | None = draft.get("thing_id")
    if named is None and principal.kind is PartyKind.THING and principal is not BROKER:
        return principal.id
    return named


def may_publish_for(principal: Principal, thing: Thing) -> bool:
    return (
        principal is BROKER
        or principal.acts_for("thing", thing.id)
        or registry.owns(principal, thing)
    )


def rejection(
    thing_id: str, at: datetime, source: IngestSource, raw: Any, reason: str
) -> RejectedEvent:
    """A dead letter. Its reason may quote what was sent (a field's name), so it is cut and
    cleaned like the payload: a dead letter must always be storable."""
    text = raw if isinstance(raw, bytes | str) else json.dumps(raw, default=str)
    return RejectedEvent(
        new_id("rejected_event"), thing_id, at, source, excerpt(text), excerpt(reason)
    )


@dataclass
class ThingBatch:
    """The things' events of one transaction, built draft by draft."""

    uow: UnitOfWork
    principal: Principal
    received_at: datetime
    source: IngestSource
    events: list[Event] = field(default_factory=list)
    duplicates: list[Event] = field(default_factory=list)
    rejected: list[RejectedEvent] = field(default_factory=list)
    _things: dict[str, Thing] = field(default_factory=dict)
    _seen: dict[tuple[str, str], Event] = field(default_factory=dict)

    def prepare(self, drafts: Sequence[dict[str, Any]]) -> None:
        """Load, in a few queries, the things the drafts come from and the events already
        stored under their message ids."""
        ids = {t for d in drafts if (t := thing_of_draft(self.principal, d))}
        for chunk in _chunks(ids):
            for thing in self.uow.repo(Thing).page(where={"id": chunk}, limit=_CHUNK).items:
                self._things[thing.id] = thing
        message_ids = {str(d["message_id"]) for d in drafts if d.get("message_id") is not None}
        for chunk in _chunks(message_ids):
            where = {"source_id": sorted(ids), "message_id": chunk}
            cursor = None
            while True:  # usually no rows: duplicates only come after a crash or a resend
                page = self.uow.repo(Event).page(where=where, after=cursor, limit=_CHUNK)
                for event in page.items:
                    self._seen[(event.source_id, str(event.message_id))] = event
                if (cursor := page.next_cursor) is None:
                    break

    def take(self, thing_id: str, draft: dict[str, Any]) -> None:
        """Add one draft from ``thing_id``: an event, a duplicate, or a dead letter."""
        thing = self._things.get(thing_id)
        if thing is None or not may_publish_for(self.principal, thing):
            if self.principal is BROKER:
                self._reject(thing_id, draft, "no thing has this id (was it deleted?)")
                return
            if thing is not None and registry.POLICY.visible(self.uow, self.principal, thing):
                raise PermissionDenied("only a thing and its owner publish its events")
            raise NotFound("thing", thing_id)
        key = None
        if draft.get("message_id") is not None:
            key = (thing.id, str(draft["message_id"]))
            if key in self._seen:
                self.duplicates.append(self._seen[key])
                return
        attributes = draft.get("attributes") or {}
        try:
            event = self._event(thing, draft, attributes)
        except InvalidInput as error:
            self._reject(thing.id, draft, error.detail)
            return
        thing.last_seen_at = self.received_at
        thing.state = {**thing.state, **attributes}
        if draft.get("place") is not None:
            # A thing that reports where it is (a cargo bike's GPS) stands there now, unless
            # it was placed later than this event happened (an old event arriving late).
            thing.locate(event.place, event.occurred_at)
        self.events.append(event)
        if key is not None:
            self._seen[key] = event

    def _event(self, thing: Thing, draft: dict[str, Any], attributes: dict[str, Any]) -> Event:
        problem = kinds.problem_with(thing.kind, attributes)
        if problem is None:
            problem = _circle_problem(thing, draft.get("circle_id"))
        if problem is not None:
            raise InvalidInput(problem, "attributes")
        occurred_at = draft.get("occurred_at")
        return Event(
            new_id("event"),
            thing.circle_id,
            PartyKind.THING,
            thing.id,
            check_category(draft.get("kind") or kinds.EVENT_KINDS[thing.kind], "kind"),
            draft.get("place") or thing.place,
            as_utc(occurred_at, "occurred_at") if occurred_at else self.received_at,
            self.received_at,
            attributes,
            None if draft.get("message_id") is None else str(draft["message_id"]),
        )

    def store(self) -> None:
        self.uow.insert_many(Event, self.events)
        self.store_rejected()

    def store_rejected(self) -> None:
        for rejected in self.rejected:
            self.uow.repo(RejectedEvent).add(rejected)

    def _reject(self, thing_id: str, draft: dict[str, Any], reason: str) -> None:
        raw = draft.get("raw", {k: v for k, v in draft.items() if k not in ("raw", "thing_id")})
        self.rejected.append(rejection(thing_id, self.received_at, self.source, raw, reason))


def _circle_problem(thing: Thing, circle_id: str | None) -> str | None:
    if circle_id is None or circle_id == thing.circle_id:
        return None
    return f"the thing belongs to circle {thing.circle_id}, not {circle_id}"


def _chunks(values: Iterable[str]) -> Iterable[list[str]]:
    ordered = sorted(values)
    for start in range(0, len(ordered), _CHUNK):
        yield ordered[start : start + _CHUNK]


def refusal(rejected: Sequence[RejectedEvent], indexes: Sequence[int] | None) -> InvalidInput:
    """The error an all-or-nothing batch answers when some of its events were dead-lettered;
    ``indexes`` are their places in the batch (``None`` for a single event)."""
    if indexes is None:
        detail = rejected[0].reason
    else:
        detail = "; ".join(f"event {i}: {r.reason}" for i, r in zip(indexes, rejected, strict=True))
    where = f"/v1/things/{rejected[0].thing_id}/rejected"
    return InvalidInput(f"Nothing was stored; rejected (see {where}): {detail}", "attributes")
