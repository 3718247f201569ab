"""Ingestion of things' events: dead letters and MQTT credentials.

A thing's event that cannot be stored (not JSON, wrong types, failing its thing kind's schema)
is never dropped: it becomes a ``RejectedEvent`` its owner can read. A ``MqttCredential`` is a
thing's broker login (its id and a secret shown once; only a hash is kept).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

# What no store takes in text: NUL (PostgreSQL) and lone surrogates (not encodable as UTF-8).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# Room for a useful excerpt of a bad payload without letting one message fill the store.
MAX_RAW_CHARS = 4000


class IngestSource(StrEnum):
    """How an event reached Buurt."""

    HTTP = "http"
    MQTT = "mqtt"


@dataclass
class RejectedEvent:
    """A dead letter: what a thing sent that was not stored as an event, and why."""

    id: str
    thing_id: str
    received_at: datetime
    source: IngestSource
    payload: str
    reason: str


@dataclass
class MqttCredential:
    """A thing's MQTT login. ``id`` is the thing's id, which is also the MQTT username;
    ``password_hash`` is in the broker's PBKDF2-SHA512 format, so the broker's password file
    is written from it directly."""

    id: str
    password_hash: str
    created_at: datetime


def clean_text(text: str) -> str:
    """``text`` as any store holds it: a lone surrogate (which JSON's ``\\ud800`` escape makes,
    and UTF-8 cannot encode) becomes U+FFFD, and so does NUL (PostgreSQL text cannot hold it)."""
    return _UNSTORABLE.sub("\ufffd", text)


def excerpt(raw: bytes | str, limit: int = MAX_RAW_CHARS) -> str:
    """The payload as text, cut to ``limit`` characters with a note of its full size."""
    text = clean_text(raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw)
    if len(text) <= limit:
        return text
    unit = "bytes" if isinstance(raw, bytes) else "characters"
    return f"{text[:limit]}… (truncated; {len(raw)} {unit} in all)"
