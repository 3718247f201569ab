"""Idempotent creates: a create with an ``Idempotency-Key`` is done once per principal and key.

``recall`` finds the first answer to a key (refusing a different request under the same key);
``remembering`` gives the use case a ``Services`` whose unit of work stores the answer in the
very transaction that stores the created record. A crash after that commit but before the
answer reaches the client therefore still leaves the answer to give on the retry, and a crash
before it leaves neither. Two requests with one key that race past ``recall`` (two replicas)
clash on the remembered answer's primary key at commit: one commits, the other rolls back
whole and is refused as in progress. ``InFlight`` refuses the second at once within a process.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from types import TracebackType
from typing import Any, Self, TypeVar

from buurt.domain.errors import Conflict, IdempotencyKeyReused, RequestInProgress
from buurt.domain.idempotency import IdempotentRequest, request_id
from buurt.ports import Page, Repository, UnitOfWork
from buurt.ports.store import Between, Filter
from buurt.services.context import Services
from buurt.services.principals import Principal

T = TypeVar("T")
E = TypeVar("E")
IN_PROGRESS = (
    "A request with this Idempotency-Key is still being processed; retry it once it is done."
)


def recall(
    services: Services, principal: Principal, key: str, fingerprint: str
) -> IdempotentRequest | None:
    """The remembered answer to this principal's key, or ``None`` when there is none (or it
    expired: then it is forgotten, and the key is free). ``IdempotencyKeyReused`` when the key
    was used for a different request."""
    ident = request_id(principal.kind, principal.id, key)
    with services.uow() as uow:
        found = uow.repo(IdempotentRequest).get(ident)
        if found is None:
            return None
        if not found.live(services.clock.now()):
            uow.repo(IdempotentRequest).delete(found)
            uow.commit()
            return None
    if found.fingerprint != fingerprint:
        raise IdempotencyKeyReused(
            "This Idempotency-Key was used for a different request; use a new key for a new "
            "request."
        )
    return found


def remembering(
    services: Services,
    principal: Principal,
    key: str,
    fingerprint: str,
    *,
    kind: type[E],
    render: Callable[[E], str],
    lifetime: timedelta,
    after_commit: Callable[[], None] = lambda: None,
) -> Services:
    """``services`` whose units of work, when they commit the first new ``kind`` record,
    store ``render(record)`` as the answer to ``key`` in the same transaction."""

    def answer(uow: UnitOfWork, record: E) -> None:
        now = services.clock.now()
        uow.repo(IdempotentRequest).add(
            IdempotentRequest(
                id=ident,
                principal_kind=principal.kind,
                principal_id=principal.id,
                fingerprint=fingerprint,
                status=201,
                body=render(record),
                created_at=now,
                expires_at=now + lifetime,
            )
        )

    def remembered() -> bool:
        with inner() as uow:
            return uow.repo(IdempotentRequest).get(ident) is not None

    ident = request_id(principal.kind, principal.id, key)
    inner = services.uow_factory
    return dataclasses.replace(
        services,
        uow_factory=lambda: _Remembering(inner(), kind, answer, remembered, after_commit),
    )


def forget_expired(services: Services, batch: int = 500) -> int:
    """Delete the remembered answers whose time is up, a batch per transaction; how many."""
    forgotten = 0
    while True:
        with services.uow() as uow:
            repo = uow.repo(IdempotentRequest)
            due = repo.page(where={"expires_at": Between(end=services.clock.now())}, limit=batch)
            for record in due.items:
                repo.delete(record)
            uow.commit()
        forgotten += len(due.items)
        if due.next_cursor is None:
            return forgotten


class InFlight:
    """The keys being answered in this process now: a second request with one of them is
    refused at once, before it does any work. Safe to share between threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._keys: set[str] = set()

    @contextmanager
    def holding(self, principal: Principal, key: str) -> Iterator[None]:
        ident = request_id(principal.kind, principal.id, key)
        with self._lock:
            if ident in self._keys:
                raise RequestInProgress(IN_PROGRESS)
            self._keys.add(ident)
        try:
            yield
        finally:
            with self._lock:
                self._keys.discard(ident)


class _Remembering:
    """A unit of work that notes the new ``kind`` records added to it and, at the first
    commit that holds one, adds the remembered answer before committing."""

    def __init__(
        self,
        inner: UnitOfWork,
        kind: type[Any],
        answer: Callable[[UnitOfWork, Any], None],
        remembered: Callable[[], bool],
        after_commit: Callable[[], None],
    ) -> None:
        self._remembered = remembered
        self._inner = inner
        self._kind = kind
        self._answer = answer
        self._after_commit = after_commit
        self._created: list[Any] = []
        self._answered = False

    def __enter__(self) -> Self:
        self._inner.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._inner.__exit__(exc_type, exc, tb)

    def repo(self, kind: type[T]) -> Repository[T]:
        found = self._inner.repo(kind)
        return _Noting(found, self._created) if kind is self._kind else found

    def flush(self) -> None:
        self._inner.flush()

    def shift(self, kind: type[T], ident: str, **by: int) -> None:
        self._inner.shift(kind, ident, **by)

    def insert_many(self, kind: type[T], entities: Sequence[T]) -> None:
        self._inner.insert_many(kind, entities)
        if kind is self._kind:
            self._created.extend(entities)

    def commit(self) -> None:
        answering = bool(self._created) and not self._answered
        if answering:
            self._answer(self._inner, self._created[0])
        try:
            self._inner.commit()
        except Conflict as error:
            if answering and self._remembered():
                raise RequestInProgress(IN_PROGRESS) from error
            raise
        if answering:
            self._answered = True
            self._after_commit()

    def rollback(self) -> None:
        self._created.clear()
        self._inner.rollback()


class _Noting(Repository[T]):
    """A repository that notes what is added to it."""

    def __init__(self, inner: Repository[T], created: list[Any]) -> None:
        self._inner = inner
        self._created = created

    def get(self, ident: str) -> T | None:
        return self._inner.get(ident)

    def add(self, entity: T) -> None:
        self._inner.add(entity)
        self._created.append(entity)

    def delete(self, entity: T) -> None:
        self._inner.delete(entity)

    def find(self, **equals: Any) -> list[T]:
        return self._inner.find(**equals)

    def count(self, **equals: Any) -> int:
        return self._inner.count(**equals)

    def values(self, fields: Sequence[str], where: Filter) -> list[tuple[Any, ...]]:
        return self._inner.values(fields, where)

    def page(
        self,
        *,
        where: Filter | None = None,
        any_of: Sequence[Filter] | None = None,
        after: str | None = None,
        limit: int = 50,
    ) -> Page[T]:
        return self._inner.page(where=where, any_of=any_of, after=after, limit=limit)
