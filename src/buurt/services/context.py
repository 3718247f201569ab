"""What every use case needs from outside: a unit of work, a clock and the after-commit hooks."""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from argon2 import PasswordHasher, profiles

from buurt.domain.moments import Moment
from buurt.domain.webhooks import WebhookRules
from buurt.ports import Clock, UnitOfWork, UnitOfWorkFactory
from buurt.ports.things import ThingLink
from buurt.services.consent.decision import ConsentBook

Listener = Callable[[str, Any], None]


class Matching(Protocol):
    """Turns a new publication into moments, inside the publishing unit of work."""

    def moments_for(self, uow: UnitOfWork, record: Any, at: datetime) -> list[Moment]: ...


class Passwords(PasswordHasher):
    """Argon2id password hashing, RFC 9106's low-memory profile unless told otherwise."""

    @classmethod
    def of_profile(cls, name: str) -> Passwords:
        """Hashing with one of argon2's named profiles (``argon2.profiles``)."""
        p = getattr(profiles, name)
        return cls(
            time_cost=p.time_cost,
            memory_cost=p.memory_cost,
            parallelism=p.parallelism,
            hash_len=p.hash_len,
            salt_len=p.salt_len,
            type=p.type,
        )

    @functools.cached_property
    def unknown(self) -> str:
        """A hash of nothing anyone knows, to verify against when an account does not exist."""
        return self.hash(secrets.token_urlsafe(16))


@dataclass
class Services:
    """The wired dependencies of the use cases; built by ``buurt.bootstrap``."""

    uow_factory: UnitOfWorkFactory
    clock: Clock
    passwords: Passwords = field(default_factory=Passwords)
    consent_book: ConsentBook = field(default_factory=ConsentBook)
    listeners: list[Listener] = field(default_factory=list)
    matching: Matching | None = None
    webhook_rules: WebhookRules = field(default_factory=WebhookRules)
    # The MQTT gateway when one runs; commands to things need it.
    thing_link: ThingLink | None = None

    def uow(self) -> UnitOfWork:
        return self.uow_factory()

    def moments_for(self, uow: UnitOfWork, record: Any, at: datetime) -> list[Moment]:
        """The moments a publication makes (none when no matching is wired)."""
        return [] if self.matching is None else self.matching.moments_for(uow, record, at)

    def announce_moments(self, moments: list[Moment]) -> None:
        for moment in moments:
            self.announce("moment.created", moment)

    def announce(self, topic: str, payload: Any) -> None:
        """Tell listeners (the engine, streams) about a change, after it has been committed."""
        for listener in self.listeners:
            listener(topic, payload)
