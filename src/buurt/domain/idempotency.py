"""Remembered creates: the first answer to a request that carried an ``Idempotency-Key``.

A client that lost the answer to a create retries with the same key and gets the first answer
again instead of a second record. The key is scoped to the principal that sent it (two callers
never share a key), and the request is identified by a fingerprint of its method, path and
body, so the same key with a different request is refused rather than answered wrongly. A
remembered answer is kept for a while (``expires_at``), then the key may be used anew.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from buurt.domain.parties import PartyKind


@dataclass
class IdempotentRequest:
    """The first answer to one principal's request with one key: ``status`` and ``body``
    (the JSON text, kept as it was sent)."""

    id: str
    principal_kind: PartyKind
    principal_id: str
    fingerprint: str
    status: int
    body: str
    created_at: datetime
    expires_at: datetime

    def live(self, at: datetime) -> bool:
        return at < self.expires_at


def request_id(kind: PartyKind, principal_id: str, key: str) -> str:
    """The record's id: a digest of the principal and the key, so that two requests with the
    same key from one principal clash on the primary key, whichever process serves them."""
    return hashlib.sha256(f"{kind.value}\x00{principal_id}\x00{key}".encode()).hexdigest()
