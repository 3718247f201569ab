"""Poison payloads: what a careless or hostile device may publish on its events topic.

Each must become a dead letter of its own, decided before the batch it arrives in is written,
so that it costs the other things nothing. ``buurt bench ingest`` mixes them into a flood
(its 1% poison row), and the tests send each through the gateway.
"""

from __future__ import annotations

# Escapes such as \\u0000 are JSON's: the bytes on the wire hold no NUL or surrogate.
_READING = b'"attributes": {"power_w": 1}'

POISON: dict[str, bytes] = {
    "not JSON": b"level=40",
    "not UTF-8": b'{"attributes": {"power_w": 1}, "kind": "\xff\xfe"}',
    "empty": b"",
    "an integer of 5,000 digits": b'{"attributes": {"power_w": 1' + b"0" * 4999 + b"}}",
    "nesting 20,000 deep": b'{"attributes": ' + b"[" * 20_000 + b"]" * 20_000 + b"}",
    "over 64 KiB": b"{" + _READING + b', "pad": "' + b"x" * 70_000 + b'"}',
    "a list, not an object": b"[1, 2]",
    "attributes as text": b'{"attributes": "full"}',
    "a number as text": b'{"attributes": {"power_w": "5"}}',
    "a boolean for a number": b'{"attributes": {"power_w": true}}',
    "NaN": b'{"attributes": {"power_w": NaN}}',
    "infinity": b'{"attributes": {"power_w": 1e999}}',
    "an unknown field": b"{" + _READING + b', "colour": "red"}',
    "NUL in the message id": b"{" + _READING + b', "message_id": "m\\u0000"}',
    "a lone surrogate in the message id": b"{" + _READING + b', "message_id": "m\\ud800"}',
    "NUL in an attribute's name": b'{"attributes": {"power\\u0000": 1}}',
    "a lone surrogate in an attribute's name": b'{"attributes": {"power\\udfff": 1}}',
    "after the year 9999": b"{" + _READING + b', "occurred_at": "9999-12-31T23:59:59-23:59"}',
    "before the year 1": b"{" + _READING + b', "occurred_at": "0001-01-01T00:00:00+23:59"}',
    "a kind that is no category": b"{" + _READING + b', "kind": "Energy!"}',
}
