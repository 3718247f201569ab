"""The outbox in the SQL store: events written with their write, read back in order by a relay.

``add`` inserts a unit of work's events into ``outbox_messages`` inside that unit of work's
transaction, so they are committed, or rolled back, with the write that caused them. ``relay``
hands pending rows to a publisher and deletes them once it has stored them:

- One transaction per batch: ``SELECT ... ORDER BY seq LIMIT n FOR UPDATE SKIP LOCKED``, the
  publish, then ``DELETE`` and commit. A relay that dies mid-batch (a SIGKILL) leaves its rows
  pending, unlocked once its connection is gone; the next relay publishes them again under the
  same ``message_id``, and JetStream stores each id once.
- On PostgreSQL several relays share one outbox. A relay whose first unlocked row is not the
  oldest pending row stands by: another relay is publishing the rows before it, and rows are
  published in order, by one relay at a time, never by two at once.
- SQLite has one writer and no row locks; a process keeps its own relays apart with a lock
  (``adapters/bus/relay.py``), and JetStream's dedup covers two processes on one file.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, delete, func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from buurt.adapters.store.tables_outbox import outbox_messages
from buurt.adapters.store.uow import SqlUnitOfWork
from buurt.domain.events import DomainEvent, from_json, to_json
from buurt.ports.store import UnitOfWork

# How many rows one relay transaction publishes: small enough that a batch is quick to hold.
BATCH = 200


@dataclass(frozen=True)
class OutboxMessage:
    """A pending row: its order, its ``Nats-Msg-Id``, and the event it carries."""

    seq: int
    message_id: str
    event: DomainEvent


Publisher = Callable[[Sequence[tuple[str, DomainEvent]]], object]
"""Stores the named events in order, or raises: ``NatsBus.publish_identified``."""


class SqlOutbox:
    """The outbox table of one SQL store."""

    def __init__(self, engine: Engine) -> None:
        self._sessions = sessionmaker(bind=engine, expire_on_commit=False)

    def add(self, uow: UnitOfWork, events: Sequence[DomainEvent], at: datetime) -> None:
        """Write ``events`` into ``uow``'s transaction, in order."""
        if not events:
            return
        if not isinstance(uow, SqlUnitOfWork):
            raise TypeError(f"the SQL outbox writes in a SQL unit of work, not {uow!r}")
        rows = [
            {
                "message_id": f"outbox-{uuid.uuid4().hex}",
                "created_at": at,
                "payload": json.dumps(to_json(event), separators=(",", ":")),
            }
            for event in events
        ]
        # The write first, so that a clash in it is the unit of work's Conflict, as at commit.
        uow.flush()
        uow.session.execute(insert(outbox_messages), rows)

    def relay(self, publish: Publisher, limit: int = BATCH) -> int:
        """Publish up to ``limit`` of the oldest pending rows and delete them; how many. What
        ``publish`` raises leaves the rows pending (and is raised)."""
        table = outbox_messages
        with self._sessions() as session:
            claimed = list(
                session.execute(
                    select(table.c.seq, table.c.message_id, table.c.payload)
                    .order_by(table.c.seq)
                    .limit(limit)
                    .with_for_update(skip_locked=True)  # PostgreSQL; SQLite has no row locks
                )
            )
            if not claimed or claimed[0].seq != _oldest(session):
                # Nothing pending, or another relay holds the rows before these: it goes first.
                session.rollback()
                return 0
            messages = [_message(row) for row in claimed]
            publish([(message.message_id, message.event) for message in messages])
            session.execute(delete(table).where(table.c.seq.in_([m.seq for m in messages])))
            session.commit()
            return len(messages)

    def depth(self) -> int:
        """How many rows wait for the relay."""
        with self._sessions() as session:
            return int(session.scalar(select(func.count()).select_from(outbox_messages)) or 0)

    def pending(self) -> list[OutboxMessage]:
        """Every pending row, oldest first (for tools and tests; a relay uses ``relay``)."""
        table = outbox_messages
        with self._sessions() as session:
            rows = session.execute(
                select(table.c.seq, table.c.message_id, table.c.payload).order_by(table.c.seq)
            )
            return [_message(row) for row in rows]


def _oldest(session: Session) -> int | None:
    found: Any = session.scalar(select(func.min(outbox_messages.c.seq)))
    return int(found) if found is not None else None


def _message(row: Any) -> OutboxMessage:
    return OutboxMessage(int(row.seq), str(row.message_id), from_json(json.loads(row.payload)))
