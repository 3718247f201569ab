"""A clock that stands still until a test moves it."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta


class FrozenClock:
    """A ``Clock`` whose ``now()`` is the instant it was given, until it is ``set`` to
    another or ``advance``\\ d; instants are timezone-aware and read back in UTC."""

    def __init__(self, at: datetime) -> None:
        self._lock = threading.Lock()
        self._at = _utc(at)

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        self._at = _utc(at)

    def advance(self, by: timedelta) -> datetime:
        """Move on by ``by`` (which may be negative); returns the new instant."""
        with self._lock:
            self._at += by
            return self._at


def _utc(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("a clock's instant must be timezone-aware")
    return at.astimezone(UTC)
