"""The one decision on personal data: may this recipient use this member's data now?

"May principal P use data D of member M for purpose U now?" Every read path and the engine
ask here; the default is no. ``may_use`` asks the store (the source of truth); the
``ConsentBook`` is its in-memory mirror for the engine's hot path, built from the store and
kept current by the consent use cases' announcements, so a revocation is seen by the very
next match after the revoke is committed.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from buurt.domain.consent import ConsentGrant, DataCategory, Purpose, RecipientKind
from buurt.ports import UnitOfWork


@dataclass(frozen=True)
class Recipient:
    """Who would use the data: a business, a circle or a named app."""

    kind: RecipientKind
    id: str


def may_use(
    uow: UnitOfWork,
    recipient: Recipient,
    member_id: str,
    category: DataCategory,
    purpose: Purpose,
    at: datetime,
    thing_id: str | None = None,
) -> ConsentGrant | None:
    """The live grant that allows the use, or ``None`` (meaning: no)."""
    grants = uow.repo(ConsentGrant).find(
        member_id=member_id,
        recipient_kind=recipient.kind,
        recipient_id=recipient.id,
        category=category,
        purpose=purpose,
    )
    for grant in grants:
        if grant.is_live(at) and grant.thing_id == thing_id:
            return grant
    return None


_Key = tuple[RecipientKind, str, str, DataCategory, Purpose, str | None]


class ConsentBook:
    """In-memory mirror of every grant, answering ``may_use`` without I/O."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_key: dict[_Key, dict[str, ConsentGrant]] = defaultdict(dict)
        self._key_of: dict[str, _Key] = {}

    def load(self, uow: UnitOfWork) -> None:
        for grant in uow.repo(ConsentGrant).find():
            self.put(grant)

    def put(self, grant: ConsentGrant) -> None:
        """Record a new, changed or revoked grant (a snapshot, so later edits need a put)."""
        key: _Key = (
            grant.recipient_kind,
            grant.recipient_id,
            grant.member_id,
            grant.category,
            grant.purpose,
            grant.thing_id,
        )
        snapshot = ConsentGrant(
            grant.id,
            grant.member_id,
            grant.recipient_kind,
            grant.recipient_id,
            grant.category,
            grant.purpose,
            grant.created_at,
            grant.expires_at,
            grant.revoked_at,
            grant.thing_id,
        )
        with self._lock:
            self._by_key[key][grant.id] = snapshot
            self._key_of[grant.id] = key

    def listen(self, topic: str, payload: object) -> None:
        """A ``Services`` listener: mirror every grant the consent use cases announce."""
        if topic.startswith("consent.") and isinstance(payload, ConsentGrant):
            self.put(payload)

    def forget_member(self, member_id: str) -> None:
        with self._lock:
            for grant_id, key in list(self._key_of.items()):
                if key[2] == member_id:
                    self._by_key[key].pop(grant_id, None)
                    del self._key_of[grant_id]

    def may_use(
        self,
        recipient: Recipient,
        member_id: str,
        category: DataCategory,
        purpose: Purpose,
        at: datetime,
        thing_id: str | None = None,
    ) -> str | None:
        """The id of the live grant allowing the use, or ``None``."""
        key = (recipient.kind, recipient.id, member_id, category, purpose, thing_id)
        with self._lock:
            for grant in self._by_key.get(key, {}).values():
                if grant.is_live(at):
                    return grant.id
        return None
