"""Identifiers: a short type prefix and a time-ordered ULID, so ids sort in creation order.

Time order makes cursor paging a plain ``id > cursor`` and keeps index inserts at the end.
"""

import os
import time

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
    "rejected_event": "rej",
    "command": "cmd",
}


def new_id(kind: str) -> str:
    """A new id such as ``mem_01JD3Q9V8N6Y2ZC0K4R7T1B5XW`` for ``kind='member'``."""
    value = (time.time_ns() // 1_000_000) << 80 | int.from_bytes(os.urandom(10), "big")
    chars = []
    for _ in range(26):
        chars.append(_CROCKFORD[value & 31])
        value >>= 5
    return f"{PREFIXES[kind]}_{''.join(reversed(chars))}"
