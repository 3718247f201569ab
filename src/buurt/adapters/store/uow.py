"""The unit of work and the generic repository on a SQLAlchemy session."""

from __future__ import annotations

import re
from collections.abc import Sequence
from types import TracebackType
from typing import Any, Self, TypeVar, cast

from sqlalchemy import ColumnElement, Engine, and_, false, func, insert, or_, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.util import identity_key

from buurt.adapters.store.mapping import TABLE_OF, map_domain
from buurt.domain.errors import Conflict
from buurt.ports.store import Between, Filter, Page, Repository, UnitOfWorkFactory

T = TypeVar("T")
MAX_PAGE = 500
OVERLAP = "the booking overlaps another booking of the thing"


class SqlRepository(Repository[T]):
    def __init__(self, session: Session, kind: type[T]) -> None:
        self._session = session
        self._kind = kind
        self._table = TABLE_OF[kind]

    def get(self, ident: str) -> T | None:
        return self._session.get(self._kind, ident)

    def add(self, entity: T) -> None:
        self._session.add(entity)

    def delete(self, entity: T) -> None:
        self._session.delete(entity)

    def find(self, **equals: Any) -> list[T]:
        query = select(self._kind).filter_by(**equals).order_by(self._table.c.id)
        return list(self._session.scalars(query))

    def count(self, **equals: Any) -> int:
        query = select(func.count()).select_from(self._kind).filter_by(**equals)
        return int(self._session.scalar(query) or 0)

    def page(
        self,
        *,
        where: Filter | None = None,
        any_of: Sequence[Filter] | None = None,
        after: str | None = None,
        limit: int = 50,
    ) -> Page[T]:
        limit = max(1, min(limit, MAX_PAGE))
        query = select(self._kind).order_by(self._table.c.id).limit(limit + 1)
        if where:
            query = query.where(self._condition(where))
        if any_of is not None:
            query = query.where(or_(false(), *(self._condition(f) for f in any_of)))
        if after:
            query = query.where(self._table.c.id > after)
        rows = list(self._session.scalars(query))
        more = len(rows) > limit
        items = rows[:limit]
        return Page(items=items, next_cursor=cast(Any, items[-1]).id if more else None)

    def values(self, fields: Sequence[str], where: Filter) -> list[tuple[Any, ...]]:
        columns = [self._table.c[name] for name in fields]
        query = select(*columns).where(self._condition(where)).order_by(self._table.c.id)
        return [tuple(row) for row in self._session.execute(query)]

    def _condition(self, equals: Filter) -> ColumnElement[bool]:
        parts = []
        for name, value in equals.items():
            column = self._table.c[name]
            if isinstance(value, list | tuple | set | frozenset):
                parts.append(column.in_(list(value)))
            elif isinstance(value, Between):
                if value.start is not None:
                    parts.append(column >= value.start)
                if value.end is not None:
                    parts.append(column < value.end)
            else:
                parts.append(column == value)
        return and_(true(), *parts)


class SqlUnitOfWork:
    """One transaction. ``commit()`` flushes and commits; integrity errors become ``Conflict``."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self.session: Session

    def __enter__(self) -> Self:
        self.session = self._sessions()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # close() discards uncommitted work but, unlike rollback(), leaves loaded entities
        # readable after the block, so services can return them.
        self.session.close()

    def repo(self, kind: type[T]) -> Repository[T]:
        return SqlRepository(self.session, kind)

    def flush(self) -> None:
        try:
            self.session.flush()
        except IntegrityError as error:
            self.session.rollback()
            raise Conflict(_integrity_detail(error)) from error

    def insert_many(self, kind: type[T], entities: Sequence[T]) -> None:
        if not entities:
            return
        table = TABLE_OF[kind]
        names = [c.key for c in table.c if c.key not in ("lat", "lon")]
        with_place = "lat" in table.c
        if with_place:
            names += ["lat", "lon"]
        # A new mapped entity holds every column's value in its __dict__ (the composite place
        # as lat and lon): reading it there, and inserting with Core's executemany, skips the
        # ORM's per-attribute bookkeeping. This is the MQTT gateway's hot path.
        rows = [{name: vars(entity)[name] for name in names} for entity in entities]
        try:
            self.session.execute(insert(table), rows)
        except IntegrityError as error:
            self.session.rollback()
            raise Conflict(_integrity_detail(error)) from error

    def shift(self, kind: type[T], ident: str, **by: int) -> None:
        self.flush()
        table = TABLE_OF[kind]
        statement = (
            update(table)
            .where(table.c.id == ident)
            .values({name: table.c[name] + amount for name, amount in by.items()})
        )
        try:
            # PostgreSQL waits here for a concurrent writer of the row and then adds to the row
            # as that one left it; SQLite has one writer at a time: neither loses an update.
            result = self.session.execute(statement)
        except IntegrityError as error:
            self.session.rollback()
            raise Conflict(_integrity_detail(error)) from error
        if cast(Any, result).rowcount != 1:
            raise Conflict("the record to change no longer exists")
        loaded = self.session.identity_map.get(identity_key(kind, ident))
        if loaded is not None:
            self.session.expire(loaded)

    def commit(self) -> None:
        try:
            self.session.commit()
        except IntegrityError as error:
            self.session.rollback()
            raise Conflict(_integrity_detail(error)) from error

    def rollback(self) -> None:
        self.session.rollback()


def _integrity_detail(error: IntegrityError) -> str:
    text = str(error.orig).lower()
    if "unique" in text or "duplicate" in text:
        return "a record with the same unique value already exists"
    if "exclusion" in text or "overlaps" in text:
        return OVERLAP
    check = re.search(r"(ck_[a-z_]+)", text)
    if "check" in text and check:
        return f"the change breaks the store's rule {check.group(1)}"
    if "foreign key" in text:
        return "the record refers to, or is referred to by, another record"
    return "the change conflicts with stored data"


def sql_unit_of_work_factory(engine: Engine) -> UnitOfWorkFactory:
    map_domain()
    sessions = sessionmaker(bind=engine, expire_on_commit=False)
    return lambda: SqlUnitOfWork(sessions)
