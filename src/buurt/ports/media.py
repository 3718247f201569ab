"""The media port: files kept outside the store (proposal images), by name."""

from __future__ import annotations

from typing import Protocol


class Media(Protocol):
    def put(self, name: str, data: bytes) -> None:
        """Keep ``data`` under ``name``, whole or not at all (``OSError`` when it cannot)."""
        ...

    def read(self, name: str) -> bytes:
        """What is kept under ``name``; ``FileNotFoundError`` when nothing is."""
        ...

    def delete(self, name: str) -> None:
        """Forget ``name``; nothing happens when it is not there."""
        ...

    def stale(self, seconds: float) -> list[str]:
        """The names kept for more than ``seconds``: those whose record should have committed
        long since, for sweeping the ones whose record never did."""
        ...
