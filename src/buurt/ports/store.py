"""The store port: repositories of domain entities behind a unit of work.

A ``UnitOfWork`` is a transaction: nothing a service changes is visible to others, or
acknowledged to a caller, before ``commit()`` returns; leaving the ``with`` block without
committing rolls back. Listing is cursor-paged in id order (ids are time-ordered).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Generic, Protocol, Self, TypeVar

T = TypeVar("T")
Filter = Mapping[str, Any]


@dataclass(frozen=True)
class Between:
    """A ``Filter`` value for a range: ``start <= value < end``; ``None`` leaves a side open."""

    start: Any = None
    end: Any = None


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    next_cursor: str | None


class Repository(Protocol[T]):
    def get(self, ident: str) -> T | None: ...

    def add(self, entity: T) -> None: ...

    def delete(self, entity: T) -> None: ...

    def find(self, **equals: Any) -> list[T]:
        """Every entity whose attributes equal the given values."""
        ...

    def count(self, **equals: Any) -> int:
        """How many entities ``find`` would return, without loading them."""
        ...

    def page(
        self,
        *,
        where: Filter | None = None,
        any_of: Sequence[Filter] | None = None,
        after: str | None = None,
        limit: int = 50,
    ) -> Page[T]:
        """Entities in id order after the cursor that match ``where`` and at least one of
        ``any_of`` (when given). In a ``Filter``, a list, tuple or set value means "one of",
        and a ``Between`` a range."""
        ...


class UnitOfWork(Protocol):
    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def repo(self, kind: type[T]) -> Repository[T]: ...

    def flush(self) -> None:
        """Send pending changes in order, inside the transaction (deletes before their parents)."""
        ...

    def insert_many(self, kind: type[T], entities: Sequence[T]) -> None:
        """Insert new entities of one kind at once, inside the transaction: much faster than
        ``add`` for big batches, but they are not tracked (later changes to them are not
        saved). A clash with a stored entity raises ``Conflict``."""
        ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...


UnitOfWorkFactory = Callable[[], UnitOfWork]
