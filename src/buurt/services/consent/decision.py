"""The one decision on personal data: may this recipient use this member's data now?

"May principal P use data D of member M for purpose U now?" Every read path and the engine
ask here; the default is no. ``may_use`` asks the store (the source of truth) for a recipient's
live grant; ``decide`` answers the same question for an acting API principal, adding the one
role-based exception of the charter (a circle's admins read their members' profiles to run the
circle). The ``ConsentBook`` is ``may_use``'s in-memory mirror for the engine's hot path, built
from the store and kept current by the consent use cases' domain events, so a revocation is
seen by the very next match after the revoke is committed.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from buurt.domain.community import Membership
from buurt.domain.consent import ConsentGrant, DataCategory, Purpose
from buurt.domain.parties import PartyKind
from buurt.ports import UnitOfWork
from buurt.services.principals import Principal


@dataclass(frozen=True)
class Recipient:
    """Who would use the data: a business, a circle or a named app."""

    kind: PartyKind
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


@dataclass(frozen=True)
class Basis:
    """Why a use is allowed: a live grant, or a role (``"self"`` for the member's own data)."""

    grant_id: str | None = None
    role: str | None = None

    @property
    def is_self(self) -> bool:
        return self.role == "self"


SELF = Basis(role="self")


def decide(
    uow: UnitOfWork,
    principal: Principal,
    member_id: str,
    category: DataCategory,
    purpose: Purpose,
    at: datetime,
    thing_id: str | None = None,
) -> Basis | None:
    """May this API principal use this member's data for this purpose now? ``None``: no.

    A member uses their own data freely. A business needs a live grant to it. A circle's admin
    uses a live grant to the circle, or else, for a profile read to run the circle only, the
    admin role (the charter's exception). Things, and everyone else, get nothing.
    """
    if principal.acts_for("member", member_id):
        return SELF
    if principal.kind is PartyKind.BUSINESS:
        recipient = Recipient(PartyKind.BUSINESS, principal.id)
        grant = may_use(uow, recipient, member_id, category, purpose, at, thing_id)
        return Basis(grant_id=grant.id) if grant else None
    if principal.is_member and principal.admin_of:
        memberships = uow.repo(Membership).find(member_id=member_id)
        shared = sorted({m.circle_id for m in memberships} & principal.admin_of)
        for circle_id in shared:
            recipient = Recipient(PartyKind.CIRCLE, circle_id)
            grant = may_use(uow, recipient, member_id, category, purpose, at, thing_id)
            if grant:
                return Basis(grant_id=grant.id)
        if shared and category is DataCategory.PROFILE and purpose is Purpose.ADMINISTRATION:
            return Basis(role=f"admin of {shared[0]}")
    return None


def granted_things(uow: UnitOfWork, business_id: str) -> set[str]:
    """Things whose data members ever granted this business: the candidates ``decide`` checks
    (so a listing need not scan every member's things)."""
    grants = uow.repo(ConsentGrant).find(
        recipient_kind=PartyKind.BUSINESS,
        recipient_id=business_id,
        category=DataCategory.THING_DATA,
    )
    return {g.thing_id for g in grants if g.thing_id is not None}


_Key = tuple[PartyKind, str, str, DataCategory, Purpose, str | None]


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
        """Record a new, changed or revoked grant (a snapshot, so later edits need a put).

        Revocation is final: a snapshot without ``revoked_at`` never replaces a revoked one, so
        a change committed before a revoke but published after it cannot revive the grant.
        """
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
            known = self._by_key[key].get(grant.id)
            revoked = known.revoked_at if known is not None else None
            if revoked is not None and (
                snapshot.revoked_at is None or revoked < snapshot.revoked_at
            ):
                snapshot.revoked_at = revoked
            self._by_key[key][grant.id] = snapshot
            self._key_of[grant.id] = key

    def drop(self, grant_id: str) -> None:
        """Forget a deleted grant (erasure deletes grants; revocation keeps them)."""
        with self._lock:
            key = self._key_of.pop(grant_id, None)
            if key is not None:
                self._by_key[key].pop(grant_id, None)

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
