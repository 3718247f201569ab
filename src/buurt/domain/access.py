"""The access log: one entry for every use of a member's data by someone other than the member.

An entry names whose data was used (``member_id``), by whom (``principal_kind``/``principal_id``:
a business, a circle's admin, an app), which category for which purpose, what was done with it
(``what``: an API read, a delivered moment, an aggregate), when, and on what basis: the consent
grant that allowed it, or the role that did (a circle admin reading a profile).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from buurt.domain.consent import DataCategory, Purpose
from buurt.domain.parties import PartyKind

ERASED = "erased"
"""Stands in for an id or text that named an erased member (see ``services.erasure``)."""


@dataclass
class AccessEntry:
    id: str
    member_id: str
    principal_kind: PartyKind
    principal_id: str
    category: DataCategory
    purpose: Purpose
    what: str
    at: datetime
    grant_id: str | None = None
    role: str | None = None
