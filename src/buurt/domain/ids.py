"""Identifiers: a short type prefix and a time-ordered ULID, so ids sort in creation order.

Time order makes cursor paging a plain ``id > cursor`` and keeps index inserts at the end.
Within one process ids are strictly increasing (a ULID made in the same millisecond as the
previous one is that one plus one), so "everything after id X" never skips a record.
"""

import os
import threading
import time
from datetime import datetime

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

PREFIXES = {
    "circle": "cir",
    "member": "mem",
    "business": "biz",
    "site": "sit",
    "thing": "thg",
    "event": "evt",
    "intent": "int",
    "offer": "ofr",
    "subscription": "sub",
    "moment": "mom",
    "consent": "cns",
    "token": "tok",
    "membership": "msh",
    "charter": "chv",
    "charter_proposal": "chp",
    "charter_vote": "chx",
    "aggregate_query": "agq",
    "access": "acc",
    "webhook": "whk",
    "delivery": "dlv",
    "rejected_event": "rej",
    "command": "cmd",
    "order": "ord",
    "bookable": "bkb",
    "booking": "bkg",
    "automation": "aut",
    "proposal": "prp",
    "comment": "cmt",
    "support": "spt",
    "image": "img",
    "campaign": "cmp",
    "pledge": "plg",
    "review": "rev",
    "report": "rpt",
    "moderation": "mod",
    "follow": "flw",
    "update": "upd",
    "account_token": "act",
    "mail": "mail",
    "item": "itm",
    "stock": "stk",
    "reservation": "rsv",
    "admission_code": "adc",
    "admission_request": "adr",
    "vouch": "vch",
    "verification": "ver",
    "staff": "stf",
}


_lock = threading.Lock()
_last = 0


def new_id(kind: str) -> str:
    """A new id such as ``mem_01JD3Q9V8N6Y2ZC0K4R7T1B5XW`` for ``kind='member'``."""
    global _last
    value = (time.time_ns() // 1_000_000) << 80 | int.from_bytes(os.urandom(10), "big")
    with _lock:
        if value >> 80 == _last >> 80 and value <= _last:
            value = _last + 1
        _last = value
    return _encode(kind, value)


def cursor_at(kind: str, at: datetime) -> str:
    """A paging cursor just before every id of ``kind`` made at ``at`` or later.

    Ids carry their creation millisecond, so "made since ``at``" is ``id > cursor_at(at)``.
    """
    return _encode(kind, max(0, (int(at.timestamp() * 1000) << 80) - 1))


def _encode(kind: str, value: int) -> str:
    chars = []
    for _ in range(26):
        chars.append(_CROCKFORD[value & 31])
        value >>= 5
    return f"{PREFIXES[kind]}_{''.join(reversed(chars))}"
